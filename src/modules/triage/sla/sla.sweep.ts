import type { Db } from '../../../platform/db/database.js';
import type { Clock } from '../../../platform/clock.js';
import { enqueueOutbox } from '../../notifications/outbox.repository.js';
import { claimDeadline, findDeadlinesToBreach, findDeadlinesToWarn, type DueDeadline } from './deadline.repository.js';

export type SweepResult = { warned: number; breached: number };

/**
 * One pass of the SLA scheduler: every deadline that became due soon or overdue gets exactly one
 * event in the outbox. Safe to run in several processes at once: each event rides on an atomic claim
 * of its deadline row, and the outbox's dedupe key would refuse a second copy anyway.
 */
export async function sweepDeadlines(deps: { db: Db; clock: Clock }, options: { batchSize?: number } = {}): Promise<SweepResult> {
  const now = deps.clock.now();
  const batchSize = options.batchSize ?? 200;
  const result: SweepResult = { warned: 0, breached: 0 };

  for (const row of await findDeadlinesToBreach(deps.db, now, batchSize)) {
    if (await emit(deps.db, row, 'breached_at', 'sla.deadline_breached', now)) result.breached += 1;
  }
  for (const row of await findDeadlinesToWarn(deps.db, now, batchSize)) {
    if (await emit(deps.db, row, 'warned_at', 'sla.deadline_due_soon', now)) result.warned += 1;
  }
  return result;
}

async function emit(db: Db, row: DueDeadline, mark: 'warned_at' | 'breached_at', topic: string, now: Date): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    if (!(await claimDeadline(trx, row, mark, now))) return false;
    const dueAt = row.due_at?.toISOString() ?? null;
    return enqueueOutbox(trx, {
      topic,
      dedupeKey: `${topic}:${row.report_id}:${row.kind}:${row.seq}:${dueAt}`,
      payload: {
        reportId: row.report_id,
        project: row.project_slug,
        kind: row.kind,
        seq: row.seq,
        dueAt,
        handlerId: row.handler_id,
        backupHandlerId: row.backup_handler_id,
      },
      at: now,
    });
  });
}
