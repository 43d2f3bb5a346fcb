import { int, ms, table, verdict } from './format.js';
import { INTAKE_PATH, type IntakeFigures, type IntakeRun } from './intake.js';
import type { QueueFigures } from './queue.js';
import { INTAKE_RATIO_TARGET, QUEUE_P95_TARGET_MS } from './settings.js';

const SERVER_NAME = { bare: 'bare Fastify + pg insert', embargo: 'Embargo (buildApp)' } as const;

export function rowsMatch(run: IntakeRun): boolean {
  return run.rowsWritten === run.ok;
}

function statusList(run: IntakeRun): string {
  const codes = Object.entries(run.statusCodes).filter(([code]) => !code.startsWith('2'));
  return codes.length === 0 ? '' : ` (${codes.map(([code, count]) => `${code}: ${int(count)}`).join(', ')})`;
}

export function formatIntake(figures: IntakeFigures): string {
  const { settings, bare, embargo } = figures;
  const warmup = settings.warmupSeconds > 0 ? ` after ${settings.warmupSeconds} s warm-up` : '';
  const lines = [
    `1. Intake throughput: POST ${INTAKE_PATH}, ${settings.connections} connections, ${settings.seconds} s${warmup}, pool ${settings.poolSize} per server`,
    table(
      ['server', 'req/s', 'p50 ms', 'p99 ms', '2xx', 'non-2xx', 'errors', 'rows'],
      [bare, embargo].map((run) => [SERVER_NAME[run.kind], int(run.requestsPerSecond), ms(run.p50Ms), ms(run.p99Ms), int(run.ok), int(run.non2xx) + statusList(run), int(run.errors), int(run.rowsWritten)]),
    ),
    `  Embargo / bare: ${figures.ratio.toFixed(2)}× of the bare 2xx/s (target ≥ ${INTAKE_RATIO_TARGET}×): ${verdict(figures.ratioMet)}`,
    ...[embargo, bare].map(
      (run) => `  ${SERVER_NAME[run.kind]}: ${int(run.rowsWritten)} rows written, ${int(run.ok)} 2xx seen: ${rowsMatch(run) ? 'equal' : 'MISMATCH (error)'}`,
    ),
  ];
  return lines.join('\n');
}

export function formatQueue(figures: QueueFigures): string {
  const { seed } = figures;
  return [
    `2. Queue page latency: GET /api/v1/reports?limit=50 over ${int(seed.reports)} reports, via app.inject, ${figures.requests} sequential requests per query after warm-up`,
    `   seeded in ${seed.seconds.toFixed(1)} s: ${int(seed.withoutDeadline)} without a running deadline, ${int(seed.overdue)} overdue, ${int(seed.stateNew)} new`,
    table(
      ['query', 'items', 'p50 ms', 'p95 ms', 'p99 ms', `p95 < ${QUEUE_P95_TARGET_MS} ms`],
      figures.cases.map((c) => [c.name, String(c.items), ms(c.p50Ms), ms(c.p95Ms), ms(c.p99Ms), verdict(c.met)]),
    ),
  ].join('\n');
}

export function formatSummary(intake: IntakeFigures, queue: QueueFigures): string {
  const rows: string[][] = [
    [
      'intake req/s, Embargo / bare',
      `${int(intake.embargo.okPerSecond)} / ${int(intake.bare.okPerSecond)} = ${intake.ratio.toFixed(2)}×`,
      `≥ ${INTAKE_RATIO_TARGET}×`,
      verdict(intake.ratioMet),
    ],
    ['intake p50 / p99, Embargo', `${ms(intake.embargo.p50Ms)} / ${ms(intake.embargo.p99Ms)} ms`, '', ''],
    ['intake p50 / p99, bare', `${ms(intake.bare.p50Ms)} / ${ms(intake.bare.p99Ms)} ms`, '', ''],
    ['intake rows written = 2xx', `${int(intake.embargo.rowsWritten)} = ${int(intake.embargo.ok)}`, 'equal', rowsMatch(intake.embargo) ? 'ok' : 'ERROR'],
  ];
  for (const c of queue.cases) rows.push([`queue p95, ${c.name}`, `${ms(c.p95Ms)} ms`, `< ${QUEUE_P95_TARGET_MS} ms`, verdict(c.met)]);
  return ['Summary', table(['measure', 'figure', 'target', 'status'], rows)].join('\n');
}
