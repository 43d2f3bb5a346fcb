import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { simpleParser } from 'mailparser';
import { authResults, bodyText, loopReason, senderAddress, stripQuotedReply } from './inbound.parse.js';

const mail = (headers: string, body = 'Hello') => simpleParser(`${headers}\r\nSubject: s\r\n\r\n${body}\r\n`);

describe('loopReason', () => {
  it('lets mail a person wrote through', async () => {
    assert.equal(loopReason(await mail('From: a@example.net'), 'a@example.net'), null);
    assert.equal(loopReason(await mail('From: a@example.net\r\nAuto-Submitted: no'), 'a@example.net'), null);
  });
  it('recognises bounces, auto-replies and bulk mail', async () => {
    assert.match(loopReason(await mail('From: a@example.net'), '') ?? '', /null sender/);
    assert.match(loopReason(await mail('From: a@example.net\r\nAuto-Submitted: auto-replied'), 'a@example.net') ?? '', /Auto-Submitted/);
    assert.match(loopReason(await mail('From: a@example.net\r\nPrecedence: bulk'), 'a@example.net') ?? '', /Precedence/);
    assert.match(loopReason(await mail('From: a@example.net\r\nX-Autoreply: yes'), 'a@example.net') ?? '', /x-autoreply/);
    assert.match(loopReason(await mail('From: MAILER-DAEMON@mx.example.net'), 'bounce@mx.example.net') ?? '', /mailer-daemon/);
    assert.match(loopReason(await mail('From: a@example.net\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=x', '--x--'), 'a@example.net') ?? '', /multipart\/report/);
  });
});

describe('senderAddress', () => {
  it('prefers Reply-To over From', async () => {
    assert.equal(senderAddress(await mail('From: a@example.net\r\nReply-To: b@example.net')), 'b@example.net');
    assert.equal(senderAddress(await mail('From: A <a@example.net>')), 'a@example.net');
  });
});

describe('authResults', () => {
  it('reads the topmost Authentication-Results header only', async () => {
    const parsed = await mail('From: a@example.net\r\nAuthentication-Results: mx.ours; spf=pass smtp.mailfrom=x; dkim=pass header.d=x; dkim=fail header.d=y; dmarc=none\r\nAuthentication-Results: mx.theirs; spf=fail; dkim=fail; dmarc=fail');
    assert.deepEqual(authResults(parsed), { spf: 'pass', dkim: 'pass', dmarc: 'none' });
    assert.deepEqual(authResults(await mail('From: a@example.net')), { spf: null, dkim: null, dmarc: null });
  });
});

describe('stripQuotedReply', () => {
  it('cuts the trailing quote and its attribution line', () => {
    assert.equal(stripQuotedReply('New info.\n\nOn Mon, 2 Mar 2026, Team wrote:\n> old\n> text\n'), 'New info.');
    assert.equal(stripQuotedReply('Neu.\n\nAm 2. März schrieb Team:\n> alt'), 'Neu.\n\nAm 2. März schrieb Team:');
  });
  it('keeps inline answers and messages that are all quote', () => {
    assert.equal(stripQuotedReply('> question?\nanswer.\n> other?\nanswer 2.'), '> question?\nanswer.\n> other?\nanswer 2.');
    assert.equal(stripQuotedReply('> only a quote'), '> only a quote');
  });
});

describe('bodyText', () => {
  it('reads HTML-only mail as text', async () => {
    const parsed = await simpleParser('From: a@example.net\r\nSubject: s\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Hi &amp; bye</p><script>x()</script><p>two</p>\r\n');
    assert.equal(bodyText(parsed), 'Hi & bye\n\ntwo');
  });
});
