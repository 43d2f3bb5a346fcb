import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { sealAuditLog } from '../../src/modules/audit/audit.sealer.js';
import { verifyAuditLog } from '../../src/modules/audit/audit.verify.js';
import { migrateToLatest, openDatabase } from '../../src/platform/db/database.js';
import { bearer, createTestApp, TEST_PASSWORD, type TestApp } from '../support/test-app.js';
import { createTestDatabase, TEST_DB_KIND, TEST_PG_URL } from '../support/test-db.js';

/**
 * What the README promises for PostgreSQL deployments: a `pg_dump -Fc` of a live Embargo database,
 * restored with `pg_restore --no-owner` into an empty database, serves the same reports (decrypted
 * with the same master key), the same team sign-in, and an audit log that still verifies and keeps
 * growing; it needs no migration, and the dump holds report contents only encrypted.
 */
const run = promisify(execFile);
const tools = ['pg_dump', 'pg_restore'].filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
const skip = TEST_DB_KIND !== 'postgres' ? 'PostgreSQL only (EMBARGO_TEST_DB=postgres)' : tools.length > 0 ? `${tools.join(' and ')} not installed` : false;

const TITLE = `Heap overflow in alpha.parse() ${randomBytes(4).toString('hex')}`;

describe('PostgreSQL backup with pg_dump and pg_restore', { skip }, () => {
  let source: TestApp;
  let restored: TestApp | null = null;
  const work = mkdtempSync(path.join(os.tmpdir(), 'embargo-pg-restore-'));
  const targetName = `embargo_restore_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const targetUrl = (() => {
    const url = new URL(TEST_PG_URL);
    url.pathname = `/${targetName}`;
    return url.toString();
  })();
  let report: { id: string; accessToken: string };
  let maintainer: { id: string; email: string; token: string };

  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: TEST_PG_URL });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };

  before(async () => {
    const database = await createTestDatabase();
    source = await createTestApp({ database });
    maintainer = await source.user('maintainer', 'alpha');
    report = (await source.app.inject({ method: 'POST', url: '/api/v1/projects/alpha/reports', payload: { title: TITLE, description: 'A crafted header overflows the buffer.', stepsToReproduce: 'parse(crafted)' } })).json();
    source.clock.advance(60_000);
    const ack = await source.app.inject({ method: 'POST', url: `/api/v1/reports/${report.id}/transitions`, headers: bearer(maintainer.token), payload: { to: 'acknowledged', reason: 'seen' } });
    assert.equal(ack.statusCode, 200, ack.body);
    await sealAuditLog(source.context);

    // As an operator would: custom format, then restore into a new, empty database.
    const dump = path.join(work, 'embargo.dump');
    await run('pg_dump', ['--format=custom', '--file', dump, database.url!], { timeout: 120_000 });
    await admin(`create database ${targetName}`);
    await run('pg_restore', ['--no-owner', '--no-privileges', '--exit-on-error', '--single-transaction', '--dbname', targetUrl, dump], { timeout: 120_000 });
  });

  after(async () => {
    await restored?.close();
    await source?.close();
    await admin(`drop database if exists ${targetName} with (force)`);
    rmSync(work, { recursive: true, force: true });
  });

  it('restores a database that needs no migration and serves the same data', async () => {
    const database = await openDatabase({ kind: 'postgres', url: targetUrl, poolSize: 5 });
    assert.deepEqual(await migrateToLatest(database.db), [], 'the restored schema is current');
    // Same master key and session secret as the source (the test app's): the operator restores both.
    restored = await createTestApp({ database });
    // Before anything writes to it: every entry of the source is there, sealed, and verifies.
    const audit = await verifyAuditLog(restored.context.db);
    assert.equal(audit.ok, true, audit.problems.join('\n'));
    assert.equal(audit.unsealed, 0);
    assert.ok(audit.entries >= 2);

    const asReporter = await restored.app.inject({ method: 'GET', url: `/api/v1/reports/${report.id}`, headers: bearer(report.accessToken) });
    assert.equal(asReporter.statusCode, 200, asReporter.body);
    assert.equal(asReporter.json().title, TITLE, 'decrypted with the same master key');
    assert.equal(asReporter.json().state, 'acknowledged');

    const login = await restored.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: maintainer.email, password: TEST_PASSWORD } });
    assert.equal(login.statusCode, 200, login.body);
    const queue = await restored.app.inject({ method: 'GET', url: '/api/v1/reports', headers: bearer(login.json().accessToken) });
    assert.deepEqual(queue.json().items.map((item: { id: string }) => item.id), [report.id]);

  });

  it('keeps working after the restore: sequences and the audit chain continue', async () => {
    assert.ok(restored, 'restored by the previous test');
    const intake = await restored.app.inject({ method: 'POST', url: '/api/v1/projects/alpha/reports', payload: { title: 'after restore', description: 'd', stepsToReproduce: 's' } });
    assert.equal(intake.statusCode, 201, intake.body);
    restored.clock.advance(60_000);
    assert.ok((await sealAuditLog(restored.context)).sealed > 0);
    const audit = await verifyAuditLog(restored.context.db);
    assert.equal(audit.ok, true, audit.problems.join('\n'));
  });

  it('holds report contents only encrypted in the dump', async () => {
    const plain = path.join(work, 'embargo.sql');
    await run('pg_dump', ['--format=plain', '--data-only', '--file', plain, targetUrl], { timeout: 120_000 });
    const text = readFileSync(plain, 'utf8');
    assert.ok(text.includes(report.id), 'the dump holds the report');
    assert.ok(!text.includes(TITLE), 'but not its title in clear');
  });
});
