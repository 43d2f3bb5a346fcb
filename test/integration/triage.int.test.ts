import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, createTestApp, type TestApp } from '../support/test-app.js';

// The clock moves by days here; sessions must outlive that.
const LONG_SESSIONS = { accessTokenTtlSeconds: 90 * 86_400, sessionTtlSeconds: 90 * 86_400 };
const reportBody = { title: 'Path traversal in loader', description: 'open() follows ../', stepsToReproduce: 'load("../../etc/passwd")' };

describe('triage', () => {
  let t: TestApp;
  let admin: { id: string; token: string };
  let maintainer: { id: string; token: string };
  let viewer: { id: string; token: string };
  let betaMaintainer: { id: string; token: string };

  before(async () => {
    t = await createTestApp({ settings: LONG_SESSIONS });
    admin = await t.user('admin');
    maintainer = await t.user('maintainer', 'alpha');
    viewer = await t.user('viewer', 'alpha');
    betaMaintainer = await t.user('maintainer', 'beta');
  });
  after(() => t.close());

  async function submit(project = 'alpha', body: object = reportBody) {
    const response = await t.app.inject({ method: 'POST', url: `/api/v1/projects/${project}/reports`, payload: body });
    assert.equal(response.statusCode, 201, response.body);
    return response.json() as { id: string; accessToken: string };
  }
  const move = (id: string, token: string, payload: object) => t.app.inject({ method: 'POST', url: `/api/v1/reports/${id}/transitions`, headers: bearer(token), payload });
  const patch = (id: string, token: string, payload: object) => t.app.inject({ method: 'PATCH', url: `/api/v1/reports/${id}`, headers: bearer(token), payload });
  const view = async (id: string, token: string) => (await t.app.inject({ method: 'GET', url: `/api/v1/reports/${id}`, headers: bearer(token) })).json();
  const auditOf = (id: string) => t.context.db.selectFrom('audit_events').selectAll().where('stream', '=', `report:${id}`).orderBy('seq').execute();

  it('walks a report from new to disclosed, recording actor, reason and time', async () => {
    const { id, accessToken } = await submit();
    const steps = ['acknowledged', 'triaged', 'fix_in_progress', 'fixed', 'disclosed'];
    for (const to of steps) {
      t.clock.advance(3_600_000);
      const response = await move(id, maintainer.token, { to, reason: `moving to ${to}` });
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.json().state, to);
    }
    const audit = await auditOf(id);
    const transitions = audit.filter((event) => event.action === 'report.transitioned');
    assert.deepEqual(transitions.map((event) => (event.data as { to: string }).to), steps);
    assert.ok(transitions.every((event) => event.actor_type === 'user' && event.actor_id === maintainer.id));
    assert.equal(transitions[0]!.reason, 'moving to acknowledged');
    assert.deepEqual(audit.map((event) => event.seq), audit.map((_, index) => index + 1));
    const reporterView = await view(id, accessToken);
    assert.equal(reporterView.state, 'disclosed');
    assert.ok(reporterView.deadlines.every((deadline: { metAt: string | null }) => deadline.metAt !== null), 'closing meets every open deadline');
  });

  it('refuses illegal transitions with 409 and changes nothing', async () => {
    const { id } = await submit();
    const before = await view(id, maintainer.token);
    const response = await move(id, maintainer.token, { to: 'fixed' });
    assert.equal(response.statusCode, 409);
    assert.equal(response.json().error.code, 'INVALID_TRANSITION');
    assert.ok(response.json().error.allowed.includes('acknowledged'));
    const afterView = await view(id, maintainer.token);
    assert.equal(afterView.state, 'new');
    assert.equal(afterView.revision, before.revision);
    assert.equal((await auditOf(id)).length, 1);
    const unknown = await move(id, maintainer.token, { to: 'teleported' });
    assert.equal(unknown.statusCode, 400);
    assert.equal(unknown.json().error.code, 'VALIDATION_FAILED');
  });

  it('needs a reason to close, the original for a duplicate and a destination when forwarding', async () => {
    const original = await submit();
    const { id } = await submit();
    const noReason = await move(id, maintainer.token, { to: 'invalid' });
    assert.equal(noReason.statusCode, 400);
    assert.equal(noReason.json().error.fields[0].field, 'reason');
    const badDuplicate = await move(id, maintainer.token, { to: 'duplicate', reason: 'dup' });
    assert.equal(badDuplicate.json().error.fields[0].field, 'duplicateOf');
    const crossProject = await submit('beta', { title: 'x', description: 'y' });
    const otherProject = await move(id, maintainer.token, { to: 'duplicate', reason: 'dup', duplicateOf: crossProject.id });
    assert.equal(otherProject.statusCode, 400, 'a duplicate must point at a report of the same project');
    const duplicate = await move(id, maintainer.token, { to: 'duplicate', reason: 'Same as the earlier report', duplicateOf: original.id });
    assert.equal(duplicate.statusCode, 200, duplicate.body);
    assert.equal(duplicate.json().duplicateOf, original.id);
    const reopened = await move(id, maintainer.token, { to: 'acknowledged', reason: 'Not the same after all' });
    assert.equal(reopened.json().state, 'acknowledged');
    assert.equal(reopened.json().duplicateOf, null);
    const noTarget = await move(id, maintainer.token, { to: 'forwarded_upstream', reason: 'Bug in a dependency' });
    assert.equal(noTarget.json().error.fields[0].field, 'forwardedTo');
    const forwarded = await move(id, maintainer.token, { to: 'forwarded_upstream', reason: 'Bug in a dependency', forwardedTo: 'https://github.com/example/dep/security' });
    assert.equal(forwarded.json().forwardedTo, 'https://github.com/example/dep/security');
  });

  it('sets severity and scores CVSS vectors on the server', async () => {
    const { id } = await submit();
    const response = await patch(id, maintainer.token, {
      severity: 'critical',
      cvss31: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
      cvss40: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N',
    });
    assert.equal(response.statusCode, 200, response.body);
    const report = response.json();
    assert.equal(report.severity, 'critical');
    assert.deepEqual(report.cvss31, { vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', score: 9.8, severity: 'critical' });
    assert.equal(report.cvss40.score, 9.3);
    const bad = await patch(id, maintainer.token, { cvss31: 'CVSS:3.1/AV:N/AC:L' });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.code, 'INVALID_CVSS_VECTOR');
    assert.equal(bad.json().error.fields[0].field, 'cvss31');
    const wrongVersion = await patch(id, maintainer.token, { cvss31: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N' });
    assert.equal(wrongVersion.json().error.code, 'INVALID_CVSS_VECTOR');
    const unknownSeverity = await patch(id, maintainer.token, { severity: 'apocalyptic' });
    assert.equal(unknownSeverity.json().error.code, 'UNKNOWN_SEVERITY');
    const unchanged = await view(id, maintainer.token);
    assert.equal(unchanged.severity, 'critical');
    assert.equal(unchanged.cvss31.score, 9.8);
  });

  it('assigns a primary and a backup handler from the project team only', async () => {
    const { id } = await submit();
    const ok = await patch(id, maintainer.token, { handlerId: maintainer.id, backupHandlerId: admin.id });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().handlerId, maintainer.id);
    assert.equal(ok.json().backupHandlerId, admin.id);
    for (const candidate of [viewer.id, betaMaintainer.id, '00000000-0000-4000-8000-000000000000', 'nobody']) {
      const refused = await patch(id, maintainer.token, { handlerId: candidate });
      assert.equal(refused.statusCode, 400, candidate);
      assert.equal(refused.json().error.code, 'UNKNOWN_HANDLER');
    }
    const audit = await auditOf(id);
    assert.deepEqual(audit.at(-1)!.data, { changes: { handler_id: maintainer.id, backup_handler_id: admin.id } });
  });

  it('lets viewers read but not act, and hides other projects as 404', async () => {
    const { id } = await submit();
    assert.equal((await t.app.inject({ method: 'GET', url: `/api/v1/reports/${id}`, headers: bearer(viewer.token) })).statusCode, 200);
    const viewerMove = await move(id, viewer.token, { to: 'acknowledged' });
    assert.equal(viewerMove.statusCode, 403);
    assert.equal(viewerMove.json().error.code, 'FORBIDDEN');
    assert.equal((await patch(id, viewer.token, { severity: 'low' })).statusCode, 403);
    for (const response of [
      await t.app.inject({ method: 'GET', url: `/api/v1/reports/${id}`, headers: bearer(betaMaintainer.token) }),
      await move(id, betaMaintainer.token, { to: 'acknowledged' }),
      await patch(id, betaMaintainer.token, { severity: 'low' }),
      await t.app.inject({ method: 'POST', url: `/api/v1/reports/${id}/messages`, headers: bearer(betaMaintainer.token), payload: { body: 'hi' } }),
    ]) {
      assert.equal(response.statusCode, 404);
      assert.equal(response.json().error.code, 'REPORT_NOT_FOUND');
    }
    for (const response of [
      await t.app.inject({ method: 'GET', url: '/api/v1/reports' }),
      await move(id, 'not-a-token', { to: 'acknowledged' }),
      await t.app.inject({ method: 'PATCH', url: `/api/v1/reports/${id}`, payload: { severity: 'low' } }),
    ]) {
      assert.equal(response.statusCode, 401);
      assert.equal(response.json().error.code, 'UNAUTHENTICATED');
    }
    assert.equal((await view(id, admin.token)).state, 'new', 'nothing changed');
  });

  it('never loses an update under 50 concurrent read-modify-write requests', async () => {
    const { id, accessToken } = await submit();
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        t.app.inject({ method: 'POST', url: `/api/v1/reports/${id}/messages`, headers: bearer(index % 2 ? accessToken : maintainer.token), payload: { body: `message ${index}` } }),
      ),
    );
    assert.deepEqual(responses.map((response) => response.statusCode), Array(50).fill(201));
    const report = await view(id, maintainer.token);
    assert.equal(report.revision, 50, 'every increment of the revision survived');
    assert.equal(report.messages.length, 50);
    const audit = await auditOf(id);
    assert.equal(audit.length, 51);
    assert.deepEqual(audit.map((event) => event.seq), Array.from({ length: 51 }, (_, index) => index + 1));
  });
});

