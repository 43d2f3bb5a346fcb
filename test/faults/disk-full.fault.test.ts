import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Cleanup, faultSkip, isRoot, waitFor } from './support/harness.js';
import { addAdmin, loginAdmin, startEmbargo, verifyAudit } from './support/embargo-process.js';
import { http, reportBody, verifyReports, type Outcome } from './support/reports.js';

/**
 * The embedded database's data directory on a small tmpfs. When it fills up while the server runs:
 * writes fail with a JSON error carrying a code (no internal detail leaves the server), the log
 * names the cause, the process stays up and keeps serving reads; once space returns it accepts
 * writes again by itself, and nothing is corrupted (every 201 is readable, the audit log verifies,
 * a restart finds it all). A read-only data directory stops start-up with a message naming it.
 * Needs root (mount); about a minute: fast enough for CI where the runner may mount.
 */
function mountUnavailable(): string | false {
  if (!isRoot()) return 'needs root to mount a tmpfs';
  const probe = spawnSync('sh', ['-c', 'd=$(mktemp -d) && mount -t tmpfs -o size=1m tmpfs "$d" && umount "$d"; r=$?; rmdir "$d"; exit $r'], { stdio: 'ignore' });
  return probe.status === 0 ? false : 'mount -t tmpfs is not permitted here';
}

const usedKiB = (dir: string) => Number(execFileSync('df', ['-k', '--output=used', dir], { encoding: 'utf8' }).split('\n')[1]!.trim());
const remount = (dir: string, options: string) => void execFileSync('mount', ['-o', `remount,${options}`, dir]);

describe('full or read-only data directory (embedded database)', { skip: faultSkip || mountUnavailable() }, () => {
  const cleanup = new Cleanup();
  after(() => cleanup.run());
  const mountPoint = cleanup.tempDir('disk');
  const env = { EMBARGO_DATA_DIR: path.join(mountPoint, 'data') };
  const accepted: Outcome[] = [];

  it('a full disk: a coded error on writes, reads go on, writes resume when space returns, nothing corrupted', { timeout: 240_000 }, async () => {
    // A fresh database takes about 40 MB (16 MB of it the first WAL segment).
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m,mode=0700', 'tmpfs', mountPoint]);
    const unmount = () => void spawnSync('umount', ['-l', mountPoint], { stdio: 'ignore' });
    cleanup.add(`unmount ${mountPoint}`, unmount, unmount);
    await addAdmin(env);
    const server = await startEmbargo(env, cleanup);
    const submit = async (n: number, proofOfConcept?: string) => {
      const body = { ...reportBody('disk', 0, n), ...(proofOfConcept ? { proofOfConcept } : {}) };
      const answer = await http(`${server.url}/api/v1/projects/alpha/reports`, { method: 'POST', body });
      const json = (answer.json ?? {}) as { id?: string; accessToken?: string; error?: { code?: string; message?: string } };
      if (answer.status === 201) accepted.push({ client: 0, n, body, status: 201, id: json.id!, accessToken: json.accessToken!, ms: answer.ms, at: Date.now() });
      return { ...answer, error: json.error };
    };
    let n = 0;
    for (; n < 5; n += 1) assert.equal((await submit(n)).status, 201);

    // Leave 3 MB: encrypted 90 kB proofs of concept fill it within a few dozen reports.
    remount(mountPoint, `size=${usedKiB(mountPoint) + 3072}k`);
    const big = 'p'.repeat(90_000);
    const failures: { status: number | null; code?: string | undefined; message?: string | undefined }[] = [];
    for (let attempt = 0; attempt < 300 && failures.length < 3; attempt += 1, n += 1) {
      const answer = await submit(n, big);
      if (answer.status !== 201) failures.push({ status: answer.status, code: answer.error?.code, message: answer.error?.message });
    }
    console.log(`# full after ${accepted.length} reports: ${JSON.stringify(failures[0])}`);
    assert.equal(failures.length, 3, 'the disk filled up');
    for (const failure of failures) {
      assert.ok(failure.status !== null && failure.status >= 500, `a server error, not a crash: ${JSON.stringify(failure)}`);
      assert.match(failure.code ?? '', /^[A-Z_]+$/, 'with a code from the catalogue');
      assert.doesNotMatch(failure.message ?? '', /space|extend|base\//i, 'no internal detail in the answer');
    }
    assert.ok(server.running(), 'the process stays up');
    assert.match(server.output(), /No space left on device/, 'the log names the cause');
    assert.equal((await http(`${server.url}/readyz`)).status, 200, 'reads still work');
    const first = accepted[0]!;
    assert.equal((await http(`${server.url}/api/v1/reports/${first.id}`, { token: first.accessToken! })).status, 200);

    remount(mountPoint, 'size=128m');
    await waitFor('intake to work again once space returned', async () => (await submit((n += 1))).status === 201, 30_000, 500);

    assert.equal((await server.stop()).code, 0, server.output().slice(-5000));
    const audit = await verifyAudit(env);
    assert.equal(audit.code, 0, `${audit.stdout}${audit.stderr}`);
    const again = await startEmbargo(env, cleanup);
    const result = await verifyReports(again.url, await loginAdmin(again.url), accepted);
    assert.deepEqual(result.problems, []);
    assert.equal((await again.stop()).code, 0);
  });

  it('a read-only data directory: start-up stops with a message naming it, and the data survives', { timeout: 120_000 }, async () => {
    remount(mountPoint, 'ro');
    await assert.rejects(startEmbargo(env, cleanup, { readyTimeoutMs: 60_000 }), (error: Error) => {
      assert.match(error.message, /exited \(code [1-9]/);
      assert.match(error.message, /read-only file system/i);
      assert.ok(error.message.includes(env.EMBARGO_DATA_DIR), 'names the data directory');
      return true;
    });
    remount(mountPoint, 'rw');
    const server = await startEmbargo(env, cleanup);
    const result = await verifyReports(server.url, await loginAdmin(server.url), accepted);
    assert.deepEqual(result.problems, []);
    assert.equal((await server.stop()).code, 0);
  });
});
