import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { XSS_PAYLOADS } from '../../src/platform/text/test-support/xss-payloads.js';
import { bearer, createTestApp, type TestApp } from '../support/test-app.js';

/**
 * Nothing a reporter sends is rendered by the server: every text field of intake and of the thread
 * comes back from the JSON API exactly as sent (data, never HTML), and the web app's pages are static
 * shells that never carry report text (the browser app renders it as React-escaped plain text).
 */
const TEXT_FIELDS = ['title', 'description', 'stepsToReproduce', 'impact', 'environment', 'proofOfConcept', 'suggestedFix'] as const;

describe('XSS payloads through intake and the thread', () => {
  let t: TestApp;
  let maintainer: string;
  const reports: { payload: string; id: string; accessToken: string }[] = [];

  before(async () => {
    t = await createTestApp();
    maintainer = (await t.user('maintainer', 'alpha')).token;
    for (const payload of XSS_PAYLOADS) {
      const body = {
        ...Object.fromEntries(TEXT_FIELDS.map((field) => [field, payload])),
        affectedVersions: [payload],
        credit: { type: 'name', value: payload },
        pgpPublicKey: `-----BEGIN PGP PUBLIC KEY BLOCK-----\n${payload}\n-----END PGP PUBLIC KEY BLOCK-----`,
      };
      const response = await t.app.inject({ method: 'POST', url: '/api/v1/projects/alpha/reports', payload: body });
      assert.equal(response.statusCode, 201, `${JSON.stringify(payload)}: ${response.body}`);
      assert.match(String(response.headers['content-type']), /^application\/json/);
      const { id, accessToken } = response.json() as { id: string; accessToken: string };
      reports.push({ payload, id, accessToken });
      const fromReporter = await t.app.inject({ method: 'POST', url: `/api/v1/reports/${id}/messages`, headers: bearer(accessToken), payload: { body: payload } });
      assert.equal(fromReporter.statusCode, 201, fromReporter.body);
      const note = await t.app.inject({ method: 'POST', url: `/api/v1/reports/${id}/messages`, headers: bearer(maintainer), payload: { body: payload, internal: true } });
      assert.equal(note.statusCode, 201, note.body);
    }
  });
  after(() => t.close());

  it('the payload list is not trivially short', () => assert.ok(XSS_PAYLOADS.length >= 40));

  it('returns every field verbatim, as JSON, to the team and to the reporter', async () => {
    for (const { payload, id, accessToken } of reports) {
      for (const [who, token] of [['team', maintainer], ['reporter', accessToken]] as const) {
        const response = await t.app.inject({ method: 'GET', url: `/api/v1/reports/${id}`, headers: bearer(token) });
        assert.equal(response.statusCode, 200, response.body);
        assert.match(String(response.headers['content-type']), /^application\/json; charset=utf-8$/);
        assert.equal(response.headers['x-content-type-options'], 'nosniff');
        const report = response.json() as Record<string, unknown> & { messages: { body: string; internal: boolean }[] };
        for (const field of TEXT_FIELDS) assert.equal(report[field], payload, `${who} ${field} of ${JSON.stringify(payload)}`);
        assert.deepEqual(report.affectedVersions, [payload]);
        assert.deepEqual(report.credit, { type: 'name', value: payload });
        const bodies = report.messages.map((message) => message.body);
        assert.deepEqual(bodies, who === 'team' ? [payload, payload] : [payload], `${who} thread of ${JSON.stringify(payload)}`);
      }
    }
  });

  it('lists reports with the title as data', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/v1/reports?limit=100', headers: bearer(maintainer) });
    assert.equal(response.statusCode, 200, response.body);
    assert.match(String(response.headers['content-type']), /^application\/json/);
    const titles = new Set((response.json() as { items: { title?: string }[] }).items.map((item) => item.title));
    for (const { payload } of reports.slice(0, 10)) assert.ok(titles.has(payload), `title ${JSON.stringify(payload)} in the list`);
  });

  it("never puts report text into the web app's HTML pages", async () => {
    for (const { id, accessToken } of reports) {
      for (const url of [`/r/${id}`, `/team/reports/${id}`, '/', '/team', '/p/alpha']) {
        const response = await t.app.inject({ method: 'GET', url, headers: url.startsWith('/r/') ? bearer(accessToken) : bearer(maintainer) });
        assert.equal(response.statusCode, 200);
        assert.match(String(response.headers['content-type']), /^text\/html/);
        // The page CSP forbids inline script, so even an injected <script> would not run.
        assert.doesNotMatch(String(response.headers['content-security-policy']), /unsafe-inline|unsafe-eval/);
        for (const payload of XSS_PAYLOADS) assert.ok(!response.body.includes(payload), `${url} contains ${JSON.stringify(payload)}`);
        assert.doesNotMatch(response.body, /alert\(1\)|onerror|javascript:/i, url);
      }
    }
  });
});
