import { randomUUID } from 'node:crypto';
import { sql, type Insertable } from 'kysely';
import type { Executor } from '../../platform/db/database.js';
import { AppError } from '../../platform/errors.js';
import type { AuditEventsTable } from '../../platform/db/schema.js';

export type AuditActor = {
  type: 'user' | 'reporter' | 'system' | 'cli';
  id: string | null;
  /** A copy of the name at the time: the entry stays readable if the account is renamed or deleted. */
  name?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  authMethod?: string | null;
};

export type AuditEntry = {
  /** One ordered stream per record ("report:<id>", "user:<id>"); seq numbers it without gaps. */
  stream: string;
  actor: AuditActor;
  action: string;
  reason?: string | null | undefined;
  data?: Record<string, unknown>;
  at: Date;
};

/**
 * Appends to the audit log inside the caller's transaction, so that a change and its record commit
 * or fail together. Callers hold a lock on the stream's record (e.g. the report row), which keeps
 * seq free of races; the unique (stream, seq) constraint catches any caller that does not.
 */
export async function appendAudit(trx: Executor, entry: AuditEntry): Promise<void> {
  await trx
    .insertInto('audit_events')
    .values({ ...auditRow(entry, 0), seq: sql<number>`(select coalesce(max(seq), 0) + 1 from audit_events where stream = ${entry.stream})` })
    .execute();
}

/** The row for an entry; `seq` is 1 for the first entry of a new stream, else computed in SQL. */
export function auditRow(entry: AuditEntry, seq: number): Insertable<AuditEventsTable> {
  return {
    id: randomUUID(),
    stream: entry.stream,
    seq,
    actor_type: entry.actor.type,
    actor_id: entry.actor.id,
    actor_name: entry.actor.name ?? null,
    ip: entry.actor.ip ?? null,
    user_agent: entry.actor.userAgent ?? null,
    auth_method: entry.actor.authMethod ?? null,
    action: entry.action,
    reason: entry.reason ?? null,
    data: JSON.stringify(entry.data ?? {}),
    occurred_at: entry.at,
  };
}

export async function findAuditEvents(db: Executor, stream: string) {
  return db.selectFrom('audit_events').selectAll().where('stream', '=', stream).orderBy('seq').execute();
}

export type AuditFilter = { stream?: string | undefined; action?: string | undefined; actorId?: string | undefined; since?: string | undefined; until?: string | undefined };

/** Newest first, keyset-paged on (occurred_at, id). */
export async function findAuditPage(db: Executor, filter: AuditFilter, page: { limit: number; cursor?: string | undefined }) {
  let query = db.selectFrom('audit_events').selectAll();
  if (filter.stream) query = filter.stream.endsWith(':') ? query.where('stream', 'like', `${filter.stream.replace(/[%_\\]/g, '\\$&')}%`) : query.where('stream', '=', filter.stream);
  if (filter.action) query = query.where('action', '=', filter.action);
  if (filter.actorId) query = query.where('actor_id', '=', filter.actorId);
  if (filter.since) query = query.where('occurred_at', '>=', new Date(filter.since));
  if (filter.until) query = query.where('occurred_at', '<', new Date(filter.until));
  if (page.cursor) {
    const [at, id] = decodeAuditCursor(page.cursor);
    query = query.where((eb) => eb.or([eb('occurred_at', '<', at), eb.and([eb('occurred_at', '=', at), eb('id', '<', id)])]));
  }
  const rows = await query.orderBy('occurred_at', 'desc').orderBy('id', 'desc').limit(page.limit + 1).execute();
  const more = rows.length > page.limit;
  const pageRows = more ? rows.slice(0, page.limit) : rows;
  const last = pageRows.at(-1);
  return { rows: pageRows, nextCursor: more && last ? Buffer.from(JSON.stringify([last.occurred_at.toISOString(), last.id])).toString('base64url') : null };
}

function decodeAuditCursor(cursor: string): [Date, string] {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    const date = new Date(at);
    if (!Number.isNaN(date.getTime()) && /^[0-9a-f-]{36}$/.test(id)) return [date, id];
  } catch {
    // fall through
  }
  throw new AppError('INVALID_CURSOR', 'The cursor is not one this server gave out.', { fields: [{ field: 'cursor', code: 'invalid_cursor', message: 'not a valid cursor' }] });
}
