import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { bearer, createTestApp, TEST_PASSWORD, type TestApp } from '../support/test-app.js';

/**
 * Every route of the app × every kind of caller. The table below must name every route the app
 * registers, so a new route cannot slip in without its access rules being stated and tested. For
 * every refused write the whole database must be unchanged afterwards.
 */
const ACTORS = ['anonymous', 'reporterA', 'reporterB', 'viewer', 'otherMaintainer', 'maintainer', 'admin'] as const;
type ActorName = (typeof ACTORS)[number];
type Expect = number | `${number}:${string}`;
type Rule = {
  body?: object | ((actor: ActorName) => object);
  params?: (ctx: { reportA: string }) => Record<string, string>;
  freshUsers?: boolean;
  /** Tables a refused request may legitimately change (a failed sign-in is counted for throttling). */
  mayChange?: string[];
  expect: Record<ActorName, Expect>;
};

const all = (status: Expect): Record<ActorName, Expect> => Object.fromEntries(ACTORS.map((actor) => [actor, status])) as Record<ActorName, Expect>;
const users = (status: Expect): Record<ActorName, Expect> => ({ anonymous: 401, reporterA: 401, reporterB: 401, viewer: status, otherMaintainer: status, maintainer: status, admin: status });
const onReportA = (reporterA: Expect, viewer: Expect, writer: Expect): Record<ActorName, Expect> => ({
  anonymous: 401,
  reporterA,
  reporterB: '404:REPORT_NOT_FOUND',
  viewer,
  otherMaintainer: '404:REPORT_NOT_FOUND',
  maintainer: writer,
  admin: writer,
});
const reportA = ({ reportA: id }: { reportA: string }) => ({ id });
const someId = () => ({ id: '00000000-0000-4000-8000-000000000000' });

const MATRIX: Record<string, Rule> = {
  'GET /healthz': { expect: all(200) },
  'GET /readyz': { expect: all(200) },
  'GET /openapi.json': { expect: all(200) },
  'GET /api/v1/projects': { expect: all(200) },
  'GET /api/v1/projects/:project': { params: () => ({ project: 'alpha' }), expect: all(200) },
  'GET /p/:project/SECURITY.md': { params: () => ({ project: 'alpha' }), expect: all(200) },
  'GET /.well-known/security.txt': { expect: all(200) },
  'GET /p/:project/security.txt': { params: () => ({ project: 'alpha' }), expect: all(200) },
  'GET /p/:project/pgp-key.asc': { params: () => ({ project: 'alpha' }), expect: all('404:NOT_FOUND') },
  'POST /api/v1/projects/:project/reports': { params: () => ({ project: 'beta' }), body: { title: 't', description: 'd' }, expect: all(201) },
  'POST /api/v1/auth/login': { body: (actor) => ({ email: `nobody-${actor}@example.org`, password: 'x' }), mayChange: ['login_throttle'], expect: all('401:INVALID_CREDENTIALS') },
  'POST /api/v1/auth/refresh': { body: { refreshToken: 'emb_f_unknown' }, expect: all('401:UNAUTHENTICATED') },
  'POST /api/v1/auth/logout': { freshUsers: true, expect: users(204) },
  'GET /api/v1/auth/me': { expect: users(200) },
  'GET /api/v1/auth/sessions': { expect: users(200) },
  'DELETE /api/v1/auth/sessions/:id': { params: someId, expect: users('404:NOT_FOUND') },
  'POST /api/v1/auth/sessions/revoke-all': { freshUsers: true, expect: users(200) },
  'POST /api/v1/auth/password': { freshUsers: true, body: { currentPassword: TEST_PASSWORD, newPassword: 'amber-quarry-lichen-5521' }, expect: users(204) },
  'GET /api/v1/auth/tokens': { expect: users(200) },
  'POST /api/v1/auth/tokens': { body: { name: 'matrix', scopes: ['reports:read'] }, expect: users(201) },
  'DELETE /api/v1/auth/tokens/:id': { params: someId, expect: users('404:NOT_FOUND') },
  'POST /api/v1/auth/2fa/setup': { freshUsers: true, expect: users(200) },
  'POST /api/v1/auth/2fa/confirm': { body: { code: '000000' }, expect: users('409:TWO_FACTOR_NOT_ENABLED') },
  'POST /api/v1/auth/2fa/disable': { body: { code: '000000' }, expect: users('401:INVALID_TWO_FACTOR_CODE') },
  'GET /api/v1/reports': { expect: users(200) },
  'GET /api/v1/audit': { expect: { ...users('403:FORBIDDEN'), admin: 200 } },
  'GET /api/v1/reports/:id': { params: reportA, expect: onReportA(200, 200, 200) },
  'GET /api/v1/reports/:id/audit': { params: reportA, expect: onReportA('403:FORBIDDEN', 200, 200) },
  'POST /api/v1/reports/:id/access-token': { params: reportA, expect: onReportA(201, '403:FORBIDDEN', 201) },
  'DELETE /api/v1/reports/:id/access-token': { params: reportA, expect: onReportA(204, '403:FORBIDDEN', 204) },
  'POST /api/v1/reports/:id/messages': { params: reportA, body: { body: 'hello' }, expect: onReportA(201, '403:FORBIDDEN', 201) },
  'POST /api/v1/reports/:id/transitions': { params: reportA, body: { to: 'acknowledged' }, expect: onReportA('403:FORBIDDEN', '403:FORBIDDEN', 200) },
  'PATCH /api/v1/reports/:id': { params: reportA, body: { severity: 'high' }, expect: onReportA('403:FORBIDDEN', '403:FORBIDDEN', 200) },
};

