import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { Cleanup, faultSkip, waitFor } from './support/harness.js';
import { addAdmin, loginAdmin, startEmbargo, verifyAudit } from './support/embargo-process.js';
import { ownPostgresUnavailable, startOwnPostgres } from './support/own-postgres.js';
import { startClients, summarize, verifyReports } from './support/reports.js';

/**
 * kill -9 of `embargo serve` while 100 reporters submit at once. After a restart on the same data:
 * every report that got a 201 is there and complete, no report is half-written (every stored one,
 * including those whose answer was lost with the process, is complete), and the audit log verifies.
 * Fast enough for CI (about a minute per database on a busy two-core machine).
 */
const CLIENTS = 100;
/** Accepted reports before the kill: enough that the kill lands amid commits, not before the first. */
const ACCEPTED_BEFORE_KILL = Number(process.env.EMBARGO_FAULT_KILL_AFTER ?? 150);

async function killDuringIntake(env: Record<string, string>, cleanup: Cleanup, tag: string): Promise<void> {
  const first = await startEmbargo(env, cleanup);
  const clients = startClients({ url: () => first.url, clients: CLIENTS, tag });
  try {
    await waitFor('reports accepted before the kill', async () => clients.accepted().length >= ACCEPTED_BEFORE_KILL, 60_000, 20);
  } finally {
    // The kill comes while all 100 clients have requests in flight.
    first.kill('SIGKILL');
  }
  const exit = await first.exited;
  assert.equal(exit.signal, 'SIGKILL');
  await clients.stop();
  const accepted = clients.accepted();
  const lost = clients.outcomes.filter((outcome) => outcome.status === null).length;
  const other = clients.outcomes.filter((outcome) => outcome.status !== null && outcome.status !== 201);
  assert.deepEqual(other.map((outcome) => `${outcome.status} ${outcome.code}`), [], `only 201s or lost connections: ${JSON.stringify(summarize(clients.outcomes))}`);

  const second = await startEmbargo(env, cleanup);
  const token = await loginAdmin(second.url);
  const result = await verifyReports(second.url, token, accepted);
  console.log(`# ${tag}: ${JSON.stringify(summarize(clients.outcomes))}; after restart ${result.stored} stored: ${result.confirmed} confirmed by a 201, ${result.unconfirmedButComplete} committed while their answer was lost (${lost} requests had no answer)`);
  assert.deepEqual(result.problems, []);
  assert.ok(result.confirmed >= ACCEPTED_BEFORE_KILL);

  const stopped = await second.stop();
  assert.equal(stopped.code, 0, `graceful stop after restart:\n${second.output()}`);
  const audit = await verifyAudit(env);
  assert.equal(audit.code, 0, `embargo audit verify --seal:\n${audit.stdout}${audit.stderr}`);
  assert.match(audit.stdout, /The audit log verifies\./);
}

describe('kill -9 during concurrent intake', { skip: faultSkip }, () => {
  const cleanup = new Cleanup();
  after(() => cleanup.run());

  it('embedded database: no 201 lost, nothing half-written, the audit log verifies', { timeout: 300_000 }, async () => {
    const env = { EMBARGO_DATA_DIR: cleanup.tempDir('kill9-pglite') };
    await addAdmin(env);
    await killDuringIntake(env, cleanup, 'pglite');
  });

  it('PostgreSQL: no 201 lost, nothing half-written, the audit log verifies', { timeout: 300_000, skip: ownPostgresUnavailable() ?? false }, async () => {
    const cluster = await startOwnPostgres(cleanup);
    const env = {
      DATABASE_URL: await cluster.createDatabase('embargo'),
      EMBARGO_MASTER_KEY: randomBytes(32).toString('base64'),
      EMBARGO_SESSION_SECRET: randomBytes(48).toString('base64'),
      EMBARGO_DATA_DIR: cleanup.tempDir('kill9-pg'),
    };
    await addAdmin(env);
    await killDuringIntake(env, cleanup, 'postgres');
  });
});
