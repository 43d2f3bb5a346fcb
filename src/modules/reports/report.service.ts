import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../context.js';
import type { Executor, Tx } from '../../platform/db/database.js';
import { uuidv7 } from '../../platform/crypto/ids.js';
import { generateToken, hashToken } from '../../platform/crypto/tokens.js';
import { AppError, notFound, validationFailed } from '../../platform/errors.js';
import type { Actor, RequestOrigin } from '../access/actor.js';
import { canReport } from '../access/report.policy.js';
import { auditActor } from '../audit/audit-actor.js';
import { appendAudit, auditRow, findAuditEvents } from '../audit/audit.repository.js';
import { findUserNames } from '../auth/user.repository.js';
import { enqueueOutbox, outboxRow } from '../notifications/outbox.repository.js';
import { ALWAYS_REQUIRED_FIELDS, type ProjectPolicy } from '../policy/policy.schema.js';
import { deadlineRows } from '../triage/sla/deadline.repository.js';
import { initialDeadlines, refreshDeadlines } from '../triage/sla/sla.service.js';
import type { ReportState } from '../triage/state-machine.js';
import { recordTransition } from '../triage/transition.js';
import { insertMessage } from './message.repository.js';
import { findReport, insertNewReport, lockReport, updateReport } from './report.repository.js';
import { sealContent, sealMessage } from './report.crypto.js';
import type { IntakeBody } from './report.schemas.js';
import type { ReportRow } from '../../platform/db/schema.js';

export type IntakeResult = { id: string; accessToken: string; statusUrl: string };

export function getProjectOrThrow(context: AppContext, slug: string): ProjectPolicy {
  const project = context.policies.findProject(slug);
  if (!project) throw notFound('PROJECT_NOT_FOUND', `project "${slug}"`);
  return project;
}

/** Fields the project's policy requires on top of title and description. */
export function requiredFields(project: ProjectPolicy): string[] {
  return [...new Set([...ALWAYS_REQUIRED_FIELDS, ...project.report.requiredFields])];
}

function checkRequiredFields(project: ProjectPolicy, body: IntakeBody): void {
  const missing = requiredFields(project).filter((field) => {
    const value = body[field as keyof IntakeBody];
    return value === undefined || (Array.isArray(value) && value.length === 0);
  });
  if (missing.length > 0) {
    throw validationFailed(
      missing.map((field) => ({ field, code: 'required', message: `${project.name}'s security policy requires this field` })),
      `Missing fields required by ${project.name}'s security policy: ${missing.join(', ')}.`,
    );
  }
}

/** Takes a private report from anyone. The access token is returned once and stored only as a hash. */
export async function submitReport(
  context: AppContext,
  projectSlug: string,
  body: IntakeBody,
  source: 'api' | 'web' | 'email' = 'api',
  origin?: RequestOrigin,
  /** A transaction to write in, so that email intake records the mail and its receipt with the report. */
  options: { executor?: Executor } = {},
): Promise<IntakeResult> {
  const project = getProjectOrThrow(context, projectSlug);
  // An email is one block of text: it cannot carry the policy's separate fields, so the team asks
  // for what is missing in the thread instead of the report being refused.
  if (source !== 'email') checkRequiredFields(project, body);
  const id = randomUUID();
  const accessToken = generateToken('reporter');
  const now = context.clock.now();
  // A new report has no history: its deadlines follow from the policy alone, so intake writes them
  // without reading anything back (intake is the hot path).
  const deadlines = initialDeadlines(project, now);

  await insertNewReport(options.executor ?? context.db, {
    report: {
      id,
      project_slug: project.slug,
      state: 'new',
      severity: null,
      cvss31_vector: null,
      cvss31_score: null,
      cvss40_vector: null,
      cvss40_score: null,
      handler_id: null,
      backup_handler_id: null,
      duplicate_of: null,
      forwarded_to: null,
      source,
      content_enc: sealContent(context, id, body),
      access_token_hash: hashToken(accessToken),
      received_at: now,
      updated_at: now,
      revision: 0,
      next_due_at: deadlines.nextDueAt,
    },
    // The first entry of the report's own stream.
    audit: auditRow({ stream: `report:${id}`, actor: { type: 'reporter', id, name: 'reporter', ip: origin?.ip ?? null, userAgent: origin?.userAgent ?? null, authMethod: origin?.authMethod ?? 'none' }, action: 'report.received', data: { project: project.slug, source }, at: now }, 1),
    deadlines: deadlineRows(id, deadlines.deadlines),
    outbox: outboxRow({ topic: 'report.received', dedupeKey: `report.received:${id}`, payload: { reportId: id, project: project.slug }, at: now }),
  });

  return { id, accessToken, statusUrl: `${context.config.publicUrl}/r/${id}#${accessToken}` };
}

/** Loads a report the actor may read, or answers 404 whether it is missing or hidden from them. */
export async function getReportFor(context: AppContext, actor: Actor, id: string) {
  const report = await findReport(context.db, id);
  if (!report || !canReport(actor, 'read', { id: report.id, projectSlug: report.project_slug })) {
    throw notFound('REPORT_NOT_FOUND', 'report');
  }
  return report;
}

