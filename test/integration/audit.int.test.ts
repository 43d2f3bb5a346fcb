import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { Tx } from '../../src/platform/db/database.js';
import { sealAuditLog } from '../../src/modules/audit/audit.sealer.js';
import { verifyAuditLog } from '../../src/modules/audit/audit.verify.js';
import { bearer, createTestApp, type TestApp } from '../support/test-app.js';

describe('tamper-evident audit log', () => {
  let t: TestApp;
  let maintainer: { id: string; token: string };
  const reports: { id: string; accessToken: string }[] = [];

  before(async () => {
    t = await createTestApp();
    maintainer = await t.user('maintainer', 'alpha');
    for (let index = 0; index < 3; index += 1) {
      reports.push((await t.app.inject({ method: 'POST', url: '/api/v1/projects/alpha/reports', payload: { title: `r${index}`, description: 'd', stepsToReproduce: 's' } })).json());
    }
    for (const report of reports) {
      t.clock.advance(60_000);
      await t.app.inject({ method: 'POST', url: `/api/v1/reports/${report.id}/transitions`, headers: bearer(maintainer.token), payload: { to: 'acknowledged', reason: 'seen' } });
    }
  });
  after(() => t.close());

  /** Runs tampering with triggers switched off for the transaction, as a database superuser could. */
  async function asSuperuser(work: (db: Tx) => Promise<unknown>): Promise<void> {
    await t.context.db.transaction().execute(async (trx) => {
      await sql`set local session_replication_role = replica`.execute(trx);
      await work(trx);
    });
  }

  it('records who did what and why, and shows it to the team only', async () => {
    const history = await t.app.inject({ method: 'GET', url: `/api/v1/reports/${reports[0]!.id}/audit`, headers: bearer(maintainer.token) });
    assert.equal(history.statusCode, 200);
    assert.deepEqual(history.json().items.map((item: { action: string }) => item.action), ['report.received', 'report.transitioned']);
    assert.equal(history.json().items[1].actorId, maintainer.id);
    assert.equal(history.json().items[1].reason, 'seen');
    const reporter = await t.app.inject({ method: 'GET', url: `/api/v1/reports/${reports[0]!.id}/audit`, headers: bearer(reports[0]!.accessToken) });
    assert.equal(reporter.statusCode, 403);
    const other = await t.app.inject({ method: 'GET', url: `/api/v1/reports/${reports[0]!.id}/audit`, headers: bearer(reports[1]!.accessToken) });
    assert.equal(other.statusCode, 404);
  });

  it('seals entries into per-stream chains and a chain of seals that verify', async () => {
    const before = await verifyAuditLog(t.context.db);
    assert.ok(before.ok);
    assert.equal(before.sealed, 0);
    assert.ok(before.unsealed > 0);
    const [first, second] = await Promise.all([sealAuditLog(t.context), sealAuditLog(t.context)]);
    assert.equal(first!.sealed + second!.sealed, before.unsealed, 'racing sealers seal each entry once');
    await t.app.inject({ method: 'POST', url: `/api/v1/reports/${reports[0]!.id}/messages`, headers: bearer(reports[0]!.accessToken), payload: { body: 'more' } });
    await sealAuditLog(t.context);
    const sealed = await verifyAuditLog(t.context.db);
    assert.deepEqual(sealed.problems, []);
    assert.equal(sealed.unsealed, 0);
    assert.equal(sealed.seals, 2);
    assert.match(sealed.root!, /^[0-9a-f]{64}$/);
    const history = (await t.app.inject({ method: 'GET', url: `/api/v1/reports/${reports[0]!.id}/audit`, headers: bearer(maintainer.token) })).json();
    assert.ok(history.items.every((item: { sealed: boolean }) => item.sealed));
  });

  it('refuses updates and deletes in the database itself, except sealing', async () => {
    const entry = await t.context.db.selectFrom('audit_events').selectAll().limit(1).executeTakeFirstOrThrow();
    await assert.rejects(t.context.db.updateTable('audit_events').set({ reason: 'rewritten' }).where('id', '=', entry.id).execute(), /append-only/);
    await assert.rejects(t.context.db.deleteFrom('audit_events').where('id', '=', entry.id).execute(), /append-only/);
    await assert.rejects(t.context.db.updateTable('audit_events').set({ hash: 'f'.repeat(64) }).where('id', '=', entry.id).execute(), /append-only/, 'a sealed entry cannot be resealed');
    await assert.rejects(t.context.db.deleteFrom('audit_seals').execute(), /append-only/);
    assert.ok((await verifyAuditLog(t.context.db)).ok);
  });

  it('detects an edited entry, a removed entry and a rewritten stream', async () => {
    await sealAuditLog(t.context);
    // An attacker with superuser rights can switch the trigger off; the chain must still tell.
    const stream = `report:${reports[1]!.id}`;
    const entry = await t.context.db.selectFrom('audit_events').selectAll().where('stream', '=', stream).where('seq', '=', 2).executeTakeFirstOrThrow();

    await asSuperuser((db) => db.updateTable('audit_events').set({ reason: 'nothing to see' }).where('id', '=', entry.id).execute());
    const edited = await verifyAuditLog(t.context.db);
    assert.equal(edited.ok, false);
    assert.ok(edited.problems.some((problem) => problem.includes(`${stream}#2`) && problem.includes('edited')));
    await asSuperuser((db) => db.updateTable('audit_events').set({ reason: entry.reason }).where('id', '=', entry.id).execute());
    assert.ok((await verifyAuditLog(t.context.db)).ok, 'restoring the entry restores the chain');

    await asSuperuser((db) => db.deleteFrom('audit_events').where('id', '=', entry.id).execute());
    const removed = await verifyAuditLog(t.context.db);
    assert.equal(removed.ok, false);
    assert.ok(removed.problems.some((problem) => problem.includes(`${stream}#2 is not the entry it sealed`)));

    // Re-insert a forged entry with a freshly computed, self-consistent hash: the seal still catches it.
    const { entryHash } = await import('../../src/modules/audit/audit.hash.js');
    const forged = { ...entry, reason: 'forged' };
    await t.context.db
      .insertInto('audit_events')
      .values({ ...forged, data: JSON.stringify(forged.data), hash: entryHash(forged, forged.prev_hash) })
      .execute();
    const rewritten = await verifyAuditLog(t.context.db);
    assert.equal(rewritten.ok, false);
    assert.ok(rewritten.problems.some((problem) => problem.includes('is not the entry it sealed')));
  });
});

