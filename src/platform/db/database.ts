import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, Migrator, PostgresDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import { lockDataDir } from './data-dir-lock.js';
import { migrationProvider } from './migrations/index.js';
import { PGliteDialect } from './pglite-dialect.js';
import type { DB } from './schema.js';

export type Db = Kysely<DB>;
export type Tx = Transaction<DB>;
/** Either the database or an open transaction: repositories accept both, callers decide the boundary. */
export type Executor = Kysely<DB> | Transaction<DB>;

export type Database = {
  db: Db;
  kind: 'pglite' | 'postgres';
  /** Round trip to the database, for readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
  /** Embedded only: a consistent snapshot of the whole database as a gzipped tar. */
  snapshot?: () => Promise<Buffer>;
};

export type DatabaseOptions =
  | { kind: 'postgres'; url: string; poolSize?: number; queryTimeoutMs?: number }
  | { kind: 'pglite'; dataDir: string | null; purpose: string; restoreFrom?: Buffer };

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.kind === 'postgres') {
    // A database that does not answer a connection attempt (host down, packets dropped) fails the
    // request within 5 s (503) instead of holding it and its pool slot until the kernel gives up.
    // A server that stops answering mid-session (frozen, network partition) would hold each query, its
    // request and its pool slot until TCP gives up, many minutes later: the client-side query timeout
    // turns that into an error (503) after queryTimeoutMs. Server-side statement_timeout cannot help
    // here: a frozen server enforces nothing.
    const queryTimeout = options.queryTimeoutMs ? { query_timeout: options.queryTimeoutMs } : {};
    const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 20, connectionTimeoutMillis: 5000, ...queryTimeout });
    // An idle client losing its connection must not crash the process; the next query reports it.
    pool.on('error', () => {});
    // Nor may a checked-out client between two queries of a transaction (the pool listens only to
    // idle ones): pg emits 'error' when the server ends the session (restart: 57P01), and an
    // unhandled 'error' event kills the process. The transaction's next query fails; the pool drops the client.
    pool.on('connect', (client) => client.on('error', () => {}));
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    return {
      db,
      kind: 'postgres',
      ping: async () => void (await sql`select 1`.execute(db)),
      close: () => db.destroy(),
    };
  }

  const unlock = options.dataDir ? lockDataDir(options.dataDir, options.purpose) : () => {};
  let client: PGlite;
  try {
    const pgdata = options.dataDir ? path.join(options.dataDir, 'pgdata') : undefined;
    client = options.restoreFrom
      ? await PGlite.create(pgdata, { loadDataDir: new Blob([new Uint8Array(options.restoreFrom)]) })
      : await PGlite.create(pgdata);
  } catch (error) {
    unlock();
    throw error;
  }
  const db = new Kysely<DB>({ dialect: new PGliteDialect(client) });
  return {
    db,
    kind: 'pglite',
    ping: async () => void (await sql`select 1`.execute(db)),
    close: async () => {
      await db.destroy();
      await client.close();
      unlock();
    },
    // Taken through the driver's queue, so no transaction is half-way through while the files are read.
    snapshot: () => db.connection().execute(async () => Buffer.from(await (await client.dumpDataDir('gzip')).arrayBuffer())),
  };
}

export class NewerDatabaseError extends Error {
  override name = 'NewerDatabaseError';
}

export async function migrateToLatest(db: Db): Promise<string[]> {
  const known = new Set(Object.keys(await migrationProvider.getMigrations()));
  const applied = await sql<{ name: string }>`select name from embargo_migrations`.execute(db).then(
    (result) => result.rows.map((row) => row.name),
    () => [] as string[],
  );
  const unknown = applied.filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new NewerDatabaseError(
      `This database was migrated by a newer version of Embargo (migration ${unknown.join(', ')} is unknown to this one). ` +
        'Refusing to start: run the newer Embargo, or restore a backup taken before the upgrade.',
    );
  }
  const migrator = new Migrator({ db, provider: migrationProvider, migrationTableName: 'embargo_migrations', migrationLockTableName: 'embargo_migrations_lock' });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((result) => result.status === 'Error');
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${(error as Error).message ?? String(error)}`);
  }
  return (results ?? []).filter((result) => result.status === 'Success').map((result) => result.migrationName);
}
