import { sql } from 'kysely';
import type { Executor } from '../../platform/db/database.js';
import { AppError } from '../../platform/errors.js';

export type QueueFilter = {
  /** null: every project; otherwise only these (the actor's scope intersected with the request). */
  projects: string[] | null;
  states?: string[] | undefined;
  severities?: string[] | undefined;
  handler?: { id: string } | 'none' | undefined;
  overdue?: boolean | undefined;
  now: Date;
};

type Cursor = { due: string | null; id: string };

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.due, cursor.id])).toString('base64url');
}

function decodeCursor(text: string): Cursor {
  try {
    const [due, id] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as [unknown, unknown];
    if ((due === null || (typeof due === 'string' && !Number.isNaN(Date.parse(due)))) && typeof id === 'string' && /^[0-9a-f-]{36}$/.test(id)) {
      return { due: due as string | null, id };
    }
  } catch {
    // fall through to the error below
  }
  throw new AppError('INVALID_CURSOR', 'The cursor is not one this server gave out.', { fields: [{ field: 'cursor', code: 'invalid_cursor', message: 'not a valid cursor' }] });
}

/**
 * The team queue, soonest deadline first and reports without a running deadline last, paged by a
 * keyset cursor over (coalesce(next_due_at, infinity), id), which the queue indexes serve as a range
 * scan: page 500 costs what page 1 costs. Scope is applied in SQL.
 */
export async function findQueuePage(db: Executor, filter: QueueFilter, page: { limit: number; cursor?: string | undefined }) {
  if (filter.projects !== null && filter.projects.length === 0) return { rows: [], nextCursor: null };
  let query = db
    .selectFrom('reports')
    .select(['id', 'project_slug', 'state', 'severity', 'handler_id', 'content_enc', 'received_at', 'updated_at', 'next_due_at']);
  if (filter.projects !== null) query = query.where('project_slug', 'in', filter.projects);
  if (filter.states?.length) query = query.where('state', 'in', filter.states);
  if (filter.severities?.length) query = query.where('severity', 'in', filter.severities);
  if (filter.handler === 'none') query = query.where('handler_id', 'is', null);
  else if (filter.handler) query = query.where('handler_id', '=', filter.handler.id);
  if (filter.overdue === true) query = query.where('next_due_at', '<', filter.now);
  if (filter.overdue === false) query = query.where((eb) => eb.or([eb('next_due_at', 'is', null), eb('next_due_at', '>=', filter.now)]));

  const queueKey = sql<Date>`coalesce(next_due_at, 'infinity'::timestamptz)`;
  if (page.cursor) {
    const cursor = decodeCursor(page.cursor);
    query = query.where(sql<boolean>`(${queueKey}, id) > (${cursor.due ?? 'infinity'}::timestamptz, ${cursor.id}::uuid)`);
  }
  const rows = await query.orderBy(queueKey).orderBy('id').limit(page.limit + 1).execute();
  const hasMore = rows.length > page.limit;
  const pageRows = hasMore ? rows.slice(0, page.limit) : rows;
  const last = pageRows.at(-1);
  return {
    rows: pageRows,
    nextCursor: hasMore && last ? encodeCursor({ due: last.next_due_at?.toISOString() ?? null, id: last.id }) : null,
  };
}
