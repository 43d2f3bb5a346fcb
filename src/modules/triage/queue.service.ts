import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { openContent } from '../reports/report.crypto.js';
import { visibleProjectSlugs, type UserActor } from '../access/actor.js';
import { STATES } from './state-machine.js';
import { findQueuePage } from './queue.repository.js';

const list = z
  .string()
  .transform((value) => value.split(',').map((item) => item.trim()).filter(Boolean))
  .optional();

export const queueQuerySchema = z.strictObject({
  project: list.describe('Project slugs, comma-separated'),
  state: list.pipe(z.array(z.enum(STATES)).optional()).describe('States, comma-separated'),
  severity: list.describe('Severity level ids, comma-separated'),
  handler: z.union([z.literal('me'), z.literal('none'), z.uuid()]).optional().describe('A user id, "me" or "none"'),
  overdue: z.enum(['true', 'false']).transform((value) => value === 'true').optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});
export type QueueQuery = z.output<typeof queueQuerySchema>;

export const queueItemSchema = z.object({
  id: z.uuid(),
  project: z.string(),
  state: z.string(),
  severity: z.string().nullable(),
  title: z.string(),
  handlerId: z.uuid().nullable(),
  receivedAt: z.string(),
  updatedAt: z.string(),
  nextDueAt: z.string().nullable(),
  overdue: z.boolean(),
});
export const queueResponseSchema = z.object({ items: z.array(queueItemSchema), nextCursor: z.string().nullable() });

export async function findQueue(context: AppContext, actor: UserActor, query: QueueQuery) {
  const now = context.clock.now();
  const visible = visibleProjectSlugs(actor);
  const requested = query.project;
  const projects = requested === undefined ? visible : visible === null ? requested : requested.filter((slug) => visible.includes(slug));
  const { rows, nextCursor } = await findQueuePage(
    context.db,
    {
      projects,
      states: query.state,
      severities: query.severity,
      handler: query.handler === 'me' ? { id: actor.userId } : query.handler === 'none' ? 'none' : query.handler ? { id: query.handler } : undefined,
      overdue: query.overdue,
      now,
    },
    { limit: query.limit, cursor: query.cursor },
  );
  return {
    items: rows.map((row) => ({
      id: row.id,
      project: row.project_slug,
      state: row.state,
      severity: row.severity,
      title: openContent(context, row.id, row.content_enc).title,
      handlerId: row.handler_id,
      receivedAt: row.received_at.toISOString(),
      updatedAt: row.updated_at.toISOString(),
      nextDueAt: row.next_due_at?.toISOString() ?? null,
      overdue: row.next_due_at !== null && row.next_due_at.getTime() < now.getTime(),
    })),
    nextCursor,
  };
}
