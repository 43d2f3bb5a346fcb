import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { openDatabase } from '../../src/platform/db/database.js';
import { MailSink } from '../support/mail-sink.js';
import { Cleanup, faultSkip, sleep, waitFor } from './support/harness.js';
import { addAdmin, startEmbargo, type EmbargoServer } from './support/embargo-process.js';
import { http, reportBody } from './support/reports.js';

/**
 * The mail relay is down while reports arrive, and stays down across a restart of the server: the
 * outbox keeps every notification; when the relay returns, each is delivered exactly once (one
 * message per outbox row, its Message-ID the row's id, no duplicates), with nothing given up.
 * Slow: the first retry comes 30–36 s after a failed attempt (the worker's backoff), so a run takes
 * one to two minutes. CI skips it (scripts/faults/run.mjs --fast).
 */
const REPORTS = 15;
const MAIL_DOMAIN = 'embargo.test';

async function outboxGauges(server: EmbargoServer): Promise<Record<string, { backlog: number; failing: number }>> {
  const answer = await fetch(`${server.url}/metrics`, { signal: AbortSignal.timeout(10_000) });
  const text = await answer.text();
  const gauges: Record<string, { backlog: number; failing: number }> = {};
  for (const match of text.matchAll(/^embargo_outbox_(backlog|failing)\{topic="([^"]+)"\} (\d+)$/gm)) {
    const entry = (gauges[match[2]!] ??= { backlog: 0, failing: 0 });
    entry[match[1] as 'backlog' | 'failing'] = Number(match[3]);
  }
  return gauges;
}

describe('mail relay outage', { skip: faultSkip }, () => {
  const cleanup = new Cleanup();
  after(() => cleanup.run());

  it('keeps every notification through the outage and a restart, then delivers each exactly once', { timeout: 420_000 }, async () => {
    // The relay's port is reserved but nothing listens: connections are refused, as with a relay that is down.
    const relay = await MailSink.create({ start: false });
    cleanup.add('stop the relay', () => relay.stop());
    const env = { EMBARGO_DATA_DIR: cleanup.tempDir('smtp'), EMBARGO_SMTP_URL: relay.url, EMBARGO_OUTBOX_INTERVAL_MS: '500', EMBARGO_MAIL_DOMAIN: MAIL_DOMAIN };
    await addAdmin(env);
    let server = await startEmbargo(env, cleanup);
    for (let n = 0; n < REPORTS; n += 1) {
      const answer = await http(`${server.url}/api/v1/projects/alpha/reports`, { method: 'POST', body: { ...reportBody('smtp', 0, n), contactEmail: `reporter-${n}@example.org` } });
      assert.equal(answer.status, 201, JSON.stringify(answer.json));
    }
    // Every team notice tried once and failed: the relay is really down for the worker.
    await waitFor('every mail to fail once', async () => {
      const mail = (await outboxGauges(server))['mail.send'];
      return mail !== undefined && mail.backlog >= REPORTS && mail.failing === mail.backlog;
    }, 60_000, 500);
    assert.match(server.output(), /notification will be retried/);

    // A restart while the relay is still down: the backlog lives in the database, not in the process.
    assert.equal((await server.stop()).code, 0, server.output());
    server = await startEmbargo(env, cleanup);
    await sleep(3000);
    assert.equal(relay.messages.length, 0);
    await relay.start();

    const started = Date.now();
    await waitFor('the outbox to drain', async () => {
      const gauges = await outboxGauges(server);
      return Object.values(gauges).every((gauge) => gauge.backlog === 0) && relay.messages.length > 0;
    }, 240_000, 1000);
    console.log(`# relay back: ${relay.messages.length} messages delivered within ${Math.round((Date.now() - started) / 1000)} s`);
    // Time for a duplicate to show up, if any were coming.
    await sleep(3000);
    assert.equal((await server.stop()).code, 0, server.output());

    const database = await openDatabase({ kind: 'pglite', dataDir: env.EMBARGO_DATA_DIR, purpose: 'smtp outage test' });
    try {
      const rows = await database.db.selectFrom('outbox').select(['id', 'delivered_at', 'failed_at', 'attempts', 'last_error']).where('topic', '=', 'mail.send').execute();
      assert.ok(rows.length >= REPORTS, `a team notice per report (${rows.length} mail rows)`);
      assert.deepEqual(rows.filter((row) => row.delivered_at === null || row.failed_at !== null), [], 'every notification delivered, none given up');
      assert.ok(rows.every((row) => row.attempts >= 2), 'each was tried during the outage and delivered later');
      const expected = rows.map((row) => `<${row.id}@${MAIL_DOMAIN}>`).sort();
      const received = relay.messages.map((message) => message.messageId).sort();
      assert.deepEqual(received, expected, 'one message per notification: none lost, none sent twice');
    } finally {
      await database.close();
    }
  });
});
