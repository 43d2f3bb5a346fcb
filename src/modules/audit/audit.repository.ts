import { randomUUID } from 'node:crypto';
import { sql, type Insertable } from 'kysely';
import type { Executor } from '../../platform/db/database.js';
import type { AuditEventsTable } from '../../platform/db/schema.js';

export type AuditActor = { type: 'user' | 'reporter' | 'system' | 'cli'; id: string | null };

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
    action: entry.action,
    reason: entry.reason ?? null,
    data: JSON.stringify(entry.data ?? {}),
    occurred_at: entry.at,
  };
}

export async function findAuditEvents(db: Executor, stream: string) {
  return db.selectFrom('audit_events').selectAll().where('stream', '=', stream).orderBy('seq').execute();
}
