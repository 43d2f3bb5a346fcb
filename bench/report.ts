import { int, ms, table, verdict } from './format.js';
import { INTAKE_PATH, type IntakeFigures, type IntakeRun } from './intake.js';
import type { OsvFigures } from './osv.js';
import type { QueueFigures } from './queue.js';
import { INTAKE_RATIO_TARGET, OSV_P50_TARGET_MS, QUEUE_P95_TARGET_MS } from './settings.js';

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

export function formatOsv(figures: OsvFigures): string {
  const { seed, batch } = figures;
  const imported = figures.import;
  return [
    `3. OSV API: POST /v1/querybatch with ${int(batch.queries)} package@version queries over ${int(figures.total)} published advisories, HTTP to the server in its own process (pool ${figures.poolSize}), ${batch.runs} sequential runs after warm-up`,
    `   seeded in bulk: ${int(seed.advisories)} advisories (${int(seed.pypi)} PyPI, ${int(seed.npm)} npm) over ${int(seed.packages)} packages in ${seed.seconds.toFixed(1)} s; most advisories on one package: ${int(seed.largestPackage.advisories)} (${seed.largestPackage.name})`,
    imported.files > 0
      ? `   import rate through the import service (${imported.source}, into the full table): ${int(imported.created)} created, ${int(imported.invalid)} invalid of ${int(imported.files)} files in ${imported.seconds.toFixed(1)} s = ${int(imported.perSecond)} advisories/s`
      : `   import rate: not measured (${imported.source})`,
    `   each batch: ${int(batch.withVulns)} of ${int(batch.queries)} queries matched, ${int(batch.vulns)} vulnerabilities in all; request ${int(batch.requestBytes / 1024)} KiB, answer ${int(batch.responseBytes / 1024)} KiB`,
    // Wall-clock times move with whatever else the machine runs; the server's own CPU time much less.
    `   server CPU time per batch: ${batch.serverCpuMs === null ? 'not measured (no /proc)' : `${ms(batch.serverCpuMs)} ms`} (PostgreSQL's own work not included)`,
    table(
      ['request', 'p50 ms', 'p95 ms', 'min ms', 'max ms', `p50 / ${OSV_P50_TARGET_MS} ms`, `p50 < ${OSV_P50_TARGET_MS} ms`],
      [['querybatch (1,000 queries)', ms(batch.p50Ms), ms(batch.p95Ms), ms(batch.minMs), ms(batch.maxMs), `${figures.ratio.toFixed(2)}×`, verdict(figures.met)]],
    ),
  ].join('\n');
}

export type Figures = { intake?: IntakeFigures | undefined; queue?: QueueFigures | undefined; osv?: OsvFigures | undefined };

export function formatSummary({ intake, queue, osv }: Figures): string {
  const rows: string[][] = [];
  if (intake) rows.push(
    [
      'intake req/s, Embargo / bare',
      `${int(intake.embargo.okPerSecond)} / ${int(intake.bare.okPerSecond)} = ${intake.ratio.toFixed(2)}×`,
      `≥ ${INTAKE_RATIO_TARGET}×`,
      verdict(intake.ratioMet),
    ],
    ['intake p50 / p99, Embargo', `${ms(intake.embargo.p50Ms)} / ${ms(intake.embargo.p99Ms)} ms`, '', ''],
    ['intake p50 / p99, bare', `${ms(intake.bare.p50Ms)} / ${ms(intake.bare.p99Ms)} ms`, '', ''],
    ['intake rows written = 2xx', `${int(intake.embargo.rowsWritten)} = ${int(intake.embargo.ok)}`, 'equal', rowsMatch(intake.embargo) ? 'ok' : 'ERROR'],
  );
  for (const c of queue?.cases ?? []) rows.push([`queue p95, ${c.name}`, `${ms(c.p95Ms)} ms`, `< ${QUEUE_P95_TARGET_MS} ms`, verdict(c.met)]);
  if (osv) {
    rows.push([`OSV querybatch p50 (p95), ${int(osv.batch.queries)} queries / ${int(osv.total)} advisories`, `${ms(osv.batch.p50Ms)} (${ms(osv.batch.p95Ms)}) ms = ${osv.ratio.toFixed(2)}× target`, `< ${OSV_P50_TARGET_MS} ms`, verdict(osv.met)]);
    if (osv.import.files > 0) rows.push(['OSV import rate (import service)', `${int(osv.import.perSecond)} advisories/s`, '', '']);
  }
  return ['Summary', table(['measure', 'figure', 'target', 'status'], rows)].join('\n');
}