describe('audit log API', () => {
  it('lists entries with who, from where and how, for instance admins only, as JSON or JSON lines', async () => {
    const t = await createTestApp();
    try {
      const admin = await t.user('admin');
      const projectAdmin = await t.user('admin', 'alpha');
      const report = (await t.app.inject({ method: 'POST', url: '/api/v1/projects/alpha/reports', payload: { title: 't', description: 'd', stepsToReproduce: 's' }, headers: { 'user-agent': 'curl/8.0' }, remoteAddress: '198.51.100.20' })).json();
      t.clock.advance(1000);
      await t.app.inject({ method: 'POST', url: `/api/v1/reports/${report.id}/transitions`, headers: { ...bearer(admin.token), 'user-agent': 'embargo-test' }, payload: { to: 'acknowledged', reason: 'on it' } });
      const page = await t.app.inject({ method: 'GET', url: `/api/v1/audit?stream=report:${report.id}`, headers: bearer(admin.token) });
      assert.equal(page.statusCode, 200, page.body);
      const [transition, received] = page.json().items;
      assert.equal(transition.action, 'report.transitioned');
      assert.equal(transition.actorName, admin.email);
      assert.equal(transition.authMethod, 'access_token');
      assert.equal(transition.userAgent, 'embargo-test');
      assert.equal(received.action, 'report.received');
      assert.equal(received.ip, '198.51.100.20');
      assert.equal(received.userAgent, 'curl/8.0');
      const logins = (await t.app.inject({ method: 'GET', url: '/api/v1/audit?action=auth.login&limit=1', headers: bearer(admin.token) })).json();
      assert.equal(logins.items.length, 1);
      assert.ok(logins.nextCursor);
      const next = (await t.app.inject({ method: 'GET', url: `/api/v1/audit?action=auth.login&limit=1&cursor=${logins.nextCursor}`, headers: bearer(admin.token) })).json();
      assert.notEqual(next.items[0].id, logins.items[0].id);
      const lines = await t.app.inject({ method: 'GET', url: '/api/v1/audit?stream=report:&format=jsonl', headers: bearer(admin.token) });
      assert.match(String(lines.headers['content-type']), /application\/x-ndjson/);
      const parsed = lines.body.trim().split('\n').map((line) => JSON.parse(line));
      assert.ok(parsed.length >= 2 && parsed.every((entry) => entry.stream.startsWith('report:')));
      const refused = await t.app.inject({ method: 'GET', url: '/api/v1/audit', headers: bearer(projectAdmin.token) });
      assert.equal(refused.statusCode, 403);
    } finally {
      await t.close();
    }
  });
});
