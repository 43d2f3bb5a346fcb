import type { Executor } from '../../../platform/db/database.js';
import type { ReportRow } from '../../../platform/db/schema.js';
import type { ProjectPolicy } from '../../policy/policy.schema.js';
import { findTeamMessageTimes } from '../../reports/message.repository.js';
import { findPauses, updateReport } from '../../reports/report.repository.js';
import { findStateChangeTimes, replaceDeadlines, type DeadlineValues } from './deadline.repository.js';
import { calendarOf, computeDeadlines, newReportFacts, nextDue, warningAt, type DeadlineFacts } from './deadlines.js';

type Plan = { deadlines: DeadlineValues[]; nextDueAt: Date | null };

function plan(project: ProjectPolicy, facts: DeadlineFacts): Plan {
  const deadlines = computeDeadlines(project.timeline, facts);
  const calendar = calendarOf(project.timeline);
  return {
    deadlines: deadlines.map((deadline) => ({ ...deadline, warnAt: warningAt(deadline, project.timeline.warnBefore, calendar) })),
    nextDueAt: nextDue(deadlines),
  };
}

/** The deadlines of a report that has just arrived: computed without reading anything back. */
export function initialDeadlines(project: ProjectPolicy, receivedAt: Date): Plan {
  return plan(project, newReportFacts(receivedAt));
}

/**
 * Recomputes a report's deadlines from its facts and stores them, with the report's next due date
 * for the queue. Called inside every transaction that changes a fact the clocks depend on.
 */
export async function refreshDeadlines(trx: Executor, report: ReportRow, project: ProjectPolicy): Promise<void> {
  // Sequential on purpose: one transaction is one connection.
  const pauses = await findPauses(trx, report.id);
  const teamMessages = await findTeamMessageTimes(trx, report.id);
  const stateChanges = await findStateChangeTimes(trx, report.id);
  const { deadlines, nextDueAt } = plan(project, {
    receivedAt: report.received_at,
    acknowledgedAt: report.acknowledged_at,
    assessedAt: report.assessed_at,
    resolvedAt: report.resolved_at,
    closedAt: report.closed_at,
    severity: report.severity,
    pauses: pauses.map((pause) => ({ from: pause.started_at, to: pause.ended_at })),
    teamMessages,
    stateChanges,
  });
  await replaceDeadlines(trx, report.id, deadlines);
  await updateReport(trx, report.id, { next_due_at: nextDueAt });
}
