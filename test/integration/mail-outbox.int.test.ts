import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import * as openpgp from 'openpgp';
import { sql } from 'kysely';
import { createSmtpTransport, type MailTransport } from '../../src/platform/mail/mail.transport.js';
import { claimOutbox, findOutbox } from '../../src/modules/notifications/outbox.repository.js';
import { drainOutbox } from '../../src/modules/notifications/outbox.worker.js';
import { STATUS_UPDATE_TEXT } from '../../src/modules/notifications/status-update.service.js';
import { sweepDeadlines } from '../../src/modules/triage/sla/sla.sweep.js';
import { bearer, createTestApp, type TestApp } from '../support/test-app.js';
import { MailSink } from '../support/mail-sink.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const DOMAIN = 'embargo.test';

describe('outbox delivery by mail', () => {
  let t: TestApp;
  let sink: MailSink;
  let transport: MailTransport;
  let maintainer: { id: string; email: string; token: string };

  before(async () => {
    sink = await MailSink.create();
    t = await createTestApp({ settings: { smtpUrl: sink.url, mailDomain: DOMAIN, slaEscalationHours: 24, accessTokenTtlSeconds: 365 * 86_400, sessionTtlSeconds: 365 * 86_400 } });
    transport = createSmtpTransport(sink.url, { connectionTimeoutMs: 2_000 });
    maintainer = await t.user('maintainer', 'beta', 'maintainer@beta.example');
  });
  after(async () => {
    transport.close();
    await sink.stop();
    await t.close();
  });
  beforeEach(async () => {
    // Each test starts with nothing pending and an empty mailbox.
    await drainOutbox(t.context, { transport });
    await t.context.db.updateTable('outbox').set({ delivered_at: t.clock.now() }).where('delivered_at', 'is', null).execute();
    sink.clear();
  });

  const work = (worker = 'worker-1') => drainOutbox(t.context, { transport, worker });
  const submit = async (project: string, extra: Record<string, unknown> = {}) => {
    const payload = { title: 'RCE in login', description: 'Secret details', ...(project === 'alpha' ? { stepsToReproduce: 'steps' } : {}), ...extra };
    const response = await t.app.inject({ method: 'POST', url: `/api/v1/projects/${project}/reports`, payload });
    assert.equal(response.statusCode, 201, response.body);
    return response.json() as { id: string; accessToken: string };
  };
  const pendingMail = async () =>
    t.context.db.selectFrom('outbox').selectAll().where('topic', '=', 'mail.send').where('delivered_at', 'is', null).execute();

  it('loses nothing while the relay is down and sends each of 50 notifications exactly once when it is back', async () => {
    await sink.stop();
    for (let i = 0; i < 50; i += 1) await submit('beta');

    // The relay is down: every event fans out into a mail row, and every send fails and is rescheduled.
    const first = await work();
    assert.equal(first.retried, 50);
    let pending = await pendingMail();
    assert.equal(pending.length, 50);
    for (const row of pending) {
      assert.equal(row.attempts, 1);
      assert.ok(row.last_error);
      assert.ok(row.available_at.getTime() > t.clock.now().getTime(), 'retried later, with backoff');
      assert.equal(row.claimed_at, null);
    }
    // Not yet due: nothing is tried again.
    assert.equal((await work()).claimed, 0);
    t.clock.advance(2 * MINUTE);
    assert.equal((await work()).retried, 50);
    pending = await pendingMail();
    assert.ok(pending.every((row) => row.attempts === 2));
    assert.ok(pending.every((row) => row.available_at.getTime() - t.clock.now().getTime() >= MINUTE), 'the second delay is longer');

    await sink.start();
    t.clock.advance(5 * MINUTE);
    const back = await work();
    assert.equal(back.delivered, 50);
    assert.equal((await pendingMail()).length, 0);

    // Later passes find nothing more to send.
    t.clock.advance(DAY);
    assert.equal((await work()).claimed, 0);
    assert.equal(sink.messages.length, 50);
    const ids = sink.messages.map((message) => message.messageId);
    assert.equal(new Set(ids).size, 50, 'each notification arrived exactly once');
    const rows = await t.context.db.selectFrom('outbox').select(['id', 'delivered_at']).where('topic', '=', 'mail.send').execute();
    assert.deepEqual(new Set(ids), new Set(rows.map((row) => `<${row.id}@${DOMAIN}>`)), 'the Message-ID is derived from the outbox row');
    assert.ok(rows.every((row) => row.delivered_at !== null));
    for (const message of sink.messages) assert.deepEqual(message.envelope.to, [maintainer.email]);
  });

  it('lets several workers drain the same outbox without sending anything twice', async () => {
    for (let i = 0; i < 30; i += 1) await submit('beta');
    const results = await Promise.all([work('worker-a'), work('worker-b'), work('worker-c')]);
    assert.equal(results.reduce((sum, result) => sum + result.retried + result.failed, 0), 0);
    assert.equal(sink.messages.length, 30);
    assert.equal(new Set(sink.messages.map((message) => message.messageId)).size, 30);
  });

  it('resends with the same Message-ID after a crash between sending and recording', async () => {
    await submit('beta');
    // Fan the event out, but do not send yet.
    await drainOutbox(t.context, { transport: { send: async () => Promise.reject(new Error('not yet')), close: () => {} } });
    t.clock.advance(MINUTE);
    // A worker claims the mail, sends it and dies before recording the delivery.
    const [claimed] = await claimOutbox(t.context.db, { worker: 'doomed', now: t.clock.now(), limit: 10, leaseMs: 5 * MINUTE });
    assert.ok(claimed);
    t.clock.advance(MINUTE);
    const { sendMailJob } = await import('../../src/modules/notifications/mail.sender.js');
    await sendMailJob(t.context, transport, { ...claimed, attempts: 1 });
    // Within the lease nobody else takes it; after the lease another worker does, and sends again.
    assert.equal((await work('survivor')).claimed, 0);
    t.clock.advance(10 * MINUTE);
    assert.equal((await work('survivor')).delivered, 1);
    assert.equal(sink.messages.length, 2);
    assert.equal(sink.messages[0]!.messageId, sink.messages[1]!.messageId, 'the receiver can tell the resend is the same message');
    assert.equal(sink.messages[0]!.messageId, `<${claimed.id}@${DOMAIN}>`);
  });

  it('mails the team a notice without report contents, as text and HTML', async () => {
    const { id } = await submit('beta');
    await work();
    const [mail] = sink.to(maintainer.email);
    assert.ok(mail);
    const { parsed } = mail;
    assert.match(parsed.subject ?? '', /New vulnerability report #/);
    assert.ok(parsed.text?.includes(`/reports/${id}`));
    assert.ok(typeof parsed.html === 'string' && parsed.html.includes(`/reports/${id}`));
    assert.equal(parsed.headers.get('auto-submitted'), 'auto-generated');
    assert.equal(parsed.from?.value[0]?.address, `noreply@${DOMAIN}`);
    assert.match(parsed.text ?? '', /Replies to this email are not read: answer in Embargo/);
    for (const text of [parsed.text ?? '', String(parsed.html), parsed.subject ?? '']) {
      assert.ok(!text.includes('RCE in login') && !text.includes('Secret details'), 'no report contents in team mail');
    }
  });

  it('mails the reporter state changes and team messages from the reply address of their report, and nothing to a reporter without address', async () => {
    const withAddress = await submit('beta', { contactEmail: 'reporter@example.net' });
    const without = await submit('beta');
    await work();
    sink.clear();
    for (const report of [withAddress, without]) {
      const moved = await t.app.inject({ method: 'POST', url: `/api/v1/reports/${report.id}/transitions`, headers: bearer(maintainer.token), payload: { to: 'acknowledged' } });
      assert.equal(moved.statusCode, 200, moved.body);
      const posted = await t.app.inject({ method: 'POST', url: `/api/v1/reports/${report.id}/messages`, headers: bearer(maintainer.token), payload: { body: 'Thanks, we reproduced it.' } });
      assert.equal(posted.statusCode, 201, posted.body);
      await t.app.inject({ method: 'POST', url: `/api/v1/reports/${report.id}/messages`, headers: bearer(maintainer.token), payload: { body: 'internal musing', internal: true } });
    }
    await work();
    const mails = sink.to('reporter@example.net');
    assert.equal(mails.length, 2, 'a state change and a message; internal notes are never mailed');
    assert.equal(sink.messages.length, 2);
    const [state, message] = [mails.find((m) => /acknowledged/.test(m.parsed.subject ?? ''))!, mails.find((m) => /New message/.test(m.parsed.subject ?? ''))!];
    assert.ok(state && message);
    assert.ok(message.parsed.text?.includes('Thanks, we reproduced it.'));
    const from = message.parsed.from?.value[0]?.address ?? '';
    assert.match(from, new RegExp(`^beta\\+r-[a-z2-7]{24}@${DOMAIN.replace('.', '\\.')}$`));
    assert.equal(state.parsed.from?.value[0]?.address, from, 'one reply address per report');
    assert.equal(message.parsed.replyTo?.value[0]?.address, from);
    const stored = await t.context.db.selectFrom('reply_tokens').selectAll().where('report_id', '=', withAddress.id).executeTakeFirstOrThrow();
    assert.ok(!from.includes(stored.token_hash) && !stored.token_enc.includes(from.slice(5, 29)), 'the token is stored hashed and encrypted only');
  });

  it('encrypts mail to a reporter who gave an OpenPGP key (PGP/MIME)', async () => {
    const { privateKey, publicKey } = await openpgp.generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ email: 'careful@example.net' }], format: 'armored' });
    const { id } = await submit('beta', { contactEmail: 'careful@example.net', pgpPublicKey: publicKey });
    await work();
    await t.app.inject({ method: 'POST', url: `/api/v1/reports/${id}/messages`, headers: bearer(maintainer.token), payload: { body: 'Patch attached in our tracker, embargo until Friday.' } });
    await work();
    const [mail] = sink.to('careful@example.net');
    assert.ok(mail);
    assert.match(String(mail.parsed.headers.get('content-type')?.valueOf() && mail.raw.toString()), /multipart\/encrypted; protocol="application\/pgp-encrypted"/);
    assert.ok(!mail.raw.toString().includes('embargo until Friday'), 'nothing readable on the wire');
    const armored = mail.raw.toString().match(/-----BEGIN PGP MESSAGE-----[\s\S]+?-----END PGP MESSAGE-----/)?.[0];
    assert.ok(armored);
    const decrypted = await openpgp.decrypt({
      message: await openpgp.readMessage({ armoredMessage: armored }),
      decryptionKeys: await openpgp.readPrivateKey({ armoredKey: privateKey }),
      format: 'binary',
    });
    const { simpleParser } = await import('mailparser');
    const inner = await simpleParser(Buffer.from(decrypted.data as Uint8Array));
    assert.ok(inner.text?.includes('embargo until Friday'));
    assert.ok(typeof inner.html === 'string' && inner.html.includes('embargo until Friday'));
  });

  it('keeps the promise of regular status updates when nobody wrote, and mails it to the reporter', async () => {
    // alpha promises news every 7 days (and warns 12 hours before a deadline).
    t.clock.set('2026-03-02T09:00:00Z');
    const { id, accessToken } = await submit('alpha', { contactEmail: 'patient@example.net' });
    await work();
    sink.clear();
    t.clock.set('2026-03-08T22:00:00Z');
    await sweepDeadlines(t.context);
    await work();
    const mails = sink.to('patient@example.net');
    assert.equal(mails.length, 1);
    assert.match(mails[0]!.parsed.subject ?? '', /still in progress/);
    const view = (await t.app.inject({ method: 'GET', url: `/api/v1/reports/${id}`, headers: bearer(accessToken) })).json();
    const system = view.messages.filter((m: { author: string }) => m.author === 'system');
    assert.deepEqual(system.map((m: { body: string }) => m.body), [STATUS_UPDATE_TEXT]);
    const cycles = view.deadlines.filter((d: { kind: string }) => d.kind === 'status_update');
    assert.equal(cycles[0].metAt, '2026-03-08T22:00:00.000Z', 'the automatic update meets the cycle');
    assert.equal(cycles[1]?.dueAt, '2026-03-15T22:00:00.000Z', 'and the next cycle starts');
    // Sweeping and working again sends nothing more for this cycle.
    await sweepDeadlines(t.context);
    await work();
    assert.equal(sink.to('patient@example.net').length, 1);
  });

  it('warns the handler before a deadline and escalates a missed one from handler and backup to every maintainer', async () => {
    const backup = await t.user('maintainer', 'alpha', 'backup@alpha.example');
    const handler = await t.user('maintainer', 'alpha', 'handler@alpha.example');
    const other = await t.user('maintainer', 'alpha', 'other@alpha.example');
    // Earlier tests' reports keep their own clocks running; look at this report's team mail only.
    const team = () => sink.messages.filter((m) => m.envelope.to[0]!.endsWith('@alpha.example') && m.parsed.text?.includes(id.slice(0, 8)));
    t.clock.set('2026-04-13T08:00:00Z');
    const { id } = await submit('alpha');
    const patched = await t.app.inject({ method: 'PATCH', url: `/api/v1/reports/${id}`, headers: bearer(handler.token), payload: { handlerId: handler.id, backupHandlerId: backup.id } });
    assert.equal(patched.statusCode, 200, patched.body);
    await work();
    sink.clear();
    // Acknowledge is due 48 hours after receipt; the warning comes 12 hours before.
    t.clock.set('2026-04-14T21:00:00Z');
    await sweepDeadlines(t.context);
    await work();
    assert.deepEqual(team().map((m) => m.envelope.to[0]), ['handler@alpha.example']);
    assert.match(team()[0]!.parsed.subject ?? '', /Due soon/);
    assert.match(team()[0]!.parsed.text ?? '', /Europe\/Berlin/);
    sink.clear();
    t.clock.set('2026-04-15T08:30:00Z');
    await sweepDeadlines(t.context);
    await work();
    assert.deepEqual(team().map((m) => m.envelope.to[0]).sort(), ['backup@alpha.example', 'handler@alpha.example']);
    sink.clear();
    t.clock.advance(25 * HOUR);
    await sweepDeadlines(t.context);
    await work();
    const escalated = team().filter((m) => /Escalation/.test(m.parsed.subject ?? '')).map((m) => m.envelope.to[0]);
    assert.ok(escalated.includes(other.email), 'every other maintainer hears of it');
    assert.ok(!escalated.includes(handler.email) && !escalated.includes(backup.email));
  });

  it('gives up on a message the relay refuses for good, and keeps it for inspection', async () => {
    await submit('beta');
    const refusing = { send: async () => Promise.reject(Object.assign(new Error('mailbox unavailable'), { responseCode: 550 })), close: () => {} };
    const { classifySendError } = await import('../../src/platform/mail/mail.transport.js');
    const result = await drainOutbox(t.context, { transport: { ...refusing, send: async () => Promise.reject(classifySendError(await refusing.send().catch((e: unknown) => e))) } });
    assert.equal(result.failed, 1);
    const [row] = await t.context.db.selectFrom('outbox').selectAll().where('topic', '=', 'mail.send').where('failed_at', 'is not', null).execute();
    assert.ok(row);
    assert.match(row.last_error ?? '', /SMTP 550/);
    t.clock.advance(DAY);
    assert.equal((await work()).claimed, 0);
    await sql`select 1`.execute(t.context.db);
    assert.ok((await findOutbox(t.context.db, 'report.received')).length > 0);
  });
});
