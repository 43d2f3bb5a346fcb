import type { Executor } from '../../../platform/db/database.js';
import type { Insertable } from 'kysely';
import type { DeadlineRow, DeadlinesTable } from '../../../platform/db/schema.js';

export type DeadlineValues = {
  kind: string;
  seq: number;
  dueAt: Date | null;
  warnAt: Date | null;
  metAt: Date | null;
  paused: boolean;
};

export async function findDeadlines(db: Executor, reportId: string): Promise<DeadlineRow[]> {
  return db.selectFrom('deadlines').selectAll().where('report_id', '=', reportId).orderBy('due_at').orderBy('kind').orderBy('seq').execute();
}

/**
 * Replaces a report's deadlines with freshly computed ones. Notification marks survive as long as
 * the deadline they were sent for is unchanged; a deadline that moved may warn and breach again.
 */
export async function replaceDeadlines(trx: Executor, reportId: string, deadlines: DeadlineValues[]): Promise<void> {
  const existing = await findDeadlines(trx, reportId);
  const byKey = new Map(existing.map((row) => [`${row.kind}:${row.seq}`, row]));
  const wanted = new Set(deadlines.map((deadline) => `${deadline.kind}:${deadline.seq}`));
  const stale = existing.filter((row) => !wanted.has(`${row.kind}:${row.seq}`));
  for (const row of stale) {
    await trx.deleteFrom('deadlines').where('report_id', '=', reportId).where('kind', '=', row.kind).where('seq', '=', row.seq).execute();
  }
  for (const deadline of deadlines) {
    const previous = byKey.get(`${deadline.kind}:${deadline.seq}`);
    const sameDue = previous !== undefined && previous.due_at?.getTime() === deadline.dueAt?.getTime();
    const values = {
      due_at: deadline.dueAt,
      warn_at: deadline.warnAt,
      met_at: deadline.metAt,
      paused: deadline.paused,
      warned_at: sameDue ? previous.warned_at : null,
      breached_at: sameDue ? previous.breached_at : null,
    };
    if (previous) {
      await trx.updateTable('deadlines').set(values).where('report_id', '=', reportId).where('kind', '=', deadline.kind).where('seq', '=', deadline.seq).execute();
    } else {
      await trx.insertInto('deadlines').values({ report_id: reportId, kind: deadline.kind, seq: deadline.seq, ...values }).execute();
    }
  }
}

export function deadlineRows(reportId: string, deadlines: DeadlineValues[]): Insertable<DeadlinesTable>[] {
  return deadlines.map((deadline) => ({
    report_id: reportId,
    kind: deadline.kind,
    seq: deadline.seq,
    due_at: deadline.dueAt,
    warn_at: deadline.warnAt,
    met_at: deadline.metAt,
    paused: deadline.paused,
  }));
}

/** When the report changed state, from its audit stream (written in the same transactions). */
export async function findStateChangeTimes(db: Executor, reportId: string): Promise<Date[]> {
  const rows = await db
    .selectFrom('audit_events')
    .select('occurred_at')
    .where('stream', '=', `report:${reportId}`)
    .where('action', '=', 'report.transitioned')
    .orderBy('seq')
    .execute();
  return rows.map((row) => row.occurred_at);
}

export type DueDeadline = DeadlineRow & { project_slug: string; handler_id: string | null; backup_handler_id: string | null };

function openRunningDeadlines(db: Executor) {
  return db
    .selectFrom('deadlines')
    .innerJoin('reports', 'reports.id', 'deadlines.report_id')
    .selectAll('deadlines')
    .select(['reports.project_slug', 'reports.handler_id', 'reports.backup_handler_id'])
    .where('deadlines.met_at', 'is', null)
    .where('deadlines.paused', '=', false);
}

/** Deadlines whose warning instant has passed and that were not warned about yet (due soon lasts up to dueAt inclusive; overdue starts after it). */
export async function findDeadlinesToWarn(db: Executor, now: Date, limit: number): Promise<DueDeadline[]> {
  return openRunningDeadlines(db)
    .where('deadlines.warned_at', 'is', null)
    .where('deadlines.warn_at', '<=', now)
    .where('deadlines.due_at', '>=', now)
    .orderBy('deadlines.warn_at')
    .limit(limit)
    .execute();
}

export async function findDeadlinesToBreach(db: Executor, now: Date, limit: number): Promise<DueDeadline[]> {
  return openRunningDeadlines(db).where('deadlines.breached_at', 'is', null).where('deadlines.due_at', '<', now).orderBy('deadlines.due_at').limit(limit).execute();
}

/**
 * The atomic claim: only the process whose update changes the row emits the event, however many
 * schedulers race for it. The due date is part of the condition so a deadline that moved meanwhile is skipped.
 */
export async function claimDeadline(trx: Executor, row: DeadlineRow, mark: 'warned_at' | 'breached_at', now: Date): Promise<boolean> {
  const result = await trx
    .updateTable('deadlines')
    .set({ [mark]: now })
    .where('report_id', '=', row.report_id)
    .where('kind', '=', row.kind)
    .where('seq', '=', row.seq)
    .where(mark, 'is', null)
    .where('met_at', 'is', null)
    .where('due_at', '=', row.due_at)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
