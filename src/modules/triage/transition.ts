import type { Tx } from '../../platform/db/database.js';
import type { ReportRow, ReportUpdate } from '../../platform/db/schema.js';
import { AppError } from '../../platform/errors.js';
import { appendAudit, type AuditActor } from '../audit/audit.repository.js';
import { closePause, openPause, updateReport } from '../reports/report.repository.js';
import { allowedTransitions, canTransition, transitionEffects, type ReportState } from './state-machine.js';

export type TransitionInput = {
  /** null: leave needs_info for the state the report was in before it. */
  to: ReportState | null;
  reason: string | null;
  actor: AuditActor;
  at: Date;
  duplicateOf?: string | null;
  forwardedTo?: string | null;
};

/**
 * Moves a locked report to another state and records the clock facts the move settles, with its
 * audit entry, in the caller's transaction. Returns the row as it now is.
 */
export async function recordTransition(trx: Tx, report: ReportRow, input: TransitionInput): Promise<ReportRow> {
  const from = report.state as ReportState;
  const at = input.at;
  const resumeTo = from === 'needs_info' ? await closePause(trx, report.id, at) : null;
  // Asking the reporter a question acknowledged the report, so there is no way back to "new".
  const resumeState = resumeTo === null || resumeTo === 'new' ? 'acknowledged' : (resumeTo as ReportState);
  const to = input.to ?? resumeState;
  if (!canTransition(from, to)) {
    throw new AppError('INVALID_TRANSITION', `A report in state "${from}" cannot move to "${to}".`, {
      from,
      to,
      allowed: allowedTransitions(from),
    });
  }
  const effects = transitionEffects(from, to);
  const changes: ReportUpdate = { state: to, updated_at: at, revision: report.revision + 1 };
  if (effects.acknowledges && !report.acknowledged_at) changes.acknowledged_at = at;
  if (effects.assesses && !report.assessed_at) changes.assessed_at = at;
  if (effects.reopens) {
    changes.resolved_at = null;
    changes.closed_at = null;
  }
  if (effects.resolves && !report.resolved_at) changes.resolved_at = at;
  if (effects.closes) changes.closed_at = at;
  changes.duplicate_of = to === 'duplicate' ? (input.duplicateOf ?? null) : null;
  changes.forwarded_to = to === 'forwarded_upstream' ? (input.forwardedTo ?? null) : null;
  if (effects.pauses) await openPause(trx, report.id, at, from);

  await updateReport(trx, report.id, changes);
  await appendAudit(trx, {
    stream: `report:${report.id}`,
    actor: input.actor,
    action: 'report.transitioned',
    reason: input.reason,
    data: { from, to, ...(changes.duplicate_of ? { duplicateOf: changes.duplicate_of } : {}), ...(changes.forwarded_to ? { forwardedTo: changes.forwarded_to } : {}) },
    at,
  });
  return { ...report, ...changes } as ReportRow;
}
