import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { openDatabase, type Database } from '../../src/platform/db/database.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createTestDatabase, TEST_DB_KIND } from '../support/test-db.js';

/**
 * A database server that stops answering without closing its connections (frozen VM, network
 * partition): requests must fail with 503 after the query timeout instead of hanging, and the
 * server must recover once the database answers again. A TCP relay in front of PostgreSQL stands in
 * for the network and can hold every byte in both directions.
 */
type FreezableRelay = { url(database: string): string; freeze(): void; thaw(): void; close(): Promise<void> };

async function startRelay(upstreamUrl: string): Promise<FreezableRelay> {
  const upstream = new URL(upstreamUrl);
  let frozen = false;
  const held: (() => void)[] = [];
  const sockets = new Set<net.Socket>();
  const forward = (from: net.Socket, to: net.Socket) =>
    from.on('data', (chunk: Buffer) => (frozen ? held.push(() => to.write(chunk)) : to.write(chunk)));
  const server = net.createServer((client) => {
    const target = net.connect(Number(upstream.port || 5432), upstream.hostname);
    for (const socket of [client, target]) {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => sockets.delete(socket));
    }
    forward(client, target);
    forward(target, client);
    client.on('close', () => target.destroy());
    target.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url(database) {
      const url = new URL(upstreamUrl);
      url.hostname = '127.0.0.1';
      url.port = String(port);
      url.pathname = `/${database}`;
      return url.toString();
    },
    freeze: () => void (frozen = true),
    thaw() {
      frozen = false;
      for (const write of held.splice(0)) write();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('a database that stops answering', { skip: TEST_DB_KIND === 'pglite' ? 'PGlite runs inside the process: there is no connection to freeze' : false }, () => {
  let direct: Awaited<ReturnType<typeof createTestDatabase>>;
  let relay: FreezableRelay;
  let relayed: Database;
  let t: TestApp;

  before(async () => {
    direct = await createTestDatabase();
    relay = await startRelay(direct.url!);
    relayed = await openDatabase({ kind: 'postgres', url: relay.url(new URL(direct.url!).pathname.slice(1)), poolSize: 4, queryTimeoutMs: 1_000 });
    t = await createTestApp({ database: relayed });
  });

  after(async () => {
    relay?.thaw();
    await t?.close();
    await relay?.close();
    await direct?.close();
  });

  it('answers 503 DATABASE_UNAVAILABLE after the query timeout, then recovers by itself', { timeout: 60_000 }, async () => {
    assert.equal((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);

    relay.freeze();
    const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(ready.statusCode, 503, ready.body);
    assert.equal(ready.json().error.code, 'DATABASE_UNAVAILABLE');
    const intake = await t.app.inject({
      method: 'POST',
      url: '/api/v1/projects/alpha/reports',
      payload: { title: 'Frozen database', description: 'Submitted while the database does not answer.', stepsToReproduce: '1. freeze the database' },
    });
    assert.equal(intake.statusCode, 503, intake.body);
    assert.equal(intake.json().error.code, 'DATABASE_UNAVAILABLE');

    relay.thaw();
    let status = 0;
    for (let attempt = 0; attempt < 50 && status !== 200; attempt += 1) {
      status = (await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.equal(status, 200, 'ready again once the database answers');
  });
});
