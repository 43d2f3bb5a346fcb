import { loadConfig } from '../src/config/config.js';
import { startServer, type RunningServer } from '../src/main.js';

/**
 * The server under sustained load, as `embargo serve` runs it (all roles from EMBARGO_ROLES, the
 * configuration from the environment the parent gives it), in its own process. Forked by
 * bench/load-mixed.ts with --expose-gc:
 *   parent → { type: 'memory', id, gc }   child → { type: 'memory', id, usage }
 *   parent → { type: 'stop' }             child → exits after a graceful stop
 * The child reports { type: 'listening', url } once it serves.
 */
export type LoadServerMessage = { type: 'listening'; url: string } | { type: 'memory'; id: number; usage: NodeJS.MemoryUsage };
export type LoadParentMessage = { type: 'memory'; id: number; gc: boolean } | { type: 'stop' };

const send = (message: LoadServerMessage) => process.send?.(message);

async function main(): Promise<void> {
  // Ctrl-C reaches the whole process group: the parent decides when this server stops.
  process.on('SIGINT', () => {});
  let server: RunningServer | null = null;
  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      await server?.stop();
      if (process.connected) process.disconnect();
    })();
    return stopping;
  };
  process.on('disconnect', () => void (server ? stop() : process.exit(1)));
  process.on('message', (message: LoadParentMessage) => {
    if (message.type === 'stop') void stop();
    if (message.type === 'memory') {
      // A collection first gives the live heap: what a leak would make grow, without the garbage.
      if (message.gc) (globalThis as { gc?: () => void }).gc?.();
      send({ type: 'memory', id: message.id, usage: process.memoryUsage() });
    }
  });
  server = await startServer(loadConfig());
  if (!server.url) throw new Error('the web role is not running (EMBARGO_ROLES)');
  send({ type: 'listening', url: server.url });
}

main().catch((error: unknown) => {
  console.error(`load server: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
});
