import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { openContent } from '../reports/report.crypto.js';
import { visibleProjectSlugs, type UserActor } from '../access/actor.js';
import { STATES } from './state-machine.js';
import { encodeCursor, findQueuePage, type QueueFilter } from './queue.repository.js';

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
  q: z.string().trim().min(1).max(200).optional().describe('Words the title must contain (case-insensitive), or the start of the report id'),
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
  const filter: QueueFilter = {
    projects,
    states: query.state,
    severities: query.severity,
    handler: query.handler === 'me' ? { id: actor.userId } : query.handler === 'none' ? 'none' : query.handler ? { id: query.handler } : undefined,
    overdue: query.overdue,
    now,
  };
  const present = (row: QueueRow, title: string) => ({
    id: row.id,
    project: row.project_slug,
    state: row.state,
    severity: row.severity,
    title,
    handlerId: row.handler_id,
    receivedAt: row.received_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    nextDueAt: row.next_due_at?.toISOString() ?? null,
    overdue: row.next_due_at !== null && row.next_due_at.getTime() < now.getTime(),
  });
  if (query.q !== undefined) return searchQueue(context, filter, query, present);
  const { rows, nextCursor } = await findQueuePage(context.db, filter, { limit: query.limit, cursor: query.cursor });
  return { items: rows.map((row) => present(row, openContent(context, row.id, row.content_enc).title)), nextCursor };
}

type QueueRow = Awaited<ReturnType<typeof findQueuePage>>['rows'][number];
/** Rows read per round trip while searching, and at most per request before handing back a cursor. */
const SEARCH_BATCH = 200;
const SEARCH_MAX_SCAN = 5_000;

/**
 * Titles are encrypted at rest, so SQL cannot search them: the candidate set (already scoped and
 * filtered in SQL) is decrypted here batch by batch, in queue order, until a page of matches is found.
 * The cursor then points after the last row looked at, so paging through matches stays consistent.
 */
async function searchQueue<T>(context: AppContext, filter: QueueFilter, query: QueueQuery, present: (row: QueueRow, title: string) => T) {
  const words = query.q!.toLowerCase().split(/\s+/).filter(Boolean);
  const idPrefix = /^[0-9a-f-]{4,36}$/i.test(query.q!) ? query.q!.toLowerCase() : null;
  const items: T[] = [];
  let cursor = query.cursor;
  let scanned = 0;
  for (;;) {
    const page = await findQueuePage(context.db, filter, { limit: SEARCH_BATCH, cursor });
    for (const [index, row] of page.rows.entries()) {
      scanned += 1;
      const title = openContent(context, row.id, row.content_enc).title;
      const lower = title.toLowerCase();
      if ((idPrefix !== null && row.id.startsWith(idPrefix)) || words.every((word) => lower.includes(word))) items.push(present(row, title));
      const more = index < page.rows.length - 1 || page.nextCursor !== null;
      if (items.length === query.limit || (scanned >= SEARCH_MAX_SCAN && more)) {
        return { items, nextCursor: more ? encodeCursor({ due: row.next_due_at?.toISOString() ?? null, id: row.id }) : null };
      }
    }
    if (page.nextCursor === null) return { items, nextCursor: null };
    cursor = page.nextCursor;
  }
}
