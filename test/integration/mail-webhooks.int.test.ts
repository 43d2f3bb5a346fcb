import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { after, before, beforeEach, describe, it } from 'node:test';
import { drainOutbox } from '../../src/modules/notifications/outbox.worker.js';
import { assertPublicDestination } from '../../src/modules/notifications/webhook.sender.js';
import { bearer, createTestApp, type TestApp } from '../support/test-app.js';

type Hit = { path: string; headers: IncomingHttpHeaders; body: string };

/** An HTTP receiver on 127.0.0.1 that records every request and answers from a script of statuses. */
async function startReceiver() {
  const hits: Hit[] = [];
  const script: number[] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      hits.push({ path: request.url ?? '', headers: request.headers, body });
      response.statusCode = script.shift() ?? 200;
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { hits, script, url: (path: string) => `http://127.0.0.1:${port}${path}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('webhooks', () => {
  let t: TestApp;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let admin: { token: string };
  let maintainer: { token: string };

  before(async () => {
    receiver = await startReceiver();
    // Loopback is refused in production (SSRF); the test receiver lives there.
    t = await createTestApp({ settings: { webhookAllowPrivate: true, accessTokenTtlSeconds: 86_400 * 30, sessionTtlSeconds: 86_400 * 30 } });
    admin = await t.user('admin', 'alpha');
    maintainer = await t.user('maintainer', 'alpha');
  });
  after(async () => {
    await receiver.close();
    await t.close();
  });
  beforeEach(async () => {
    await work();
    receiver.hits.length = 0;
    receiver.script.length = 0;
  });

  const work = () => drainOutbox(t.context, { transport: null });
  const create = (payload: object) => t.app.inject({ method: 'POST', url: '/api/v1/projects/alpha/webhooks', headers: bearer(admin.token), payload });
  const submit = async () => {
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/projects/alpha/reports', payload: { title: 'Secret title', description: 'Secret details', stepsToReproduce: 's' } });
    assert.equal(response.statusCode, 201);
    return response.json().id as string;
  };
  const hitsFor = (path: string) => receiver.hits.filter((hit) => hit.path === path);

  it('signs JSON deliveries with a timestamped HMAC and carries no report contents', async () => {
    const created = await create({ url: receiver.url('/json?token=path-secret') });
    assert.equal(created.statusCode, 201, created.body);
    const { id, secret, origin } = created.json();
    assert.match(secret, /^whsec_/);
    assert.equal(origin, receiver.url(''));
    const listed = (await t.app.inject({ method: 'GET', url: '/api/v1/projects/alpha/webhooks', headers: bearer(maintainer.token) })).json();
    assert.ok(!JSON.stringify(listed).includes('path-secret') && !JSON.stringify(listed).includes(secret), 'neither the URL path nor the secret is shown again');

    const reportId = await submit();
    await work();
    const [hit] = hitsFor('/json?token=path-secret');
    assert.ok(hit);
    const timestamp = hit.headers['embargo-timestamp'] as string;
    const expected = `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${hit.body}`).digest('hex')}`;
    assert.equal(hit.headers['embargo-signature'], expected);
    assert.equal(hit.headers['embargo-event'], 'report.received');
    const body = JSON.parse(hit.body);
    assert.equal(body.id, hit.headers['embargo-delivery']);
    assert.deepEqual(body.data, { reportId, project: 'alpha' });
    assert.ok(!hit.body.includes('Secret'), 'no report contents');
    const deliveries = (await t.app.inject({ method: 'GET', url: `/api/v1/projects/alpha/webhooks/${id}/deliveries`, headers: bearer(maintainer.token) })).json().items;
    assert.equal(deliveries[0].statusCode, 200);
    await t.app.inject({ method: 'DELETE', url: `/api/v1/projects/alpha/webhooks/${id}`, headers: bearer(admin.token) });
  });

  it('retries with backoff under the same delivery id and logs every attempt', async () => {
    const { id } = (await create({ url: receiver.url('/flaky') })).json();
    receiver.script.push(503, 500);
    await submit();
    await work();
    t.clock.advance(60_000);
    await work();
    t.clock.advance(5 * 60_000);
    await work();
    const hits = hitsFor('/flaky');
    assert.equal(hits.length, 3);
    assert.equal(new Set(hits.map((hit) => hit.headers['embargo-delivery'])).size, 1, 'one delivery id across retries');
    const log = (await t.app.inject({ method: 'GET', url: `/api/v1/projects/alpha/webhooks/${id}/deliveries`, headers: bearer(admin.token) })).json().items;
    assert.deepEqual(log.map((entry: { statusCode: number; attempt: number }) => [entry.attempt, entry.statusCode]), [[3, 200], [2, 500], [1, 503]]);
    t.clock.advance(3_600_000);
    await work();
    assert.equal(hitsFor('/flaky').length, 3, 'nothing after success');
    await t.app.inject({ method: 'DELETE', url: `/api/v1/projects/alpha/webhooks/${id}`, headers: bearer(admin.token) });
  });

  it('gives up at once when the receiver refuses the request (4xx)', async () => {
    const { id } = (await create({ url: receiver.url('/refusing') })).json();
    receiver.script.push(410);
    await submit();
    await work();
    t.clock.advance(3_600_000);
    await work();
    assert.equal(hitsFor('/refusing').length, 1);
    const failed = await t.context.db.selectFrom('outbox').select(['failed_at', 'last_error']).where('topic', '=', 'webhook.deliver').where('failed_at', 'is not', null).execute();
    assert.ok(failed.some((row) => row.last_error === 'HTTP 410'));
    await t.app.inject({ method: 'DELETE', url: `/api/v1/projects/alpha/webhooks/${id}`, headers: bearer(admin.token) });
  });

  it('sends Slack-compatible payloads for the topics chosen, and nothing once disabled', async () => {
    const { id } = (await create({ url: receiver.url('/slack'), format: 'slack', topics: ['report.received'] })).json();
    const reportId = await submit();
    await t.app.inject({ method: 'POST', url: `/api/v1/reports/${reportId}/transitions`, headers: bearer(maintainer.token), payload: { to: 'acknowledged' } });
    await work();
    const hits = hitsFor('/slack');
    assert.equal(hits.length, 1, 'only the chosen topic');
    const { text } = JSON.parse(hits[0]!.body);
    assert.match(text, new RegExp(`^\\[Alpha\\] New vulnerability report #${reportId.slice(0, 8)} <http://\\S+/team/reports/${reportId}\\|open>$`));
    assert.equal((await t.app.inject({ method: 'DELETE', url: `/api/v1/projects/alpha/webhooks/${id}`, headers: bearer(admin.token) })).statusCode, 204);
    await submit();
    await work();
    assert.equal(hitsFor('/slack').length, 1);
  });

  it('refuses private destinations unless allowed (SSRF)', async () => {
    for (const host of ['127.0.0.1', '10.1.2.3', '169.254.169.254', '[::1]', '192.168.0.10', '[::ffff:127.0.0.1]']) {
      await assert.rejects(assertPublicDestination(new URL(`http://${host}/x`), false), /private address/, host);
    }
    await assertPublicDestination(new URL('https://93.184.216.34/x'), false);
    await assertPublicDestination(new URL('http://127.0.0.1/x'), true);

    const { id } = (await create({ url: receiver.url('/internal') })).json();
    await submit();
    const strict = { ...t.context, config: { ...t.context.config, webhookAllowPrivate: false } };
    await drainOutbox(strict, { transport: null });
    assert.equal(hitsFor('/internal').length, 0);
    const log = (await t.app.inject({ method: 'GET', url: `/api/v1/projects/alpha/webhooks/${id}/deliveries`, headers: bearer(admin.token) })).json().items;
    assert.match(log[0].error, /private address/);
  });

  it('validates webhook URLs', async () => {
    for (const url of ['not a url', 'ftp://example.org/x', 'https://user:pw@example.org/x']) {
      const response = await create({ url });
      assert.equal(response.statusCode, 400, url);
    }
  });
});
