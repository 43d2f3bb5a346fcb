import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { Cleanup, faultSkip, percentile, sleep, waitFor } from './support/harness.js';
import { addAdmin, loginAdmin, startEmbargo, verifyAudit } from './support/embargo-process.js';
import { ownPostgresUnavailable, startOwnPostgres } from './support/own-postgres.js';
import { http, reportBody, verifyReports, type Outcome } from './support/reports.js';

/**
 * PostgreSQL stopped for 30 s (EMBARGO_FAULT_PG_OUTAGE_SECONDS) under a mixed load of intake,
 * reporter reads and team queue pages, on a cluster of the test's own. While it is down every
 * answer is 503 DATABASE_UNAVAILABLE, in bounded time (no hang), /readyz says 503 and /healthz
 * 200, and the process does not crash; when the database returns the same process serves again by
 * itself, and everything answered 201 before, during and after is stored and the audit log verifies.
 * Slow (the outage itself is 30 s): CI skips it (scripts/faults/run.mjs --fast).
 */
const OUTAGE_S = Number(process.env.EMBARGO_FAULT_PG_OUTAGE_SECONDS ?? 30);
const CLIENTS = 20;
/** No request may take longer than this, database or not. */
const REQUEST_BOUND_MS = 10_000;
/** Requests started this long after the stop may still have had a connection that worked. */
const GRACE_MS = 2000;

type Sample = { kind: 'intake' | 'reporter-read' | 'queue' | 'readyz' | 'healthz'; started: number; status: number | null; code?: string; error?: string; ms: number };

