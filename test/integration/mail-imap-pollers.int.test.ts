import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { sql } from 'kysely';
import { StartupError } from '../../src/bootstrap.js';
import { loadConfig } from '../../src/config/config.js';
import { startServer } from '../../src/main.js';
import { claimImapMailbox } from '../../src/modules/mail/imap-cursor.repository.js';
import { startImapIntake } from '../../src/modules/mail/imap.intake.js';
import { mailboxRef, MAX_IMPORT_ATTEMPTS, type ImapPollResult } from '../../src/modules/mail/imap.poller.js';
import { receiveInboundMail } from '../../src/modules/mail/inbound.service.js';
import { openDatabase } from '../../src/platform/db/database.js';
import { dovecotAvailable, rawMail } from '../support/dovecot.js';
import { createImapHarness, DOMAIN, type ImapHarness } from '../support/imap-harness.js';
import { REPO_ROOT } from '../support/test-app.js';

/**
 * The IMAP poller under failure: a crash between storing a message and recording it, a renumbered
 * mailbox, several workers on one database, a lost lease, a server that refuses us, and the start
 * path of the worker role. Against a real Dovecot, like mail-imap.int.test.ts.
 */
const NO_DOVECOT = dovecotAvailable();
const LEASE_MS = 5 * 60_000;

