import os from 'node:os';
import { sql } from 'kysely';
import type { AppContext } from '../src/context.js';
import { migrateToLatest } from '../src/platform/db/database.js';
import { createBenchContext } from './bench-context.js';
import { createBenchDatabase, type BenchDatabase } from './bench-db.js';
import { benchIntake, type IntakeFigures } from './intake.js';
import { benchOsv, type OsvFigures } from './osv.js';
import { benchQueue, type QueueFigures } from './queue.js';
import { formatIntake, formatOsv, formatQueue, formatSummary, rowsMatch } from './report.js';
import type { ServerProcess } from './server-process.js';
import { CREATE_BARE_TABLE } from './server-protocol.js';
import { BenchSettingsError, loadBenchSettings } from './settings.js';

/**
 * npm run bench: intake throughput against a bare Fastify + pg floor, queue page latency over
 * 100,000 reports, then OSV querybatch latency over 50,000 advisories and the OSV import rate, on a
 * fresh PostgreSQL database that is dropped at the end whatever happens. `npm run bench -- osv` (or
 * intake, queue, several of them) runs only the benches named.
 * Targets are reported, not asserted: the exit code is non-zero only when something went wrong
 * (including rows written not matching the 2xx answers seen).
 *
 * Settings (environment): EMBARGO_BENCH_PG_URL (admin connection), EMBARGO_BENCH_SECONDS (10),
 * EMBARGO_BENCH_WARMUP_SECONDS (2), EMBARGO_BENCH_CONNECTIONS (64), EMBARGO_BENCH_POOL_SIZE (20),
 * EMBARGO_BENCH_QUEUE_REPORTS (100000), EMBARGO_BENCH_QUEUE_REQUESTS (300), EMBARGO_BENCH_DEEP_HOPS (20,200),
 * EMBARGO_BENCH_OSV_ADVISORIES (50000), EMBARGO_BENCH_OSV_QUERIES (1000), EMBARGO_BENCH_OSV_RUNS (30).
 */

const BENCHES = ['intake', 'queue', 'osv'] as const;
type BenchName = (typeof BENCHES)[number];

/** The benches named on the command line, in their usual order; all of them when none is named. */
function selectedBenches(args: readonly string[]): BenchName[] {
  const unknown = args.filter((arg) => !(BENCHES as readonly string[]).includes(arg));
  if (unknown.length > 0) throw new BenchSettingsError(`unknown bench ${unknown.join(', ')}: name some of ${BENCHES.join(', ')}, or none for all`);
  return BENCHES.filter((name) => args.length === 0 || args.includes(name));
}

/** The bench process's own pool: row counts, seeding and the in-process queue app. */
const MAIN_POOL_SIZE = 5;

const servers = new Set<ServerProcess>();
let bench: BenchDatabase | null = null;
let context: AppContext | null = null;

function loadAverage(): string {
  return `load average ${os.loadavg().map((value) => value.toFixed(1)).join(' ')}`;
}

let cleaning: Promise<void> | null = null;

/** Stops servers, closes the pool and drops the database; a signal and the normal end may both ask. */
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    const problems: string[] = [];
    for (const server of servers) await server.stop().catch((error: unknown) => problems.push((error as Error).message));
    await context?.database.close().catch((error: unknown) => problems.push((error as Error).message));
    if (bench) {
      const name = bench.name;
      await bench.drop().catch((error: unknown) => problems.push(`could not drop database ${name} (drop it by hand): ${(error as Error).message}`));
    }
    for (const problem of problems) console.error(`cleanup: ${problem}`);
  })();
  return cleaning;
}

let interrupted = false;

/**
 * Repeated signals are ignored while cleaning up (which is bounded): `timeout` and a terminal both
 * deliver the same interrupt more than once, and the default action would leave the database behind.
 */
function onSignal(signal: NodeJS.Signals): void {
  if (interrupted) return;
  interrupted = true;
  console.error(`\n${signal}: stopping servers and dropping the bench database.`);
  void cleanUp().finally(() => process.exit(130));
}

async function main(): Promise<number> {
  const settings = loadBenchSettings();
  const benches = selectedBenches(process.argv.slice(2));
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  bench = await createBenchDatabase(settings.adminUrl);
  context = await createBenchContext(bench.url, MAIN_POOL_SIZE);
  await migrateToLatest(context.db);
  if (benches.includes('intake')) await sql.raw(CREATE_BARE_TABLE).execute(context.db);
  const version = await sql<{ v: string }>`select current_setting('server_version') as v`.execute(context.db);

  console.log(`Embargo bench: PostgreSQL ${version.rows[0]?.v ?? '?'} (database ${bench.name}), Node ${process.version}, ${os.cpus().length} CPUs, ${loadAverage()}`);
  console.log(`Benches: ${benches.join(', ')}. Servers run one at a time, each in its own process; the load (autocannon, fetch) comes from this one.\n`);

  let intake: IntakeFigures | undefined;
  let queue: QueueFigures | undefined;
  let osv: OsvFigures | undefined;
  if (benches.includes('intake')) {
    intake = await benchIntake(settings, bench.url, context.db, servers);
    console.log(formatIntake(intake) + '\n');
  }
  if (benches.includes('queue')) {
    queue = await benchQueue(settings, context, bench.url);
    console.log(formatQueue(queue) + '\n');
  }
  if (benches.includes('osv')) {
    osv = await benchOsv(settings, context, bench.url, servers);
    console.log(formatOsv(osv) + '\n');
  }

  console.log(formatSummary({ intake, queue, osv }));
  // Other work on the machine moves every figure here: say how busy it was.
  console.log(`  (${loadAverage()} at the end)`);
  const mismatched = intake ? [intake.embargo, intake.bare].filter((run) => !rowsMatch(run)) : [];
  if (mismatched.length > 0) {
    console.error(`\nerror: rows written differ from 2xx answers for ${mismatched.map((run) => run.kind).join(', ')}`);
    return 1;
  }
  return 0;
}

let exitCode = 1;
try {
  exitCode = await main();
} catch (error) {
  // After an interrupt, failures are the interrupt's doing (servers and pool going away): not news.
  if (!interrupted) console.error(`bench failed: ${error instanceof BenchSettingsError ? error.message : ((error as Error).stack ?? String(error))}`);
} finally {
  await cleanUp();
}
process.exit(exitCode);
