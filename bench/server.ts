import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import pg from 'pg';
import { buildApp } from '../src/platform/http/app.js';
import { createBenchContext } from './bench-context.js';
import { BARE_TABLE, type ParentMessage, type ServerKind, type ServerMessage } from './server-protocol.js';

/**
 * One server under load, in its own process so that it does not share an event loop with the load
 * generator. Forked by server-process.ts:
 *   node --import tsx bench/server.ts <embargo|bare> <database-url> <pool-size>
 * Reports its port over IPC and stops when the parent says so, or when the parent goes away.
 */

type Running = { app: FastifyInstance; close(): Promise<void> };

async function startEmbargo(url: string, poolSize: number): Promise<Running> {
  const context = await createBenchContext(url, poolSize);
  const app = await buildApp(context, { logger: false });
  return { app, close: () => context.database.close() };
}

/** The floor to compare with: parse JSON, insert one row, answer 201. No validation, audit, deadlines or outbox. */
async function startBare(url: string, poolSize: number): Promise<Running> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  const app = Fastify({ logger: false });
  app.post<{ Params: { project: string }; Body: Record<string, unknown> }>('/api/v1/projects/:project/reports', async (request, reply) => {
    const id = randomUUID();
    const body = request.body;
    await pool.query(`insert into ${BARE_TABLE} (id, project_slug, title, description, content, received_at) values ($1, $2, $3, $4, $5, now())`, [
      id,
      request.params.project,
      String(body.title ?? ''),
      String(body.description ?? ''),
      JSON.stringify(body),
    ]);
    return reply.status(201).send({ id });
  });
  await app.ready();
  return { app, close: () => pool.end() };
}

function send(message: ServerMessage): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  const [kind, url, poolSizeText] = process.argv.slice(2) as [ServerKind | undefined, string | undefined, string | undefined];
  if ((kind !== 'embargo' && kind !== 'bare') || !url || !poolSizeText) {
    throw new Error('usage: node --import tsx bench/server.ts <embargo|bare> <database-url> <pool-size>');
  }
  // Ctrl-C reaches the whole process group: the parent decides when this server stops, so that it
  // can clean up in order. Without a parent there is nothing to serve.
  let stop: (() => Promise<void>) | null = null;
  process.on('SIGINT', () => {});
  process.on('disconnect', () => (stop ? void stop() : process.exit(1)));

  const running = kind === 'embargo' ? await startEmbargo(url, Number(poolSizeText)) : await startBare(url, Number(poolSizeText));
  await running.app.listen({ host: '127.0.0.1', port: 0 });
  const address = running.app.server.address();
  if (address === null || typeof address === 'string') throw new Error('the server has no TCP address');

  let stopping: Promise<void> | null = null;
  stop = () => {
    stopping ??= (async () => {
      await running.app.close();
      await running.close();
      if (process.connected) process.disconnect();
    })();
    return stopping;
  };
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'stop') void stop?.();
  });
  if (!process.connected) return void (await stop());
  send({ type: 'listening', port: address.port });
}

main().catch((error: unknown) => {
  console.error(`bench server: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
});
