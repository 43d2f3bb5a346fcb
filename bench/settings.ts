import path from 'node:path';
import { fileURLToPath } from 'node:url';

// The bench is a harness around the app, not part of it: it reads its own knobs from the environment.

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BENCH_POLICY = path.join(REPO_ROOT, 'test/fixtures/policy.yaml');

/** Intake throughput must reach at least this share of the bare Fastify + pg insert. */
export const INTAKE_RATIO_TARGET = 0.5;
/** A queue page must answer within this many milliseconds at the 95th percentile. */
export const QUEUE_P95_TARGET_MS = 25;
/** POST /v1/querybatch with 1,000 queries over 50,000 advisories must answer within this at the median. */
export const OSV_P50_TARGET_MS = 100;

export type BenchSettings = {
  /** Admin connection: the bench creates and drops its own database through it. */
  adminUrl: string;
  seconds: number;
  warmupSeconds: number;
  connections: number;
  poolSize: number;
  queueReports: number;
  queueRequests: number;
  /** Deep pages to time: how many times nextCursor is followed from the first page to reach each. */
  deepHops: number[];
  /** Published advisories in the OSV bench (the PyPI corpus imported, the rest seeded in bulk). */
  osvAdvisories: number;
  osvQueries: number;
  osvRuns: number;
};

/** A bad bench setting: reported by its message alone. */
export class BenchSettingsError extends Error {
  override name = 'BenchSettingsError';
}

function numberFrom(name: string, fallback: number, options: { min: number; max?: number; integer: boolean }): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < options.min || value > (options.max ?? Infinity) || (options.integer && !Number.isInteger(value))) {
    const range = options.max === undefined ? `of at least ${options.min}` : `from ${options.min} to ${options.max}`;
    throw new BenchSettingsError(`${name}=${raw}: expected ${options.integer ? 'a whole number' : 'a number'} ${range}`);
  }
  return value;
}

function listFrom(name: string, fallback: number[]): number[] {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const values = raw.split(',').map((item) => Number(item.trim()));
  if (values.some((value) => !Number.isInteger(value) || value < 1)) throw new BenchSettingsError(`${name}=${raw}: expected whole numbers of at least 1, comma-separated`);
  return [...new Set(values)].sort((a, b) => a - b);
}

export function loadBenchSettings(): BenchSettings {
  return {
    adminUrl: process.env.EMBARGO_BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/test',
    seconds: numberFrom('EMBARGO_BENCH_SECONDS', 10, { min: 1, integer: false }),
    warmupSeconds: numberFrom('EMBARGO_BENCH_WARMUP_SECONDS', 2, { min: 0, integer: false }),
    connections: numberFrom('EMBARGO_BENCH_CONNECTIONS', 64, { min: 1, integer: true }),
    poolSize: numberFrom('EMBARGO_BENCH_POOL_SIZE', 20, { min: 1, integer: true }),
    queueReports: numberFrom('EMBARGO_BENCH_QUEUE_REPORTS', 100_000, { min: 1_000, integer: true }),
    queueRequests: numberFrom('EMBARGO_BENCH_QUEUE_REQUESTS', 300, { min: 10, integer: true }),
    deepHops: listFrom('EMBARGO_BENCH_DEEP_HOPS', [20, 200]),
    osvAdvisories: numberFrom('EMBARGO_BENCH_OSV_ADVISORIES', 50_000, { min: 1_000, integer: true }),
    // The API takes at most 1,000 queries per batch.
    osvQueries: numberFrom('EMBARGO_BENCH_OSV_QUERIES', 1_000, { min: 20, max: 1_000, integer: true }),
    osvRuns: numberFrom('EMBARGO_BENCH_OSV_RUNS', 30, { min: 5, integer: true }),
  };
}
