import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bearer, createTestApp } from '../support/test-app.js';

describe('Prometheus metrics', () => {
  it('exposes request latency, intake counts, open reports, deadlines and the outbox backlog', async () => {
    const t = await createTestApp();
    try {
      for (let index = 0; index < 3; index += 1) {
        await t.app.inject({ method: 'POST', url: '/api/v1/projects/beta/reports', payload: { title: 't', description: 'd' } });
      }
      t.clock.advance(4 * 86_400_000); // beta promises acknowledgement within 3 days
      const response = await t.app.inject({ method: 'GET', url: '/metrics' });
      assert.equal(response.statusCode, 200);
      assert.match(String(response.headers['content-type']), /text\/plain/);
      const text = response.body;
      assert.match(text, /embargo_reports_received_total\{project="beta",source="api"\} 3/);
      assert.match(text, /embargo_open_reports\{project="beta",state="new",severity="unset"\} 3/);
      assert.match(text, /embargo_open_deadlines\{project="beta",kind="acknowledge",status="breached"\} 3/);
      assert.match(text, /embargo_outbox_backlog\{topic="report\.received"\} 3/);
      assert.match(text, /embargo_http_request_duration_seconds_bucket\{le="[^"]+",method="POST",route="\/api\/v1\/projects\/:project\/reports",status="201"\}/);
    } finally {
      await t.close();
    }
  });

  it('requires the configured token, and serves nothing on https without one', async () => {
    const token = 'scrape-token-0123456789';
    const guarded = await createTestApp({ settings: { metricsToken: token } });
    try {
      assert.equal((await guarded.app.inject({ method: 'GET', url: '/metrics' })).statusCode, 401);
      assert.equal((await guarded.app.inject({ method: 'GET', url: '/metrics', headers: bearer('wrong-token-0123456789') })).statusCode, 401);
      assert.equal((await guarded.app.inject({ method: 'GET', url: '/metrics', headers: bearer(token) })).statusCode, 200);
    } finally {
      await guarded.close();
    }
    const production = await createTestApp({ settings: { publicUrl: 'https://security.example.org' } });
    try {
      assert.equal((await production.app.inject({ method: 'GET', url: '/metrics' })).statusCode, 404);
    } finally {
      await production.close();
    }
  });
});
