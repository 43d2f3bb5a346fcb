import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { totpCode } from '../../src/modules/auth/totp.js';
import { bearer, createTestApp, TEST_PASSWORD, type TestApp } from '../support/test-app.js';
import { REPO_ROOT } from '../support/test-app.js';
import path from 'node:path';

const login = (t: TestApp, payload: object, ip = '203.0.113.7') => t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload, remoteAddress: ip });

describe('sessions, refresh tokens and API tokens', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  it('throttles failed sign-ins per account with growing locks, without revealing accounts', async () => {
    const member = await t.user('viewer', 'alpha');
    const failures = [];
    for (let index = 0; index < 6; index += 1) failures.push(await login(t, { email: member.email, password: 'wrong password here' }, `198.51.100.${index}`));
    assert.deepEqual(failures.map((r) => r.statusCode), [401, 401, 401, 401, 401, 429]);
    assert.ok(Number(failures[5]!.headers['retry-after']) >= 30);
    const stillLocked = await login(t, { email: member.email, password: TEST_PASSWORD }, '198.51.100.99');
    assert.equal(stillLocked.statusCode, 429, 'the right password does not bypass a lock');
    t.clock.advance(31_000);
    assert.equal((await login(t, { email: member.email, password: TEST_PASSWORD })).statusCode, 200);

    const unknown = [];
    for (let index = 0; index < 6; index += 1) unknown.push(await login(t, { email: 'ghost@example.org', password: 'wrong password here' }, `198.51.100.${index}`));
    assert.deepEqual(unknown.map((r) => r.statusCode), [401, 401, 401, 401, 401, 429], 'unknown accounts behave the same');
    assert.equal(unknown[0]!.body, failures[0]!.body);
  });

  it('rotates refresh tokens and revokes the family when a spent one is replayed', async () => {
    const member = await t.user('maintainer', 'alpha');
    const first = (await login(t, { email: member.email, password: TEST_PASSWORD })).json();
    const refreshed = await t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: first.refreshToken } });
    assert.equal(refreshed.statusCode, 200);
    const second = refreshed.json();
    assert.notEqual(second.refreshToken, first.refreshToken);
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(second.accessToken) })).statusCode, 200);

    const replay = await t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: first.refreshToken } });
    assert.equal(replay.statusCode, 401);
    assert.equal(replay.json().error.code, 'REFRESH_TOKEN_REUSED');
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(second.accessToken) })).statusCode, 401, 'the whole session ended');
    const afterReplay = await t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: second.refreshToken } });
    assert.equal(afterReplay.statusCode, 401, 'the newer token of the family is dead too');
  });

  it('expires access tokens quickly; refresh keeps the session going', async () => {
    const member = await t.user('viewer', 'alpha');
    const pair = (await login(t, { email: member.email, password: TEST_PASSWORD })).json();
    t.clock.advance(3_601_000);
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(pair.accessToken) })).statusCode, 401);
    const next = (await t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: pair.refreshToken } })).json();
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(next.accessToken) })).statusCode, 200);
  });

  it('lists sessions, ends one, and signs out everywhere; a new password ends the others', async () => {
    const member = await t.user('viewer', 'alpha');
    const a = (await login(t, { email: member.email, password: TEST_PASSWORD })).json();
    const b = (await login(t, { email: member.email, password: TEST_PASSWORD })).json();
    const sessions = (await t.app.inject({ method: 'GET', url: '/api/v1/auth/sessions', headers: bearer(a.accessToken) })).json().items;
    assert.equal(sessions.length, 3, 'the helper login plus two');
    assert.equal(sessions.filter((s: { current: boolean }) => s.current).length, 1);
    const other = sessions.find((s: { current: boolean }) => !s.current);
    assert.equal((await t.app.inject({ method: 'DELETE', url: `/api/v1/auth/sessions/${other.id}`, headers: bearer(a.accessToken) })).statusCode, 204);

    const weak = await t.app.inject({ method: 'POST', url: '/api/v1/auth/password', headers: bearer(a.accessToken), payload: { currentPassword: TEST_PASSWORD, newPassword: 'password1234' } });
    assert.equal(weak.statusCode, 400);
    assert.equal(weak.json().error.fields[0].code, 'common');
    const wrong = await t.app.inject({ method: 'POST', url: '/api/v1/auth/password', headers: bearer(a.accessToken), payload: { currentPassword: 'not my password', newPassword: 'granite-harbor-violet-42' } });
    assert.equal(wrong.statusCode, 401);
    const changed = await t.app.inject({ method: 'POST', url: '/api/v1/auth/password', headers: bearer(a.accessToken), payload: { currentPassword: TEST_PASSWORD, newPassword: 'granite-harbor-violet-42' } });
    assert.equal(changed.statusCode, 204);
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(b.accessToken) })).statusCode, 401, 'other sessions ended');
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(a.accessToken) })).statusCode, 200, 'this one goes on');
    assert.equal((await login(t, { email: member.email, password: TEST_PASSWORD })).statusCode, 401);

    const everywhere = await t.app.inject({ method: 'POST', url: '/api/v1/auth/sessions/revoke-all', headers: bearer(a.accessToken) });
    assert.equal(everywhere.json().revoked, 1);
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(a.accessToken) })).statusCode, 401);
  });

  it('issues scoped personal API tokens, stored hashed, listed and revocable', async () => {
    const member = await t.user('maintainer', 'alpha');
    const report = (await t.app.inject({ method: 'POST', url: '/api/v1/projects/alpha/reports', payload: { title: 't', description: 'd', stepsToReproduce: 's' } })).json();
    const created = await t.app.inject({ method: 'POST', url: '/api/v1/auth/tokens', headers: bearer(member.token), payload: { name: 'ci bot', scopes: ['reports:read'] } });
    assert.equal(created.statusCode, 201);
    const { id, token } = created.json();
    assert.match(token, /^emb_p_/);
    const stored = await t.context.db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    assert.notEqual(stored.token_hash, token);

    assert.equal((await t.app.inject({ method: 'GET', url: `/api/v1/reports/${report.id}`, headers: bearer(token) })).statusCode, 200);
    const write = await t.app.inject({ method: 'POST', url: `/api/v1/reports/${report.id}/transitions`, headers: bearer(token), payload: { to: 'acknowledged' } });
    assert.equal(write.statusCode, 403);
    assert.equal(write.json().error.code, 'INSUFFICIENT_SCOPE');
    const mint = await t.app.inject({ method: 'POST', url: '/api/v1/auth/tokens', headers: bearer(token), payload: { name: 'x', scopes: ['admin'] } });
    assert.equal(mint.statusCode, 403, 'a token cannot mint tokens');
    const listed = (await t.app.inject({ method: 'GET', url: '/api/v1/auth/tokens', headers: bearer(member.token) })).json().items;
    assert.deepEqual(listed.map((item: { name: string }) => item.name), ['ci bot']);
    assert.ok(!JSON.stringify(listed).includes(token));
    assert.equal((await t.app.inject({ method: 'DELETE', url: `/api/v1/auth/tokens/${id}`, headers: bearer(member.token) })).statusCode, 204);
    assert.equal((await t.app.inject({ method: 'GET', url: `/api/v1/reports/${report.id}`, headers: bearer(token) })).statusCode, 401);
    const badScope = await t.app.inject({ method: 'POST', url: '/api/v1/auth/tokens', headers: bearer(member.token), payload: { name: 'x', scopes: ['root'] } });
    assert.equal(badScope.statusCode, 400);
  });
});

