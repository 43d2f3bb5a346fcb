import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { loadProjectKeys } from '../../src/modules/mail/inbound.pgp.js';
import { receiveInboundMail } from '../../src/modules/mail/inbound.service.js';
import { contentDisposition, sanitizeFilename } from '../../src/modules/reports/attachment.service.js';
import { bearer, createTestApp, REPO_ROOT, type TestApp } from '../support/test-app.js';

const DOMAIN = 'embargo.test';
const POLICY = path.join(REPO_ROOT, 'test/fixtures/policy-mail.yaml');

const HTML = Buffer.from('<html><body><script>alert(document.cookie)</script></body></html>');
const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>');
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('not really an image')]);
const TEXT = Buffer.from('Steps: 1. open 2. crash\n');

type Part = { type: string; filenameParam: string; content: Buffer };

/** A multipart message as a mail client sends it, with base64 attachments. */
function mail(subject: string, parts: Part[], messageId: string): Buffer {
  const boundary = 'b0undary-embargo';
  const lines = [
    'From: Reporter <reporter@example.org>',
    `To: alpha@${DOMAIN}`,
    `Subject: ${subject}`,
    `Message-ID: <${messageId}@example.org>`,
    'Date: Mon, 02 Mar 2026 08:00:00 +0000',
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    'The parser crashes on the attached input.',
  ];
  for (const part of parts) {
    lines.push(`--${boundary}`, `Content-Type: ${part.type}`, `Content-Disposition: attachment; ${part.filenameParam}`, 'Content-Transfer-Encoding: base64', '', part.content.toString('base64'));
  }
  lines.push(`--${boundary}--`, '');
  return Buffer.from(lines.join('\r\n'));
}

type Item = { id: string; filename: string; size: number; contentType: string };

