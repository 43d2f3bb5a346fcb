import { randomBytes } from 'node:crypto';
import pg from 'pg';

export type BenchDatabase = {
  name: string;
  url: string;
  /** Drops the database, closing whatever connections are still open on it. Safe to call twice. */
  drop(): Promise<void>;
};

function databaseUrl(base: string, name: string): string {
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withAdmin(adminUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** A fresh database for one bench run, so that no run measures what another one left behind. */
export async function createBenchDatabase(adminUrl: string): Promise<BenchDatabase> {
  const name = `embargo_bench_${randomBytes(6).toString('hex')}`;
  await withAdmin(adminUrl, `create database ${name}`);
  let dropping: Promise<void> | null = null;
  return {
    name,
    url: databaseUrl(adminUrl, name),
    drop() {
      dropping ??= withAdmin(adminUrl, `drop database if exists ${name} with (force)`);
      return dropping;
    },
  };
}
