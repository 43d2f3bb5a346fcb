import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { drainOutbox } from '../../src/modules/notifications/outbox.worker.js';
import { createSmtpTransport, type MailTransport } from '../../src/platform/mail/mail.transport.js';
import { MailSink } from '../support/mail-sink.js';
import { bearer, createTestApp, REPO_ROOT, TEST_PASSWORD, type TestApp } from '../support/test-app.js';

/**
 * Files added through the API (POST /api/v1/reports/:id/attachments, the file as the body): who may,
 * what is refused and that a refusal changes nothing, how they are stored (encrypted, bound to their
 * row) and served (download only), and what they cause (audit entry, one notification to the team).
 */

const MARKER = 'PLAINTEXT-MARKER-7f3a9c';
const TEXT = Buffer.from(`Steps: run poc.py against /login\n${MARKER}\n`);
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from(`IHDR ${MARKER}`)]);
const HTML = Buffer.from(`<html><body><script>alert(document.cookie)</script>${MARKER}</body></html>`);
const ELF = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0x00]);
const SANDBOX = "default-src 'none'; sandbox; frame-ancestors 'none'";

type Item = { id: string; filename: string; size: number; contentType: string; createdAt: string };
type Upload = { token?: string | null; type?: string | null; name?: string; body: Buffer | Readable; cookies?: Record<string, string>; headers?: Record<string, string>; remoteAddress?: string };

function uploader(t: () => TestApp) {
  return (reportId: string, upload: Upload) =>
    t().app.inject({
      method: 'POST',
      url: `/api/v1/reports/${reportId}/attachments`,
      headers: {
        ...(upload.token ? bearer(upload.token) : {}),
        ...(upload.type === null ? {} : { 'content-type': upload.type ?? 'text/plain' }),
        ...(upload.name !== undefined ? { 'x-filename': encodeURIComponent(upload.name) } : {}),
        ...upload.headers,
      },
      ...(upload.cookies ? { cookies: upload.cookies } : {}),
      ...(upload.remoteAddress ? { remoteAddress: upload.remoteAddress } : {}),
      payload: upload.body,
    });
}

async function submit(t: TestApp, project: string): Promise<{ id: string; accessToken: string }> {
  const response = await t.app.inject({ method: 'POST', url: `/api/v1/projects/${project}/reports`, payload: { title: 'RCE in login', description: 'd', stepsToReproduce: 's' } });
  assert.equal(response.statusCode, 201, response.body);
  return response.json();
}

