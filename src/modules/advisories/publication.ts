import type { AppContext } from '../../context.js';
import type { Tx } from '../../platform/db/database.js';
import type { AdvisoryRow } from '../../platform/db/schema.js';
import { AppError } from '../../platform/errors.js';
import type { UserActor } from '../access/actor.js';
import { appendAudit, type AuditActor } from '../audit/audit.repository.js';
import { enqueueOutbox } from '../notifications/outbox.repository.js';
import type { ProjectPolicy } from '../policy/policy.schema.js';
import { lockReport } from '../reports/report.repository.js';
import { auditActor, getProjectOrThrow } from '../reports/report.service.js';
import { refreshDeadlines } from '../triage/sla/sla.service.js';
import { allowedTransitions, isClosingOutcome, type ReportState } from '../triage/state-machine.js';
import { recordTransition } from '../triage/transition.js';
import { advisoryStream, lockAdvisoryFor } from './advisory.access.js';
import { openAdvisoryContent, type AdvisoryContent } from './advisory.content.js';
import { advisoryUrl, buildDocument, reviveDocument, samePublicContent, serializeDocument } from './advisory.document.js';
import { assertPublishable } from './advisory.edit.js';
import { claimForPublication, findDueAdvisories, findLinkedReportIds, insertRevision, replacePackages, updateAdvisoryRow } from './advisory.repository.js';
import type { AdvisoryDocument } from './advisory.types.js';
import { osvIndexOf } from './osv-index.js';

/**
 * Publication is one transaction: the advisory becomes public (its document, first revision and
 * package index for the OSV API), its outbox event for subscribers and webhooks is written, and the
 * reports it discloses move to "disclosed" through the triage transition (audit and deadlines included).
 * Lists, feeds, the hall of fame, the CHANGELOG and the OSV and CSAF sources all read the published
 * document, so they show the advisory from that commit on and not a moment before.
 */

/** By hand, now. */
export async function publishAdvisory(context: AppContext, actor: UserActor, publicId: string): Promise<void> {
  const now = context.clock.now();
  await context.db.transaction().execute(async (trx) => {
    const row = await lockAdvisoryFor(trx, actor, publicId, 'publish');
    if (row.state !== 'draft') throw new AppError('INVALID_ADVISORY_STATE', `Advisory ${row.public_id} is already ${row.state}.`, { state: row.state });
    const claimed = await claimForPublication(trx, row.id, now, { due: false });
    if (!claimed) throw new AppError('INVALID_ADVISORY_STATE', `Advisory ${row.public_id} is no longer a draft.`);
    await publishClaimed(trx, context, claimed, auditActor(actor), now);
  });
}

export type PublicationSweepResult = { published: number; failed: number };

/**
 * One pass of the scheduler: every draft whose embargo has ended is published exactly once, however
 * many instances sweep at the same time (see claimForPublication). A draft that cannot be published
 * stays a draft and the team hears about it once per schedule, through the outbox.
 */
export async function sweepAdvisoryPublications(context: AppContext, options: { batchSize?: number } = {}): Promise<PublicationSweepResult> {
  const now = context.clock.now();
  const result: PublicationSweepResult = { published: 0, failed: 0 };
  for (const due of await findDueAdvisories(context.db, now, options.batchSize ?? 100)) {
    try {
      const published = await context.db.transaction().execute(async (trx) => {
        const claimed = await claimForPublication(trx, due.id, now, { due: true });
        if (!claimed) return false;
        await publishClaimed(trx, context, claimed, { type: 'system', id: null }, now);
        return true;
      });
      if (published) result.published += 1;
    } catch (error) {
      result.failed += 1;
      await enqueueOutbox(context.db, {
        topic: 'advisory.publication_failed',
        dedupeKey: `advisory.publication_failed:${due.id}:${due.publish_at?.toISOString() ?? ''}`,
        payload: { advisoryId: due.public_id, code: error instanceof AppError ? error.code : 'INTERNAL_ERROR', scheduledFor: due.publish_at?.toISOString() ?? null },
        at: now,
      });
    }
  }
  return result;
}

async function publishClaimed(trx: Tx, context: AppContext, row: AdvisoryRow, actor: AuditActor, now: Date): Promise<void> {
  const project = getProjectOrThrow(context, row.project_slug);
  const content = openAdvisoryContent(context, row.id, row.content_enc);
  assertPublishable(content, `Advisory ${row.public_id} cannot be published yet`);
  const revisions = [{ number: 1, date: now, summary: 'Initial public release.' }];
  const doc = buildDocument(context, project, content, { id: row.public_id, severity: row.severity, publishedAt: now, modifiedAt: now, withdrawnAt: null, revisions });
  await storePublicVersion(trx, row.id, doc, revisions[0]!);
  await appendAudit(trx, {
    stream: advisoryStream(row),
    actor,
    action: 'advisory.published',
    data: { id: row.public_id, scheduledFor: row.publish_at?.toISOString() ?? null },
    at: now,
  });
  await enqueueOutbox(trx, {
    topic: 'advisory.published',
    dedupeKey: `advisory.published:${row.id}`,
    payload: eventPayload(context, doc),
    at: now,
  });
  await discloseLinkedReports(trx, project, row, actor, now);
}

async function storePublicVersion(trx: Tx, advisoryId: string, doc: AdvisoryDocument, revision: AdvisoryDocument['revisions'][number]): Promise<void> {
  const json = serializeDocument(doc);
  await updateAdvisoryRow(trx, advisoryId, { public_doc: json, modified_at: doc.modifiedAt, withdrawn_at: doc.withdrawnAt });
  await insertRevision(trx, { advisoryId, number: revision.number, date: revision.date, summary: revision.summary, document: json });
  await replacePackages(trx, advisoryId, osvIndexOf(doc));
}

