import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Cleanup, faultSkip, sleep, waitFor } from './support/harness.js';
import { addAdmin, loginAdmin, startEmbargo, verifyAudit } from './support/embargo-process.js';
import { startClients, summarize, verifyReports } from './support/reports.js';

/**
 * SIGTERM under load: requests the server is processing finish and are answered, new ones are
 * refused (503 with Connection: close from Fastify while draining, or a refused connection), the
 * process exits 0 well within its 20-second bound and releases the data directory's lock; nothing
 * answered 201 is lost and nothing is stored without its answer having been sent.
 *
 * Requests a client had written on a keep-alive connection that the server had not read yet are
 * reset (ECONNRESET): Node's server.close() closes connections idle from its side. They were
 * never processed (no report stored without an answer proves it), so a client may resend them.
 * While a job hangs (a mail relay that never greets) the stop waits for it; a second signal exits
 * at once (130), and still no committed report is lost. Fast enough for CI.
 */
const CLIENTS = 50;

describe('graceful shutdown under load', { skip: faultSkip }, () => {
  const cleanup = new Cleanup();
  after(() => cleanup.run());
  const env = { EMBARGO_DATA_DIR: cleanup.tempDir('graceful') };
  const accepted: ReturnType<ReturnType<typeof startClients>['accepted']> = [];

  it('SIGTERM: in-flight requests finish, exit 0 within the bound, lock released', { timeout: 180_000 }, async () => {
    await addAdmin(env);
    const server = await startEmbargo(env, cleanup);
    const clients = startClients({ url: () => server.url, clients: CLIENTS, tag: 'sigterm' });
    await waitFor('reports accepted before SIGTERM', async () => clients.accepted().length >= 50, 60_000, 20);
    const signalled = Date.now();
    server.kill('SIGTERM');
    const exit = await server.exited;
    const stopMs = Date.now() - signalled;
    await clients.stop();
    console.log(`# SIGTERM: exit ${exit.code ?? exit.signal} after ${stopMs} ms; ${JSON.stringify(summarize(clients.outcomes))}`);
    assert.equal(exit.code, 0, server.output());
    assert.ok(stopMs < 20_000, `stopped within the 20 s bound (${stopMs} ms)`);
    assert.match(server.output(), /SIGTERM received: finishing requests in flight/);
    assert.equal(existsSync(path.join(env.EMBARGO_DATA_DIR, 'embargo.lock')), false, 'the data directory lock is released');
    // Draining answers are 503 (Fastify's load shedding); a 500 would mean the database closed under a request.
    const unexpected = clients.outcomes.filter((outcome) => outcome.status !== null && outcome.status !== 201 && outcome.status !== 503);
    assert.deepEqual(unexpected.map((outcome) => `${outcome.status} ${outcome.code}`), []);
    accepted.push(...clients.accepted());
  });

  it('a job that hangs holds the stop; a second signal exits at once and committed reports survive', { timeout: 180_000 }, async () => {
    // A relay that accepts connections and never greets: the worker's delivery hangs (15 s greeting timeout).
    const stuck = new Set<net.Socket>();
    const tarpit = net.createServer((socket) => void stuck.add(socket.on('error', () => {})));
    const port = await new Promise<number>((resolve) => tarpit.listen(0, '127.0.0.1', () => resolve((tarpit.address() as net.AddressInfo).port)));
    cleanup.add('close the tarpit relay', () => {
      for (const socket of stuck) socket.destroy();
      tarpit.close();
    });
    const server = await startEmbargo({ ...env, EMBARGO_SMTP_URL: `smtp://127.0.0.1:${port}`, EMBARGO_OUTBOX_INTERVAL_MS: '200' }, cleanup);
    const clients = startClients({ url: () => server.url, clients: CLIENTS, tag: 'second-signal' });
    await waitFor('reports accepted and a delivery stuck on the relay', async () => clients.accepted().length >= 50 && stuck.size > 0, 60_000, 20);
    server.kill('SIGTERM');
    // Signals sent back to back coalesce in the kernel: the second one must come after the first is handled.
    await waitFor('the first SIGTERM to be handled', async () => /SIGTERM received/.test(server.output()), 10_000, 5);
    await sleep(1000);
    assert.ok(server.running(), 'the first SIGTERM waits for the delivery in progress');
    const signalled = Date.now();
    server.kill('SIGTERM');
    const exit = await server.exited;
    const exitMs = Date.now() - signalled;
    await clients.stop();
    console.log(`# two SIGTERMs: exit ${exit.code ?? exit.signal} ${exitMs} ms after the second; ${JSON.stringify(summarize(clients.outcomes))}`);
    assert.equal(exit.code, 130, server.output());
    assert.ok(exitMs < 3000, `the second signal exits at once (${exitMs} ms)`);
    assert.match(server.output(), /Second SIGTERM: exiting now\./);
    accepted.push(...clients.accepted());

    const again = await startEmbargo(env, cleanup);
    const result = await verifyReports(again.url, await loginAdmin(again.url), accepted);
    assert.deepEqual(result.problems, []);
    // After SIGTERM every processed request was answered; only the second signal may cut answers off.
    assert.deepEqual(result.unconfirmedTitles.filter((title) => title.startsWith('fault sigterm ')), []);
    assert.equal((await again.stop()).code, 0);
    const audit = await verifyAudit(env);
    assert.equal(audit.code, 0, `${audit.stdout}${audit.stderr}`);
  });
});