const TABLES = ['users', 'memberships', 'sessions', 'reports', 'report_pauses', 'messages', 'deadlines', 'audit_events', 'outbox', 'refresh_tokens', 'api_tokens', 'login_throttle', 'user_totp', 'audit_seals'];

describe('authorization matrix', () => {
  let t: TestApp;
  let reporterB: string;
  let fixedUsers: Record<string, string>;

  before(async () => {
    t = await createTestApp();
    reporterB = (await t.app.inject({ method: 'POST', url: '/api/v1/projects/alpha/reports', payload: { title: 'b', description: 'd', stepsToReproduce: 's' } })).json().accessToken;
    fixedUsers = await makeUsers();
  });
  after(() => t.close());

  async function makeUsers(): Promise<Record<string, string>> {
    return {
      viewer: (await t.user('viewer', 'alpha')).token,
      otherMaintainer: (await t.user('maintainer', 'beta')).token,
      maintainer: (await t.user('maintainer', 'alpha')).token,
      admin: (await t.user('admin')).token,
    };
  }

  async function snapshot(except: string[] = []): Promise<string> {
    const hash = createHash('sha256');
    for (const table of TABLES.filter((name) => !except.includes(name))) {
      const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(table)} order by 1`.execute(t.context.db);
      hash.update(table).update(JSON.stringify(rows));
    }
    return hash.digest('hex');
  }

  it('names every route of the app', () => {
    const routes = t.app.routeTable.filter((route) => route.method !== 'OPTIONS').map((route) => `${route.method} ${route.url}`);
    const missing = routes.filter((route) => !(route in MATRIX));
    assert.deepEqual(missing, [], 'add these routes to the authorization matrix');
    const stale = Object.keys(MATRIX).filter((route) => !routes.includes(route));
    assert.deepEqual(stale, [], 'these matrix rows name routes that no longer exist');
  });

  for (const [route, rule] of Object.entries(MATRIX)) {
    it(route, async () => {
      const [method, pattern] = route.split(' ') as [string, string];
      for (const actor of ACTORS) {
        const report = (await t.app.inject({ method: 'POST', url: '/api/v1/projects/alpha/reports', payload: { title: 'a', description: 'd', stepsToReproduce: 's' } })).json();
        const team = rule.freshUsers && !['anonymous', 'reporterA', 'reporterB'].includes(actor) ? await makeUsers() : fixedUsers;
        const token = actor === 'anonymous' ? null : actor === 'reporterA' ? report.accessToken : actor === 'reporterB' ? reporterB : team[actor]!;
        const params = rule.params?.({ reportA: report.id }) ?? {};
        const url = pattern.replace(/:(\w+)/g, (_, name: string) => params[name]!);
        const before = await snapshot(rule.mayChange);
        const response = await t.app.inject({ method: method as 'GET', url, headers: token ? bearer(token) : {}, ...(rule.body ? { payload: typeof rule.body === 'function' ? rule.body(actor) : rule.body } : {}) });
        const expected = String(rule.expect[actor]);
        const [status, code] = expected.split(':');
        assert.equal(response.statusCode, Number(status), `${route} as ${actor}: ${response.body.slice(0, 300)}`);
        if (code) assert.equal(response.json().error.code, code, `${route} as ${actor}`);
        if (method !== 'GET' && response.statusCode >= 400) {
          assert.equal(await snapshot(rule.mayChange), before, `${route} as ${actor} was refused but changed the database`);
        }
      }
    });
  }
});
