import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openDatabase } from '../../src/platform/db/database.js';
import { sweepDeadlines } from '../../src/modules/triage/sla/sla.sweep.js';
import { findOutbox } from '../../src/modules/notifications/outbox.repository.js';
import { bearer, createTestApp, type TestApp } from '../support/test-app.js';
import { TEST_DB_KIND } from '../support/test-db.js';

const LONG_SESSIONS = { accessTokenTtlSeconds: 365 * 86_400, sessionTtlSeconds: 365 * 86_400 };
const body = { title: 'Deserialization RCE', description: 'pickle.loads on input', stepsToReproduce: 'send a pickle' };
const HOUR = 3_600_000;

type Deadline = { kind: string; seq: number; dueAt: string | null; metAt: string | null; paused: boolean; overdue: boolean };

describe('SLA clocks', () => {
  let t: TestApp;
  let maintainer: { id: string; token: string };

  before(async () => {
    // Monday 2 March 2026, 10:00 in Berlin (CET, UTC+1).
    t = await createTestApp({ now: '2026-03-02T09:00:00Z', settings: LONG_SESSIONS });
    maintainer = await t.user('maintainer', 'alpha');
  });
  after(() => t.close());

  async function submit(project = 'alpha') {
    const response = await t.app.inject({ method: 'POST', url: `/api/v1/projects/${project}/reports`, payload: project === 'alpha' ? body : { title: 't', description: 'd' } });
    assert.equal(response.statusCode, 201, response.body);
    return response.json() as { id: string; accessToken: string };
  }
  const deadlines = async (id: string, token: string): Promise<Deadline[]> =>
    (await t.app.inject({ method: 'GET', url: `/api/v1/reports/${id}`, headers: bearer(token) })).json().deadlines;
  const byKind = (list: Deadline[], kind: string, seq = 1) => list.find((d) => d.kind === kind && d.seq === seq);
  const move = (id: string, to: string, reason?: string) =>
    t.app.inject({ method: 'POST', url: `/api/v1/reports/${id}/transitions`, headers: bearer(maintainer.token), payload: { to, ...(reason ? { reason } : {}) } });

  it('derives every promised deadline from the policy, for reporter and team alike', async () => {
    t.clock.set('2026-03-02T09:00:00Z');
    const { id, accessToken } = await submit();
    const reporter = await deadlines(id, accessToken);
    assert.deepEqual(
      reporter.map((d) => [d.kind, d.dueAt, d.metAt]),
      [
        ['acknowledge', '2026-03-04T09:00:00.000Z', null],
        // 5 business days: Monday 10:00 Berlin -> next Monday 10:00 Berlin.
        ['assessment', '2026-03-09T09:00:00.000Z', null],
        ['status_update', '2026-03-09T09:00:00.000Z', null],
      ],
    );
    assert.deepEqual(await deadlines(id, maintainer.token), reporter);

    t.clock.advance(5 * HOUR);
    assert.equal((await move(id, 'acknowledged')).statusCode, 200);
    const acknowledged = await deadlines(id, accessToken);
    assert.equal(byKind(acknowledged, 'acknowledge')!.metAt, '2026-03-02T14:00:00.000Z');
    assert.equal(byKind(acknowledged, 'detailed_response')!.dueAt, '2026-03-04T14:00:00.000Z');
    assert.equal(byKind(acknowledged, 'status_update')!.dueAt, '2026-03-09T14:00:00.000Z');

    t.clock.advance(HOUR);
    await t.app.inject({ method: 'POST', url: `/api/v1/reports/${id}/messages`, headers: bearer(maintainer.token), payload: { body: 'We reproduced it; here is the plan.' } });
    const answered = await deadlines(id, accessToken);
    assert.equal(byKind(answered, 'detailed_response')!.metAt, '2026-03-02T15:00:00.000Z');
    assert.equal(byKind(answered, 'status_update', 1)!.metAt, '2026-03-02T15:00:00.000Z');
    assert.equal(byKind(answered, 'status_update', 2)!.dueAt, '2026-03-09T15:00:00.000Z', 'the next status update is due 7 days after the last one');

    const critical = await t.app.inject({ method: 'PATCH', url: `/api/v1/reports/${id}`, headers: bearer(maintainer.token), payload: { severity: 'critical' } });
    assert.equal(byKind(critical.json().deadlines, 'resolution')!.dueAt, '2026-03-16T09:00:00.000Z', 'critical: 14 days from receipt');
    const high = await t.app.inject({ method: 'PATCH', url: `/api/v1/reports/${id}`, headers: bearer(maintainer.token), payload: { severity: 'high' } });
    assert.equal(byKind(high.json().deadlines, 'resolution')!.dueAt, '2026-04-01T08:00:00.000Z', 'high: 30 days, same wall time across the DST change');
    const low = await t.app.inject({ method: 'PATCH', url: `/api/v1/reports/${id}`, headers: bearer(maintainer.token), payload: { severity: 'low' } });
    assert.equal(byKind(low.json().deadlines, 'resolution'), undefined, 'no promise for low');
  });

  it('pauses the assessment clock while waiting for the reporter', async () => {
    t.clock.set('2026-03-02T09:00:00Z');
    const { id, accessToken } = await submit();
    t.clock.set('2026-03-03T09:00:00Z'); // Tuesday
    assert.equal((await move(id, 'needs_info', 'Which version?')).json().state, 'needs_info');
    const paused = byKind(await deadlines(id, accessToken), 'assessment')!;
    assert.equal(paused.paused, true);
    t.clock.set('2026-03-06T09:00:00Z'); // Friday: three business days later
    const reply = await t.app.inject({ method: 'POST', url: `/api/v1/reports/${id}/messages`, headers: bearer(accessToken), payload: { body: 'Version 0.4.1' } });
    assert.equal(reply.statusCode, 201);
    const resumed = await t.app.inject({ method: 'GET', url: `/api/v1/reports/${id}`, headers: bearer(accessToken) });
    assert.equal(resumed.json().state, 'acknowledged', 'the answer resumes the report where it was');
    const assessment = byKind(resumed.json().deadlines, 'assessment')!;
    assert.equal(assessment.paused, false);
    assert.equal(assessment.dueAt, '2026-03-12T09:00:00.000Z', 'Monday 9th + 3 business days paused = Thursday 12th');
  });

  it('skips weekends and holidays and keeps local time across the DST change', async () => {
    t.clock.set('2026-03-27T09:00:00Z'); // Friday 27 March 10:00 CET; DST starts Sunday 29 March
    const { id } = await submit();
    // Business days: Mon 30, Tue 31, Wed 1, Thu 2, (Fri 3 and Mon 6 are holidays), Tue 7 April 10:00 CEST.
    assert.equal(byKind(await deadlines(id, maintainer.token), 'assessment')!.dueAt, '2026-04-07T08:00:00.000Z');
  });

  it('emits each due-soon and breached event exactly once', async () => {
    t.clock.set('2026-05-04T09:00:00Z');
    const { id } = await submit('beta'); // acknowledge within 3 days, warned 12 hours before
    const events = async () => (await findOutbox(t.context.db)).filter((row) => (row.payload as { reportId: string }).reportId === id && row.topic.startsWith('sla.'));
    await sweepDeadlines(t.context);
    assert.equal((await events()).length, 0);
    t.clock.set('2026-05-06T21:00:00Z'); // 12 hours before
    await sweepDeadlines(t.context);
    await sweepDeadlines(t.context);
    assert.deepEqual((await events()).map((row) => row.topic), ['sla.deadline_due_soon']);
    t.clock.set('2026-05-07T09:00:01Z');
    await sweepDeadlines(t.context);
    await sweepDeadlines(t.context);
    const all = await events();
    assert.deepEqual(all.map((row) => row.topic), ['sla.deadline_due_soon', 'sla.deadline_breached']);
    assert.deepEqual(all[1]!.payload, { reportId: id, project: 'beta', kind: 'acknowledge', seq: 1, dueAt: '2026-05-07T09:00:00.000Z', handlerId: null, backupHandlerId: null });
    const overdue = await t.app.inject({ method: 'GET', url: `/api/v1/reports/${id}`, headers: bearer((await t.user('viewer', 'beta')).token) });
    assert.equal(byKind(overdue.json().deadlines, 'acknowledge')!.overdue, true);
  });

  it('sends nothing for a deadline met in time', async () => {
    t.clock.set('2026-06-01T09:00:00Z');
    const { id } = await submit('beta');
    const betaMaintainer = await t.user('maintainer', 'beta');
    await t.app.inject({ method: 'POST', url: `/api/v1/reports/${id}/transitions`, headers: bearer(betaMaintainer.token), payload: { to: 'acknowledged' } });
    t.clock.set('2026-06-10T09:00:00Z');
    await sweepDeadlines(t.context);
    const rows = (await findOutbox(t.context.db)).filter((row) => (row.payload as { reportId?: string }).reportId === id && row.topic.startsWith('sla.'));
    assert.deepEqual(rows, []);
  });
});

