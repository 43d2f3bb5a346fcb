import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { FAULT_POLICY, freePort, REPO_ROOT, sleep, type Cleanup } from './harness.js';

/** Embargo as an operator runs it: `node bin/embargo.js serve` in a process of its own. */
export type EmbargoServer = {
  url: string;
  pid: number;
  /** Everything the process wrote so far (stdout and stderr, the last 256 KiB). */
  output(): string;
  running(): boolean;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
  /** SIGTERM and wait; SIGKILL if it has not ended within `timeoutMs`. */
  stop(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
};

export const ADMIN_EMAIL = 'fault-admin@example.org';
export const ADMIN_PASSWORD = 'quiet-lantern-orbit-7731';

const BIN = path.join(REPO_ROOT, 'bin/embargo.js');
const OUTPUT_LIMIT = 256 * 1024;

/**
 * The settings every fault-test server gets: the test policy, limits that never answer 429 to the
 * load from one address, a fast sweep (audit sealing), and none of the caller's EMBARGO_* variables.
 */
export function serverEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'LANG', 'TMPDIR', 'TZ'];
  const base = Object.fromEntries(keep.flatMap((key) => (process.env[key] === undefined ? [] : [[key, process.env[key]!]])));
  return {
    ...base,
    HOST: '127.0.0.1',
    EMBARGO_CONFIG: FAULT_POLICY,
    EMBARGO_LOG_LEVEL: 'warn',
    EMBARGO_RATE_LIMIT_PER_MINUTE: '100000000',
    EMBARGO_INTAKE_RATE_LIMIT_PER_MINUTE: '100000000',
    EMBARGO_PRINCIPAL_RATE_LIMIT_PER_MINUTE: '100000000',
    EMBARGO_SWEEP_INTERVAL_MS: '1000',
    EMBARGO_WEB_DIST: path.join(REPO_ROOT, 'test/fixtures/web-dist'),
    ...extra,
  };
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

/** Starts `embargo serve` on a free port and waits until /readyz answers 200. */
export async function startEmbargo(env: Record<string, string>, cleanup: Cleanup, options: { readyTimeoutMs?: number } = {}): Promise<EmbargoServer> {
  const port = await freePort();
  const child = spawn(process.execPath, [BIN, 'serve'], { cwd: REPO_ROOT, env: serverEnv({ ...env, PORT: String(port) }), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_LIMIT);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = exitOf(child);
  const running = () => child.exitCode === null && child.signalCode === null;
  cleanup.add(`stop server ${child.pid}`, async () => {
    if (running()) {
      child.kill('SIGKILL');
      await exited;
    }
  }, () => void (running() && child.kill('SIGKILL')));

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 120_000);
  for (;;) {
    if (!running()) {
      const { code, signal } = await exited;
      throw new Error(`embargo serve exited (${signal ?? `code ${code}`}) before it was ready:\n${output}`);
    }
    const ready = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) }).then((response) => response.status === 200, () => false);
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`embargo serve was not ready within ${options.readyTimeoutMs ?? 120_000} ms:\n${output}`);
    }
    await sleep(250);
  }

  return {
    url,
    pid: child.pid!,
    output: () => output,
    running,
    exited,
    kill: (signal) => void child.kill(signal),
    async stop(timeoutMs = 30_000) {
      if (!running()) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

export type CliResult = { code: number | null; stdout: string; stderr: string };

/** Runs `embargo ARGS` with the same settings a server would get. */
export function runCli(args: string[], env: Record<string, string>, options: { stdin?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env: serverEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => void (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`embargo ${args.join(' ')} did not finish within ${options.timeoutMs ?? 120_000} ms:\n${stdout}${stderr}`));
    }, options.timeoutMs ?? 120_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.stdin ?? '');
  });
}

/** The first admin, created through the CLI as the README says (embedded: while no server runs). */
export async function addAdmin(env: Record<string, string>): Promise<void> {
  const result = await runCli(['user', 'add', '--email', ADMIN_EMAIL, '--role', 'admin', '--password-stdin'], env, { stdin: ADMIN_PASSWORD });
  if (result.code !== 0) throw new Error(`embargo user add failed (${result.code}):\n${result.stdout}${result.stderr}`);
}

export async function loginAdmin(url: string): Promise<string> {
  const response = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
    signal: AbortSignal.timeout(15_000),
  });
  const body = (await response.json()) as { accessToken?: string };
  if (response.status !== 200 || !body.accessToken) throw new Error(`login failed: ${response.status} ${JSON.stringify(body)}`);
  return body.accessToken;
}

/** `embargo audit verify --seal`: the chain and every seal recomputed from the stored entries. */
export async function verifyAudit(env: Record<string, string>): Promise<CliResult> {
  return runCli(['audit', 'verify', '--seal'], env);
}