describe('report attachments', () => {
  let t: TestApp;
  let maintainer: string;
  let viewer: string;
  let otherMaintainer: string;
  let reportId: string;
  let otherReportId: string;
  let reporterToken: string;
  let otherReporterToken: string;
  let items: Item[];

  async function intake(subject: string, parts: Part[], messageId: string): Promise<string> {
    const outcomes = await receiveInboundMail(t.context, { keys: await loadProjectKeys({}) }, mail(subject, parts, messageId), { from: 'reporter@example.org', to: [`alpha@${DOMAIN}`], remoteAddress: '192.0.2.7' });
    assert.equal(outcomes.length, 1);
    assert.equal(outcomes[0]!.kind, 'report', JSON.stringify(outcomes));
    return (outcomes[0] as { reportId: string }).reportId;
  }

  const get = (url: string, token: string | null) => t.app.inject({ method: 'GET', url, headers: token ? bearer(token) : {} });

  before(async () => {
    t = await createTestApp({ policyFile: POLICY, settings: { mailDomain: DOMAIN } });
    maintainer = (await t.user('maintainer', 'alpha')).token;
    viewer = (await t.user('viewer', 'alpha')).token;
    otherMaintainer = (await t.user('maintainer', 'beta')).token;
    reportId = await intake(
      'Crash in parser',
      [
        { type: 'text/html', filenameParam: 'filename="poc.html"', content: HTML },
        { type: 'image/svg+xml', filenameParam: 'filename="logo.svg"', content: SVG },
        { type: 'image/png', filenameParam: "filename*=UTF-8''capture%20%C3%A9cran.png", content: PNG },
        { type: 'text/plain; charset=utf-8', filenameParam: "filename*=UTF-8''..%2F..%2Fetc%2Fevil%22%0D%0AX-Injected%3A%201.txt", content: TEXT },
      ],
      'first',
    );
    otherReportId = await intake('Another', [{ type: 'application/pdf', filenameParam: 'filename="other.pdf"', content: Buffer.from('%PDF-1.4 other') }], 'second');
    // Mail reports have no token yet: the team issues one, as for a reporter who lost theirs.
    const issue = async (id: string) => (await t.app.inject({ method: 'POST', url: `/api/v1/reports/${id}/access-token`, headers: bearer(maintainer) })).json().accessToken as string;
    reporterToken = await issue(reportId);
    otherReporterToken = await issue(otherReportId);
    const list = await get(`/api/v1/reports/${reportId}/attachments`, maintainer);
    assert.equal(list.statusCode, 200, list.body);
    // Attachments of one message share their time; their order is by id, so tests look them up by name.
    const byName = new Map((list.json().items as Item[]).map((item) => [item.filename, item]));
    items = ['poc.html', 'logo.svg', 'capture écran.png', 'evil___X-Injected_ 1.txt'].map((name) => byName.get(name)!);
    assert.equal(byName.size, 4, list.body);
  });
  after(() => t.close());

  it('lists metadata only, with allow-listed types and sanitized names', () => {
    assert.deepEqual(
      items.filter(Boolean).map(({ filename, size, contentType }) => ({ filename, size, contentType })),
      [
        { filename: 'poc.html', size: HTML.length, contentType: 'application/octet-stream' },
        { filename: 'logo.svg', size: SVG.length, contentType: 'application/octet-stream' },
        { filename: 'capture écran.png', size: PNG.length, contentType: 'image/png' },
        { filename: 'evil___X-Injected_ 1.txt', size: TEXT.length, contentType: 'text/plain' },
      ],
    );
    for (const item of items) assert.equal(Object.keys(item).sort().join(), 'contentType,createdAt,filename,id,size');
  });

  it('keeps names and contents encrypted at rest', async () => {
    const { rows } = await sql<{ filename_enc: string; content_enc: string }>`select filename_enc, content_enc from report_attachments`.execute(t.context.db);
    assert.equal(rows.length, 5);
    for (const row of rows) {
      assert.ok(!row.filename_enc.includes('poc') && !row.content_enc.includes('script'));
      assert.ok(!Buffer.from(row.content_enc).includes(HTML) && !row.content_enc.includes(HTML.toString('base64')));
    }
  });

  it('serves an HTML file only as an inert download', async () => {
    const response = await get(`/api/v1/reports/${reportId}/attachments/${items[0]!.id}`, maintainer);
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.headers['content-type'], 'application/octet-stream');
    assert.equal(response.headers['content-disposition'], `attachment; filename="poc.html"; filename*=UTF-8''poc.html`);
    assert.equal(response.headers['x-content-type-options'], 'nosniff');
    assert.equal(response.headers['content-security-policy'], "default-src 'none'; sandbox; frame-ancestors 'none'");
    assert.equal(response.headers['cache-control'], 'private, no-store');
    assert.deepEqual(response.rawPayload, HTML);
  });

  it('serves allow-listed types as such, with UTF-8 names encoded', async () => {
    const png = await get(`/api/v1/reports/${reportId}/attachments/${items[2]!.id}`, maintainer);
    assert.equal(png.headers['content-type'], 'image/png');
    assert.equal(png.headers['content-disposition'], `attachment; filename="capture _cran.png"; filename*=UTF-8''capture%20%C3%A9cran.png`);
    assert.deepEqual(png.rawPayload, PNG);
    const text = await get(`/api/v1/reports/${reportId}/attachments/${items[3]!.id}`, maintainer);
    assert.equal(text.headers['content-type'], 'text/plain');
    assert.equal(text.headers['x-injected'], undefined);
    assert.match(String(text.headers['content-disposition']), /^attachment; filename="evil___X-Injected_ 1\.txt"; filename\*=UTF-8''evil___X-Injected_%201\.txt$/);
    const svg = await get(`/api/v1/reports/${reportId}/attachments/${items[1]!.id}`, viewer);
    assert.equal(svg.headers['content-type'], 'application/octet-stream');
    assert.deepEqual(svg.rawPayload, SVG);
  });

  it("lets the report's reporter list and download", async () => {
    const list = await get(`/api/v1/reports/${reportId}/attachments`, reporterToken);
    assert.equal(list.statusCode, 200, list.body);
    assert.deepEqual(new Set(list.json().items), new Set(items));
    const file = await get(`/api/v1/reports/${reportId}/attachments/${items[0]!.id}`, reporterToken);
    assert.equal(file.statusCode, 200);
    assert.deepEqual(file.rawPayload, HTML);
  });

  it('answers 404 to everyone else, and for attachments of another report', async () => {
    const url = `/api/v1/reports/${reportId}/attachments/${items[0]!.id}`;
    for (const token of [otherReporterToken, otherMaintainer]) {
      for (const target of [url, `/api/v1/reports/${reportId}/attachments`]) {
        const response = await get(target, token);
        assert.equal(response.statusCode, 404, target);
        assert.equal(response.json().error.code, 'REPORT_NOT_FOUND');
      }
    }
    assert.equal((await get(url, null)).statusCode, 401);
    // Another report's attachment through a report the caller can read: not found, never served.
    const otherItems: Item[] = (await get(`/api/v1/reports/${otherReportId}/attachments`, maintainer)).json().items;
    assert.equal(otherItems.length, 1);
    const crossed = await get(`/api/v1/reports/${reportId}/attachments/${otherItems[0]!.id}`, reporterToken);
    assert.equal(crossed.statusCode, 404);
    assert.equal(crossed.json().error.code, 'NOT_FOUND');
    const crossedTeam = await get(`/api/v1/reports/${reportId}/attachments/${otherItems[0]!.id}`, maintainer);
    assert.equal(crossedTeam.statusCode, 404);
    assert.equal((await get(`/api/v1/reports/${reportId}/attachments/not-a-uuid`, maintainer)).statusCode, 404);
  });

  it('sanitizes file names for headers and disks', () => {
    assert.equal(sanitizeFilename('..\\..\\windows\\system32.dll'), 'system32.dll');
    assert.equal(sanitizeFilename('...'), 'attachment');
    assert.equal(sanitizeFilename('a\u202egnp.exe'), 'a_gnp.exe');
    assert.equal(sanitizeFilename('x'.repeat(400)).length, 150);
    assert.equal(contentDisposition("it's (1).txt"), `attachment; filename="it_s (1).txt"; filename*=UTF-8''it_s%20%281%29.txt`);
    assert.doesNotMatch(contentDisposition('a"\r\nSet-Cookie: x=1'), /[\r\n"]Set|\r|\n/);
  });
});