describe('PostgreSQL outage under load', { skip: faultSkip || (ownPostgresUnavailable() ?? false) }, () => {
  const cleanup = new Cleanup();
  after(() => cleanup.run());

  it(`answers 503 DATABASE_UNAVAILABLE in bounded time while the database is down for ${OUTAGE_S} s, and recovers by itself`, { timeout: 300_000 + OUTAGE_S * 1000 }, async () => {
    const cluster = await startOwnPostgres(cleanup);
    const env = {
      DATABASE_URL: await cluster.createDatabase('embargo'),
      EMBARGO_MASTER_KEY: randomBytes(32).toString('base64'),
      EMBARGO_SESSION_SECRET: randomBytes(48).toString('base64'),
      EMBARGO_DATA_DIR: cleanup.tempDir('pg-outage'),
    };
    await addAdmin(env);
    const server = await startEmbargo(env, cleanup);
    const adminToken = await loginAdmin(server.url);

    const samples: Sample[] = [];
    const accepted: Outcome[] = [];
    const readers: { id: string; token: string }[] = [];
    let stopped = false;
    let n = 0;

    const one = async (client: number): Promise<void> => {
      const pick = (n += 1) % 3;
      const started = Date.now();
      if (pick === 0 || readers.length === 0) {
        const body = reportBody('pg-outage', client, n);
        const answer = await http(`${server.url}/api/v1/projects/alpha/reports`, { method: 'POST', body, timeoutMs: 60_000 });
        const json = (answer.json ?? {}) as { id?: string; accessToken?: string; error?: { code?: string } };
        samples.push({ kind: 'intake', started, status: answer.status, ms: answer.ms, ...(json.error?.code ? { code: json.error.code } : {}), ...(answer.error ? { error: answer.error } : {}) });
        if (answer.status === 201) {
          accepted.push({ client, n, body, status: 201, id: json.id!, accessToken: json.accessToken!, ms: answer.ms, at: Date.now() });
          readers.push({ id: json.id!, token: json.accessToken! });
        }
        return;
      }
      const reader = readers[n % readers.length]!;
      const [kind, answer] =
        pick === 1
          ? (['reporter-read', await http(`${server.url}/api/v1/reports/${reader.id}`, { token: reader.token, timeoutMs: 60_000 })] as const)
          : (['queue', await http(`${server.url}/api/v1/reports?limit=20`, { token: adminToken, timeoutMs: 60_000 })] as const);
      const code = ((answer.json ?? {}) as { error?: { code?: string } }).error?.code;
      samples.push({ kind, started, status: answer.status, ms: answer.ms, ...(code ? { code } : {}), ...(answer.error ? { error: answer.error } : {}) });
    };
    const loops = Array.from({ length: CLIENTS }, async (_, client) => {
      while (!stopped) {
        await one(client);
        await sleep(50);
      }
    });
    const probes = (async () => {
      while (!stopped) {
        for (const kind of ['readyz', 'healthz'] as const) {
          const started = Date.now();
          const answer = await http(`${server.url}/${kind}`, { timeoutMs: 60_000 });
          const code = ((answer.json ?? {}) as { error?: { code?: string } }).error?.code;
          samples.push({ kind, started, status: answer.status, ms: answer.ms, ...(code ? { code } : {}), ...(answer.error ? { error: answer.error } : {}) });
        }
        await sleep(500);
      }
    })();

    let down = 0;
    let up = 0;
    let ready = 0;
    try {
      await sleep(3000);
      down = Date.now();
      await cluster.stop();
      await sleep(OUTAGE_S * 1000 - (Date.now() - down));
      assert.ok(server.running(), `the server survives the outage:\n${server.output()}`);
      up = Date.now();
      await cluster.start();
      ready = await waitFor('/readyz 200 after the database returned', async () => (await http(`${server.url}/readyz`)).status === 200 && Date.now(), 30_000, 100);
      await sleep(5000);
    } finally {
      stopped = true;
      await Promise.all([...loops, probes]);
    }

    const during = samples.filter((sample) => sample.started > down + GRACE_MS && sample.started + sample.ms < up);
    const afterRecovery = samples.filter((sample) => sample.started > ready + GRACE_MS);
    const describe = (list: Sample[]) => {
      const counts: Record<string, number> = {};
      for (const sample of list) {
        const key = `${sample.kind} ${sample.status ?? sample.error}${sample.code ? ` ${sample.code}` : ''}`;
        counts[key] = (counts[key] ?? 0) + 1;
      }
      return counts;
    };
    const slowest = (list: Sample[]) => Math.max(0, ...list.map((sample) => sample.ms));
    const api = (list: Sample[]) => list.filter((sample) => sample.kind !== 'readyz' && sample.kind !== 'healthz');
    const duringMs = api(during).map((sample) => sample.ms).sort((a, b) => a - b);
    console.log(`# before: ${JSON.stringify(describe(samples.filter((sample) => sample.started < down)))}`);
    console.log(`# during the ${OUTAGE_S} s outage: ${JSON.stringify(describe(during))}; API p50 ${percentile(duringMs, 50).toFixed(1)} ms, p99 ${percentile(duringMs, 99).toFixed(1)} ms, max ${slowest(during).toFixed(0)} ms`);
    console.log(`# ready again ${ready - up} ms after the database started; after: ${JSON.stringify(describe(afterRecovery))}`);

    assert.ok(api(during).length > 50, 'the load went on during the outage');
    assert.deepEqual(
      api(during).filter((sample) => sample.status !== 503 || sample.code !== 'DATABASE_UNAVAILABLE').map((sample) => `${sample.kind} ${sample.status ?? sample.error} ${sample.code}`),
      [],
      'every API answer during the outage is 503 DATABASE_UNAVAILABLE',
    );
    assert.ok(slowest(during) < REQUEST_BOUND_MS, `no request hangs during the outage (slowest ${slowest(during).toFixed(0)} ms)`);
    assert.ok(during.filter((sample) => sample.kind === 'readyz').every((sample) => sample.status === 503), '/readyz is 503 while the database is down');
    assert.ok(during.filter((sample) => sample.kind === 'healthz').every((sample) => sample.status === 200), '/healthz stays 200: the process is up');
    assert.ok(api(afterRecovery).length > 20, 'the load went on after recovery');
    assert.deepEqual(api(afterRecovery).filter((sample) => sample.status === null || sample.status >= 300).map((sample) => `${sample.kind} ${sample.status ?? sample.error} ${sample.code}`), [], 'all served again');

    const result = await verifyReports(server.url, adminToken, accepted);
    assert.deepEqual(result.problems, []);
    assert.equal((await server.stop()).code, 0, server.output());
    const audit = await verifyAudit(env);
    assert.equal(audit.code, 0, `${audit.stdout}${audit.stderr}`);
  });
});
