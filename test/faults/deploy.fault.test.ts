import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { faultSkip, REPO_ROOT } from './support/harness.js';

/**
 * The deployment examples, run here: deploy/nginx/embargo.conf in front of a real `embargo serve`
 * (scripts/faults/nginx-check.sh) and the systemd units through `systemd-analyze verify`
 * (scripts/faults/systemd-check.sh). A script exiting 77 could not run here and says why: skipped.
 * Fast enough for CI (about 15 s).
 */
function runScript(script: string, timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', [path.join(REPO_ROOT, 'scripts/faults', script)], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => void (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => void (output += chunk.toString('utf8')));
    // The script cleans up on TERM (its trap stops nginx and Embargo); the whole group goes if it does not.
    const timer = setTimeout(() => {
      process.kill(-child.pid!, 'SIGTERM');
      setTimeout(() => child.exitCode === null && process.kill(-child.pid!, 'SIGKILL'), 5000).unref();
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

async function check(t: TestContext, script: string, timeoutMs: number): Promise<void> {
  const { code, output } = await runScript(script, timeoutMs);
  if (code === 77) return void t.skip(output.trim().split('\n').pop());
  t.diagnostic(output.trim());
  assert.equal(code, 0, output);
}

describe('deployment examples', { skip: faultSkip }, () => {
  it('nginx: TLS termination, HSTS, redirect to HTTPS, X-Forwarded-* trusted from the proxy only', { timeout: 240_000 }, (t) => check(t, 'nginx-check.sh', 200_000));
  it('systemd: the units pass systemd-analyze verify', { timeout: 60_000 }, (t) => check(t, 'systemd-check.sh', 50_000));
});
