import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const FAULT_POLICY = path.join(REPO_ROOT, 'test/fixtures/policy.yaml');

/**
 * Fault tests start servers, database clusters and mounts, and take tens of seconds: they run only
 * when asked for (scripts/faults/run.mjs sets EMBARGO_FAULT_TESTS=1), so that `npm test`, which
 * finds every *.test.ts, reports them as skipped instead of running them.
 */
export const faultSkip: string | false = process.env.EMBARGO_FAULT_TESTS === '1' ? false : 'fault test: run it with npm run test:faults';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A port nobody listens on right now (the kernel's pick); taken again by the caller a moment later. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Polls until `probe` returns a value (not undefined/false) or the time is up. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs: number, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await sleep(intervalMs);
  }
}

/**
 * What a test file set up, undone in reverse order by its `after` hook. Synchronous undo steps are
 * also run at process exit, so that a test killed by its timeout leaves no server, cluster or mount
 * behind (the asynchronous path may never get to run then).
 */
export class Cleanup {
  private readonly steps: { name: string; run: () => Promise<void> | void; sync?: () => void }[] = [];
  private readonly onExit = () => {
    for (const step of [...this.steps].reverse()) {
      try {
        step.sync?.();
      } catch {
        // Best effort at exit: nothing more can be done.
      }
    }
  };

  constructor() {
    process.once('exit', this.onExit);
  }

  add(name: string, run: () => Promise<void> | void, sync?: () => void): void {
    this.steps.push({ name, run, ...(sync ? { sync } : {}) });
  }

  /** A temporary directory removed at the end. */
  tempDir(prefix: string): string {
    const dir = mkdtempSync(path.join(os.tmpdir(), `embargo-fault-${prefix}-`));
    const remove = () => rmSync(dir, { recursive: true, force: true });
    this.add(`remove ${dir}`, remove, remove);
    return dir;
  }

  async run(): Promise<void> {
    const problems: string[] = [];
    while (this.steps.length > 0) {
      const step = this.steps.pop()!;
      try {
        await step.run();
      } catch (error) {
        problems.push(`${step.name}: ${(error as Error).message}`);
      }
    }
    process.removeListener('exit', this.onExit);
    if (problems.length > 0) throw new Error(`cleanup failed:\n${problems.join('\n')}`);
  }
}

export const isRoot = () => process.getuid?.() === 0;

export function commandExists(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1]!;
}
