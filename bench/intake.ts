import { sql } from 'kysely';
import type { Db } from '../src/platform/db/database.js';
import { runLoad, type LoadResult } from './load.js';
import { startServerProcess, type ServerProcess } from './server-process.js';
import { BARE_TABLE, type ServerKind } from './server-protocol.js';
import { INTAKE_RATIO_TARGET, type BenchSettings } from './settings.js';

/** A report project alpha accepts: its policy requires title, description and steps to reproduce. */
export const INTAKE_BODY = JSON.stringify({
  title: 'Stored XSS in the project settings page',
  description: 'The project description field is rendered without escaping on the settings page, so any maintainer who opens it runs the attacker\'s script.',
  stepsToReproduce: '1. Create a project.\n2. Set its description to <img src=x onerror=alert(document.domain)>.\n3. Open the settings page as another maintainer.',
  impact: 'Session riding as any maintainer who views the page.',
  affectedVersions: ['0.4.2', '0.3.9'],
  environment: 'Firefox 131 on Linux',
  credit: { type: 'handle', value: 'bench-reporter' },
  contactEmail: 'reporter@example.org',
});
export const INTAKE_PATH = '/api/v1/projects/alpha/reports';

export type IntakeRun = LoadResult & { kind: ServerKind; rowsWritten: number };
export type IntakeFigures = { settings: BenchSettings; bare: IntakeRun; embargo: IntakeRun; ratio: number; ratioMet: boolean };

/** Which table each server writes its accepted reports to. */
const TABLE: Record<ServerKind, string> = { embargo: 'reports', bare: BARE_TABLE };

async function countRows(db: Db, table: string): Promise<number> {
  const result = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(db);
  return result.rows[0]?.n ?? 0;
}

async function measure(kind: ServerKind, settings: BenchSettings, databaseUrl: string, db: Db, servers: Set<ServerProcess>): Promise<IntakeRun> {
  const server = await startServerProcess(kind, databaseUrl, settings.poolSize);
  servers.add(server);
  try {
    const load = { url: server.baseUrl + INTAKE_PATH, body: INTAKE_BODY, connections: settings.connections };
    if (settings.warmupSeconds > 0) await runLoad({ ...load, seconds: settings.warmupSeconds });
    const before = await countRows(db, TABLE[kind]);
    const result = await runLoad({ ...load, seconds: settings.seconds });
    const crash = server.crashed();
    if (crash) throw new Error(crash);
    const rowsWritten = (await countRows(db, TABLE[kind])) - before;
    return { ...result, kind, rowsWritten };
  } finally {
    await server.stop();
    servers.delete(server);
  }
}

/**
 * Intake under load next to its floor: the same machine, database, pool size and load against a bare
 * Fastify route that inserts one row. One server at a time, each in its own process.
 */
export async function benchIntake(settings: BenchSettings, databaseUrl: string, db: Db, servers: Set<ServerProcess>): Promise<IntakeFigures> {
  const bare = await measure('bare', settings, databaseUrl, db, servers);
  const embargo = await measure('embargo', settings, databaseUrl, db, servers);
  // Successful answers only: a server that fails fast must not look fast.
  const ratio = bare.okPerSecond > 0 ? embargo.okPerSecond / bare.okPerSecond : 0;
  return { settings, bare, embargo, ratio, ratioMet: ratio >= INTAKE_RATIO_TARGET };
}
