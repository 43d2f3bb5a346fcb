import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../context.js';
import type { Tx } from '../../platform/db/database.js';
import { AppError, notFound } from '../../platform/errors.js';
import type { Actor, UserActor } from '../access/actor.js';
import { canDraftAdvisory, draftProjectSlugs } from '../access/advisory.policy.js';
import { canReport } from '../access/report.policy.js';
import { appendAudit } from '../audit/audit.repository.js';
import type { ProjectPolicy } from '../policy/policy.schema.js';
import { openContent } from '../reports/report.crypto.js';
import { lockReport } from '../reports/report.repository.js';
import { auditActor, getProjectOrThrow } from '../reports/report.service.js';
import { emptyContent, openAdvisoryContent, sealAdvisoryContent, type AdvisoryContent } from './advisory.content.js';
import { applyEdit, assertPublishable } from './advisory.edit.js';
import {
  allocateNumber,
  findAdvisoryIdOfReport,
  findAdvisoryPage,
  insertAdvisory,
  linkReport,
  updateAdvisoryRow,
} from './advisory.repository.js';
import type { AdvisoryEdit, ListQuery } from './advisory.schemas.js';
import type { Credit } from './advisory.types.js';
import { yearIn } from './embargo-time.js';
import { revisePublished } from './publication.js';
import { advisoryStream, lockAdvisoryFor } from './advisory.access.js';

/** Reports in these states have been accepted as vulnerabilities: an advisory may be drafted from them. */
const ACCEPTED_STATES = ['triaged', 'fix_in_progress', 'fixed'];

export function idPrefixOf(project: ProjectPolicy): string {
  return project.advisories?.idPrefix ?? project.slug.toUpperCase();
}

/** A new draft for a project, on its own. */
export async function createAdvisory(context: AppContext, actor: UserActor, projectSlug: string, body: AdvisoryEdit & { title: string }): Promise<string> {
  const project = getProjectOrThrow(context, projectSlug);
  if (!canDraftAdvisory(actor, project.slug)) throw new AppError('FORBIDDEN', 'Only maintainers of this project draft its advisories.');
  return context.db.transaction().execute((trx) => insertDraft(trx, context, actor, project, emptyContent(body.title), body, null));
}

/**
 * A draft from an accepted report: title, severity and CVSS come from triage, and the reporter is
 * credited as they asked: by name or handle, or anonymously (counted, never named). Their contact
 * address is not copied: credits are public.
 */
export async function createAdvisoryFromReport(context: AppContext, actor: UserActor, reportId: string, body: AdvisoryEdit): Promise<string> {
  return context.db.transaction().execute(async (trx) => {
    const report = await lockReport(trx, reportId);
    const ref = report && { id: report.id, projectSlug: report.project_slug };
    if (!report || !ref || !canReport(actor, 'read', ref)) throw notFound('REPORT_NOT_FOUND', 'report');
    if (!canDraftAdvisory(actor, report.project_slug)) throw new AppError('FORBIDDEN', 'Only maintainers of this project draft its advisories.');
    if (!ACCEPTED_STATES.includes(report.state)) {
      throw new AppError('REPORT_NOT_ACCEPTED', `An advisory is drafted from an accepted report (triaged, fix in progress or fixed); this one is "${report.state}".`, {
        state: report.state,
      });
    }
    const existing = await findAdvisoryIdOfReport(trx, report.id);
    if (existing) throw new AppError('ADVISORY_EXISTS', `This report already has advisory ${existing}.`, { advisoryId: existing });
    const project = getProjectOrThrow(context, report.project_slug);
    const reportContent = openContent(context, report.id, report.content_enc);
    const content: AdvisoryContent = {
      ...emptyContent(reportContent.title),
      cvss31: report.cvss31_vector,
      cvss40: report.cvss40_vector,
      credits: [reporterCredit(project, reportContent.credit)],
    };
    const defaults: AdvisoryEdit = { severity: report.severity, ...body };
    return insertDraft(trx, context, actor, project, content, defaults, report.id);
  });
}

export function reporterCredit(project: ProjectPolicy, preference: { type: 'name' | 'handle' | 'anonymous'; value?: string | undefined } | undefined): Credit {
  const named = project.disclosure.credit === 'credit' && preference && preference.type !== 'anonymous' && preference.value?.trim();
  return { name: named ? preference.value!.trim() : null, type: 'FINDER' };
}

