import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkAttachmentType, isText, sniffType } from './attachment.sniff.js';

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00]);
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]);
const PDF = Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1');
const ZIP = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00]);
const EMPTY_ZIP = Buffer.from([0x50, 0x4b, 0x05, 0x06, ...new Array(18).fill(0)]);
const TEXT = Buffer.from('curl -X POST https://example.org/api --data "a=b"\n\tcolour: \x1b[31mred\x1b[0m\r\n');
const HTML = Buffer.from('<!doctype html><script>alert(1)</script>');
const BINARY = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00]);

describe('attachment types', () => {
  it('recognises the allow-listed types by their first bytes', () => {
    assert.equal(sniffType(PNG), 'image/png');
    assert.equal(sniffType(JPEG), 'image/jpeg');
    assert.equal(sniffType(PDF), 'application/pdf');
    assert.equal(sniffType(Buffer.concat([Buffer.from('junk before the header\n'), PDF])), 'application/pdf');
    assert.equal(sniffType(ZIP), 'application/zip');
    assert.equal(sniffType(EMPTY_ZIP), 'application/zip');
    assert.equal(sniffType(TEXT), 'text/plain');
    assert.equal(sniffType(BINARY), null);
    assert.equal(sniffType(Buffer.alloc(0)), 'text/plain');
  });

  it('takes text as UTF-8 without control characters', () => {
    assert.equal(isText(Buffer.from('grüße, 日本語\n')), true);
    assert.equal(isText(Buffer.from([0x61, 0x00, 0x62])), false);
    assert.equal(isText(Buffer.from([0x61, 0xff, 0x62])), false);
    assert.equal(isText(Buffer.from('a\u0007b')), false);
  });

  it('keeps a claim only when the bytes agree', () => {
    assert.deepEqual(checkAttachmentType('image/png', PNG), { ok: true, type: 'image/png' });
    assert.deepEqual(checkAttachmentType('IMAGE/JPEG; q=1', JPEG), { ok: true, type: 'image/jpeg' });
    assert.deepEqual(checkAttachmentType('application/pdf', PDF), { ok: true, type: 'application/pdf' });
    assert.deepEqual(checkAttachmentType('application/zip', ZIP), { ok: true, type: 'application/zip' });
    for (const [claim, content] of [['image/png', HTML], ['image/jpeg', PNG], ['application/pdf', ZIP], ['application/zip', TEXT], ['text/plain', PNG], ['text/plain', BINARY]] as const) {
      const result = checkAttachmentType(claim, content);
      assert.equal(result.ok, false, claim);
      assert.equal(!result.ok && result.code, 'ATTACHMENT_TYPE_MISMATCH', claim);
    }
  });

  it('stores every text claim as text/plain, so pages and scripts download inert', () => {
    for (const claim of ['text/plain; charset=utf-8', 'text/html', 'text/x-python', 'application/json', 'application/x-sh']) {
      assert.deepEqual(checkAttachmentType(claim, claim === 'text/html' ? HTML : TEXT), { ok: true, type: 'text/plain' }, claim);
    }
  });

  it('lets the bytes decide when the sender does not know, and refuses everything else', () => {
    assert.deepEqual(checkAttachmentType(undefined, PNG), { ok: true, type: 'image/png' });
    assert.deepEqual(checkAttachmentType('application/octet-stream', TEXT), { ok: true, type: 'text/plain' });
    const unknown = checkAttachmentType('application/octet-stream', BINARY);
    assert.equal(!unknown.ok && unknown.code, 'ATTACHMENT_TYPE_NOT_ALLOWED');
    for (const claim of ['image/svg+xml', 'application/x-msdownload', 'application/gzip', 'video/mp4', 'constructor', '__proto__', 'toString']) {
      const result = checkAttachmentType(claim, TEXT);
      assert.equal(!result.ok && result.code, 'ATTACHMENT_TYPE_NOT_ALLOWED', claim);
    }
  });
});