/** Public facts only: the payload may go to webhooks outside the team. */
function eventPayload(context: AppContext, doc: AdvisoryDocument): Record<string, unknown> {
  return {
    advisoryId: doc.id,
    project: doc.project.slug,
    title: doc.title,
    summary: doc.summary,
    severity: doc.severity,
    cveId: doc.cveId,
    url: advisoryUrl(context.config.publicUrl, doc.project.slug, doc.id),
    publishedAt: doc.publishedAt.toISOString(),
    modifiedAt: doc.modifiedAt.toISOString(),
    revision: doc.revisions.at(-1)?.number ?? 1,
    withdrawn: doc.withdrawnAt !== null,
  };
}

/**
 * The shortest way from a report's state to "disclosed" through legal transitions, never through a
 * closing outcome or back to the reporter: publishing means the fix is out. Empty when the report is
 * already disclosed or was closed (a closed report is not reopened by someone else's advisory).
 */
export function pathToDisclosed(from: ReportState): ReportState[] {
  if (from === 'disclosed' || isClosingOutcome(from)) return [];
  const previous = new Map<ReportState, ReportState>();
  const queue: ReportState[] = [from];
  while (queue.length > 0) {
    const state = queue.shift()!;
    for (const next of allowedTransitions(state)) {
      if (next === from || previous.has(next) || isClosingOutcome(next) || next === 'needs_info') continue;
      previous.set(next, state);
      if (next === 'disclosed') {
        const path: ReportState[] = [];
        for (let step: ReportState | undefined = next; step && step !== from; step = previous.get(step)) path.unshift(step);
        return path;
      }
      queue.push(next);
    }
  }
  return [];
}

async function discloseLinkedReports(trx: Tx, project: ProjectPolicy, row: AdvisoryRow, actor: AuditActor, now: Date): Promise<void> {
  // Sorted ids: two transactions locking the same reports take the locks in the same order.
  for (const reportId of await findLinkedReportIds(trx, row.id)) {
    const report = await lockReport(trx, reportId);
    if (!report) continue;
    const path = pathToDisclosed(report.state as ReportState);
    if (path.length === 0) continue;
    let current = report;
    for (const to of path) current = await recordTransition(trx, current, { to, reason: `Advisory ${row.public_id} was published.`, actor, at: now });
    await refreshDeadlines(trx, current, project);
    await enqueueOutbox(trx, {
      topic: 'report.state_changed',
      dedupeKey: `report.state_changed:${report.id}:${current.revision}`,
      payload: { reportId: report.id, project: report.project_slug, from: report.state, to: current.state, advisoryId: row.public_id },
      at: now,
    });
  }
}

/**
 * An edit of a published advisory: when what the public sees changed, a new numbered revision with
 * a modified date (the history keeps every earlier version); an edit of the confidential details alone
 * changes nothing public.
 */
export async function revisePublished(
  trx: Tx,
  context: AppContext,
  row: AdvisoryRow,
  content: AdvisoryContent,
  options: { actor: AuditActor; at: Date; summary: string | null },
): Promise<void> {
  const project = getProjectOrThrow(context, row.project_slug);
  const old = reviveDocument(row.public_doc);
  const facts = { id: row.public_id, severity: row.severity, publishedAt: old.publishedAt, modifiedAt: options.at, withdrawnAt: null, revisions: old.revisions, sourceId: old.sourceId };
  const next = buildDocument(context, project, content, facts);
  if (samePublicContent(old, next)) return;
  assertPublishable(content, 'A published advisory must stay complete');
  const revision = { number: old.revisions.length + 1, date: options.at, summary: options.summary ?? 'Updated the advisory.' };
  next.revisions = [...old.revisions, revision];
  await storePublicVersion(trx, row.id, next, revision);
  await appendAudit(trx, { stream: advisoryStream(row), actor: options.actor, action: 'advisory.revised', data: { revision: revision.number }, at: options.at });
  await enqueueOutbox(trx, { topic: 'advisory.updated', dedupeKey: `advisory.updated:${row.id}:${revision.number}`, payload: eventPayload(context, next), at: options.at });
}

/** Withdrawn advisories stay public (OSV and CVE keep them, marked), with the reason in their history. */
export async function withdrawAdvisory(context: AppContext, actor: UserActor, publicId: string, reason: string): Promise<void> {
  const now = context.clock.now();
  await context.db.transaction().execute(async (trx) => {
    const row = await lockAdvisoryFor(trx, actor, publicId, 'withdraw');
    if (row.state !== 'published') {
      throw new AppError('INVALID_ADVISORY_STATE', row.state === 'draft' ? 'A draft is not public: edit or cancel its schedule instead.' : 'This advisory is already withdrawn.', { state: row.state });
    }
    const old = reviveDocument(row.public_doc);
    const revision = { number: old.revisions.length + 1, date: now, summary: `Withdrawn: ${reason}` };
    const next: AdvisoryDocument = { ...old, modifiedAt: now, withdrawnAt: now, revisions: [...old.revisions, revision] };
    await updateAdvisoryRow(trx, row.id, { state: 'withdrawn', updated_at: now, revision: row.revision + 1 });
    await storePublicVersion(trx, row.id, next, revision);
    await appendAudit(trx, { stream: advisoryStream(row), actor: auditActor(actor), action: 'advisory.withdrawn', reason, data: { revision: revision.number }, at: now });
    await enqueueOutbox(trx, { topic: 'advisory.withdrawn', dedupeKey: `advisory.withdrawn:${row.id}`, payload: eventPayload(context, next), at: now });
  });
}
