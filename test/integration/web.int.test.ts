import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../support/test-app.js';

describe('web app routes', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  it('answers the app shell for every client route, revalidated on each visit, under the strict CSP', async () => {
    for (const url of ['/', '/login', '/p/alpha', '/r/0190a1b2-0000-7000-8000-000000000000', '/advisories', '/hall-of-fame', '/team', '/team/reports/x', '/team/metrics', '/team/projects/alpha', '/team/account']) {
      const response = await t.app.inject({ method: 'GET', url });
      assert.equal(response.statusCode, 200, url);
      assert.match(String(response.headers['content-type']), /^text\/html/, url);
      assert.equal(response.headers['cache-control'], 'no-cache', url);
      assert.match(response.body, /<div id="root">/, url);
      const csp = String(response.headers['content-security-policy']);
      assert.match(csp, /script-src 'self'/);
      assert.doesNotMatch(csp, /unsafe-inline/);
    }
  });

  it('answers the app to browsers and JSON to everyone else at the advisory pages that are also API resources', async () => {
    const chrome = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7';
    const firefox = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
    for (const url of ['/p/alpha/advisories', '/p/alpha/advisories/EMB-2026-0001', '/p/alpha/hall-of-fame', '/p/nope/advisories/EMB-2026-0001']) {
      for (const accept of [chrome, firefox, 'text/html']) {
        const page = await t.app.inject({ method: 'GET', url, headers: { accept } });
        assert.equal(page.statusCode, 200, `${url} ${accept}`);
        assert.match(String(page.headers['content-type']), /^text\/html/, url);
        assert.match(page.body, /<div id="root">/, url);
        assert.equal(page.headers['cache-control'], 'no-cache', url);
        assert.match(String(page.headers.vary), /\bAccept\b/, url);
      }
      for (const accept of [undefined, '*/*', 'application/json', 'application/json, text/plain, */*', 'text/html;q=0.5, application/json', 'text/html, application/json', 'text/html;q=0.9, application/*', 'text/html;q=0']) {
        const api = await t.app.inject({ method: 'GET', url, headers: accept === undefined ? {} : { accept } });
        assert.match(String(api.headers['content-type']), /^application\/json/, `${url} ${accept}`);
        assert.match(String(api.headers.vary), /\bAccept\b/, `${url} ${accept}`);
      }
    }
    const list = await t.app.inject({ method: 'GET', url: '/p/alpha/advisories', headers: { accept: 'application/json' } });
    assert.equal(list.statusCode, 200);
    assert.deepEqual(list.json(), { project: 'alpha', items: [] });
    const unknown = await t.app.inject({ method: 'GET', url: '/p/alpha/advisories/EMB-2026-0001', headers: { accept: '*/*' } });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().error.code, 'ADVISORY_NOT_FOUND');
    // Feeds and the changelog beside them stay what they are, whatever the browser asks for.
    const feed = await t.app.inject({ method: 'GET', url: '/p/alpha/advisories.atom', headers: { accept: chrome } });
    assert.match(String(feed.headers['content-type']), /^application\/atom\+xml/);
    const changelog = await t.app.inject({ method: 'GET', url: '/p/alpha/CHANGELOG.md', headers: { accept: chrome } });
    assert.match(String(changelog.headers['content-type']), /^text\/markdown/);
    // Other routes are not negotiated and do not vary.
    const project = await t.app.inject({ method: 'GET', url: '/api/v1/projects/alpha', headers: { accept: chrome } });
    assert.match(String(project.headers['content-type']), /^application\/json/);
    assert.doesNotMatch(String(project.headers.vary ?? ''), /\bAccept\b/);
  });

  it('serves hashed assets with their type and a year of immutable caching', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/assets/app-test1234.js' });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^text\/javascript/);
    assert.equal(response.headers['cache-control'], 'public, max-age=31536000, immutable');
    const icon = await t.app.inject({ method: 'GET', url: '/favicon.svg' });
    assert.equal(icon.statusCode, 200);
    assert.equal(icon.headers['content-type'], 'image/svg+xml');
  });

  it('answers JSON 404 for unknown assets, traversal attempts and unknown API paths', async () => {
    for (const url of ['/assets/nope.js', '/assets/..%2Findex.html', '/assets/%2E%2E%2F%2E%2E%2Fpackage.json', '/api/v1/nope', '/api/v1/projects/alpha/nope', '/team/unknown/deep']) {
      const response = await t.app.inject({ method: 'GET', url });
      assert.equal(response.statusCode, 404, url);
      assert.equal(response.json().error.code, 'NOT_FOUND', url);
    }
  });

  it('leaves the other routes under /p/ and /.well-known to their modules', async () => {
    const md = await t.app.inject({ method: 'GET', url: '/p/alpha/SECURITY.md' });
    assert.match(String(md.headers['content-type']), /^text\/markdown/);
    const txt = await t.app.inject({ method: 'GET', url: '/p/alpha/security.txt' });
    assert.match(String(txt.headers['content-type']), /^text\/plain/);
    const wellKnown = await t.app.inject({ method: 'GET', url: '/.well-known/security.txt' });
    assert.match(String(wellKnown.headers['content-type']), /^text\/plain/);
  });

  it('answers 503 with how to build when the app is not built', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'embargo-no-web-'));
    const bare = await createTestApp({ settings: { webDist: empty } });
    try {
      for (const url of ['/p/alpha', '/team', '/assets/app-test1234.js']) {
        const response = await bare.app.inject({ method: 'GET', url });
        assert.equal(response.statusCode, 503, url);
        assert.match(response.body, /npm run build/);
        assert.equal(response.headers['cache-control'], 'no-store');
      }
      const api = await bare.app.inject({ method: 'GET', url: '/api/v1/projects/alpha' });
      assert.equal(api.statusCode, 200, 'the API works without the web app');
    } finally {
      await bare.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