describe('team queue', () => {
  let t: TestApp;
  let maintainer: { id: string; token: string };
  let admin: { id: string; token: string };

  before(async () => {
    t = await createTestApp({ settings: LONG_SESSIONS });
    maintainer = await t.user('maintainer', 'alpha');
    admin = await t.user('admin');
    for (let index = 0; index < 12; index += 1) {
      t.clock.advance(3_600_000);
      await t.app.inject({ method: 'POST', url: '/api/v1/projects/alpha/reports', payload: { ...reportBody, title: `alpha ${index}` } });
      await t.app.inject({ method: 'POST', url: '/api/v1/projects/beta/reports', payload: { title: `beta ${index}`, description: 'd' } });
    }
  });
  after(() => t.close());

  const queue = (token: string, query = '') => t.app.inject({ method: 'GET', url: `/api/v1/reports${query}`, headers: bearer(token) });

  it('scopes the queue to the projects the member belongs to, in SQL', async () => {
    const mine = (await queue(maintainer.token, '?limit=200')).json();
    assert.equal(mine.items.length, 12);
    assert.ok(mine.items.every((item: { project: string }) => item.project === 'alpha'));
    const asked = (await queue(maintainer.token, '?project=beta')).json();
    assert.equal(asked.items.length, 0, 'asking for a foreign project yields nothing');
    const all = (await queue(admin.token, '?limit=200')).json();
    assert.equal(all.items.length, 24);
  });

  it('sorts by next deadline and pages by cursor without gaps or repeats', async () => {
    const seen: { id: string; nextDueAt: string | null }[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { id: string; nextDueAt: string | null }[]; nextCursor: string | null } = (await queue(admin.token, `?limit=5${cursor ? `&cursor=${cursor}` : ''}`)).json();
      assert.ok(page.items.length <= 5);
      seen.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    assert.equal(seen.length, 24);
    assert.equal(new Set(seen.map((item) => item.id)).size, 24);
    const dues = seen.map((item) => (item.nextDueAt ? Date.parse(item.nextDueAt) : Infinity));
    assert.deepEqual(dues, [...dues].sort((a, b) => a - b));
    const bad = await queue(admin.token, '?cursor=garbage');
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.code, 'INVALID_CURSOR');
  });

  it('filters by state, severity, handler and overdue', async () => {
    const first = (await queue(maintainer.token, '?limit=1')).json().items[0];
    await t.app.inject({ method: 'POST', url: `/api/v1/reports/${first.id}/transitions`, headers: bearer(maintainer.token), payload: { to: 'acknowledged' } });
    await t.app.inject({ method: 'PATCH', url: `/api/v1/reports/${first.id}`, headers: bearer(maintainer.token), payload: { severity: 'high', handlerId: maintainer.id } });
    const acknowledged = (await queue(maintainer.token, '?state=acknowledged')).json();
    assert.deepEqual(acknowledged.items.map((item: { id: string }) => item.id), [first.id]);
    assert.equal((await queue(maintainer.token, '?state=new,acknowledged&limit=200')).json().items.length, 12);
    assert.deepEqual((await queue(maintainer.token, '?severity=high')).json().items.map((item: { id: string }) => item.id), [first.id]);
    assert.deepEqual((await queue(maintainer.token, '?handler=me')).json().items.map((item: { id: string }) => item.id), [first.id]);
    assert.equal((await queue(maintainer.token, '?handler=none&limit=200')).json().items.length, 11);
    assert.equal((await queue(maintainer.token, '?overdue=true')).json().items.length, 0);
    t.clock.advance(10 * 24 * 3_600_000);
    const overdue = (await queue(admin.token, '?overdue=true&limit=200')).json();
    assert.ok(overdue.items.length > 0);
    assert.ok(overdue.items.every((item: { overdue: boolean }) => item.overdue));
    const badState = await queue(admin.token, '?state=bogus');
    assert.equal(badState.statusCode, 400);
    assert.equal(badState.json().error.code, 'VALIDATION_FAILED');
  });
});