describe('IMAP polling: crashes, concurrency and start-up', { skip: NO_DOVECOT ?? false }, () => {
  let h: ImapHarness;
  before(async () => {
    h = await createImapHarness();
  });
  after(() => h?.close());
  beforeEach(() => h.reset());

  const mail = (subject: string, extra: { to?: string; from?: string } = {}) => rawMail({ from: extra.from ?? h.sender(), to: extra.to ?? `alpha@${DOMAIN}`, subject, text: `About ${subject}.` });
  const titles = async (before: string[]) => {
    const known = new Set(before);
    const fresh = (await h.reportIds()).filter((id) => !known.has(id));
    return (await Promise.all(fresh.map(async (id) => (await h.view(id)).title))).sort();
  };
  /** Intake that stores the message and then "crashes" before the poller can record it. */
  const crashAfterStore: typeof receiveInboundMail = async (...args) => {
    await receiveInboundMail(...args);
    throw new Error('simulated crash after the message was stored');
  };

  it('a crash between storing a report and advancing the cursor does not import it twice', async () => {
    const { name, setting } = await h.folder();
    await h.append(name, mail('Crash test'));
    const before = await h.reportIds();
    const crashed = await h.poll(setting, { receive: crashAfterStore });
    assert.equal(crashed.failed, 1);
    assert.deepEqual(await titles(before), ['Crash test'], 'the report was stored');
    assert.deepEqual(await h.seen(name), [false], 'but the message is not marked');
    assert.equal((await h.cursor(setting))?.uid_validity, null, 'nor the cursor moved');

    const retried = await h.poll(setting);
    assert.equal(retried.imported, 0);
    assert.equal(retried.duplicates, 1, 'intake knows the Message-ID');
    assert.deepEqual(await titles(before), ['Crash test'], 'still one report');
    const receipts = await h.t.context.db.selectFrom('outbox').select('id').where('topic', '=', 'report.receipt').where('dedupe_key', 'like', 'report.receipt:alpha:%').execute();
    assert.equal(new Set(receipts.map((row) => row.id)).size, receipts.length);
    assert.deepEqual(await h.seen(name), [true]);
    assert.equal((await h.cursor(setting))?.last_uid, 1);
  });

  it('a crash after storing a reply does not post it twice', async () => {
    const { name, setting } = await h.folder();
    const from = h.sender();
    await h.append(name, mail('Reply crash', { from }));
    const before = await h.reportIds();
    await h.poll(setting);
    const [id] = (await h.reportIds()).filter((report) => !before.includes(report));
    await h.deliver();
    const replyAddress = h.sink.to(from)[0]!.parsed.from!.value[0]!.address!;
    await h.append(name, mail('Re: Reply crash', { from, to: replyAddress }));
    assert.equal((await h.poll(setting, { receive: crashAfterStore })).failed, 1);
    assert.equal((await h.poll(setting)).duplicates, 1);
    assert.deepEqual((await h.view(id!)).messages.map((m) => m.body), ['About Re: Reply crash.']);

    // A failure inside intake, between posting the reply and recording the mail, leaves neither.
    await h.append(name, mail('Re: again', { from, to: replyAddress }));
    const db = h.t.context.db;
    await sql`alter table inbound_mail add constraint test_no_reply_record check (outcome <> 'reply') not valid`.execute(db);
    try {
      assert.equal((await h.poll(setting)).failed, 1);
    } finally {
      await sql`alter table inbound_mail drop constraint test_no_reply_record`.execute(db);
    }
    assert.equal((await h.view(id!)).messages.length, 1, 'no half-stored reply');
    assert.equal((await h.poll(setting)).imported, 1);
    assert.deepEqual((await h.view(id!)).messages.map((m) => m.body), ['About Re: Reply crash.', 'About Re: again.']);
  });

  it('passes over a message intake keeps failing on, after a few polls', async () => {
    const { name, setting } = await h.folder();
    await h.append(name, mail('Poison'));
    await h.append(name, mail('After the poison'));
    const before = await h.reportIds();
    const broken: typeof receiveInboundMail = async () => {
      throw new Error('intake cannot read this message');
    };
    for (let attempt = 1; attempt < MAX_IMPORT_ATTEMPTS; attempt += 1) assert.equal((await h.poll(setting, { receive: broken })).failed, 1);
    assert.deepEqual(await titles(before), [], 'the mailbox waits for the failing message meanwhile');
    const last = await h.poll(setting, { receive: async (context, deps, raw, envelope) => (raw.includes('Subject: Poison') ? broken(context, deps, raw, envelope) : receiveInboundMail(context, deps, raw, envelope)) });
    assert.equal(last.failed, 1);
    assert.equal(last.imported, 1, 'then it is passed over and the rest is imported');
    assert.deepEqual(await titles(before), ['After the poison']);
    assert.ok(h.logs.some((entry) => entry.level === 'error' && /passed over/.test(entry.message)));
    assert.deepEqual(await h.seen(name), [false, true]);
  });

  it('a changed UIDVALIDITY rescans the mailbox, and Message-ID dedup keeps it from importing twice', async () => {
    const { name, setting } = await h.folder();
    await h.append(name, mail('Before renumbering 1'));
    await h.append(name, mail('Before renumbering 2'));
    const before = await h.reportIds();
    assert.equal((await h.poll(setting)).imported, 2);
    const real = (await h.cursor(setting))!.uid_validity!;
    // What a server restored from backup or rebuilt looks like to a client: other UIDVALIDITY, UIDs from 1.
    await h.t.context.db.updateTable('imap_cursors').set({ uid_validity: real + 1, last_uid: 99 }).where('mailbox_key', '=', mailboxRef('alpha', setting).key).execute();
    await h.append(name, mail('After renumbering'));
    const rescan = await h.poll(setting);
    assert.deepEqual([rescan.imported, rescan.duplicates], [1, 2]);
    assert.deepEqual(await titles(before), ['After renumbering', 'Before renumbering 1', 'Before renumbering 2']);
    assert.deepEqual(await h.cursor(setting).then((c) => [c?.uid_validity, c?.last_uid]), [real, 3]);
  });

  it('two workers polling one mailbox at once import each message exactly once', async () => {
    const { name, setting } = await h.folder();
    const before = await h.reportIds();
    const expected: string[] = [];
    for (let round = 0; round < 4; round += 1) {
      for (let i = 0; i < 3; i += 1) {
        expected.push(`Concurrent ${round}.${i}`);
        await h.append(name, mail(`Concurrent ${round}.${i}`));
      }
      const results = await Promise.all([h.poll(setting, { owner: 'worker-a' }), h.poll(setting, { owner: 'worker-b' }), h.poll(setting, { owner: 'worker-c' })]);
      assert.equal(results.reduce((sum, result) => sum + result.imported, 0), 3, `round ${round}`);
      assert.equal(results.filter((result) => result.busy).length, 2, 'one worker holds the mailbox, the others see it busy');
    }
    assert.deepEqual(await titles(before), expected.sort());
  });

  it('a worker that crashed holding the mailbox is taken over once its lease expires', async () => {
    const { name, setting } = await h.folder();
    await h.append(name, mail('Held by a dead worker'));
    await claimImapMailbox(h.t.context.db, mailboxRef('alpha', setting), 'dead-worker', h.t.clock.now(), LEASE_MS);
    assert.equal((await h.poll(setting)).busy, true);
    h.t.clock.advance(LEASE_MS + 1000);
    assert.equal((await h.poll(setting)).imported, 1);
  });

  it('a worker whose lease expired mid-poll stops, and the one that took over imports nothing twice', async () => {
    const { name, setting } = await h.folder();
    await h.append(name, mail('Slow 1'));
    await h.append(name, mail('Slow 2'));
    const before = await h.reportIds();
    const worker: { b: ImapPollResult | null } = { b: null };
    const stalls: typeof receiveInboundMail = async (...args) => {
      const outcomes = await receiveInboundMail(...args);
      if (!worker.b) {
        // Worker A stalls after storing its first message; its lease runs out; worker B polls.
        h.t.clock.advance(LEASE_MS + 1000);
        worker.b = await h.poll(setting, { owner: 'worker-b' });
      }
      return outcomes;
    };
    await assert.rejects(h.poll(setting, { owner: 'worker-a', receive: stalls }), /lease/);
    assert.deepEqual(worker.b && [worker.b.imported, worker.b.duplicates], [1, 1]);
    assert.deepEqual(await titles(before), ['Slow 1', 'Slow 2']);
    assert.equal((await h.poll(setting)).imported, 0);
  });

  it('start and stop: polls every interval, logs IMAP errors without the password, and keeps going', async () => {
    const { name, setting } = await h.folder();
    await h.append(name, mail('Found by the timer'));
    const wrong = { ...setting, password: 'not-the-Password-9', label: `${setting.label} (wrong password)` };
    const config = Object.freeze({ ...h.t.context.config, imapPollSeconds: 1, imapMailboxes: { alpha: setting, beta: wrong } });
    const before = await h.reportIds();
    const intake = await startImapIntake({ ...h.t.context, config }, h.logger, { keys: h.keys });
    try {
      const deadline = Date.now() + 15_000;
      while (!(await h.seen(name))[0] && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      while (!h.logs.some((entry) => entry.level === 'error') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      await intake.stop();
    }
    assert.deepEqual(await titles(before), ['Found by the timer']);
    const failure = h.logs.find((entry) => entry.level === 'error');
    assert.ok(failure, 'the failing mailbox is logged');
    assert.equal(failure.data.project, 'beta');
    assert.equal((failure.data.error as { authenticationFailed?: boolean }).authenticationFailed, true);
    const logged = JSON.stringify(h.logs);
    for (const secret of [wrong.password, setting.password, h.server.password]) assert.ok(!logged.includes(secret), 'no password in the logs');
    assert.equal((await h.t.context.db.selectFrom('imap_cursors').select('lease_owner').where('project_slug', '=', 'beta').executeTakeFirst())?.lease_owner, null, 'a failed poll releases its lease');

    const unknown = Object.freeze({ ...config, imapMailboxes: { gamma: setting } });
    await assert.rejects(startImapIntake({ ...h.t.context, config: unknown }, h.logger, { keys: h.keys }), /EMBARGO_IMAP_MAILBOXES names a project the policy does not have: gamma\. The policy's projects are: alpha, beta/);
  });

  it('the worker role of `embargo serve` polls the configured mailbox', async () => {
    const { name } = await h.folder();
    await h.append(name, mail('Through the server'));
    const dataDir = mkdtempSync(path.join(tmpdir(), 'embargo-imap-serve-'));
    const settings = { dataDir, policyFile: path.join(REPO_ROOT, 'test/fixtures/policy-mail.yaml'), logLevel: 'silent', roles: 'worker', mailDomain: DOMAIN, imapPollSeconds: 1, outboxIntervalMs: 60_000 };
    try {
      const server = await startServer(loadConfig({}, { ...settings, imapMailboxes: `alpha=${h.server.url(name)}` }));
      try {
        const deadline = Date.now() + 15_000;
        while (!(await h.seen(name))[0] && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      } finally {
        await server.stop();
      }
      assert.deepEqual(await h.seen(name), [true], 'imported and marked');
      const database = await openDatabase({ kind: 'pglite', dataDir, purpose: 'test' });
      try {
        const reports = await database.db.selectFrom('reports').select(['project_slug', 'source']).execute();
        assert.deepEqual(reports, [{ project_slug: 'alpha', source: 'email' }]);
      } finally {
        await database.close();
      }
      // A mailbox for a project the policy does not have stops start-up, and releases the data directory.
      await assert.rejects(startServer(loadConfig({}, { ...settings, imapMailboxes: `gamma=${h.server.url(name)}` })), (error: unknown) => error instanceof StartupError && /IMAP intake cannot start: .*gamma/.test(error.message));
      await (await openDatabase({ kind: 'pglite', dataDir, purpose: 'test' })).close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
