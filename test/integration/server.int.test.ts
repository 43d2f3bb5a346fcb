import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ZodApp } from '../../src/platform/http/app.js';
import { bearer, createTestApp, TEST_PASSWORD, type TestApp } from '../support/test-app.js';

const SESSION_COOKIE = 'embargo_session';
const CSRF_COOKIE = 'embargo_csrf';
const HOUR_MS = 60 * 60 * 1000;

type Operation = {
  requestBody?: { required?: boolean; content: Record<string, { schema: { properties?: Record<string, { enum?: string[] }>; required?: string[]; additionalProperties?: boolean } }> };
  parameters?: { in: string; name: string }[];
  responses: Record<string, unknown>;
};
type OpenApi = { openapi: string; paths: Record<string, Record<string, Operation>> };

/** Every API operation the app serves, read from Fastify's own route tree. */
function registeredRoutes(app: ZodApp): string[] {
  const routes: string[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = line.match(/^((?:│ {3}| {4})*)[├└]── (\S+)(?: \(([^)]+)\))?$/);
    if (!match) continue;
    stack.length = match[1]!.length / 4;
    stack.push(match[2]!);
    for (const method of match[3]?.split(', ') ?? []) {
      // HEAD mirrors GET; OPTIONS answers CORS preflights. Neither is an API operation.
      if (method !== 'HEAD' && method !== 'OPTIONS') routes.push(`${method} ${stack.join('').replace(/:(\w+)/g, '{$1}')}`);
    }
  }
  return routes.sort();
}

/** The routes this file knows about, each with the body fields it must document. */
const KNOWN: Record<string, { body?: { required: string[]; properties: string[] }; success: string }> = {
  'GET /api/v1/projects': { success: '200' },
  'GET /api/v1/projects/{project}': { success: '200' },
  'POST /api/v1/projects/{project}/reports': {
    body: { required: ['title', 'description'], properties: ['title', 'description', 'stepsToReproduce', 'affectedVersions', 'credit', 'contactEmail'] },
    success: '201',
  },
  'GET /api/v1/reports': { success: '200' },
  'GET /api/v1/reports/{id}': { success: '200' },
  'PATCH /api/v1/reports/{id}': { body: { required: [], properties: ['severity', 'cvss31', 'cvss40', 'handlerId', 'backupHandlerId'] }, success: '200' },
  'POST /api/v1/reports/{id}/messages': { body: { required: ['body'], properties: ['body', 'internal'] }, success: '201' },
  'POST /api/v1/reports/{id}/transitions': { body: { required: ['to'], properties: ['to', 'reason', 'duplicateOf', 'forwardedTo'] }, success: '200' },
  'POST /api/v1/auth/login': { body: { required: ['email', 'password'], properties: ['email', 'password'] }, success: '200' },
  'POST /api/v1/auth/logout': { success: '204' },
  'GET /api/v1/auth/me': { success: '200' },
};
/** Served but deliberately left out of the API document. */
const UNDOCUMENTED = new Set(['GET /openapi.json']);

