import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { existsSync } from 'node:fs';
import { sql } from 'kysely';
import { DEFAULT_CORPUS_DIR } from '../../src/modules/exports/schema-validation.js';
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
/** An alpha advisory: `viewer` and `writer` for alpha's team, `outsider` for beta's maintainer, `stranger` for the rest. */
const onAdvisory = (viewer: Expect, writer: Expect, outsider: Expect, stranger: Expect): Record<ActorName, Expect> => ({
  anonymous: stranger,
  reporterA: stranger,
  reporterB: stranger,
  viewer,
  otherMaintainer: outsider,
  maintainer: writer,
  admin: writer,
});
const advisories = { draft: '', incomplete: '' };
const EXPORT_OK: Expect = existsSync(DEFAULT_CORPUS_DIR) ? 200 : '500:INTERNAL_ERROR';
const someId = () => ({ id: '00000000-0000-4000-8000-000000000000' });

const MATRIX: Record<string, Rule> = {
  'GET /healthz': { expect: all(200) },
  'GET /readyz': { expect: all(200) },
  'GET /openapi.json': { expect: all(200) },
  'GET /metrics': { expect: all(200) },
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
  // Attachments (from email intake) are for the report's reporter and its project's team; an unknown
  // attachment of a readable report is a plain 404. Downloads are tested in attachments.int.test.ts.
  'GET /api/v1/reports/:id/attachments': { params: reportA, expect: onReportA(200, 200, 200) },
  'GET /api/v1/reports/:id/attachments/:attachmentId': {
    params: ({ reportA: id }) => ({ id, attachmentId: someId().id }),
    expect: onReportA('404:NOT_FOUND', '404:NOT_FOUND', '404:NOT_FOUND'),
  },
  // Uploads: the body is the file (this JSON body is taken as a text file). Refusals by type, size and
  // policy, and what a refusal leaves unchanged, are tested in attachment-upload.int.test.ts.
  'POST /api/v1/reports/:id/attachments': { params: reportA, body: { note: 'matrix file' }, expect: onReportA(201, '403:FORBIDDEN', 201) },
  'POST /api/v1/reports/:id/access-token': { params: reportA, expect: onReportA(201, '403:FORBIDDEN', 201) },
  'DELETE /api/v1/reports/:id/access-token': { params: reportA, expect: onReportA(204, '403:FORBIDDEN', 204) },
  'POST /api/v1/reports/:id/messages': { params: reportA, body: { body: 'hello' }, expect: onReportA(201, '403:FORBIDDEN', 201) },
  'POST /api/v1/reports/:id/transitions': { params: reportA, body: { to: 'acknowledged' }, expect: onReportA('403:FORBIDDEN', '403:FORBIDDEN', 200) },
  'PATCH /api/v1/reports/:id': { params: reportA, body: { severity: 'high' }, expect: onReportA('403:FORBIDDEN', '403:FORBIDDEN', 200) },
  // Advisories (src/modules/advisories): drafts exist for their project's team only; everyone else gets
  // the 404 an unknown id gets. `draft` is complete, `incomplete` cannot be published (so refusals show).
  'POST /api/v1/projects/:project/advisories': { params: () => ({ project: 'alpha' }), body: { title: 'matrix' }, expect: onAdvisory('403:FORBIDDEN', 201, '403:FORBIDDEN', 401) },
  'POST /api/v1/reports/:id/advisory': { params: reportA, body: {}, expect: onAdvisory('403:FORBIDDEN', '409:REPORT_NOT_ACCEPTED', '404:REPORT_NOT_FOUND', 401) },
  'GET /api/v1/advisories': { expect: all(200) },
  'GET /api/v1/advisories/:id': { params: () => ({ id: advisories.draft }), expect: onAdvisory(200, 200, '404:ADVISORY_NOT_FOUND', '404:ADVISORY_NOT_FOUND') },
  'PATCH /api/v1/advisories/:id': { params: () => ({ id: advisories.draft }), body: { summary: 'matrix edit' }, expect: onAdvisory('403:FORBIDDEN', 200, '404:ADVISORY_NOT_FOUND', 401) },
  'POST /api/v1/advisories/:id/publish': { params: () => ({ id: advisories.incomplete }), expect: onAdvisory('403:FORBIDDEN', '409:ADVISORY_INCOMPLETE', '404:ADVISORY_NOT_FOUND', 401) },
  'POST /api/v1/advisories/:id/withdraw': { params: () => ({ id: advisories.incomplete }), body: { reason: 'matrix' }, expect: onAdvisory('403:FORBIDDEN', '409:INVALID_ADVISORY_STATE', '404:ADVISORY_NOT_FOUND', 401) },
  // The OSV export of a draft is validated against the corpus schema; without the corpus it cannot be checked (500).
  'GET /api/v1/advisories/:id/export': { params: () => ({ id: advisories.draft }), expect: onAdvisory(EXPORT_OK, EXPORT_OK, '404:ADVISORY_NOT_FOUND', '404:ADVISORY_NOT_FOUND') },
  'GET /p/:project/advisories': { params: () => ({ project: 'alpha' }), expect: all(200) },
  'GET /p/:project/advisories/:id': { params: () => ({ project: 'alpha', id: advisories.draft }), expect: all('404:ADVISORY_NOT_FOUND') },
  'GET /p/:project/advisories.atom': { params: () => ({ project: 'alpha' }), expect: all(200) },
  'GET /p/:project/advisories.rss': { params: () => ({ project: 'alpha' }), expect: all(200) },
  'GET /advisories.atom': { expect: all(200) },
  'GET /advisories.rss': { expect: all(200) },
  'GET /p/:project/hall-of-fame': { params: () => ({ project: 'alpha' }), expect: all(200) },
  'GET /api/v1/hall-of-fame': { expect: all(200) },
  'GET /p/:project/CHANGELOG.md': { params: () => ({ project: 'alpha' }), expect: all(200) },
  'POST /v1/query': { body: { package: { name: 'alpha', ecosystem: 'PyPI' }, version: '0.1' }, expect: all(200) },
  'POST /v1/querybatch': { body: { queries: [{ package: { purl: 'pkg:pypi/alpha@0.1' } }] }, expect: all(200) },
  'GET /v1/vulns/:id': { params: () => ({ id: `x_${advisories.draft}` }), expect: all('404:ADVISORY_NOT_FOUND') },
  'GET /osv/all.json': { expect: all(200) },
  'GET /osv/:id.json': { params: () => ({ id: `x_${advisories.draft}` }), expect: all('404:ADVISORY_NOT_FOUND') },
  'GET /osv/:ecosystem/all.zip': { params: () => ({ ecosystem: 'PyPI' }), expect: all(200) },
  'GET /.well-known/csaf/provider-metadata.json': { expect: all(200) },
  'GET /.well-known/csaf/white/': { expect: all(200) },
  'GET /.well-known/csaf/white/index.txt': { expect: all(200) },
  'GET /.well-known/csaf/white/changes.csv': { expect: all(200) },
  'GET /.well-known/csaf/white/feed-tlp-white.json': { expect: all(200) },
  // The matrix runs without a CSAF signing key: no key to serve.
  'GET /.well-known/csaf/openpgp/:file': { params: () => ({ file: `${'A'.repeat(40)}.asc` }), expect: all('404:NOT_FOUND') },
  'GET /.well-known/csaf/white/:year/': { params: () => ({ year: '2026' }), expect: all('404:NOT_FOUND') },
  'GET /.well-known/csaf/white/:year/:file': { params: () => ({ year: '2026', file: `${advisories.draft.toLowerCase()}.json` }), expect: all('404:NOT_FOUND') },
  'GET /api/v1/metrics': { expect: users(200) },
  'GET /api/v1/metrics.csv': { expect: users(200) },
  'GET /api/v1/projects/:project/handlers': { params: () => ({ project: 'alpha' }), expect: { ...users(200), otherMaintainer: '404:PROJECT_NOT_FOUND' } },
  'GET /api/v1/projects/:project/settings': { params: () => ({ project: 'alpha' }), expect: { ...users(200), otherMaintainer: '404:PROJECT_NOT_FOUND' } },
  // The web app's pages are public shells (test/fixtures/web-dist); what they show comes from the API above.
  'GET /': { expect: all(200) },
  'GET /login': { expect: all(200) },
  'GET /p/:project': { params: () => ({ project: 'alpha' }), expect: all(200) },
  'GET /r/:id': { params: reportA, expect: all(200) },
  'GET /advisories': { expect: all(200) },
  'GET /hall-of-fame': { expect: all(200) },
  'GET /team': { expect: all(200) },
  'GET /team/reports/:id': { params: reportA, expect: all(200) },
  'GET /team/metrics': { expect: all(200) },
  'GET /team/projects/:project': { params: () => ({ project: 'alpha' }), expect: all(200) },
  'GET /team/account': { expect: all(200) },
  'GET /assets/:file': { params: () => ({ file: 'app-test1234.js' }), expect: all(200) },
  'GET /favicon.svg': { expect: all(200) },
  // Advisory subscriptions are public (double opt-in); their links carry the subscription's token.
  'POST /api/v1/projects/:project/subscriptions': { params: () => ({ project: 'alpha' }), body: { email: 'subscriber@example.org' }, expect: all(202) },
  'GET /api/v1/subscriptions/:token/confirm': { params: () => ({ token: 'sub_unknown' }), expect: all('404:NOT_FOUND') },
  'POST /api/v1/subscriptions/:token/confirm': { params: () => ({ token: 'sub_unknown' }), expect: all('404:NOT_FOUND') },
  'GET /api/v1/subscriptions/:token/unsubscribe': { params: () => ({ token: 'sub_unknown' }), expect: all('404:NOT_FOUND') },
  'POST /api/v1/subscriptions/:token/unsubscribe': { params: () => ({ token: 'sub_unknown' }), expect: all('404:NOT_FOUND') },
  // Webhooks send events outside: admins manage them, maintainers read them.
  'GET /api/v1/projects/:project/webhooks': { params: () => ({ project: 'alpha' }), expect: { ...users(200), viewer: '403:FORBIDDEN', otherMaintainer: '404:PROJECT_NOT_FOUND' } },
  'POST /api/v1/projects/:project/webhooks': { params: () => ({ project: 'alpha' }), body: { url: 'https://hooks.example.org/embargo' }, expect: { ...users('403:FORBIDDEN'), otherMaintainer: '404:PROJECT_NOT_FOUND', admin: 201 } },
  'DELETE /api/v1/projects/:project/webhooks/:id': { params: () => ({ project: 'alpha', ...someId() }), expect: { ...users('403:FORBIDDEN'), otherMaintainer: '404:PROJECT_NOT_FOUND', admin: '404:NOT_FOUND' } },
  'GET /api/v1/projects/:project/webhooks/:id/deliveries': { params: () => ({ project: 'alpha', ...someId() }), expect: { ...users('404:NOT_FOUND'), viewer: '403:FORBIDDEN', otherMaintainer: '404:PROJECT_NOT_FOUND' } },
};

