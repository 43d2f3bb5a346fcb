import { execFile, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort, isRoot, type Cleanup } from './harness.js';

const run = promisify(execFile);

/**
 * A PostgreSQL cluster of the test's own, on a free port on 127.0.0.1 with its socket in a temp
 * directory and trust authentication: the fault tests stop and start it at will. The machine's
 * shared PostgreSQL is never touched. As root the cluster runs as the `postgres` user (PostgreSQL
 * refuses to run as root).
 */
export type OwnPostgres = {
  port: number;
  /** postgres://postgres@127.0.0.1:PORT/<database> */
  url(database?: string): string;
  running(): boolean;
  start(): Promise<void>;
  /** `pg_ctl stop -m fast`: sessions are terminated, as a database restart does to them. */
  stop(): Promise<void>;
  createDatabase(name: string): Promise<string>;
  log(): string;
};

export const PG_BIN = process.env.EMBARGO_FAULT_PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** Why no cluster of our own can be started here, or null if one can. */
export function ownPostgresUnavailable(): string | null {
  if (!existsSync(path.join(PG_BIN, 'initdb')) || !existsSync(path.join(PG_BIN, 'pg_ctl'))) return `no initdb/pg_ctl in ${PG_BIN} (set EMBARGO_FAULT_PG_BIN)`;
  if (isRoot() && spawnSync('id', ['-u', 'postgres'], { stdio: 'ignore' }).status !== 0) return 'running as root and there is no postgres user to run the cluster as';
  return null;
}

function asOwner(command: string, args: string[]): [string, string[]] {
  return isRoot() ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
}

export async function startOwnPostgres(cleanup: Cleanup): Promise<OwnPostgres> {
  const reason = ownPostgresUnavailable();
  if (reason) throw new Error(reason);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'embargo-fault-pg-'));
  const data = path.join(dir, 'data');
  const logFile = path.join(dir, 'postgres.log');
  if (isRoot()) {
    const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    chownSync(dir, uid, gid);
  }
  const port = await freePort();
  const pgCtl = path.join(PG_BIN, 'pg_ctl');
  let up = false;

  const ctl = async (...args: string[]) => {
    const [command, argv] = asOwner(pgCtl, ['-D', data, ...args]);
    await run(command, argv, { timeout: 90_000 });
  };
  const stopSync = () => {
    if (!up) return;
    const [command, argv] = asOwner(pgCtl, ['-D', data, '-m', 'immediate', '-w', 'stop']);
    spawnSync(command, argv, { stdio: 'ignore', timeout: 30_000 });
    up = false;
  };
  cleanup.add(`remove cluster ${dir}`, () => rmSync(dir, { recursive: true, force: true }), () => rmSync(dir, { recursive: true, force: true }));
  cleanup.add(`stop cluster on port ${port}`, async () => {
    if (up) await ctl('-m', 'immediate', '-w', 'stop');
    up = false;
  }, stopSync);

  const [initCommand, initArgs] = asOwner(path.join(PG_BIN, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync']);
  await run(initCommand, initArgs, { timeout: 120_000 });

  const cluster: OwnPostgres = {
    port,
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    running: () => up,
    async start() {
      // A small cluster: the tests need a few dozen connections, not the default shared memory.
      await ctl('-l', logFile, '-w', '-t', '60', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=60 -c shared_buffers=16MB`, 'start');
      up = true;
    },
    async stop() {
      await ctl('-m', 'fast', '-w', '-t', '60', 'stop');
      up = false;
    },
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: cluster.url() });
      await client.connect();
      try {
        await client.query(`create database ${name}`);
      } finally {
        await client.end();
      }
      return cluster.url(name);
    },
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
  };
  await cluster.start();
  return cluster;
}
