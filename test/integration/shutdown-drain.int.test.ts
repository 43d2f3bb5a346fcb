import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/config.js';
import { startServer } from '../../src/main.js';
import { REPO_ROOT, TEST_POLICY } from '../support/test-app.js';
import { createTestDatabase, TEST_DB_KIND } from '../support/test-db.js';

type Answer = { status: number; connection: string | undefined; body: string };

/** One request over the given keep-alive agent, so the test sees what happens to reused connections. */
function get(agent: http.Agent, url: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, connection: response.headers.connection, body }));
      })
      .on('error', reject);
  });
}

/**
 * With EMBARGO_SHUTDOWN_DRAIN_MS, stopping first drains: the instance still answers, but /readyz says
 * 503 SHUTTING_DOWN (a load balancer takes it out) and every answer closes its connection (clients leave
 * keep-alive connections that the final close would otherwise cut under a request just written).
 */
describe('shutdown with a drain period', () => {
  it('serves with Connection: close and /readyz 503 while draining, then stops', { timeout: 60_000 }, async () => {
    // The embedded database in its own directory; on the PostgreSQL run, a database of its own.
    const dataDir = mkdtempSync(path.join(tmpdir(), 'embargo-drain-'));
    const postgres = TEST_DB_KIND === 'postgres' ? await createTestDatabase() : null;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const config = loadConfig(
        {},
        {
          dataDir,
          policyFile: TEST_POLICY,
          logLevel: 'silent',
          port: 0,
          shutdownDrainMs: 1_500,
          roles: 'web',
          webDist: path.join(REPO_ROOT, 'test/fixtures/web-dist'),
          // PostgreSQL deployments bring their own keys (nothing is generated into a data directory).
          ...(postgres ? { databaseUrl: postgres.url!, masterKey: randomBytes(32).toString('base64'), sessionSecret: randomBytes(32).toString('hex') } : {}),
        },
      );
      const server = await startServer(config);
      const base = server.url!;
      const before = await get(agent, `${base}/readyz`);
      assert.equal(before.status, 200);
      assert.notEqual(before.connection, 'close', 'keep-alive while running');

      const stopped = server.stop();
      const ready = await get(agent, `${base}/readyz`);
      assert.equal(ready.status, 503);
      assert.equal(JSON.parse(ready.body).error.code, 'SHUTTING_DOWN');
      assert.equal(ready.connection, 'close');
      const work = await get(agent, `${base}/api/v1/projects`);
      assert.equal(work.status, 200, 'still serving while draining');
      assert.equal(work.connection, 'close');

      await stopped;
      await assert.rejects(get(agent, `${base}/healthz`), /ECONNREFUSED/);
    } finally {
      agent.destroy();
      await postgres?.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