const TABLES = ['users', 'memberships', 'sessions', 'reports', 'report_pauses', 'messages', 'deadlines', 'audit_events', 'outbox', 'refresh_tokens', 'api_tokens', 'login_throttle', 'user_totp', 'audit_seals', 'advisories', 'advisory_counters', 'advisory_reports', 'advisory_revisions', 'advisory_packages', 'reply_tokens', 'inbound_mail', 'report_attachments', 'subscribers', 'webhooks', 'webhook_deliveries'];

describe('authorization matrix', () => {
  let t: TestApp;
  let reporterB: string;
  let reporterAFixed: { id: string; accessToken: string };
  let fixedUsers: Record<string, string>;

  before(async () => {
    t = await createTestApp();
    reporterAFixed = (await t.app.inject({ method: 'POST', url: '/api/v1/projects/alpha/reports', payload: { title: 'a', description: 'd', stepsToReproduce: 's' } })).json();
    reporterB = (await t.app.inject({ method: 'POST', url: '/api/v1/projects/alpha/reports', payload: { title: 'b', description: 'd', stepsToReproduce: 's' } })).json().accessToken;
    fixedUsers = await makeUsers();
    const draft = async (body: object) => {
      const response = await t.app.inject({ method: 'POST', url: '/api/v1/projects/alpha/advisories', headers: bearer(fixedUsers.admin!), payload: body });
      assert.equal(response.statusCode, 201, response.body);
      return response.json().id as string;
    };
    advisories.draft = await draft({ title: 'Matrix draft', summary: 's', affected: [{ package: 'alpha', ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '0.4.3' }] }] }] });
    advisories.incomplete = await draft({ title: 'Matrix incomplete draft' });
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
        // A fresh report A per request when the route acts on it (an allowed write must not change the next
        // actor's starting point); otherwise the caller's reporter token is all that matters.
        const report = rule.params
          ? (await t.app.inject({ method: 'POST', url: '/api/v1/projects/alpha/reports', payload: { title: 'a', description: 'd', stepsToReproduce: 's' } })).json()
          : reporterAFixed;
        const team = rule.freshUsers && !['anonymous', 'reporterA', 'reporterB'].includes(actor) ? await makeUsers() : fixedUsers;
        const token = actor === 'anonymous' ? null : actor === 'reporterA' ? report.accessToken : actor === 'reporterB' ? reporterB : team[actor]!;
        const params = rule.params?.({ reportA: report.id }) ?? {};
        const url = pattern.replace(/:(\w+)/g, (_, name: string) => params[name]!);
        const before = method === 'GET' ? null : await snapshot(rule.mayChange);
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