describe('SLA scheduler with two instances on one database', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ now: '2026-07-01T09:00:00Z' });
  });
  after(() => t.close());

  it('emits every event once when two schedulers race', async () => {
    for (let index = 0; index < 30; index += 1) {
      const response = await t.app.inject({ method: 'POST', url: '/api/v1/projects/beta/reports', payload: { title: `r${index}`, description: 'd' } });
      assert.equal(response.statusCode, 201);
    }
    // A second, independent connection pool stands for a second server process (on PGlite there is
    // one database handle per process, so both sweeps share it and are serialized by the driver).
    const url = (t.database as { url?: string | null }).url ?? null;
    const second = TEST_DB_KIND === 'postgres' && url ? await openDatabase({ kind: 'postgres', url, poolSize: 5 }) : null;
    try {
      const other = { db: second?.db ?? t.context.db, clock: t.clock };
      t.clock.set('2026-07-04T09:00:01Z'); // every acknowledge deadline is breached
      const results = await Promise.all([
        sweepDeadlines(t.context, { batchSize: 7 }),
        sweepDeadlines(other, { batchSize: 7 }),
        sweepDeadlines(t.context, { batchSize: 50 }),
        sweepDeadlines(other, { batchSize: 50 }),
      ]);
      await Promise.all([sweepDeadlines(t.context), sweepDeadlines(other)]);
      const breached = (await findOutbox(t.context.db, 'sla.deadline_breached')).map((row) => (row.payload as { reportId: string }).reportId);
      assert.equal(breached.length, 30);
      assert.equal(new Set(breached).size, 30);
      assert.equal(results.reduce((sum, result) => sum + result.breached, 0) <= 30, true);
    } finally {
      await second?.close();
    }
  });
});