/** Everything a refused upload could have touched. */
async function fingerprint(t: TestApp): Promise<string> {
  const hash = createHash('sha256');
  for (const table of ['report_attachments', 'audit_events', 'outbox', 'reports', 'messages']) {
    const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(table)} order by 1`.execute(t.context.db);
    hash.update(table).update(JSON.stringify(rows));
  }
  return hash.digest('hex');
}

function expectError(response: { statusCode: number; body: string; json(): { error: { code: string } } }, status: number, code: string) {
  assert.equal(response.statusCode, status, response.body);
  assert.equal(response.json().error.code, code, response.body);
}

describe('attachment uploads', () => {
  let t: TestApp;
  let sink: MailSink;
  let transport: MailTransport;
  let maintainer: { id: string; email: string; token: string };
  let viewer: string;
  let outsider: string;
  let report: { id: string; accessToken: string };
  let other: { id: string; accessToken: string };
  const upload = uploader(() => t);
  const list = async (reportId: string, token: string) => {
    const response = await t.app.inject({ method: 'GET', url: `/api/v1/reports/${reportId}/attachments`, headers: bearer(token) });
    assert.equal(response.statusCode, 200, response.body);
    return response.json() as { items: Item[]; upload: { allowed: boolean; refusedBecause: string | null; maxBytes: number; maxCount: number; remaining: number; types: string[] } };
  };

  before(async () => {
    sink = await MailSink.create();
    t = await createTestApp({ settings: { smtpUrl: sink.url, mailDomain: 'embargo.test', attachmentMaxBytes: 4096, attachmentMaxPerReport: 4 } });
    transport = createSmtpTransport(sink.url, { connectionTimeoutMs: 2_000 });
    maintainer = await t.user('maintainer', 'alpha', 'maintainer@alpha.example');
    viewer = (await t.user('viewer', 'alpha')).token;
    outsider = (await t.user('maintainer', 'beta')).token;
    report = await submit(t, 'alpha');
    other = await submit(t, 'alpha');
    // The new-report mails are not what these tests are about.
    await drainOutbox(t.context, { transport });
    sink.clear();
  });
  after(async () => {
    transport.close();
    await sink.stop();
    await t.close();
  });

  it('takes a file from the reporter and gives it back as a download only', async () => {
    const response = await upload(report.id, { token: report.accessToken, type: 'text/plain; charset=utf-8', name: 'steps écrites.txt', body: TEXT });
    assert.equal(response.statusCode, 201, response.body);
    const created = response.json() as Item;
    assert.deepEqual({ ...created, id: undefined }, { id: undefined, filename: 'steps écrites.txt', size: TEXT.length, contentType: 'text/plain', createdAt: t.clock.now().toISOString() });

    for (const token of [report.accessToken, maintainer.token, viewer]) {
      const { items } = await list(report.id, token);
      assert.deepEqual(items, [created]);
    }
    const file = await t.app.inject({ method: 'GET', url: `/api/v1/reports/${report.id}/attachments/${created.id}`, headers: bearer(maintainer.token) });
    assert.equal(file.statusCode, 200);
    assert.deepEqual(file.rawPayload, TEXT);
    assert.equal(file.headers['content-type'], 'text/plain');
    assert.equal(file.headers['content-disposition'], `attachment; filename="steps _crites.txt"; filename*=UTF-8''steps%20%C3%A9crites.txt`);
    assert.equal(file.headers['x-content-type-options'], 'nosniff');
    assert.equal(file.headers['content-security-policy'], SANDBOX);
  });

  it('takes a file from a maintainer, which the reporter then sees too', async () => {
    const response = await upload(report.id, { token: maintainer.token, type: 'image/png', name: '../../etc/screen"shot.png', body: PNG });
    assert.equal(response.statusCode, 201, response.body);
    const created = response.json() as Item;
    assert.equal(created.filename, 'screen_shot.png');
    assert.equal(created.contentType, 'image/png');
    const { items } = await list(report.id, report.accessToken);
    assert.deepEqual(items.map((item) => item.filename), ['steps écrites.txt', 'screen_shot.png']);
    const file = await t.app.inject({ method: 'GET', url: `/api/v1/reports/${report.id}/attachments/${created.id}`, headers: bearer(report.accessToken) });
    assert.equal(file.headers['content-type'], 'image/png');
    assert.match(String(file.headers['content-disposition']), /^attachment; /);
    assert.deepEqual(file.rawPayload, PNG);
  });

  it('stores a page or script claimed as text as inert text/plain', async () => {
    const response = await upload(other.id, { token: other.accessToken, type: 'text/html', name: 'poc.html', body: HTML });
    assert.equal(response.statusCode, 201, response.body);
    const created = response.json() as Item;
    assert.equal(created.contentType, 'text/plain');
    const file = await t.app.inject({ method: 'GET', url: `/api/v1/reports/${other.id}/attachments/${created.id}`, headers: bearer(maintainer.token) });
    assert.equal(file.headers['content-type'], 'text/plain');
    assert.equal(file.headers['content-disposition'], `attachment; filename="poc.html"; filename*=UTF-8''poc.html`);
    assert.equal(file.headers['content-security-policy'], SANDBOX);
    assert.deepEqual(file.rawPayload, HTML);
    // No claim at all: the first bytes decide.
    const sniffed = await upload(other.id, { token: other.accessToken, type: null, name: 'capture', body: PNG });
    assert.equal(sniffed.statusCode, 201, sniffed.body);
    assert.equal(sniffed.json().contentType, 'image/png');
  });

  it('keeps names and contents encrypted at rest, bound to their row', async () => {
    const { rows } = await sql<{ id: string; filename_enc: string; content_enc: string; content_type: string }>`select id, filename_enc, content_enc, content_type from report_attachments`.execute(t.context.db);
    assert.ok(rows.length >= 4);
    for (const row of rows) {
      for (const value of [row.filename_enc, row.content_enc]) {
        assert.ok(!value.includes(MARKER) && !value.includes(Buffer.from(MARKER).toString('base64')), 'no plaintext marker');
        assert.ok(!value.includes('steps') && !value.includes('poc'), 'no plaintext name');
      }
    }
    // A ciphertext copied into another row does not decrypt there: the download fails instead of leaking.
    const [a, b] = rows as [(typeof rows)[number], (typeof rows)[number]];
    const ids = await t.context.db.selectFrom('report_attachments').select(['id', 'report_id']).where('id', '=', b.id).executeTakeFirstOrThrow();
    await t.context.db.updateTable('report_attachments').set({ content_enc: a.content_enc }).where('id', '=', b.id).execute();
    const swapped = await t.app.inject({ method: 'GET', url: `/api/v1/reports/${ids.report_id}/attachments/${b.id}`, headers: bearer(maintainer.token) });
    assert.equal(swapped.statusCode, 500);
    await t.context.db.updateTable('report_attachments').set({ content_enc: b.content_enc }).where('id', '=', b.id).execute();
  });

  it('writes an audit entry without the name, and tells the team once per burst of reporter files', async () => {
    const audit = await t.context.db.selectFrom('audit_events').selectAll().where('stream', '=', `report:${report.id}`).where('action', '=', 'report.attachment_added').orderBy('seq').execute();
    assert.deepEqual(audit.map((entry) => [entry.actor_type, (entry.data as { contentType: string }).contentType]), [['reporter', 'text/plain'], ['user', 'image/png']]);
    assert.ok(!JSON.stringify(audit).includes('steps'));

    const events = await t.context.db.selectFrom('outbox').select(['topic', 'payload']).where('topic', '=', 'report.reporter_attachment').execute();
    // Two reports with reporter files; the second report's two files came within one window. Team files notify nobody.
    assert.equal(events.length, 2);
    await drainOutbox(t.context, { transport });
    const mails = sink.messages.filter((mail) => mail.parsed.subject?.includes('The reporter added files'));
    assert.equal(mails.length, 2);
    assert.deepEqual(new Set(mails.flatMap((mail) => mail.envelope.to)), new Set([maintainer.email]));
    assert.ok(!mails.some((mail) => mail.raw.includes(MARKER) || mail.raw.includes('poc.html')), 'no file name or content in mail');

    t.clock.advance(16 * 60_000);
    assert.equal((await upload(report.id, { token: report.accessToken, name: 'later.txt', body: TEXT })).statusCode, 201);
    assert.equal((await t.context.db.selectFrom('outbox').select('id').where('topic', '=', 'report.reporter_attachment').execute()).length, 3);
  });

  it('requires the CSRF header when a browser session uploads', async () => {
    const login = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: maintainer.email, password: TEST_PASSWORD } });
    assert.equal(login.statusCode, 200, login.body);
    const cookies = Object.fromEntries(login.cookies.map((cookie) => [cookie.name, cookie.value]));
    const before = await fingerprint(t);
    expectError(await upload(other.id, { cookies, name: 'x.txt', body: TEXT }), 403, 'CSRF_TOKEN_INVALID');
    expectError(await upload(other.id, { cookies, name: 'x.txt', body: TEXT, headers: { 'x-csrf-token': 'wrong' } }), 403, 'CSRF_TOKEN_INVALID');
    assert.equal(await fingerprint(t), before);
    const sent = await upload(other.id, { cookies, name: 'x.txt', body: TEXT, headers: { 'x-csrf-token': cookies.embargo_csrf! } });
    assert.equal(sent.statusCode, 201, sent.body);
  });

  it('refuses, changing nothing: outsiders (404), viewers, wrong types, empty, too big and too many files', async () => {
    const before = await fingerprint(t);
    const refused: [Upload, number, string][] = [
      [{ token: null, body: TEXT }, 401, 'UNAUTHENTICATED'],
      [{ token: other.accessToken, body: TEXT }, 404, 'REPORT_NOT_FOUND'],
      [{ token: outsider, body: TEXT }, 404, 'REPORT_NOT_FOUND'],
      [{ token: viewer, body: TEXT }, 403, 'FORBIDDEN'],
      [{ token: report.accessToken, type: 'image/png', name: 'fake.png', body: HTML }, 415, 'ATTACHMENT_TYPE_MISMATCH'],
      [{ token: report.accessToken, type: 'application/pdf', name: 'fake.pdf', body: PNG }, 415, 'ATTACHMENT_TYPE_MISMATCH'],
      [{ token: report.accessToken, type: 'text/plain', name: 'bin.txt', body: ELF }, 415, 'ATTACHMENT_TYPE_MISMATCH'],
      [{ token: report.accessToken, type: 'application/x-msdownload', name: 'tool.exe', body: ELF }, 415, 'ATTACHMENT_TYPE_NOT_ALLOWED'],
      [{ token: report.accessToken, type: 'image/svg+xml', name: 'logo.svg', body: HTML }, 415, 'ATTACHMENT_TYPE_NOT_ALLOWED'],
      [{ token: report.accessToken, type: 'application/octet-stream', name: 'blob', body: ELF }, 415, 'ATTACHMENT_TYPE_NOT_ALLOWED'],
      [{ token: report.accessToken, name: 'empty.txt', body: Buffer.alloc(0) }, 400, 'VALIDATION_FAILED'],
      [{ token: report.accessToken, name: 'big.txt', body: Buffer.alloc(4097, 'a') }, 413, 'ATTACHMENT_TOO_LARGE'],
      // Without a Content-Length the limit holds while the body streams in.
      [{ token: report.accessToken, name: 'big.txt', body: Readable.from([Buffer.alloc(3000, 'a'), Buffer.alloc(3000, 'b')]) }, 413, 'ATTACHMENT_TOO_LARGE'],
    ];
    for (const [attempt, status, code] of refused) {
      const response = await upload(report.id, attempt);
      expectError(response, status, code);
    }
    assert.equal(await fingerprint(t), before, 'refused uploads changed the database');
    const big = await upload(report.id, { token: report.accessToken, name: 'big.txt', body: Buffer.alloc(4097, 'a') });
    assert.equal(big.json().error.maxBytes, 4096);

    // The report has 3 of its 4 files: one more fits, the next is refused.
    assert.equal((await list(report.id, report.accessToken)).upload.remaining, 1);
    assert.equal((await upload(report.id, { token: report.accessToken, name: 'last.txt', body: TEXT })).statusCode, 201);
    const full = await fingerprint(t);
    expectError(await upload(report.id, { token: maintainer.token, name: 'one-more.txt', body: TEXT }), 409, 'ATTACHMENT_LIMIT_REACHED');
    assert.equal(await fingerprint(t), full);
    assert.deepEqual((await list(report.id, report.accessToken)).upload, { allowed: false, refusedBecause: 'limit', maxBytes: 4096, maxCount: 4, remaining: 0, types: ['text/plain', 'application/pdf', 'image/png', 'image/jpeg', 'application/zip'] });
  });

  it('tells each caller whether they may add files', async () => {
    const fresh = await submit(t, 'alpha');
    assert.equal((await list(fresh.id, fresh.accessToken)).upload.allowed, true);
    assert.equal((await list(fresh.id, maintainer.token)).upload.allowed, true);
    assert.deepEqual((await list(fresh.id, viewer)).upload.refusedBecause, 'role');
    const project = await t.app.inject({ method: 'GET', url: '/api/v1/projects/alpha' });
    assert.deepEqual(project.json().report.attachmentLimits, { maxBytes: 4096, maxCount: 4, types: ['text/plain', 'application/pdf', 'image/png', 'image/jpeg', 'application/zip'] });
  });

  // Last: it adds files and notifications that the counts in the tests above do not expect.
  it('takes a file from the reporter as an answer: a report waiting for information resumes', async () => {
    const waiting = await submit(t, 'alpha');
    const asked = await t.app.inject({ method: 'POST', url: `/api/v1/reports/${waiting.id}/transitions`, headers: bearer(maintainer.token), payload: { to: 'needs_info', reason: 'Please send the proof of concept.' } });
    assert.equal(asked.json().state, 'needs_info', asked.body);
    // A file from the team is no answer.
    assert.equal((await upload(waiting.id, { token: maintainer.token, type: 'text/plain', name: 'question.txt', body: TEXT })).statusCode, 201);
    const still = await t.app.inject({ method: 'GET', url: `/api/v1/reports/${waiting.id}`, headers: bearer(waiting.accessToken) });
    assert.equal(still.json().state, 'needs_info');
    assert.equal((await upload(waiting.id, { token: waiting.accessToken, type: 'text/plain', name: 'poc.txt', body: TEXT })).statusCode, 201);
    const resumed = await t.app.inject({ method: 'GET', url: `/api/v1/reports/${waiting.id}`, headers: bearer(waiting.accessToken) });
    assert.equal(resumed.json().state, 'acknowledged', 'asking the question acknowledged it: it does not go back to new');
    const audit = await t.app.inject({ method: 'GET', url: `/api/v1/reports/${waiting.id}/audit`, headers: bearer(maintainer.token) });
    assert.ok(audit.body.includes('The reporter sent a file.'), audit.body);
  });
});

describe('attachment uploads under a policy that refuses files', () => {
  let t: TestApp;
  const upload = uploader(() => t);

  before(async () => {
    t = await createTestApp({ policyFile: path.join(REPO_ROOT, 'test/fixtures/policy-mail.yaml'), settings: { mailDomain: 'embargo.test', intakeRateLimitPerMinute: 2 } });
  });
  after(() => t.close());

  it('limits uploads per client address (three per allowed report a minute)', async () => {
    const report = await submit(t, 'alpha');
    const statuses: number[] = [];
    for (let i = 0; i < 7; i += 1) statuses.push((await upload(report.id, { token: report.accessToken, name: `f${i}.txt`, body: TEXT, remoteAddress: '192.0.2.44' })).statusCode);
    assert.deepEqual(statuses, [201, 201, 201, 201, 201, 201, 429]);
  });

  it('answers ATTACHMENTS_REFUSED and stores nothing', async () => {
    const report = await submit(t, 'beta');
    const maintainer = (await t.user('maintainer', 'beta')).token;
    const before = await fingerprint(t);
    for (const token of [report.accessToken, maintainer]) expectError(await upload(report.id, { token, name: 'a.txt', body: TEXT }), 403, 'ATTACHMENTS_REFUSED');
    assert.equal(await fingerprint(t), before);
    const listing = await t.app.inject({ method: 'GET', url: `/api/v1/reports/${report.id}/attachments`, headers: bearer(report.accessToken) });
    assert.deepEqual([listing.json().upload.allowed, listing.json().upload.refusedBecause], [false, 'policy']);
  });
});
