import type { AppContext } from '../../context.js';
import { AppError, notFound, validationFailed } from '../../platform/errors.js';
import type { Actor } from '../access/actor.js';
import { canHandle, canReport, type ReportAction } from '../access/report.policy.js';
import { appendAudit } from '../audit/audit.repository.js';
import { findRoles } from '../auth/user.repository.js';
import { enqueueOutbox } from '../notifications/outbox.repository.js';
import type { ReportUpdate } from '../../platform/db/schema.js';
import type { Tx } from '../../platform/db/database.js';
import { findReport, isUuid, lockReport, updateReport } from '../reports/report.repository.js';
import { auditActor, getProjectOrThrow } from '../reports/report.service.js';
import { scoreCvss, type CvssVersion } from './cvss.js';
import { refreshDeadlines } from './sla/sla.service.js';
import { isClosingOutcome, type ReportState } from './state-machine.js';
import { recordTransition } from './transition.js';

async function lockForAction(trx: Tx, actor: Actor, id: string, action: ReportAction) {
  const report = await lockReport(trx, id);
  const ref = report && { id: report.id, projectSlug: report.project_slug };
  if (!report || !ref || !canReport(actor, 'read', ref)) throw notFound('REPORT_NOT_FOUND', 'report');
  if (!canReport(actor, action, ref)) throw new AppError('FORBIDDEN', 'Your role on this project does not allow this.');
  return report;
}

export type TransitionRequest = { to: ReportState; reason?: string | undefined; duplicateOf?: string | undefined; forwardedTo?: string | undefined };

export async function transitionReport(context: AppContext, actor: Actor, id: string, request: TransitionRequest): Promise<void> {
  const now = context.clock.now();
  await context.db.transaction().execute(async (trx) => {
    const report = await lockForAction(trx, actor, id, 'transition');
    const project = getProjectOrThrow(context, report.project_slug);
    if (isClosingOutcome(request.to) && !request.reason) {
      throw validationFailed([{ field: 'reason', code: 'required', message: 'closing a report needs a reason the reporter can read' }]);
    }
    if (request.to === 'duplicate') {
      const original = request.duplicateOf && isUuid(request.duplicateOf) ? await findReport(trx, request.duplicateOf) : undefined;
      if (!original || original.project_slug !== report.project_slug || original.id === report.id) {
        throw validationFailed([{ field: 'duplicateOf', code: 'invalid', message: 'name another report of the same project' }]);
      }
    }
    if (request.to === 'forwarded_upstream' && !request.forwardedTo) {
      throw validationFailed([{ field: 'forwardedTo', code: 'required', message: 'say where the report was forwarded (project, maintainer or URL)' }]);
    }
    const updated = await recordTransition(trx, report, {
      to: request.to,
      reason: request.reason ?? null,
      actor: auditActor(actor),
      at: now,
      duplicateOf: request.duplicateOf ?? null,
      forwardedTo: request.forwardedTo ?? null,
    });
    await refreshDeadlines(trx, updated, project);
    await enqueueOutbox(trx, {
      topic: 'report.state_changed',
      dedupeKey: `report.state_changed:${report.id}:${updated.revision}`,
      payload: { reportId: report.id, project: report.project_slug, from: report.state, to: updated.state },
      at: now,
    });
  });
}

export type TriagePatch = {
  severity?: string | null | undefined;
  cvss31?: string | null | undefined;
  cvss40?: string | null | undefined;
  handlerId?: string | null | undefined;
  backupHandlerId?: string | null | undefined;
};

function scoreOrThrow(version: CvssVersion, field: string, vector: string) {
  const result = scoreCvss(version, vector);
  if (!result.ok) throw new AppError('INVALID_CVSS_VECTOR', `Invalid CVSS ${version} vector: ${result.reason}`, { fields: [{ field, code: 'invalid_cvss', message: result.reason }] });
  return result;
}

export async function patchReport(context: AppContext, actor: Actor, id: string, patch: TriagePatch): Promise<void> {
  const now = context.clock.now();
  await context.db.transaction().execute(async (trx) => {
    const report = await lockForAction(trx, actor, id, 'update');
    const project = getProjectOrThrow(context, report.project_slug);
    const changes: ReportUpdate = {};
    if (patch.severity !== undefined) {
      if (patch.severity !== null && !project.severityLevels.some((level) => level.id === patch.severity)) {
        throw new AppError('UNKNOWN_SEVERITY', `"${patch.severity}" is not a severity level of ${project.name}.`, {
          fields: [{ field: 'severity', code: 'unknown_severity', message: `expected one of ${project.severityLevels.map((level) => level.id).join(', ')}` }],
        });
      }
      changes.severity = patch.severity;
    }
    if (patch.cvss31 !== undefined) {
      const scored = patch.cvss31 === null ? null : scoreOrThrow('3.1', 'cvss31', patch.cvss31);
      changes.cvss31_vector = scored?.vector ?? null;
      changes.cvss31_score = scored?.score ?? null;
    }
    if (patch.cvss40 !== undefined) {
      const scored = patch.cvss40 === null ? null : scoreOrThrow('4.0', 'cvss40', patch.cvss40);
      changes.cvss40_vector = scored?.vector ?? null;
      changes.cvss40_score = scored?.score ?? null;
    }
    for (const [field, column] of [['handlerId', 'handler_id'], ['backupHandlerId', 'backup_handler_id']] as const) {
      const userId = patch[field];
      if (userId === undefined) continue;
      if (userId !== null && !(isUuid(userId) && canHandle(await findRoles(trx, userId), project.slug))) {
        throw new AppError('UNKNOWN_HANDLER', 'The handler must be a maintainer or admin of this project.', {
          fields: [{ field, code: 'unknown_handler', message: 'not a maintainer or admin of this project' }],
        });
      }
      changes[column] = userId;
    }
    const changed = Object.fromEntries(Object.entries(changes).filter(([key, value]) => report[key as keyof typeof report] !== value));
    if (Object.keys(changed).length === 0) return;
    const updated = { ...report, ...changed, updated_at: now, revision: report.revision + 1 };
    await updateReport(trx, report.id, { ...changed, updated_at: now, revision: updated.revision });
    await appendAudit(trx, { stream: `report:${report.id}`, actor: auditActor(actor), action: 'report.updated', data: { changes: changed }, at: now });
    if ('severity' in changed) await refreshDeadlines(trx, updated, project);
  });
}
