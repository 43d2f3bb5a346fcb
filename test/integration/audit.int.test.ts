import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
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

  it('detects an edited entry, a removed entry and a rewritten stream', async () => {
    await sealAuditLog(t.context);
    const stream = `report:${reports[1]!.id}`;
    const entry = await t.context.db.selectFrom('audit_events').selectAll().where('stream', '=', stream).where('seq', '=', 2).executeTakeFirstOrThrow();

    await t.context.db.updateTable('audit_events').set({ reason: 'nothing to see' }).where('id', '=', entry.id).execute();
    const edited = await verifyAuditLog(t.context.db);
    assert.equal(edited.ok, false);
    assert.ok(edited.problems.some((problem) => problem.includes(`${stream}#2`) && problem.includes('edited')));
    await t.context.db.updateTable('audit_events').set({ reason: entry.reason }).where('id', '=', entry.id).execute();
    assert.ok((await verifyAuditLog(t.context.db)).ok, 'restoring the entry restores the chain');

    await t.context.db.deleteFrom('audit_events').where('id', '=', entry.id).execute();
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
