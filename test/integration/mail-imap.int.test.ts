import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { dovecotAvailable, rawMail } from '../support/dovecot.js';
import { gpgAvailable } from '../support/gpg.js';
import { createImapHarness, DOMAIN, MAX_BYTES, type ImapHarness } from '../support/imap-harness.js';

/**
 * Email intake from an existing mailbox: a real Dovecot, started by the test, filled by IMAP APPEND,
 * polled by Embargo's poller. Concurrency, crashes and the start path: mail-imap-pollers.int.test.ts.
 */
const NO_DOVECOT = dovecotAvailable();
const NO_GPG = gpgAvailable();

describe('email intake from an IMAP mailbox', { skip: NO_DOVECOT ?? false }, () => {
  let h: ImapHarness;
  before(async () => {
    h = await createImapHarness();
  });
  after(() => h?.close());
  beforeEach(() => h.reset());

  async function newReports(before: string[]): Promise<string[]> {
    const known = new Set(before);
    return (await h.reportIds()).filter((id) => !known.has(id));
  }

  it('turns a message in the mailbox into a report, acknowledges it, and marks it read once stored', async () => {
    const { name, setting } = await h.folder();
    const from = h.sender();
    await h.append(name, rawMail({ from: `Reporter <${from}>`, to: 'security@alpha.example', subject: 'SSRF in the image proxy', text: 'GET /proxy?url=http://169.254.169.254/ returns cloud metadata.' }));
    const before = await h.reportIds();
    const result = await h.poll(setting);
    assert.deepEqual(result, { project: 'alpha', busy: false, imported: 1, duplicates: 0, dropped: 0, skipped: 0, failed: 0 });
    const [id] = await newReports(before);
    assert.ok(id, 'a report');
    const team = await h.view(id);
    assert.equal(team.source, 'email');
    assert.equal(team.title, 'SSRF in the image proxy');
    assert.equal(team.description, 'GET /proxy?url=http://169.254.169.254/ returns cloud metadata.');
    assert.equal(team.contactEmail, from);

    await h.deliver();
    const [receipt] = h.sink.to(from);
    assert.ok(receipt, 'the reporter gets an acknowledgement');
    assert.match(receipt.parsed.subject ?? '', /We received your report/);
    assert.deepEqual(await h.seen(name), [true], 'flagged \\Seen after it was stored');
    const cursor = await h.cursor(setting);
    assert.equal(cursor?.last_uid, 1);
    assert.ok(cursor?.uid_validity, 'the mailbox UIDVALIDITY is kept with the cursor');
    assert.equal(cursor?.lease_owner, null, 'the lease is released after the poll');
    const logged = JSON.stringify(h.logs);
    for (const secret of [h.server.password, from, 'SSRF', 'metadata']) assert.ok(!logged.includes(secret), `logs hold ${secret}`);
  });

  it('threads a reply sent to the report\u2019s reply address into that report', async () => {
    const { name, setting } = await h.folder();
    const from = h.sender();
    await h.append(name, rawMail({ from, to: `alpha@${DOMAIN}`, subject: 'Open redirect', text: 'The next= parameter is not checked.' }));
    const before = await h.reportIds();
    await h.poll(setting);
    const [id] = await newReports(before);
    await h.deliver();
    const replyAddress = h.sink.to(from)[0]!.parsed.from!.value[0]!.address!;
    assert.match(replyAddress, new RegExp(`^alpha\\+r-[a-z2-7]{24}@${DOMAIN}$`));

    const reply = rawMail({ from, to: replyAddress, subject: 'Re: Open redirect', text: 'It also accepts //evil.example.\n\nOn Mon, 2 Mar 2026, Alpha wrote:\n> We received your report' });
    await h.append(name, reply);
    const result = await h.poll(setting);
    assert.equal(result.imported, 1);
    assert.deepEqual(await newReports([...before, id!]), [], 'no new report');
    assert.deepEqual((await h.view(id!)).messages.map((m) => [m.author, m.body]), [['reporter', 'It also accepts //evil.example.']]);

    // Delivered-To names the reply address when To does not (a Bcc, a forwarding alias).
    await h.append(name, rawMail({ from, to: 'someone@else.example', subject: 'more', text: 'Second reply.', headers: { 'Delivered-To': replyAddress } }));
    await h.poll(setting);
    assert.equal((await h.view(id!)).messages.length, 2);
  });

  it('decrypts a message encrypted to the project key by gpg', { skip: NO_GPG ?? false }, async () => {
    const { name, setting } = await h.folder();
    const armored = h.alphaKey!.encrypt('Heap overflow in the PNG decoder.\nTrigger: a 70000-pixel-wide image.');
    await h.append(name, rawMail({ from: h.sender(), to: `alpha@${DOMAIN}`, subject: 'Encrypted', text: armored.trim() }));
    const before = await h.reportIds();
    assert.equal((await h.poll(setting)).imported, 1);
    const [id] = await newReports(before);
    const team = await h.view(id!);
    assert.equal(team.description.trim(), 'Heap overflow in the PNG decoder.\nTrigger: a 70000-pixel-wide image.');
    assert.ok(!team.description.includes('BEGIN PGP MESSAGE'));
  });

  it('imports nothing twice; after the first poll the cursor decides, not the \\Seen flag', async () => {
    const { name, setting } = await h.folder();
    // Before Embargo first looked, someone read this one: the first poll takes the unread ones only.
    await h.append(name, rawMail({ from: h.sender(), to: `alpha@${DOMAIN}`, subject: 'Old, already read', text: 'history' }), ['\\Seen']);
    await h.append(name, rawMail({ from: h.sender(), to: `alpha@${DOMAIN}`, subject: 'Unread', text: 'new' }));
    const before = await h.reportIds();
    assert.equal((await h.poll(setting)).imported, 1);
    assert.equal((await h.poll(setting)).imported, 0, 'a second poll finds nothing new');
    assert.equal((await newReports(before)).length, 1);

    // A message read in a mail client before Embargo polled is still imported: flags are not the record.
    await h.append(name, rawMail({ from: h.sender(), to: `alpha@${DOMAIN}`, subject: 'Read by a human first', text: 'still a report' }), ['\\Seen']);
    assert.equal((await h.poll(setting)).imported, 1);
    assert.equal((await h.poll(setting)).imported, 0);
    const titles = await Promise.all((await newReports(before)).map(async (id) => (await h.view(id)).title));
    assert.deepEqual(titles.sort(), ['Read by a human first', 'Unread']);
    assert.equal((await h.cursor(setting))?.last_uid, 3);
  });

  it('skips a message over EMBARGO_MAIL_MAX_BYTES without downloading it, and goes on with the next', async () => {
    const { name, setting } = await h.folder();
    await h.append(name, rawMail({ from: h.sender(), to: `alpha@${DOMAIN}`, subject: 'Huge', text: 'x'.repeat(MAX_BYTES + 5_000) }));
    await h.append(name, rawMail({ from: h.sender(), to: `alpha@${DOMAIN}`, subject: 'Small', text: 'fits' }));
    const before = await h.reportIds();
    const result = await h.poll(setting);
    assert.equal(result.skipped, 1);
    assert.equal(result.imported, 1);
    const titles = await Promise.all((await newReports(before)).map(async (id) => (await h.view(id)).title));
    assert.deepEqual(titles, ['Small']);
    const warning = h.logs.find((entry) => /over EMBARGO_MAIL_MAX_BYTES/.test(entry.message));
    assert.ok(warning, 'the skip is logged');
    assert.equal(warning.data.uid, 1);
    assert.ok(Number(warning.data.bytes) > MAX_BYTES, 'decided on the size the server announced');
    assert.deepEqual(await h.seen(name), [false, true], 'the skipped one stays unread for a human to see');
    assert.equal((await h.cursor(setting))?.last_uid, 2, 'and the cursor moves past it');
  });

  it('records machine mail (bounces, auto-replies) without answering it', async () => {
    const { name, setting } = await h.folder();
    await h.append(name, rawMail({ from: 'MAILER-DAEMON@mx.example.net', to: `alpha@${DOMAIN}`, subject: 'Undelivered Mail', text: 'bounce', headers: { 'Return-Path': '<>' } }));
    await h.append(name, rawMail({ from: h.sender(), to: `alpha@${DOMAIN}`, subject: 'Out of office', text: 'away', headers: { 'Auto-Submitted': 'auto-replied' } }));
    const before = await h.reportIds();
    const result = await h.poll(setting);
    assert.equal(result.dropped, 2);
    assert.deepEqual(await newReports(before), []);
    await h.deliver();
    assert.equal(h.sink.messages.length, 0);
  });
});