describe('server: operations endpoints and the API document', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  it('answers /healthz and /readyz', async () => {
    const health = await t.app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(health.statusCode, 200);
    assert.deepEqual(health.json(), { status: 'ok' });
    const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(ready.statusCode, 200);
    assert.deepEqual(ready.json(), { status: 'ready' });
  });

  it('answers an unknown route or method with 404 NOT_FOUND', async () => {
    for (const [method, url] of [
      ['GET', '/api/v1/nope'],
      ['GET', '/api/v1/auth/logout'],
      ['DELETE', '/api/v1/reports'],
    ] as const) {
      const response = await t.app.inject({ method, url });
      assert.equal(response.statusCode, 404, `${method} ${url}`);
      assert.equal(response.json().error.code, 'NOT_FOUND');
    }
  });

  it('serves an OpenAPI 3.1 document listing every route with its request body', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(response.statusCode, 200);
    const doc = response.json() as OpenApi;
    assert.match(doc.openapi, /^3\.1\.\d+$/);
    const documented = Object.entries(doc.paths)
      .flatMap(([route, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${route}`))
      .sort();

    const registered = registeredRoutes(t.app);
    for (const route of Object.keys(KNOWN)) assert.ok(registered.includes(route), `the app serves ${route} (routes: ${registered.join(', ')})`);
    assert.deepEqual(
      registered.filter((route) => !UNDOCUMENTED.has(route) && !documented.includes(route)),
      [],
      'every route the app serves is in the API document',
    );
    assert.deepEqual(
      documented.filter((route) => !registered.includes(route)),
      [],
      'the API document lists no route the app does not serve',
    );
    assert.ok(!documented.includes('GET /openapi.json'));

    for (const [route, expected] of Object.entries(KNOWN)) {
      const [method, url] = route.split(' ') as [string, string];
      const operation = doc.paths[url]![method.toLowerCase()]!;
      assert.ok(operation.responses[expected.success], `${route} documents its ${expected.success} answer`);
      for (const param of url.match(/\{(\w+)\}/g) ?? []) {
        const name = param.slice(1, -1);
        assert.ok(operation.parameters?.some((p) => p.in === 'path' && p.name === name), `${route} documents the path parameter ${name}`);
      }
      if (!expected.body) {
        assert.equal(operation.requestBody, undefined, `${route} takes no body`);
        continue;
      }
      assert.equal(operation.requestBody?.required, true, `${route} documents its body`);
      const schema = operation.requestBody!.content['application/json']!.schema;
      for (const property of expected.body.properties) assert.ok(schema.properties?.[property], `${route} body documents ${property}`);
      assert.deepEqual([...(schema.required ?? [])].sort(), [...expected.body.required].sort(), `${route} required body fields`);
      assert.equal(schema.additionalProperties, false, `${route} rejects unknown body fields`);
    }
    const transitionTargets = doc.paths['/api/v1/reports/{id}/transitions']!.post!.requestBody!.content['application/json']!.schema.properties!.to!.enum;
    assert.ok(transitionTargets?.includes('acknowledged') && transitionTargets.includes('disclosed'), 'transition targets are listed');
  });
});

describe('server: signing in', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  const login = (email: string, password = TEST_PASSWORD) => t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });

  /** Signs in and returns the bearer token, the session cookie and the CSRF cookie of that one login. */
  async function signIn(email: string) {
    const response = await login(email);
    assert.equal(response.statusCode, 200, response.body);
    const cookie = (name: string) => response.cookies.find((c) => c.name === name);
    const session = cookie(SESSION_COOKIE);
    const csrf = cookie(CSRF_COOKIE);
    assert.ok(session && csrf, `login sets both cookies: ${JSON.stringify(response.cookies)}`);
    const body = response.json() as { accessToken: string; expiresAt: string; csrfToken: string };
    return { response, body, session, csrf, cookies: { [SESSION_COOKIE]: session.value, [CSRF_COOKIE]: csrf.value } };
  }

  const me = (options: { headers?: Record<string, string>; cookies?: Record<string, string> }) => t.app.inject({ method: 'GET', url: '/api/v1/auth/me', ...options });

  async function submitReport(project: string) {
    const response = await t.app.inject({ method: 'POST', url: `/api/v1/projects/${project}/reports`, payload: { title: 'XSS in preview', description: 'Preview renders raw HTML.', stepsToReproduce: 'paste <script>' } });
    assert.equal(response.statusCode, 201, response.body);
    return response.json() as { id: string };
  }

  it('answers a wrong password and an unknown email identically', async () => {
    const user = await t.user('viewer', 'alpha');
    const wrongPassword = await login(user.email, 'not the password at all');
    const unknownEmail = await login('nobody@example.org', 'not the password at all');
    for (const response of [wrongPassword, unknownEmail]) {
      assert.equal(response.statusCode, 401);
      assert.equal(response.json().error.code, 'INVALID_CREDENTIALS');
      assert.equal(response.headers['set-cookie'], undefined, 'no cookie for a failed login');
    }
    assert.equal(wrongPassword.body, unknownEmail.body);
    assert.equal(wrongPassword.headers['content-type'], unknownEmail.headers['content-type']);
    assert.equal((await login(user.email)).statusCode, 200, 'the right password works');
  });

  it('sets an HttpOnly SameSite=Strict session cookie and a readable CSRF cookie', async () => {
    const user = await t.user('viewer', 'alpha');
    const { response, body, session, csrf } = await signIn(user.email);
    assert.ok(!response.body.includes(session.value), 'the session token itself stays in the cookie');
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Strict');
    assert.equal(session.path, '/');
    assert.ok(session.value.length >= 20);
    assert.notEqual(session.value, body.accessToken);
    assert.equal(csrf.sameSite, 'Strict');
    assert.ok(!csrf.httpOnly, 'the page must be able to read the CSRF cookie to echo it');
    assert.equal(csrf.value, body.csrfToken);
    // Both cookies live as long as the session (12 hours by default), no longer.
    assert.equal(session.maxAge, t.context.config.sessionTtlSeconds);
    assert.equal(csrf.maxAge, t.context.config.sessionTtlSeconds);
    assert.equal(session.secure, undefined, 'plain-HTTP test server: no Secure flag');
  });

  it('authenticates GET /api/v1/auth/me by session cookie or bearer token, and nothing else', async () => {
    const user = await t.user('maintainer', 'alpha');
    const { cookies, body } = await signIn(user.email);
    const byCookie = await me({ cookies });
    assert.equal(byCookie.statusCode, 200, byCookie.body);
    const profile = byCookie.json();
    assert.equal(profile.id, user.id);
    assert.equal(profile.email, user.email);
    assert.deepEqual(profile.roles, [{ project: 'alpha', role: 'maintainer' }]);
    const byToken = await me({ headers: bearer(body.accessToken) });
    assert.deepEqual(byToken.json(), byCookie.json());

    const anonymous = await me({});
    assert.equal(anonymous.statusCode, 401);
    assert.equal(anonymous.json().error.code, 'UNAUTHENTICATED');
    const forged = await me({ cookies: { [SESSION_COOKIE]: `${cookies[SESSION_COOKIE]}x` } });
    assert.equal(forged.statusCode, 401);
    const garbage = await me({ headers: bearer('not-a-jwt') });
    assert.equal(garbage.statusCode, 401);
  });

  it('requires the CSRF header on cookie-authenticated writes', async () => {
    const user = await t.user('maintainer', 'alpha');
    const { cookies, csrf, body } = await signIn(user.email);
    const { id } = await submitReport('alpha');
    const post = (text: string, options: { headers?: Record<string, string>; cookies?: Record<string, string> }) =>
      t.app.inject({ method: 'POST', url: `/api/v1/reports/${id}/messages`, payload: { body: text }, ...options });

    const attempts = [
      { name: 'no header', options: { cookies } },
      { name: 'wrong header', options: { cookies, headers: { 'x-csrf-token': `${csrf.value}x` } } },
      { name: 'header but no CSRF cookie', options: { cookies: { [SESSION_COOKIE]: cookies[SESSION_COOKIE]! }, headers: { 'x-csrf-token': csrf.value } } },
    ];
    for (const { name, options } of attempts) {
      const response = await post(`forged: ${name}`, options);
      assert.equal(response.statusCode, 403, `${name}: ${response.body}`);
      assert.equal(response.json().error.code, 'CSRF_TOKEN_INVALID', name);
    }

    const sent = await post('from the browser', { cookies, headers: { 'x-csrf-token': csrf.value } });
    assert.equal(sent.statusCode, 201, sent.body);
    t.clock.advance(1_000);
    // A bearer token cannot be sent by another site, so API clients need no CSRF header.
    const api = await post('from the API', { headers: bearer(body.accessToken) });
    assert.equal(api.statusCode, 201, api.body);

    const view = await t.app.inject({ method: 'GET', url: `/api/v1/reports/${id}`, cookies });
    assert.equal(view.statusCode, 200, 'reads need no CSRF header');
    assert.deepEqual(view.json().messages.map((m: { body: string }) => m.body), ['from the browser', 'from the API'], 'refused writes stored nothing');
  });

  it('logout needs the CSRF header and revokes the session, including its access token', async () => {
    const user = await t.user('viewer', 'alpha');
    const { cookies, csrf, body } = await signIn(user.email);
    const other = await signIn(user.email);

    const refused = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', cookies });
    assert.equal(refused.statusCode, 403);
    assert.equal(refused.json().error.code, 'CSRF_TOKEN_INVALID');
    assert.equal((await me({ headers: bearer(body.accessToken) })).statusCode, 200, 'a refused logout changes nothing');

    const out = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', cookies, headers: { 'x-csrf-token': csrf.value } });
    assert.equal(out.statusCode, 204, out.body);
    for (const name of [SESSION_COOKIE, CSRF_COOKIE]) {
      const cleared = out.cookies.find((c) => c.name === name);
      assert.ok(cleared && cleared.value === '' && (cleared.maxAge === 0 || (cleared.expires !== undefined && cleared.expires.getTime() <= Date.now())), `${name} is cleared: ${JSON.stringify(out.cookies)}`);
    }

    const token = await me({ headers: bearer(body.accessToken) });
    assert.equal(token.statusCode, 401);
    assert.equal(token.json().error.code, 'UNAUTHENTICATED');
    assert.equal((await me({ cookies })).statusCode, 401);
    assert.equal((await me({ headers: bearer(other.body.accessToken) })).statusCode, 200, 'only the signed-out session ends');
  });

  it('rejects an access token after its hour, while the longer session cookie still works', async () => {
    const user = await t.user('viewer', 'alpha');
    const { body, cookies } = await signIn(user.email);
    t.clock.advance(HOUR_MS - 60_000);
    assert.equal((await me({ headers: bearer(body.accessToken) })).statusCode, 200, 'valid just before the hour');
    t.clock.advance(60_000 + 1_000);
    const expired = await me({ headers: bearer(body.accessToken) });
    assert.equal(expired.statusCode, 401);
    assert.equal(expired.json().error.code, 'UNAUTHENTICATED');
    assert.equal((await me({ cookies })).statusCode, 200);
  });

  it('refuses a disabled user, both at login and with a token issued before', async () => {
    const user = await t.user('admin');
    const { body, cookies } = await signIn(user.email);
    await t.context.db.updateTable('users').set({ disabled_at: t.clock.now() }).where('id', '=', user.id).execute();

    const denied = await login(user.email);
    assert.equal(denied.statusCode, 401);
    assert.equal(denied.json().error.code, 'INVALID_CREDENTIALS');
    assert.equal(denied.body, (await login('nobody@example.org')).body, 'a disabled account looks like any failed login');
    assert.equal((await me({ headers: bearer(body.accessToken) })).statusCode, 401);
    assert.equal((await me({ cookies })).statusCode, 401);
  });
});