describe('two-factor authentication', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ policyFile: path.join(REPO_ROOT, 'test/fixtures/policy-2fa.yaml') });
  });
  after(() => t.close());

  it('enrols with TOTP, then requires a code at sign-in; recovery codes work once', async () => {
    const member = await t.user('maintainer', 'alpha');
    const report = (await t.app.inject({ method: 'POST', url: '/api/v1/projects/alpha/reports', payload: { title: 't', description: 'd', stepsToReproduce: 's' } })).json();
    const me = (await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(member.token) })).json();
    assert.deepEqual(me.twoFactorRequiredBy, ['alpha']);
    assert.deepEqual(me.roles, [], 'alpha requires 2FA, so the role is not in effect yet');
    assert.equal((await t.app.inject({ method: 'GET', url: `/api/v1/reports/${report.id}`, headers: bearer(member.token) })).statusCode, 404);

    const setup = (await t.app.inject({ method: 'POST', url: '/api/v1/auth/2fa/setup', headers: bearer(member.token) })).json();
    assert.match(setup.otpauthUri, /^otpauth:\/\/totp\//);
    const bad = await t.app.inject({ method: 'POST', url: '/api/v1/auth/2fa/confirm', headers: bearer(member.token), payload: { code: '000000' } });
    assert.equal(bad.json().error.code, 'INVALID_TWO_FACTOR_CODE');
    const confirmed = await t.app.inject({ method: 'POST', url: '/api/v1/auth/2fa/confirm', headers: bearer(member.token), payload: { code: totpCode(setup.secret, t.clock.now()) } });
    assert.equal(confirmed.statusCode, 200);
    const { recoveryCodes } = confirmed.json();
    assert.equal(recoveryCodes.length, 10);
    const stored = await t.context.db.selectFrom('user_totp').selectAll().executeTakeFirstOrThrow();
    assert.ok(!stored.secret_enc.includes(setup.secret), 'the TOTP secret is encrypted at rest');
    assert.equal((await t.app.inject({ method: 'GET', url: `/api/v1/reports/${report.id}`, headers: bearer(member.token) })).statusCode, 200, 'this session used the second factor');

    const noCode = await login(t, { email: member.email, password: TEST_PASSWORD });
    assert.equal(noCode.statusCode, 401);
    assert.equal(noCode.json().error.code, 'TWO_FACTOR_REQUIRED');
    t.clock.advance(30_000);
    const withCode = await login(t, { email: member.email, password: TEST_PASSWORD, code: totpCode(setup.secret, t.clock.now()) });
    assert.equal(withCode.statusCode, 200);
    const replayed = await login(t, { email: member.email, password: TEST_PASSWORD, code: totpCode(setup.secret, t.clock.now()) });
    assert.equal(replayed.json().error.code, 'INVALID_TWO_FACTOR_CODE', 'a code works once');
    const recovery = await login(t, { email: member.email, password: TEST_PASSWORD, code: recoveryCodes[0] });
    assert.equal(recovery.statusCode, 200);
    const again = await login(t, { email: member.email, password: TEST_PASSWORD, code: recoveryCodes[0] });
    assert.equal(again.statusCode, 401);
    const session = recovery.json().accessToken;
    assert.equal((await t.app.inject({ method: 'GET', url: `/api/v1/reports/${report.id}`, headers: bearer(session) })).statusCode, 200);
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/projects/beta', headers: bearer(session) })).statusCode, 200);
  });
});