async function insertDraft(trx: Tx, context: AppContext, actor: UserActor, project: ProjectPolicy, base: AdvisoryContent, edit: AdvisoryEdit, reportId: string | null): Promise<string> {
  const now = context.clock.now();
  const applied = applyEdit(project, base, edit, now);
  if (applied.embargo) assertPublishable(applied.content, 'The advisory cannot be scheduled yet');
  const prefix = idPrefixOf(project);
  const year = yearIn(now, project.timeline.timezone);
  const number = await allocateNumber(trx, prefix, year);
  const id = randomUUID();
  const publicId = `${prefix}-${year}-${String(number).padStart(4, '0')}`;
  await insertAdvisory(trx, {
    id,
    public_id: publicId,
    project_slug: project.slug,
    state: 'draft',
    source: 'embargo',
    severity: applied.severity ?? null,
    content_enc: sealAdvisoryContent(context, id, applied.content),
    publish_at: applied.embargo?.instant ?? null,
    publish_zone: applied.embargo?.zone ?? null,
    created_by: actor.userId,
    created_at: now,
    updated_at: now,
  });
  if (reportId) await linkReport(trx, id, reportId);
  // Field names only: the audit log is not the place for embargoed content.
  await appendAudit(trx, {
    stream: advisoryStream({ id }),
    actor: auditActor(actor),
    action: 'advisory.drafted',
    data: { id: publicId, project: project.slug, ...(reportId ? { reportId } : {}), ...(applied.embargo ? { publishAt: applied.embargo.instant.toISOString(), timezone: applied.embargo.zone } : {}) },
    at: now,
  });
  if (reportId) {
    await appendAudit(trx, { stream: `report:${reportId}`, actor: auditActor(actor), action: 'report.advisory_drafted', data: { advisoryId: publicId }, at: now });
  }
  return publicId;
}

/** Edits a draft (and its schedule), or revises a published advisory with a new public revision. */
export async function editAdvisory(context: AppContext, actor: UserActor, publicId: string, edit: AdvisoryEdit): Promise<void> {
  const now = context.clock.now();
  await context.db.transaction().execute(async (trx) => {
    const row = await lockAdvisoryFor(trx, actor, publicId, 'edit');
    if (row.state === 'withdrawn') throw new AppError('INVALID_ADVISORY_STATE', 'A withdrawn advisory is kept as it was; draft a new one instead.', { state: row.state });
    if (row.state === 'published' && edit.embargo !== undefined) {
      throw new AppError('INVALID_ADVISORY_STATE', 'This advisory is already public: there is nothing left to schedule.', { state: row.state });
    }
    const project = getProjectOrThrow(context, row.project_slug);
    const current = openAdvisoryContent(context, row.id, row.content_enc);
    const applied = applyEdit(project, current, edit, now);
    const scheduled = applied.embargo !== undefined ? applied.embargo !== null : row.publish_at !== null;
    if (row.state === 'draft' && scheduled) assertPublishable(applied.content, 'A scheduled advisory must stay ready for publication');
    const severityChanged = applied.severity !== undefined && applied.severity !== row.severity;
    const embargoChanged =
      applied.embargo !== undefined &&
      ((applied.embargo?.instant.getTime() ?? null) !== (row.publish_at?.getTime() ?? null) || (applied.embargo?.zone ?? null) !== row.publish_zone);
    const changed = [...applied.changed, ...(severityChanged ? ['severity'] : []), ...(embargoChanged ? ['embargo'] : [])];
    if (changed.length === 0) return;
    const severity = applied.severity !== undefined ? applied.severity : row.severity;
    await updateAdvisoryRow(trx, row.id, {
      content_enc: sealAdvisoryContent(context, row.id, applied.content),
      severity,
      ...(embargoChanged ? { publish_at: applied.embargo?.instant ?? null, publish_zone: applied.embargo?.zone ?? null } : {}),
      updated_at: now,
      revision: row.revision + 1,
    });
    await appendAudit(trx, {
      stream: advisoryStream(row),
      actor: auditActor(actor),
      action: !embargoChanged ? 'advisory.edited' : applied.embargo === null ? 'advisory.unscheduled' : 'advisory.scheduled',
      data: { fields: changed, ...(applied.embargo ? { publishAt: applied.embargo.instant.toISOString(), timezone: applied.embargo.zone } : {}) },
      at: now,
    });
    if (row.state === 'published') {
      await revisePublished(trx, context, { ...row, severity }, applied.content, { actor: auditActor(actor), at: now, summary: edit.revisionSummary ?? null });
    }
  });
}

/** Newest first; drafts only of the actor's own projects (scoped in SQL), published ones for everyone. */
export async function listAdvisories(context: AppContext, actor: Actor, query: ListQuery) {
  const statuses = query.status ?? [];
  const states = [...new Set(statuses.map((status) => (status === 'scheduled' ? 'draft' : status)))];
  const onlyScheduled = statuses.length > 0 && statuses.every((status) => status === 'scheduled');
  const onlyUnscheduledDrafts = statuses.includes('draft') && !statuses.includes('scheduled') && statuses.length === 1;
  const rows = await findAdvisoryPage(context.db, {
    draftProjects: draftProjectSlugs(actor),
    projects: query.project,
    states,
    scheduled: onlyScheduled ? true : onlyUnscheduledDrafts ? false : undefined,
    limit: query.limit + 1,
    after: decodeCursor(query.cursor),
  });
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return { rows: page, nextCursor: rows.length > query.limit && last ? encodeCursor(last.sort_key, last.id) : null };
}

function encodeCursor(key: Date, id: string): string {
  return Buffer.from(JSON.stringify([key.toISOString(), id])).toString('base64url');
}

function decodeCursor(cursor: string | undefined): { key: Date; id: string } | undefined {
  if (!cursor) return undefined;
  try {
    const [key, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    const date = new Date(key);
    if (Number.isNaN(date.getTime()) || !/^[0-9a-f-]{36}$/.test(id)) throw new Error('bad cursor');
    return { key: date, id };
  } catch {
    throw new AppError('INVALID_CURSOR', 'The cursor is not one this server gave out.');
  }
}
