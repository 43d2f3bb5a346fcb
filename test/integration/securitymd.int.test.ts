import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { scoreSecurityPolicy } from '../../src/modules/policy/securitymd/scorecard.js';
import { lintSecurityMd } from '../../src/modules/policy/securitymd/securitymd.lint.js';
import { bearer, createTestApp, type TestApp } from '../support/test-app.js';

describe('GET /p/:project/SECURITY.md', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  it('serves the generated policy to anyone, as markdown', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/p/alpha/SECURITY.md' });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.headers['content-type'], 'text/markdown; charset=utf-8');
    assert.match(response.body, /^# Security Policy for Alpha\n/);
    assert.ok(response.body.includes(`<${t.context.config.publicUrl}/p/alpha>`));
    assert.ok(response.body.includes(`<${t.context.config.publicUrl}/p/alpha/SECURITY.md>`));
    assert.ok(response.body.includes('[security@alpha.example](mailto:security@alpha.example)'));
    assert.ok(response.body.includes('| 0.4.x | ✅ |'));
    assert.ok(response.body.includes('We acknowledge your report within 48 hours.'));
    assert.ok(response.body.includes('Business days are counted in the Europe/Berlin time zone, excluding weekends and public holidays.'));
    assert.equal(scoreSecurityPolicy(response.body).score, 10);
    assert.ok(lintSecurityMd(response.body, { now: t.clock.now() }).score >= 80);
  });

  it('gives every visitor the same public document, signed in or not', async () => {
    const anonymous = await t.app.inject({ method: 'GET', url: '/p/beta/SECURITY.md' });
    const member = await t.user('maintainer', 'alpha');
    const signedIn = await t.app.inject({ method: 'GET', url: '/p/beta/SECURITY.md', headers: bearer(member.token) });
    assert.equal(anonymous.statusCode, 200);
    assert.equal(signedIn.body, anonymous.body);
    assert.match(anonymous.body, /^# Security Policy for Beta\n/);
  });

  it('answers HEAD like GET, without a body', async () => {
    const response = await t.app.inject({ method: 'HEAD', url: '/p/alpha/SECURITY.md' });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['content-type'], 'text/markdown; charset=utf-8');
    assert.equal(response.body, '');
  });

  it('answers 404 PROJECT_NOT_FOUND as JSON for an unknown or malformed project', async () => {
    for (const url of ['/p/nope/SECURITY.md', '/p/a%20b/SECURITY.md', '/p/ALPHA/SECURITY.md']) {
      const response = await t.app.inject({ method: 'GET', url });
      assert.equal(response.statusCode, 404, url);
      assert.match(String(response.headers['content-type']), /^application\/json/);
      assert.equal(response.json().error.code, 'PROJECT_NOT_FOUND', url);
    }
  });

  it('is listed in the route table and the OpenAPI document as text/markdown', async () => {
    assert.ok(t.app.routeTable.some((route) => route.method === 'GET' && route.url === '/p/:project/SECURITY.md'));
    const openapi = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const operation = openapi.paths['/p/{project}/SECURITY.md'].get;
    assert.ok(operation.responses['200'].content['text/markdown']);
    assert.ok(operation.responses['404']);
  });
});