/** The audit history of a report, for the team (reporters see their thread and deadlines, not this). */
export async function getReportAudit(context: AppContext, actor: Actor, id: string) {
  const report = await getReportFor(context, actor, id);
  if (!canReport(actor, 'readInternal', { id: report.id, projectSlug: report.project_slug })) {
    throw new AppError('FORBIDDEN', 'The audit history is for the team.');
  }
  const events = await findAuditEvents(context.db, `report:${report.id}`);
  const names = await findUserNames(context.db, [...new Set(events.filter((e) => e.actor_type === 'user' && e.actor_id).map((e) => e.actor_id!))]);
  return events.map((event) => ({
    seq: event.seq,
    action: event.action,
    actorType: event.actor_type,
    actorId: event.actor_id,
    actorName: event.actor_id ? (names.get(event.actor_id) ?? null) : null,
    reason: event.reason,
    data: event.data as Record<string, unknown>,
    occurredAt: event.occurred_at.toISOString(),
    sealed: event.hash !== null,
  }));
}

export { auditActor };

/**
 * A message in the report's thread. A reporter answering while the team waits for information
 * resumes the report where it was, which restarts the paused assessment clock.
 */
export async function postMessage(
  context: AppContext,
  actor: Actor,
  id: string,
  input: { body: string; internal: boolean },
  /** A transaction to write in, so that email intake records the mail with the message it became. */
  options: { transaction?: Tx } = {},
): Promise<string> {
  const now = context.clock.now();
  const inTransaction = <T>(work: (trx: Tx) => Promise<T>) => (options.transaction ? work(options.transaction) : context.db.transaction().execute(work));
  return inTransaction(async (trx) => {
    const report = await lockReport(trx, id);
    const ref = report && { id: report.id, projectSlug: report.project_slug };
    if (!report || !ref || !canReport(actor, 'read', ref)) throw notFound('REPORT_NOT_FOUND', 'report');
    const action = input.internal ? 'addInternalNote' : 'reply';
    if (!canReport(actor, action, ref)) {
      throw new AppError('FORBIDDEN', input.internal ? 'Only the team can add internal notes.' : 'You may not reply to this report.');
    }
    const project = getProjectOrThrow(context, report.project_slug);
    const messageId = uuidv7(now.getTime());
    await insertMessage(trx, {
      id: messageId,
      reportId: report.id,
      authorType: actor.kind === 'reporter' ? 'reporter' : 'team',
      authorId: actor.kind === 'user' ? actor.userId : null,
      internal: input.internal,
      bodyEnc: sealMessage(context, messageId, input.body),
      at: now,
    });
    await appendAudit(trx, {
      stream: `report:${report.id}`,
      actor: auditActor(actor),
      action: input.internal ? 'report.note_added' : 'report.message_posted',
      data: { messageId },
      at: now,
    });
    let current = { ...report, revision: report.revision + 1, updated_at: now };
    await updateReport(trx, report.id, { revision: current.revision, updated_at: now });
    current = await resumeOnReporterAnswer(trx, actor, current, 'The reporter answered.', now);
    await refreshDeadlines(trx, current, project);
    await enqueueOutbox(trx, {
      topic: actor.kind === 'reporter' ? 'report.reporter_message' : input.internal ? 'report.internal_note' : 'report.team_message',
      dedupeKey: `message:${messageId}`,
      payload: { reportId: report.id, project: report.project_slug, messageId },
      at: now,
    });
    return messageId;
  });
}

export type { ReportState };

/** A reporter's answer (a message or a file) ends a wait for information: the paused clocks run again. */
export async function resumeOnReporterAnswer(trx: Tx, actor: Actor, report: ReportRow, reason: string, at: Date): Promise<ReportRow> {
  if (actor.kind !== 'reporter' || report.state !== 'needs_info') return report;
  return recordTransition(trx, report, { to: null, reason, actor: auditActor(actor), at });
}

async function lockForTokenChange(trx: Tx, actor: Actor, id: string) {
  const report = await lockReport(trx, id);
  const ref = report && { id: report.id, projectSlug: report.project_slug };
  if (!report || !ref || !canReport(actor, 'read', ref)) throw notFound('REPORT_NOT_FOUND', 'report');
  if (!canReport(actor, 'manageAccessToken', ref)) throw new AppError('FORBIDDEN', 'Your role on this project does not allow this.');
  return report;
}

/**
 * Replaces the reporter's access token: the reporter rotating their own link, or a maintainer issuing a
 * new one for a reporter who lost theirs. The old token stops working at once; the new one is shown once.
 */
export async function replaceAccessToken(context: AppContext, actor: Actor, id: string): Promise<{ accessToken: string; statusUrl: string }> {
  const accessToken = generateToken('reporter');
  const now = context.clock.now();
  await context.db.transaction().execute(async (trx) => {
    const report = await lockForTokenChange(trx, actor, id);
    await updateReport(trx, report.id, { access_token_hash: hashToken(accessToken), access_token_revoked_at: null, updated_at: now });
    await appendAudit(trx, { stream: `report:${report.id}`, actor: auditActor(actor), action: 'report.access_token_replaced', at: now });
  });
  return { accessToken, statusUrl: `${context.config.publicUrl}/r/${id}#${accessToken}` };
}

export async function revokeAccessToken(context: AppContext, actor: Actor, id: string): Promise<void> {
  const now = context.clock.now();
  await context.db.transaction().execute(async (trx) => {
    const report = await lockForTokenChange(trx, actor, id);
    await updateReport(trx, report.id, { access_token_revoked_at: now, updated_at: now });
    await appendAudit(trx, { stream: `report:${report.id}`, actor: auditActor(actor), action: 'report.access_token_revoked', at: now });
  });
}
