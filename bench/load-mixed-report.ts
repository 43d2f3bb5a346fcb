import { int, ms, percentile, table } from './format.js';

/** What bench/load-mixed.ts measures and prints. */

export const OPERATIONS = ['intake', 'read', 'queue', 'osv'] as const;
export type Operation = (typeof OPERATIONS)[number];
export const OPERATION_NAME: Record<Operation, string> = {
  intake: 'intake (POST report)',
  read: 'reporter read',
  queue: 'team queue page',
  osv: 'OSV query',
};

export type OperationStats = { latencies: number[]; errors: number; errorKinds: Record<string, number> };
export type MemorySample = { atSeconds: number; rss: number; heapUsed: number; heapTotal: number; external: number };
export type Trend = { first: number; last: number; slopePerMinute: number; r2: number };

const MB = 1024 * 1024;
const BARS = '▁▂▃▄▅▆▇█';

/** Least-squares slope (per minute) of `values` over `seconds`, with its r². */
export function trend(seconds: number[], values: number[]): Trend {
  const n = values.length;
  if (n < 2) return { first: values[0] ?? Number.NaN, last: values[0] ?? Number.NaN, slopePerMinute: 0, r2: 0 };
  const mx = seconds.reduce((a, b) => a + b, 0) / n;
  const my = values.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i += 1) {
    sxy += (seconds[i]! - mx) * (values[i]! - my);
    sxx += (seconds[i]! - mx) ** 2;
    syy += (values[i]! - my) ** 2;
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  return { first: values[0]!, last: values[n - 1]!, slopePerMinute: slope * 60, r2: sxx === 0 || syy === 0 ? 0 : (sxy * sxy) / (sxx * syy) };
}

/** A one-line picture of a series, `width` characters, min to max. */
export function sparkline(values: number[], width = 40): string {
  if (values.length === 0) return '';
  const buckets = Array.from({ length: Math.min(width, values.length) }, (_, i) => {
    const from = Math.floor((i * values.length) / Math.min(width, values.length));
    const to = Math.max(from + 1, Math.floor(((i + 1) * values.length) / Math.min(width, values.length)));
    const slice = values.slice(from, to);
    return slice.reduce((a, b) => a + b, 0) / slice.length;
  });
  const min = Math.min(...buckets);
  const max = Math.max(...buckets);
  return buckets.map((value) => BARS[max === min ? 0 : Math.round(((value - min) / (max - min)) * (BARS.length - 1))]).join('');
}

/**
 * A growth verdict for the live heap (after a forced collection): growth over the run below 2 MB or
 * 5 % of its size is noise; more, with a clear fit, is a trend worth a longer run.
 */
export function growthVerdict(live: Trend, seconds: number): string {
  const growth = (live.slopePerMinute * seconds) / 60;
  const mean = (live.first + live.last) / 2;
  if (growth < 2 * MB || growth < 0.05 * mean) return 'flat: no growth trend';
  return live.r2 > 0.5 ? `GROWING by ${(growth / MB).toFixed(1)} MB over the run (r² ${live.r2.toFixed(2)}): run longer to see whether it levels off` : 'noisy, no clear trend';
}

export function formatOperations(stats: Record<Operation, OperationStats>, seconds: number, enabled: Operation[]): string {
  const rows = enabled.map((operation) => {
    const { latencies, errors, errorKinds } = stats[operation];
    const sorted = [...latencies].sort((a, b) => a - b);
    const kinds = Object.entries(errorKinds).map(([kind, count]) => `${kind}: ${int(count)}`).join(', ');
    return [OPERATION_NAME[operation], int(sorted.length), int(sorted.length / seconds), ms(percentile(sorted, 50)), ms(percentile(sorted, 99)), ms(sorted.at(-1) ?? Number.NaN), `${int(errors)}${kinds ? ` (${kinds})` : ''}`];
  });
  const all = enabled.flatMap((operation) => stats[operation].latencies).sort((a, b) => a - b);
  const errors = enabled.reduce((sum, operation) => sum + stats[operation].errors, 0);
  rows.push(['all', int(all.length), int(all.length / seconds), ms(percentile(all, 50)), ms(percentile(all, 99)), ms(all.at(-1) ?? Number.NaN), int(errors)]);
  return table(['operation', 'requests', 'per s', 'p50 ms', 'p99 ms', 'max ms', 'errors'], rows);
}

export function formatMemory(samples: MemorySample[], live: MemorySample[], seconds: number): string {
  const mb = (bytes: number) => (bytes / MB).toFixed(1);
  const at = samples.map((sample) => sample.atSeconds);
  const step = Math.max(1, Math.ceil(samples.length / 10));
  const picked = samples.filter((_, index) => index % step === 0 || index === samples.length - 1);
  const lines = [
    table(['time', 'rss MB', 'heap used MB', 'heap total MB', 'external MB'], picked.map((sample) => [`${sample.atSeconds.toFixed(0)} s`, mb(sample.rss), mb(sample.heapUsed), mb(sample.heapTotal), mb(sample.external)])),
  ];
  // Between collections the heap is a sawtooth: its slope says nothing. The live heap below does.
  for (const [name, values] of [['rss', samples.map((sample) => sample.rss)], ['heap used', samples.map((sample) => sample.heapUsed)]] as const) {
    const t = trend(at, values);
    const slope = name === 'rss' ? `, trend ${t.slopePerMinute >= 0 ? '+' : ''}${mb(t.slopePerMinute)} MB/min` : '';
    lines.push(`  ${name.padEnd(10)} ${sparkline(values)}  ${mb(t.first)} → ${mb(t.last)} MB (${mb(Math.min(...values))}–${mb(Math.max(...values))})${slope}`);
  }
  if (live.length >= 2) {
    const t = trend(live.map((sample) => sample.atSeconds), live.map((sample) => sample.heapUsed));
    lines.push(`  live heap after a forced GC: ${live.map((sample) => mb(sample.heapUsed)).join(', ')} MB; trend ${t.slopePerMinute >= 0 ? '+' : ''}${mb(t.slopePerMinute)} MB/min: ${growthVerdict(t, seconds)}`);
  }
  return lines.join('\n');
}
