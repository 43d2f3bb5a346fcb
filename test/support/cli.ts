import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main, type Io } from '../../src/cli/main.js';
import { REPO_ROOT } from './test-app.js';

/**
 * The CLI as an operator meets it: `node bin/embargo.js ...` in a real process. Every process has a
 * deadline, so a hang fails the test instead of blocking CI; call cleanUpCli() after each test.
 */

export const BIN = path.join(REPO_ROOT, 'bin/embargo.js');
export const EXIT_TIMEOUT_MS = 120_000;
export const START_TIMEOUT_MS = 120_000;

export type Result = { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string };
export type Running = { child: ChildProcess; stdout(): string; stderr(): string; exited: Promise<Result> };

const children = new Set<ChildProcess>();
const dirs: string[] = [];

/** Kills what a test left running and removes its temporary directories. */
export async function cleanUpCli(): Promise<void> {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await gone;
    }
  }
  children.clear();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function tempDir(prefix = 'embargo-cli-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** The parent's environment without any Embargo setting, so only what a test passes counts. */
export function environment(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) {
    if (key.startsWith('EMBARGO_') || key.startsWith('NODE_TEST') || ['PORT', 'HOST', 'DATABASE_URL'].includes(key)) delete env[key];
  }
  return { ...env, EMBARGO_DATA_DIR: dataDir, PORT: '0', EMBARGO_LOG_LEVEL: 'warn', ...extra };
}

export function start(args: string[], env: NodeJS.ProcessEnv, stdin?: string): Running {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env, stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  if (stdin !== undefined) child.stdin!.end(stdin);
  const exited = new Promise<Result>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

export async function withDeadline<T>(promise: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what()} (gave up after ${ms} ms)`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs a command to completion; a process still running at the deadline is killed and the test fails. */
export async function run(args: string[], env: NodeJS.ProcessEnv, stdin?: string): Promise<Result> {
  const running = start(args, env, stdin);
  try {
    return await withDeadline(running.exited, EXIT_TIMEOUT_MS, () => `embargo ${args.join(' ')} did not exit\nstdout: ${running.stdout()}\nstderr: ${running.stderr()}`);
  } finally {
    if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill('SIGKILL');
  }
}

/** Starts `embargo serve` and waits for its "running at URL" line; fails if it exits or hangs first. */
export async function serve(env: NodeJS.ProcessEnv): Promise<Running & { url: string }> {
  const server = start(['serve'], env);
  const url = await withDeadline(
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const match = server.stdout().match(/running at (http:\/\/\S+) /);
        if (match) resolve(match[1]!);
      };
      server.child.stdout!.on('data', check);
      check();
      void server.exited.then((result) => reject(new Error(`embargo serve exited with ${result.code ?? result.signal} before listening\nstdout: ${result.stdout}\nstderr: ${result.stderr}`)));
    }),
    START_TIMEOUT_MS,
    () => `embargo serve did not print "running at"\nstdout: ${server.stdout()}\nstderr: ${server.stderr()}`,
  );
  return { ...server, url };
}

export async function stop(server: Running): Promise<Result> {
  server.child.kill('SIGTERM');
  return withDeadline(server.exited, EXIT_TIMEOUT_MS, () => `embargo serve did not stop on SIGTERM\nstdout: ${server.stdout()}\nstderr: ${server.stderr()}`);
}

export async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(EXIT_TIMEOUT_MS) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

export function assertExit(result: Result, code: number, what: string): void {
  assert.equal(result.code, code, `${what}: expected exit code ${code}, got ${result.code ?? result.signal}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
}

export function assertNoStackTrace(result: Result): void {
  assert.doesNotMatch(result.stderr, /^\s+at .+:\d+:\d+\)?$/m, `expected a message, not a stack trace:\n${result.stderr}`);
}

/**
 * A CLI command run inside the test process (no child process: quicker, and the test can hold the
 * database the command left). The environment is set for the call and restored afterwards;
 * DATABASE_URL is cleared so the command uses the embedded database in EMBARGO_DATA_DIR.
 */
export async function runInProcess(args: string[], env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (text) => out.push(text), err: (text) => err.push(text), readStdin: async () => '' };
  const saved = Object.fromEntries(['EMBARGO_DATA_DIR', 'EMBARGO_CONFIG', 'DATABASE_URL'].map((name) => [name, process.env[name]]));
  Object.assign(process.env, env);
  delete process.env.DATABASE_URL;
  try {
    const code = await main(args, io);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}
