import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestApp } from '../support/test-app.js';

describe('transport and browser hardening', () => {
  it('sends a strict CSP and security headers on every answer', async () => {
    const t = await createTestApp();
    try {
      for (const url of ['/api/v1/projects', '/healthz', '/no-such-route']) {
        const response = await t.app.inject({ method: 'GET', url });
        const csp = String(response.headers['content-security-policy']);
        assert.match(csp, /default-src 'self'/);
        assert.match(csp, /script-src 'self'(;|$)/);
        assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
        assert.match(csp, /frame-ancestors 'none'/);
        assert.equal(response.headers['x-content-type-options'], 'nosniff');
        assert.equal(response.headers['referrer-policy'], 'no-referrer');
        assert.equal(response.headers['strict-transport-security'], undefined, 'no HSTS over plain HTTP');
      }
      const preflight = await t.app.inject({ method: 'OPTIONS', url: '/api/v1/projects', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
      assert.equal(preflight.headers['access-control-allow-origin'], undefined, 'no cross-origin access by default');
    } finally {
      await t.close();
    }
  });

  it('enforces HTTPS behind a TLS-terminating proxy, with HSTS', async () => {
    const t = await createTestApp({ settings: { publicUrl: 'https://security.example.org', trustProxy: true } });
    try {
      const plain = await t.app.inject({ method: 'GET', url: '/api/v1/projects' });
      assert.equal(plain.statusCode, 308);
      assert.equal(plain.headers.location, 'https://security.example.org/api/v1/projects');
      const post = await t.app.inject({ method: 'POST', url: '/api/v1/projects/alpha/reports', payload: { title: 't', description: 'd', stepsToReproduce: 's' } });
      assert.equal(post.statusCode, 400);
      assert.equal(post.json().error.code, 'HTTPS_REQUIRED');
      assert.equal(await t.context.db.selectFrom('reports').select('id').executeTakeFirst(), undefined);
      const tls = await t.app.inject({ method: 'GET', url: '/api/v1/projects', headers: { 'x-forwarded-proto': 'https' } });
      assert.equal(tls.statusCode, 200);
      assert.match(String(tls.headers['strict-transport-security']), /max-age=31536000/);
      const probe = await t.app.inject({ method: 'GET', url: '/healthz' });
      assert.equal(probe.statusCode, 200, 'probes stay reachable over plain HTTP');
    } finally {
      await t.close();
    }
  });

  it('allows configured origins only', async () => {
    const t = await createTestApp({ settings: { corsOrigins: 'https://app.example.org' } });
    try {
      const allowed = await t.app.inject({ method: 'OPTIONS', url: '/api/v1/projects', headers: { origin: 'https://app.example.org', 'access-control-request-method': 'GET' } });
      assert.equal(allowed.headers['access-control-allow-origin'], 'https://app.example.org');
      const other = await t.app.inject({ method: 'OPTIONS', url: '/api/v1/projects', headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' } });
      assert.notEqual(other.headers['access-control-allow-origin'], 'https://evil.example');
    } finally {
      await t.close();
    }
  });

  it('rate-limits intake per client with 429 and Retry-After, storing nothing', async () => {
    const t = await createTestApp({ settings: { intakeRateLimitPerMinute: 3 } });
    try {
      const submit = () => t.app.inject({ method: 'POST', url: '/api/v1/projects/beta/reports', payload: { title: 't', description: 'd' } });
      const statuses = [];
      for (let index = 0; index < 5; index += 1) statuses.push((await submit()).statusCode);
      assert.deepEqual(statuses, [201, 201, 201, 429, 429]);
      const limited = await submit();
      assert.equal(limited.json().error.code, 'RATE_LIMITED');
      assert.ok(Number(limited.headers['retry-after']) > 0);
      const count = await t.context.db.selectFrom('reports').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      assert.equal(Number(count.n), 3);
    } finally {
      await t.close();
    }
  });

  it('shares rate limits through Redis when configured', async (test) => {
    const url = process.env.EMBARGO_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
    const { Redis } = await import('ioredis');
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1000 });
    try {
      await probe.connect();
      const stale = await probe.keys('embargo-rl-*');
      if (stale.length > 0) await probe.del(...stale);
    } catch {
      probe.disconnect();
      test.skip(`Redis not reachable at ${url}`);
      return;
    }
    probe.disconnect();
    const settings = { intakeRateLimitPerMinute: 4, redisUrl: url };
    const first = await createTestApp({ settings });
    const second = await createTestApp({ settings });
    try {
      const statuses = [];
      for (let index = 0; index < 6; index += 1) {
        const app = index % 2 ? second.app : first.app;
        statuses.push((await app.inject({ method: 'POST', url: '/api/v1/projects/beta/reports', payload: { title: 't', description: 'd' } })).statusCode);
      }
      assert.deepEqual(statuses, [201, 201, 201, 201, 429, 429], 'two instances share one budget');
    } finally {
      await first.close();
      await second.close();
    }
  });
});

describe('hostile input', () => {
  // Report contents are encrypted, so a NUL there is stored like any other character; plain columns refuse it.
  it('answers a NUL character in a plain-text column with 400, not 500', async () => {
    const t = await createTestApp();
    try {
      const admin = await t.user('admin');
      const auth = { authorization: `Bearer ${admin.token}` };
      const cases = [
        await t.app.inject({ method: 'GET', url: '/api/v1/reports?project=a%00', headers: auth }),
        await t.app.inject({ method: 'GET', url: '/api/v1/audit?action=x%00', headers: auth }),
        await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'a\u0000@example.org', password: 'x' } }),
      ];
      for (const response of cases) {
        assert.equal(response.statusCode, 400, response.body);
        assert.equal(response.json().error.code, 'VALIDATION_FAILED');
      }
    } finally {
      await t.close();
    }
  });

  it('does not give made-up bearer tokens a fresh rate-limit budget each', async () => {
    const t = await createTestApp({ settings: { rateLimitPerMinute: 5 } });
    try {
      const statuses = [];
      for (let index = 0; index < 7; index += 1) {
        statuses.push((await t.app.inject({ method: 'GET', url: '/api/v1/projects', headers: { authorization: `Bearer junk-${index}` } })).statusCode);
      }
      assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429, 429]);
    } finally {
      await t.close();
    }
  });

  it('gives each verified credential holder one budget across client addresses', async () => {
    const t = await createTestApp({ settings: { principalRateLimitPerMinute: 4 } });
    try {
      const maintainer = await t.user('maintainer', 'alpha');
      const other = await t.user('maintainer', 'alpha');
      const asFrom = (token: string, index: number) =>
        t.app.inject({ method: 'GET', url: '/api/v1/projects', remoteAddress: `10.0.0.${index}`, headers: { authorization: `Bearer ${token}` } });
      // t.user() already spent one request of each budget (GET /auth/me).
      const statuses = [];
      for (let index = 1; index <= 5; index += 1) statuses.push((await asFrom(maintainer.token, index)).statusCode);
      assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
      const limited = await asFrom(maintainer.token, 9);
      assert.equal(limited.json().error.code, 'RATE_LIMITED');
      assert.ok(Number(limited.headers['retry-after']) > 0);
      // Another member's budget is their own.
      assert.equal((await asFrom(other.token, 1)).statusCode, 200);
    } finally {
      await t.close();
    }
  });
});
