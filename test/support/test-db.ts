import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/platform/db/database.js';

/** Which database integration tests run on: EMBARGO_TEST_DB=pglite (default) or postgres. */
export const TEST_DB_KIND = process.env.EMBARGO_TEST_DB === 'postgres' ? 'postgres' : 'pglite';
export const TEST_PG_URL = process.env.EMBARGO_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

function databaseUrl(base: string, name: string): string {
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * A fresh, empty database for one test file: an in-memory PGlite, or a new PostgreSQL database that
 * is dropped again on close. Nothing depends on what another run left behind.
 */
export async function createTestDatabase(options: { poolSize?: number } = {}): Promise<Database & { url: string | null }> {
  if (TEST_DB_KIND === 'pglite') {
    const database = await openDatabase({ kind: 'pglite', dataDir: null, purpose: 'test' });
    return { ...database, url: null };
  }
  const name = `embargo_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = databaseUrl(TEST_PG_URL, name);
  const database = await openDatabase({ kind: 'postgres', url, poolSize: options.poolSize ?? 10 });
  return {
    ...database,
    url,
    async close() {
      await database.close();
      const client = new pg.Client({ connectionString: TEST_PG_URL });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}
