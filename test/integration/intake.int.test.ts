import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, createTestApp, type TestApp } from '../support/test-app.js';

const valid = { title: 'SQL injection in export', description: 'The export endpoint concatenates input.', stepsToReproduce: '1. call export with a quote' };

describe('intake and the reporter thread', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  async function countRows() {
    const reports = await t.context.db.selectFrom('reports').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const audit = await t.context.db.selectFrom('audit_events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return { reports: Number(reports.n), audit: Number(audit.n) };
  }

  it('lists projects with their required fields', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/v1/projects' });
    assert.equal(response.statusCode, 200);
    const alpha = response.json().items.find((project: { slug: string }) => project.slug === 'alpha');
    assert.deepEqual(alpha.report.requiredFields.sort(), ['description', 'stepsToReproduce', 'title']);
    assert.equal(alpha.timeline.initialAssessment.text, '5 business days');
    const one = await t.app.inject({ method: 'GET', url: '/api/v1/projects/beta' });
    assert.equal(one.json().slug, 'beta');
    const missing = await t.app.inject({ method: 'GET', url: '/api/v1/projects/nope' });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().error.code, 'PROJECT_NOT_FOUND');
  });

  it('accepts a report, returns a token once and stores only its hash', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/projects/alpha/reports', payload: { ...valid, affectedVersions: ['0.4.2', '0.2.9', '0.5.0b1', 'not-a-version'], credit: { type: 'handle', value: '@finder' }, contactEmail: 'finder@example.net' } });
    assert.equal(response.statusCode, 201, response.body);
    const { id, accessToken, statusUrl } = response.json();
    assert.match(accessToken, /^emb_r_/);
    assert.ok(statusUrl.endsWith(`/r/${id}#${accessToken}`));
    const row = await t.context.db.selectFrom('reports').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    assert.notEqual(row.access_token_hash, accessToken);
    assert.ok(!JSON.stringify(row).includes(accessToken));

    const view = await t.app.inject({ method: 'GET', url: `/api/v1/reports/${id}`, headers: bearer(accessToken) });
    assert.equal(view.statusCode, 200, view.body);
    const report = view.json();
    assert.equal(report.audience, 'reporter');
    assert.equal(report.state, 'new');
    assert.equal(report.receivedAt, '2026-03-02T09:00:00.000Z');
    assert.deepEqual(report.versionSupport, [
      { version: '0.4.2', status: 'supported' },
      { version: '0.2.9', status: 'unsupported' },
      { version: '0.5.0b1', status: 'prerelease' },
      { version: 'not-a-version', status: 'unknown' },
    ]);
    assert.deepEqual(report.deadlines.map((d: { kind: string }) => d.kind), ['acknowledge', 'assessment', 'status_update']);
    assert.equal(report.handlerId, undefined, 'team-only fields never reach the reporter');
    assert.equal(report.allowedTransitions, undefined);
  });

  it('stores report contents and thread messages encrypted, bound to their row', async () => {
    const secretTitle = 'RCE in the login handler via crafted cookie';
    const a = (await t.app.inject({ method: 'POST', url: '/api/v1/projects/alpha/reports', payload: { ...valid, title: secretTitle, contactEmail: 'hidden@example.net' } })).json();
    const b = (await t.app.inject({ method: 'POST', url: '/api/v1/projects/alpha/reports', payload: valid })).json();
    await t.app.inject({ method: 'POST', url: `/api/v1/reports/${a.id}/messages`, headers: bearer(a.accessToken), payload: { body: 'The payload is attached below' } });
    const rows = await t.context.db.selectFrom('reports').selectAll().where('id', 'in', [a.id, b.id]).execute();
    const messages = await t.context.db.selectFrom('messages').selectAll().where('report_id', '=', a.id).execute();
    const dump = JSON.stringify([rows, messages]);
    for (const secret of [secretTitle, 'hidden@example.net', 'The payload is attached', valid.description]) {
      assert.ok(!dump.includes(secret), `"${secret}" must not be stored in clear`);
    }
    const rowA = rows.find((row) => row.id === a.id)!;
    // A ciphertext copied into another report's row does not decrypt there.
    await t.context.db.updateTable('reports').set({ content_enc: rowA.content_enc }).where('id', '=', b.id).execute();
    const moved = await t.app.inject({ method: 'GET', url: `/api/v1/reports/${b.id}`, headers: bearer(b.accessToken) });
    assert.equal(moved.statusCode, 500);
    assert.equal(moved.json().error.code, 'INTERNAL_ERROR');
    assert.ok(!moved.body.includes(secretTitle));
    const own = await t.app.inject({ method: 'GET', url: `/api/v1/reports/${a.id}`, headers: bearer(a.accessToken) });
    assert.equal(own.json().title, secretTitle);
  });

  it('rejects missing policy-required fields with their names and stores nothing', async () => {
    const before = await countRows();
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/projects/alpha/reports', payload: { title: 'x', description: 'y' } });
    assert.equal(response.statusCode, 400);
    assert.equal(response.json().error.code, 'VALIDATION_FAILED');
    assert.deepEqual(response.json().error.fields.map((f: { field: string }) => f.field), ['stepsToReproduce']);
    // beta requires only the basics
    const beta = await t.app.inject({ method: 'POST', url: '/api/v1/projects/beta/reports', payload: { title: 'x', description: 'y' } });
    assert.equal(beta.statusCode, 201);
    const afterCounts = await countRows();
    assert.equal(afterCounts.reports, before.reports + 1);
  });

  it('answers bad input with a stable code and the offending fields', async () => {
    const before = await countRows();
    const cases: [unknown, string][] = [
      [{ ...valid, title: '' }, 'title'],
      [{ ...valid, contactEmail: 'nope' }, 'contactEmail'],
      [{ ...valid, affectedVersions: 'not-a-list' }, 'affectedVersions'],
      [{ ...valid, credit: { type: 'name' } }, 'credit.value'],
      [{ ...valid, unexpected: true }, 'unexpected'],
    ];
    for (const [payload, field] of cases) {
      const response = await t.app.inject({ method: 'POST', url: '/api/v1/projects/alpha/reports', payload: payload as object });
      assert.equal(response.statusCode, 400, `${field}: ${response.body}`);
      assert.equal(response.json().error.code, 'VALIDATION_FAILED');
      assert.ok(
        response.json().error.fields.some((f: { field: string }) => f.field === field),
        `expected field ${field} in ${response.body}`,
      );
    }
    const broken = await t.app.inject({ method: 'POST', url: '/api/v1/projects/alpha/reports', headers: { 'content-type': 'application/json' }, payload: '{"title": ' });
    assert.equal(broken.statusCode, 400);
    assert.equal(broken.json().error.code, 'VALIDATION_FAILED');
    const huge = await t.app.inject({ method: 'POST', url: '/api/v1/projects/alpha/reports', payload: { ...valid, description: 'x'.repeat(2 * 1024 * 1024) } });
    assert.equal(huge.statusCode, 413);
    assert.equal(huge.json().error.code, 'PAYLOAD_TOO_LARGE');
    const unknown = await t.app.inject({ method: 'POST', url: '/api/v1/projects/nope/reports', payload: valid });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().error.code, 'PROJECT_NOT_FOUND');
    assert.deepEqual(await countRows(), before);
  });

  it('keeps each reporter to their own report', async () => {
    const a = (await t.app.inject({ method: 'POST', url: '/api/v1/projects/alpha/reports', payload: valid })).json();
    const b = (await t.app.inject({ method: 'POST', url: '/api/v1/projects/alpha/reports', payload: valid })).json();
    const cross = await t.app.inject({ method: 'GET', url: `/api/v1/reports/${b.id}`, headers: bearer(a.accessToken) });
    assert.equal(cross.statusCode, 404);
    assert.equal(cross.json().error.code, 'REPORT_NOT_FOUND');
    const anonymous = await t.app.inject({ method: 'GET', url: `/api/v1/reports/${a.id}` });
    assert.equal(anonymous.statusCode, 401);
    const forged = await t.app.inject({ method: 'GET', url: `/api/v1/reports/${a.id}`, headers: bearer('emb_r_forged') });
    assert.equal(forged.statusCode, 401);
    const queue = await t.app.inject({ method: 'GET', url: '/api/v1/reports', headers: bearer(a.accessToken) });
    assert.equal(queue.statusCode, 401, 'reporters have no queue');
  });

  it('lets the reporter rotate and revoke their token, and the team reissue one', async () => {
    const { id, accessToken } = (await t.app.inject({ method: 'POST', url: '/api/v1/projects/alpha/reports', payload: valid })).json();
    const rotated = await t.app.inject({ method: 'POST', url: `/api/v1/reports/${id}/access-token`, headers: bearer(accessToken) });
    assert.equal(rotated.statusCode, 201);
    const next = rotated.json().accessToken;
    assert.equal((await t.app.inject({ method: 'GET', url: `/api/v1/reports/${id}`, headers: bearer(accessToken) })).statusCode, 401, 'the old link is dead');
    assert.equal((await t.app.inject({ method: 'GET', url: `/api/v1/reports/${id}`, headers: bearer(next) })).statusCode, 200);
    assert.equal((await t.app.inject({ method: 'DELETE', url: `/api/v1/reports/${id}/access-token`, headers: bearer(next) })).statusCode, 204);
    assert.equal((await t.app.inject({ method: 'GET', url: `/api/v1/reports/${id}`, headers: bearer(next) })).statusCode, 401);
    const maintainer = await t.user('maintainer', 'alpha');
    const reissued = await t.app.inject({ method: 'POST', url: `/api/v1/reports/${id}/access-token`, headers: bearer(maintainer.token) });
    assert.equal((await t.app.inject({ method: 'GET', url: `/api/v1/reports/${id}`, headers: bearer(reissued.json().accessToken) })).statusCode, 200);
    const actions = (await t.context.db.selectFrom('audit_events').select('action').where('stream', '=', `report:${id}`).orderBy('seq').execute()).map((row) => row.action);
    assert.deepEqual(actions, ['report.received', 'report.access_token_replaced', 'report.access_token_revoked', 'report.access_token_replaced']);
  });

  it('threads messages between reporter and team; internal notes stay with the team', async () => {
    const { id, accessToken } = (await t.app.inject({ method: 'POST', url: '/api/v1/projects/alpha/reports', payload: valid })).json();
    const maintainer = await t.user('maintainer', 'alpha');
    const post = (headers: Record<string, string>, payload: object) => t.app.inject({ method: 'POST', url: `/api/v1/reports/${id}/messages`, headers, payload });

    assert.equal((await post(bearer(accessToken), { body: 'Any news?' })).statusCode, 201);
    t.clock.advance(60_000);
    assert.equal((await post(bearer(maintainer.token), { body: 'Looking into it.' })).statusCode, 201);
    t.clock.advance(60_000);
    assert.equal((await post(bearer(maintainer.token), { body: 'Looks like CVE-worthy.', internal: true })).statusCode, 201);
    const sneaky = await post(bearer(accessToken), { body: 'note', internal: true });
    assert.equal(sneaky.statusCode, 403);
    assert.equal(sneaky.json().error.code, 'FORBIDDEN');

    const reporterView = (await t.app.inject({ method: 'GET', url: `/api/v1/reports/${id}`, headers: bearer(accessToken) })).json();
    assert.deepEqual(reporterView.messages.map((m: { body: string }) => m.body), ['Any news?', 'Looking into it.']);
    assert.ok(reporterView.messages.every((m: { authorName: string | null }) => m.authorName === null));
    const teamView = (await t.app.inject({ method: 'GET', url: `/api/v1/reports/${id}`, headers: bearer(maintainer.token) })).json();
    assert.equal(teamView.audience, 'team');
    assert.deepEqual(teamView.messages.map((m: { body: string; internal: boolean }) => [m.body, m.internal]), [
      ['Any news?', false],
      ['Looking into it.', false],
      ['Looks like CVE-worthy.', true],
    ]);
  });
});
