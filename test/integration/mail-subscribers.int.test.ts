import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createSmtpTransport, type MailTransport } from '../../src/platform/mail/mail.transport.js';
import { enqueueOutbox } from '../../src/modules/notifications/outbox.repository.js';
import { drainOutbox } from '../../src/modules/notifications/outbox.worker.js';
import { createTestApp, REPO_ROOT, type TestApp } from '../support/test-app.js';
import { MailSink, type ReceivedMail } from '../support/mail-sink.js';

const DOMAIN = 'embargo.test';
const HOUR = 3_600_000;

describe('advisory subscribers', () => {
  let t: TestApp;
  let sink: MailSink;
  let transport: MailTransport;
  let published = 0;

  before(async () => {
    sink = await MailSink.create();
    t = await createTestApp({ policyFile: path.join(REPO_ROOT, 'test/fixtures/policy-mail.yaml'), settings: { smtpUrl: sink.url, mailDomain: DOMAIN } });
    transport = createSmtpTransport(sink.url);
  });
  after(async () => {
    transport.close();
    await sink.stop();
    await t.close();
  });
  beforeEach(() => sink.clear());

  const deliver = () => drainOutbox(t.context, { transport });
  const subscribe = (email: string, level?: 'all' | 'critical', project = 'alpha') =>
    t.app.inject({ method: 'POST', url: `/api/v1/projects/${project}/subscriptions`, payload: { email, ...(level ? { level } : {}) } });
  const urlPath = (url: string) => new URL(url).pathname;
  // mailparser folds List-* fields into one object: read the header lines as they came.
  const header = (mail: ReceivedMail, name: string) => mail.parsed.headerLines.find((line) => line.key === name)?.line.replace(/^[^:]+:\s*/, '').replace(/\r?\n\s+/g, ' ') ?? '';
  const unsubscribeHeader = (mail: ReceivedMail) => header(mail, 'list-unsubscribe').replace(/^<|>$/g, '');

  /** What the advisories module enqueues on publication (its public record). */
  async function publish(severity: string | null, reportIds: string[] = []) {
    published += 1;
    const advisoryId = `EMB-2026-${String(published).padStart(4, '0')}`;
    const now = t.clock.now();
    await t.context.db.transaction().execute(async (trx) => {
      const id = randomUUID();
      await trx.insertInto('advisories').values({ id, public_id: advisoryId, project_slug: 'alpha', state: 'published', source: 'test', severity, content_enc: 'x', published_at: now, created_at: now, updated_at: now }).execute();
      for (const reportId of reportIds) await trx.insertInto('advisory_reports').values({ advisory_id: id, report_id: reportId }).execute();
      await enqueueOutbox(trx, {
        topic: 'advisory.published',
        dedupeKey: `advisory.published:${id}`,
        payload: { advisoryId, project: 'alpha', title: `Advisory ${published}`, summary: 'Upgrade to 1.2.3.', severity, cveId: null, url: `http://127.0.0.1/p/alpha/advisories/${advisoryId}`, publishedAt: now.toISOString() },
        at: now,
      });
    });
    await deliver();
    return advisoryId;
  }

  async function confirmed(email: string, level?: 'all' | 'critical'): Promise<string> {
    assert.equal((await subscribe(email, level)).statusCode, 202);
    await deliver();
    const mail = sink.to(email).at(-1)!;
    const confirm = mail.parsed.text!.match(/https?:\/\/\S+\/confirm/)![0];
    const response = await t.app.inject({ method: 'POST', url: urlPath(confirm) });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.json().confirmed, true);
    sink.clear();
    return unsubscribeHeader(mail);
  }

  it('asks for confirmation first and mails nothing else until then (double opt-in)', async () => {
    const response = await subscribe('Reader@Example.org');
    assert.equal(response.statusCode, 202);
    await deliver();
    const [mail] = sink.to('reader@example.org');
    assert.ok(mail);
    assert.match(mail.parsed.subject ?? '', /Confirm your subscription/);
    assert.equal(header(mail, 'list-unsubscribe-post'), 'List-Unsubscribe=One-Click');
    assert.match(unsubscribeHeader(mail), /^http:\/\/\S+\/api\/v1\/subscriptions\/sub_[\w-]+\/unsubscribe$/);
    await publish('high');
    assert.equal(sink.to('reader@example.org').length, 1, 'no advisory before confirmation');
    // Opening the link (a mail scanner does) shows a page and changes nothing.
    const confirm = urlPath(mail.parsed.text!.match(/https?:\/\/\S+\/confirm/)![0]);
    const page = await t.app.inject({ method: 'GET', url: confirm });
    assert.equal(page.statusCode, 200);
    assert.match(page.headers['content-type'] as string, /text\/html/);
    assert.match(page.body, /<form method="post">/);
    const row = await t.context.db.selectFrom('subscribers').selectAll().executeTakeFirstOrThrow();
    assert.equal(row.confirmed_at, null);
    assert.ok(!row.email_enc.includes('reader'), 'the address is stored encrypted');
    const form = await t.app.inject({ method: 'POST', url: confirm, headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, payload: '' });
    assert.equal(form.statusCode, 200, form.body);
    assert.match(form.body, /Subscribed/);
  });

  it('answers the same whether an address is new or known, and does not flood it with confirmations', async () => {
    await confirmed('known@example.org');
    const again = await subscribe('known@example.org');
    assert.equal(again.statusCode, 202);
    assert.deepEqual(again.json(), (await subscribe('unknown@example.org')).json());
    await deliver();
    assert.equal(sink.to('known@example.org').length, 0, 'a confirmed address gets no new request');
    sink.clear();
    for (let i = 0; i < 3; i += 1) await subscribe('pending@example.org');
    await deliver();
    assert.equal(sink.to('pending@example.org').length, 1, 'one confirmation request per hour');
    t.clock.advance(HOUR);
    await subscribe('pending@example.org');
    await deliver();
    assert.equal(sink.to('pending@example.org').length, 2);
  });

  it('sends advisories by level and stops after an RFC 8058 one-click unsubscribe', async () => {
    const allUnsubscribe = await confirmed('all@example.org', 'all');
    await confirmed('critical@example.org', 'critical');
    await publish('high');
    assert.equal(sink.to('all@example.org').length, 1);
    assert.equal(sink.to('critical@example.org').length, 0, 'critical-only subscribers skip other levels');
    const [mail] = sink.to('all@example.org');
    assert.match(mail!.parsed.subject ?? '', /Security advisory EMB-2026-\d{4}: Advisory/);
    assert.equal(unsubscribeHeader(mail!), allUnsubscribe);
    assert.ok(mail!.parsed.text?.includes('Upgrade to 1.2.3.'));
    sink.clear();
    await publish('critical');
    assert.equal(sink.to('all@example.org').length, 1);
    assert.equal(sink.to('critical@example.org').length, 1);
    sink.clear();
    // What a mail provider sends for List-Unsubscribe-Post: no session, no page, one POST.
    const oneClick = await t.app.inject({ method: 'POST', url: urlPath(allUnsubscribe), headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' });
    assert.equal(oneClick.statusCode, 200, oneClick.body);
    assert.equal(oneClick.json().unsubscribed, true);
    await publish('critical');
    assert.equal(sink.to('all@example.org').length, 0);
    assert.equal(sink.to('critical@example.org').length, 1);
  });

  it('tells the reporter of a disclosed report that the advisory is out', async () => {
    const report = await t.app.inject({ method: 'POST', url: '/api/v1/projects/alpha/reports', payload: { title: 't', description: 'd', stepsToReproduce: 's', contactEmail: 'finder@example.net' } });
    await deliver();
    sink.clear();
    const advisoryId = await publish('high', [report.json().id]);
    const [mail] = sink.to('finder@example.net');
    assert.ok(mail);
    assert.match(mail.parsed.subject ?? '', new RegExp(`Advisory ${advisoryId} published for your report`));
  });

  it('refuses unknown tokens and projects', async () => {
    assert.equal((await t.app.inject({ method: 'POST', url: '/api/v1/subscriptions/sub_nope/unsubscribe' })).statusCode, 404);
    assert.equal((await subscribe('x@example.org', 'all', 'nope')).statusCode, 404);
    assert.equal((await subscribe('not-an-address')).statusCode, 400);
  });
});
