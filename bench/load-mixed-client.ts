import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import type { LoadParentMessage, LoadServerMessage } from './load-mixed-server.js';
import { REPO_ROOT } from './settings.js';

/** bench/load-mixed.ts's plumbing: keep-alive HTTP to the server, and the server's process. */

// ---- HTTP over keep-alive connections -------------------------------------------------------

export type Answer = { status: number; body: string };

export function createClient(baseUrl: string, connections: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const url = new URL(baseUrl);
  return {
    request(method: 'GET' | 'POST', pathname: string, options: { body?: unknown; token?: string } = {}): Promise<Answer> {
      const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
      return new Promise((resolve, reject) => {
        const request = http.request(
          {
            agent,
            host: url.hostname,
            port: url.port,
            method,
            path: pathname,
            headers: {
              ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
              ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
            },
            timeout: 30_000,
          },
          (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
            response.on('error', reject);
          },
        );
        request.on('timeout', () => request.destroy(new Error('timeout after 30 s')));
        request.on('error', reject);
        request.end(payload);
      });
    },
    close: () => agent.destroy(),
  };
}
export type Client = ReturnType<typeof createClient>;

// ---- the server process ---------------------------------------------------------------------

export type ServerChild = { url: string; memory(gc: boolean): Promise<NodeJS.MemoryUsage>; crashed(): string | null; stop(): Promise<void> };

export async function startServerChild(env: NodeJS.ProcessEnv): Promise<ServerChild> {
  const child: ChildProcess = fork(path.join(REPO_ROOT, 'bench/load-mixed-server.ts'), [], {
    cwd: REPO_ROOT,
    execArgv: ['--import', 'tsx', '--expose-gc'],
    env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let crash: string | null = null;
  let stopRequested = false;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      if (!stopRequested) crash = `the server exited unexpectedly (${signal ?? `code ${code}`})`;
      resolve();
    }),
  );
  const pending = new Map<number, (usage: NodeJS.MemoryUsage) => void>();
  let nextId = 0;
  const url = await new Promise<string>((resolve, reject) => {
    void exited.then(() => reject(new Error(crash ?? 'the server exited before listening')));
    child.on('message', (message: LoadServerMessage) => {
      if (message.type === 'listening') resolve(message.url);
      if (message.type === 'memory') pending.get(message.id)?.(message.usage);
    });
  });
  return {
    url,
    crashed: () => crash,
    memory(gc) {
      const id = (nextId += 1);
      return new Promise((resolve) => {
        pending.set(id, (usage) => {
          pending.delete(id);
          resolve(usage);
        });
        child.send({ type: 'memory', id, gc } satisfies LoadParentMessage);
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      stopRequested = true;
      if (child.connected) child.send({ type: 'stop' } satisfies LoadParentMessage);
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
