import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import * as openpgp from 'openpgp';
import { decryptField, decryptFieldText } from '../../src/platform/crypto/envelope.js';
import { createSmtpTransport, type MailTransport } from '../../src/platform/mail/mail.transport.js';
import { loadProjectKeys } from '../../src/modules/mail/inbound.pgp.js';
import { startMailListener, type MailListener } from '../../src/modules/mail/mail.listener.js';
import { drainOutbox } from '../../src/modules/notifications/outbox.worker.js';
import { bearer, createTestApp, REPO_ROOT, type TestApp } from '../support/test-app.js';
import { createGpgHome, gpgAvailable, type GpgHome } from '../support/gpg.js';
import { MailSink } from '../support/mail-sink.js';

const DOMAIN = 'embargo.test';
const POLICY = path.join(REPO_ROOT, 'test/fixtures/policy-mail.yaml');
const MAX_BYTES = 200_000;
const RATE = 6;
const NO_GPG = gpgAvailable();

type Sent = { accepted: boolean; code: number | null; error: string | null };

describe('email intake over SMTP', () => {
  let t: TestApp;
  let sink: MailSink;
  let outgoing: MailTransport;
  let listener: MailListener;
  let alphaKey: GpgHome | null = null;
  let stranger: GpgHome | null = null;
  let maintainer: { id: string; email: string; token: string };
  let admin: { token: string };
  let senderCount = 0;

  before(async () => {
    sink = await MailSink.create();
    t = await createTestApp({
      policyFile: POLICY,
      settings: { mailDomain: DOMAIN, smtpUrl: sink.url, mailMaxBytes: MAX_BYTES, mailRateLimitPerHour: RATE, accessTokenTtlSeconds: 365 * 86_400, sessionTtlSeconds: 365 * 86_400 },
    });
    outgoing = createSmtpTransport(sink.url);
    const keyFiles: Record<string, string> = {};
    if (!NO_GPG) {
      alphaKey = createGpgHome('Alpha Security', 'security@alpha.example');
      stranger = createGpgHome('Someone Else', 'someone@else.example');
      keyFiles.alpha = path.join(alphaKey.dir, 'alpha-secret.asc');
      writeFileSync(keyFiles.alpha, alphaKey.secretKey, { mode: 0o600 });
    }
    listener = await startMailListener(t.context, { port: 0, host: '127.0.0.1', keys: await loadProjectKeys(keyFiles) });
    maintainer = await t.user('maintainer', 'alpha', 'maintainer@alpha.example');
    admin = await t.user('admin');
  });
  after(async () => {
    await listener.close();
    outgoing.close();
    await sink.stop();
    alphaKey?.close();
    stranger?.close();
    await t.close();
  });
  beforeEach(() => sink.clear());

  /** A fresh sender per message, so that the per-sender limit only bites where a test wants it. */
  const sender = () => `reporter${(senderCount += 1)}@example.net`;
  const deliver = () => drainOutbox(t.context, { transport: outgoing });

  async function send(message: SendMailOptions): Promise<Sent> {
    const client = nodemailer.createTransport({ host: '127.0.0.1', port: listener.port, secure: false, ignoreTLS: true });
    try {
      await client.sendMail(message);
      return { accepted: true, code: null, error: null };
    } catch (error) {
      const err = error as { responseCode?: number; message: string };
      return { accepted: false, code: err.responseCode ?? null, error: err.message };
    } finally {
      client.close();
    }
  }

  const reportsBySource = () => t.context.db.selectFrom('reports').select(['id', 'project_slug']).where('source', '=', 'email').orderBy('received_at').orderBy('id').execute();
  const inbound = () => t.context.db.selectFrom('inbound_mail').selectAll().orderBy('received_at').execute();
  const view = async (id: string) => (await t.app.inject({ method: 'GET', url: `/api/v1/reports/${id}`, headers: bearer(admin.token) })).json();

  async function newReportFrom(from: string, message: SendMailOptions, to = `alpha@${DOMAIN}`) {
    const before = new Set((await reportsBySource()).map((report) => report.id));
    const sent = await send({ from, to, ...message });
    assert.ok(sent.accepted, sent.error ?? '');
    const created = (await reportsBySource()).filter((report) => !before.has(report.id));
    assert.equal(created.length, 1, 'exactly one new report');
    return created[0]!;
  }

  it('turns an email into a report and answers with a receipt that carries the private status link', async () => {
    const from = sender();
    const report = await newReportFrom(from, { subject: 'Path traversal in /download', text: 'GET /download?f=../../etc/passwd returns the file.' });
    const team = await view(report.id);
    assert.equal(team.source, 'email');
    assert.equal(team.title, 'Path traversal in /download');
    assert.equal(team.description, 'GET /download?f=../../etc/passwd returns the file.');
    assert.equal(team.contactEmail, from);

    await deliver();
    const [receipt] = sink.to(from);
    assert.ok(receipt, 'the reporter gets a receipt');
    assert.match(receipt.parsed.subject ?? '', /We received your report/);
    const link = receipt.parsed.text?.match(/https?:\/\/\S+\/r\/([0-9a-f-]{36})#(emb_r_\S+)/);
    assert.ok(link, 'with the private status link');
    assert.equal(link[1], report.id);
    const asReporter = await t.app.inject({ method: 'GET', url: `/api/v1/reports/${report.id}`, headers: bearer(link[2]!) });
    assert.equal(asReporter.statusCode, 200, 'the link works');
    assert.match(receipt.parsed.from?.value[0]?.address ?? '', new RegExp(`^alpha\\+r-[a-z2-7]{24}@${DOMAIN}$`));
    assert.ok(receipt.parsed.text?.includes('48 hours'), 'the promise of the policy');
    assert.equal(sink.to(maintainer.email).length, 1, 'the team hears of the new report');
    const outbox = await t.context.db.selectFrom('outbox').select('payload').where('topic', '=', 'report.receipt').execute();
    assert.ok(outbox.every((row) => !JSON.stringify(row.payload).includes('emb_r_')), 'the token is never stored in clear');
  });

  it('threads a reply by the token in its address, never by subject, and without the quoted text', async () => {
    const from = sender();
    const report = await newReportFrom(from, { subject: 'XSS in comments', text: 'Comment body is not escaped.' });
    await deliver();
    const replyTo = sink.to(from)[0]!.parsed.from!.value[0]!.address!;
    sink.clear();
    const sent = await send({ from, to: replyTo, subject: 'Something else entirely', text: 'It also works in titles.\n\nOn Mon, 2 Mar 2026, Alpha security wrote:\n> Thank you for reporting\n> a security issue' });
    assert.ok(sent.accepted, sent.error ?? '');
    const thread = (await view(report.id)).messages;
    assert.deepEqual(thread.map((m: { author: string; body: string }) => [m.author, m.body]), [['reporter', 'It also works in titles.']]);
    await deliver();
    assert.equal(sink.to(maintainer.email).length, 1, 'the team hears of the reply');
    assert.match(sink.to(maintainer.email)[0]!.parsed.subject ?? '', /reporter wrote/);
    // The same subject sent to the plain address is a new report: subjects thread nothing.
    await newReportFrom(from, { subject: 'XSS in comments', text: 'Another one.' });
  });

  it('starts a new report for a forged, unknown or other project\u2019s token instead of joining a thread', async () => {
    const from = sender();
    const report = await newReportFrom(from, { subject: 'Original', text: 'First.' });
    await deliver();
    const token = sink.to(from)[0]!.parsed.from!.value[0]!.address!.match(/\+(r-[a-z2-7]{24})@/)![1]!;
    const forged = await newReportFrom(sender(), { subject: 'Forged', text: 'Trying to join.' }, `alpha+r-${'a'.repeat(24)}@${DOMAIN}`);
    const garbage = await newReportFrom(sender(), { subject: 'Garbage', text: 'x' }, `alpha+whatever@${DOMAIN}`);
    const otherProject = await newReportFrom(sender(), { subject: 'Cross', text: 'Other project.' }, `beta+${token}@${DOMAIN}`);
    assert.equal(otherProject.project_slug, 'beta');
    for (const id of [forged.id, garbage.id, otherProject.id]) assert.notEqual(id, report.id);
    assert.deepEqual((await view(report.id)).messages, []);
  });

  it('accepts mail for the security addresses the policy lists, and refuses addresses that are not ours', async () => {
    const report = await newReportFrom(sender(), { subject: 'Via the policy address', text: 'Hello.' }, 'security@alpha.example');
    assert.equal(report.project_slug, 'alpha');
    for (const to of [`nobody@${DOMAIN}`, `noreply@${DOMAIN}`, 'someone@elsewhere.example']) {
      const sent = await send({ from: sender(), to, subject: 'x', text: 'y' });
      assert.equal(sent.accepted, false, to);
      assert.equal(sent.code, 550, to);
    }
  });

  it('keeps attachments encrypted where the policy allows them', async () => {
    const report = await newReportFrom(sender(), { subject: 'With PoC', text: 'See the attached exploit.', attachments: [{ filename: 'exploit.py', content: 'print("pwned")', contentType: 'text/x-python' }] });
    const rows = await t.context.db.selectFrom('report_attachments').selectAll().where('report_id', '=', report.id).execute();
    assert.equal(rows.length, 1);
    const row = rows[0]!;
    assert.ok(!row.content_enc.includes('pwned') && !row.filename_enc.includes('exploit'));
    assert.equal(decryptField(t.context.keyring.lookup, row.content_enc, { table: 'report_attachments', column: 'content_enc', id: row.id }).toString(), 'print("pwned")');
    assert.equal(decryptFieldText(t.context.keyring.lookup, row.filename_enc, { table: 'report_attachments', column: 'filename_enc', id: row.id }), 'exploit.py');
  });

  it('refuses attachments politely where the policy asks for everything in the body', async () => {
    const from = sender();
    const report = await newReportFrom(from, { subject: 'Beta bug', text: 'Details attached.', attachments: [{ filename: 'details.pdf', content: Buffer.from('%PDF-1.4 secret'), contentType: 'application/pdf' }] }, `beta@${DOMAIN}`);
    assert.equal((await t.context.db.selectFrom('report_attachments').select('id').where('report_id', '=', report.id).execute()).length, 0);
    await deliver();
    const receipt = sink.to(from)[0]!;
    assert.match(receipt.parsed.text ?? '', /1 attachment\(s\)/);
    assert.match(receipt.parsed.text ?? '', /entirety of the report/);
    // A reply with an attachment is added to the thread, and gets the same polite note.
    const replyTo = receipt.parsed.from!.value[0]!.address!;
    sink.clear();
    assert.ok((await send({ from, to: replyTo, subject: 'Re: Beta bug', text: 'Here is more.', attachments: [{ filename: 'more.txt', content: 'more' }] })).accepted);
    await deliver();
    assert.equal((await view(report.id)).messages.length, 1);
    assert.match(sink.to(from)[0]?.parsed.subject ?? '', /attachments not kept/);
  });

  it('never answers machines: auto-replies, bulk mail and bounces are recorded and dropped', async () => {
    const before = (await reportsBySource()).length;
    const cases: SendMailOptions[] = [
      { from: sender(), subject: 'Out of office', text: 'I am away.', headers: { 'Auto-Submitted': 'auto-replied' } },
      { from: sender(), subject: 'Newsletter', text: 'Buy now.', headers: { Precedence: 'bulk' } },
      { from: sender(), subject: 'Vacation', text: 'Away.', headers: { 'X-Autoreply': 'yes' } },
      { envelope: { from: '', to: `alpha@${DOMAIN}` }, from: 'MAILER-DAEMON@mx.example.net', subject: 'Undelivered Mail Returned to Sender', text: 'The mail could not be delivered.' },
    ];
    for (const message of cases) {
      const sent = await send({ to: `alpha@${DOMAIN}`, ...message });
      assert.ok(sent.accepted, sent.error ?? '');
    }
    assert.equal((await reportsBySource()).length, before, 'no report');
    await deliver();
    assert.equal(sink.messages.length, 0, 'no answer');
    const dropped = (await inbound()).filter((row) => row.outcome === 'dropped_auto');
    assert.ok(dropped.length >= 4);
    assert.ok(dropped.some((row) => /null sender/.test(row.note ?? '')));
  });

  it('takes a message delivered twice (same Message-ID) only once', async () => {
    const message = { from: sender(), to: `alpha@${DOMAIN}`, subject: 'Twice', text: 'Sent twice by a retrying MTA.', messageId: '<twice-1@mta.example.net>' };
    const before = (await reportsBySource()).length;
    assert.ok((await send(message)).accepted);
    assert.ok((await send(message)).accepted);
    assert.equal((await reportsBySource()).length, before + 1);
  });

  it('refuses oversized messages and limits each sender', async () => {
    const big = await send({ from: sender(), to: `alpha@${DOMAIN}`, subject: 'Big', text: 'x', attachments: [{ filename: 'dump.bin', content: Buffer.alloc(MAX_BYTES) }] });
    assert.equal(big.accepted, false);
    assert.equal(big.code, 552);
    const from = sender();
    for (let i = 0; i < RATE; i += 1) assert.ok((await send({ from, to: `alpha@${DOMAIN}`, subject: `n${i}`, text: 'flood' })).accepted);
    const limited = await send({ from, to: `alpha@${DOMAIN}`, subject: 'one more', text: 'flood' });
    assert.equal(limited.accepted, false);
    assert.equal(limited.code, 450, 'a temporary refusal: a real sender retries later');
    assert.ok((await send({ from: sender(), to: `alpha@${DOMAIN}`, subject: 'other sender', text: 'fine' })).accepted);
  });

  it('records SPF, DKIM and DMARC results from Authentication-Results', async () => {
    const report = await newReportFrom(sender(), {
      subject: 'Authenticated',
      text: 'hi',
      headers: { 'Authentication-Results': 'mx.embargo.test; spf=pass smtp.mailfrom=example.net; dkim=fail header.d=example.net; dmarc=pass header.from=example.net' },
    });
    const row = (await inbound()).find((entry) => entry.report_id === report.id)!;
    assert.deepEqual([row.spf, row.dkim, row.dmarc], ['pass', 'fail', 'pass']);
    assert.ok(row.sender_hash && !row.sender_hash.includes('@'), 'the sender only as a keyed hash');
  });

  it('encrypts the receipt to a key the reporter attached', async () => {
    const from = sender();
    const { publicKey } = await openpgp.generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ email: from }], format: 'armored' });
    const report = await newReportFrom(from, { subject: 'Keyed', text: 'Please encrypt.', attachments: [{ filename: 'pubkey.asc', content: publicKey, contentType: 'application/pgp-keys' }] });
    assert.equal((await t.context.db.selectFrom('report_attachments').select('id').where('report_id', '=', report.id).execute()).length, 0, 'the key is not an attachment');
    await deliver();
    const receipt = sink.to(from)[0]!;
    assert.match(receipt.raw.toString(), /multipart\/encrypted/);
    assert.ok(!receipt.raw.toString().includes('emb_r_'), 'the status link travels encrypted');
  });

  describe('OpenPGP interoperability with GnuPG', { skip: NO_GPG ?? false }, () => {
    it('decrypts PGP/MIME made by gpg', async () => {
      const inner = 'Content-Type: text/plain; charset=utf-8\r\n\r\nSQL injection in /search?q=, secret details.\r\n';
      const armored = alphaKey!.encrypt(inner);
      // nodemailer cannot build multipart/encrypted: the message goes raw, as a mail client writes it.
      const raw = pgpMime(armored);
      const before = new Set((await reportsBySource()).map((r) => r.id));
      assert.ok((await send({ envelope: { from: 'enc@example.net', to: `alpha@${DOMAIN}` }, raw })).accepted);
      const created = (await reportsBySource()).find((r) => !before.has(r.id))!;
      const team = await view(created.id);
      assert.equal(team.description, 'SQL injection in /search?q=, secret details.');
      const row = (await inbound()).find((entry) => entry.report_id === created.id)!;
      assert.equal(row.encrypted, true);
    });

    it('decrypts an inline armored message made by gpg', async () => {
      const armored = alphaKey!.encrypt('Heap overflow in the parser.\nTrigger: 4 GB header.');
      const report = await newReportFrom(sender(), { subject: 'Inline', text: `Hello team,\n\n${armored}\n` });
      const team = await view(report.id);
      assert.match(team.description, /Hello team,\n\nHeap overflow in the parser\.\nTrigger: 4 GB header\./);
      assert.ok(!team.description.includes('BEGIN PGP MESSAGE'));
    });

    it('keeps mail encrypted to another key as it came, and says so in the receipt', async () => {
      const from = sender();
      const armored = stranger!.encrypt('not for alpha');
      const report = await newReportFrom(from, { subject: 'Wrong key', text: armored });
      assert.match((await view(report.id)).description, /BEGIN PGP MESSAGE/);
      await deliver();
      assert.match(sink.to(from)[0]!.parsed.text ?? '', /could not decrypt/);
    });
  });
});

function pgpMime(armored: string): string {
  return [
    'From: Encrypted Reporter <enc@example.net>',
    `To: alpha@${DOMAIN}`,
    'Subject: Encrypted report',
    'Message-ID: <pgp-mime-1@example.net>',
    'MIME-Version: 1.0',
    'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="b1"',
    '',
    '--b1',
    'Content-Type: application/pgp-encrypted',
    '',
    'Version: 1',
    '',
    '--b1',
    'Content-Type: application/octet-stream; name="encrypted.asc"',
    'Content-Disposition: inline; filename="encrypted.asc"',
    '',
    armored.trim(),
    '',
    '--b1--',
    '',
  ].join('\r\n');
}
