import type { Executor, Tx } from '../../platform/db/database.js';
import type { Insertable } from 'kysely';
import type { AuditEventsTable, DeadlinesTable, NewReportRow, OutboxTable, ReportRow, ReportUpdate } from '../../platform/db/schema.js';

/**
 * Writes a new report with its first audit entry, deadlines and outbox event in ONE statement (data-
 * modifying CTEs): atomic like a transaction, but a single round trip on the intake hot path.
 */
export async function insertNewReport(
  db: Executor,
  rows: { report: NewReportRow; audit: Insertable<AuditEventsTable>; deadlines: Insertable<DeadlinesTable>[]; outbox: Insertable<OutboxTable> },
): Promise<void> {
  let query = db
    .with('new_report', (qb) => qb.insertInto('reports').values(rows.report).returning('id'))
    .with('new_audit', (qb) => qb.insertInto('audit_events').values(rows.audit).returning('id'));
  if (rows.deadlines.length > 0) {
    query = query.with('new_deadlines', (qb) => qb.insertInto('deadlines').values(rows.deadlines).returning('report_id')) as unknown as typeof query;
  }
  await query.insertInto('outbox').values(rows.outbox).execute();
}

export async function findReport(db: Executor, id: string): Promise<ReportRow | undefined> {
  if (!isUuid(id)) return undefined;
  return db.selectFrom('reports').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Locks the row for the rest of the transaction: concurrent changes to one report queue up here. */
export async function lockReport(trx: Tx, id: string): Promise<ReportRow | undefined> {
  if (!isUuid(id)) return undefined;
  return trx.selectFrom('reports').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function findReportIdByTokenHash(db: Executor, tokenHash: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('reports')
    .select('id')
    .where('access_token_hash', '=', tokenHash)
    .where('access_token_revoked_at', 'is', null)
    .executeTakeFirst();
  return row?.id;
}

export async function updateReport(trx: Executor, id: string, changes: ReportUpdate): Promise<void> {
  await trx.updateTable('reports').set(changes).where('id', '=', id).execute();
}

export async function openPause(trx: Executor, reportId: string, at: Date, resumeState: string): Promise<void> {
  await trx.insertInto('report_pauses').values({ report_id: reportId, started_at: at, resume_state: resumeState }).execute();
}

/** Ends the open pause and says which state the report was in before it. */
export async function closePause(trx: Executor, reportId: string, at: Date): Promise<string | null> {
  const row = await trx
    .updateTable('report_pauses')
    .set({ ended_at: at })
    .where('report_id', '=', reportId)
    .where('ended_at', 'is', null)
    .returning('resume_state')
    .executeTakeFirst();
  return row?.resume_state ?? null;
}

export async function findPauses(db: Executor, reportId: string) {
  return db.selectFrom('report_pauses').selectAll().where('report_id', '=', reportId).orderBy('started_at').execute();
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Ids come from URLs: anything that is not a uuid cannot name a report, and must not reach SQL as one. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
