import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from './settings.js';
import type { ParentMessage, ServerKind, ServerMessage } from './server-protocol.js';

export type ServerProcess = {
  kind: ServerKind;
  baseUrl: string;
  /** Operating-system process id, e.g. to read its CPU time from /proc. */
  pid: number | undefined;
  /** Set when the process ended before it was told to stop: the run is then an error. */
  crashed(): string | null;
  /** Asks the server to finish and waits for it; kills it if it does not end in time. */
  stop(): Promise<void>;
};

const STOP_TIMEOUT_MS = 15_000;

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

export async function startServerProcess(kind: ServerKind, databaseUrl: string, poolSize: number): Promise<ServerProcess> {
  const child = fork(path.join(REPO_ROOT, 'bench/server.ts'), [kind, databaseUrl, String(poolSize)], {
    cwd: REPO_ROOT,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = exitOf(child);
  let stopRequested = false;
  let crash: string | null = null;
  void exited.then(({ code, signal }) => {
    if (!stopRequested) crash = `the ${kind} server exited unexpectedly (${signal ?? `code ${code}`})`;
  });

  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    void exited.then(({ code, signal }) => reject(new Error(`the ${kind} server exited (${signal ?? `code ${code}`}) before listening`)));
    child.on('message', (message: ServerMessage) => {
      if (message.type === 'listening') resolve(message.port);
    });
  });

  return {
    kind,
    baseUrl: `http://127.0.0.1:${port}`,
    pid: child.pid,
    crashed: () => crash,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      stopRequested = true;
      if (child.connected) child.send({ type: 'stop' } satisfies ParentMessage);
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      const { code, signal } = await exited;
      clearTimeout(timer);
      if (code !== 0) throw new Error(`the ${kind} server did not stop cleanly (${signal ?? `code ${code}`})`);
    },
  };
}
