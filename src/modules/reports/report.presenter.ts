import type { AppContext } from '../../context.js';
import type { DeadlineRow, ReportRow } from '../../platform/db/schema.js';
import { openContent, openMessage } from './report.crypto.js';
import type { Actor } from '../access/actor.js';
import { reportAbilities } from '../access/report.policy.js';
import { scoreCvss } from '../triage/cvss.js';
import { findDeadlines } from '../triage/sla/deadline.repository.js';
import { allowedTransitions, type ReportState } from '../triage/state-machine.js';
import { checkVersionSupport } from '../triage/versions.js';
import { findMessages } from './message.repository.js';
import { getProjectOrThrow } from './report.service.js';
import type { DeadlineView, MessageView, ReporterReportView, TeamReportView } from './report.schemas.js';

export function presentDeadline(row: DeadlineRow, now: Date): DeadlineView {
  return {
    kind: row.kind as DeadlineView['kind'],
    seq: row.seq,
    dueAt: row.due_at?.toISOString() ?? null,
    metAt: row.met_at?.toISOString() ?? null,
    paused: row.paused,
    overdue: row.met_at === null && !row.paused && row.due_at !== null && row.due_at.getTime() < now.getTime(),
  };
}

function cvssView(version: '3.1' | '4.0', vector: string | null, score: number | null) {
  if (!vector || score === null) return null;
  const scored = scoreCvss(version, vector);
  return { vector, score, severity: scored.ok ? scored.severity : 'unknown' };
}

/**
 * Builds what the actor may see of a report. The two audiences get different shapes, and the response
 * schema for each is an allow-list, so team-only fields cannot reach a reporter by accident.
 */
export async function presentReport(context: AppContext, actor: Actor, report: ReportRow): Promise<TeamReportView | ReporterReportView> {
  const project = getProjectOrThrow(context, report.project_slug);
  const ref = { id: report.id, projectSlug: report.project_slug };
  const abilities = reportAbilities(actor, ref);
  const isTeam = actor.kind === 'user';
  const now = context.clock.now();
  const content = openContent(context, report.id, report.content_enc);
  const [messages, deadlines] = [
    await findMessages(context.db, report.id, { includeInternal: isTeam && abilities.readInternal }),
    await findDeadlines(context.db, report.id),
  ];
  const affectedVersions = content.affectedVersions ?? [];
  const common = {
    id: report.id,
    project: report.project_slug,
    state: report.state as ReportState,
    severity: report.severity,
    title: content.title,
    description: content.description,
    stepsToReproduce: content.stepsToReproduce ?? null,
    impact: content.impact ?? null,
    affectedVersions,
    versionSupport: checkVersionSupport(project, affectedVersions),
    environment: content.environment ?? null,
    proofOfConcept: content.proofOfConcept ?? null,
    suggestedFix: content.suggestedFix ?? null,
    credit: content.credit ?? null,
    contactEmail: content.contactEmail ?? null,
    receivedAt: report.received_at.toISOString(),
    updatedAt: report.updated_at.toISOString(),
    deadlines: deadlines.map((row) => presentDeadline(row, now)),
    nextDueAt: report.next_due_at?.toISOString() ?? null,
    messages: messages.map(
      (message): MessageView => ({
        id: message.id,
        author: message.author_type,
        // Reporters see "team", not which person: team members' identities are not theirs to collect.
        authorName: isTeam ? (message.display_name ?? message.email ?? null) : null,
        internal: message.internal,
        body: openMessage(context, message.id, message.body_enc),
        createdAt: message.created_at.toISOString(),
      }),
    ),
  };
  if (!isTeam) return { audience: 'reporter', ...common, abilities: { reply: abilities.reply } };
  return {
    audience: 'team',
    ...common,
    source: report.source,
    cvss31: cvssView('3.1', report.cvss31_vector, report.cvss31_score),
    cvss40: cvssView('4.0', report.cvss40_vector, report.cvss40_score),
    handlerId: report.handler_id,
    backupHandlerId: report.backup_handler_id,
    duplicateOf: report.duplicate_of,
    forwardedTo: report.forwarded_to,
    revision: report.revision,
    allowedTransitions: abilities.transition ? [...allowedTransitions(report.state as ReportState)] : [],
    abilities,
  };
}
