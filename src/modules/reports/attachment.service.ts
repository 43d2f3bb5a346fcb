import type { AppContext } from '../../context.js';
import { uuidv7 } from '../../platform/crypto/ids.js';
import { decryptField, decryptFieldText, encryptField } from '../../platform/crypto/envelope.js';
import { AppError, notFound, validationFailed } from '../../platform/errors.js';
import type { Actor } from '../access/actor.js';
import { canReport } from '../access/report.policy.js';
import { auditActor } from '../audit/audit-actor.js';
import { appendAudit } from '../audit/audit.repository.js';
import { findAttachmentsWithVisibility, insertAttachments } from '../mail/inbound.repository.js';
import { enqueueOutbox } from '../notifications/outbox.repository.js';
import { refreshDeadlines } from '../triage/sla/sla.service.js';
import type { ReportRow } from '../../platform/db/schema.js';
import { countAttachments } from './attachment.repository.js';
import type { AttachmentList, UploadRules } from './attachment.schemas.js';
import { ATTACHMENT_TYPES as STORED_TYPES, checkAttachmentType } from './attachment.sniff.js';
import { isUuid, lockReport, updateReport } from './report.repository.js';
import { getProjectOrThrow, getReportFor, resumeOnReporterAnswer } from './report.service.js';

/**
 * Files a reporter sent (kept encrypted since email intake, each value bound to its row and column),
 * or that the reporter or the team added through the API. They are only ever handed out as downloads:
 * never rendered inline, whatever the sender claimed about their type.
 */

/** The only types served as such; anything else is served as application/octet-stream. */
export const ATTACHMENT_TYPES = new Set<string>(STORED_TYPES);
export const FALLBACK_TYPE = 'application/octet-stream';

/** Files a reporter adds within this window cause one notification to the team, not one each. */
const NOTIFY_WINDOW_MS = 15 * 60_000;

export type AttachmentInfo = { id: string; filename: string; size: number; contentType: string; createdAt: string };
export type AttachmentDownload = { filename: string; contentType: string; content: Buffer };

const aad = (id: string, column: 'filename_enc' | 'content_enc') => ({ table: 'report_attachments', column, id });

/** The served type: the sender's claim, only when it is on the allow-list (parameters dropped). */
export function servedContentType(claimed: string): string {
  const type = claimed.split(';')[0]!.trim().toLowerCase();
  return ATTACHMENT_TYPES.has(type) ? type : FALLBACK_TYPE;
}

/** A file name that is safe in a header and on a disk: no paths, control or quoting characters. */
export function sanitizeFilename(name: string): string {
  const base = name.split(/[/\\]/).pop() ?? '';
  const cleaned = base
    .normalize('NFC')
    // Control characters, bidi overrides and characters that are special in headers or file systems.
    .replace(/[\p{Cc}\p{Cf}"'<>:|?*;%\\]/gu, '_')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^\.+/, '');
  const limited = [...cleaned].slice(0, 150).join('');
  return limited === '' ? 'attachment' : limited;
}

/** `attachment` with an ASCII fallback and the RFC 5987 UTF-8 name. */
export function contentDisposition(filename: string): string {
  const safe = sanitizeFilename(filename);
  const ascii = safe.replace(/[^\x20-\x7e]/g, '_');
  const encoded = encodeURIComponent(safe).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

async function visibleAttachments(context: AppContext, actor: Actor, report: ReportRow, attachmentId?: string) {
  const internal = canReport(actor, 'readInternal', { id: report.id, projectSlug: report.project_slug });
  const rows = await findAttachmentsWithVisibility(context.db, report.id, attachmentId);
  // Files that came with an internal note are for the team only.
  return rows.filter((row) => internal || !row.internal);
}

export async function listAttachments(context: AppContext, actor: Actor, reportId: string): Promise<AttachmentList> {
  const report = await getReportFor(context, actor, reportId);
  const rows = await visibleAttachments(context, actor, report);
  const items = rows.map((row) => ({
    id: row.id,
    filename: sanitizeFilename(decryptFieldText(context.keyring.lookup, row.filename_enc, aad(row.id, 'filename_enc'))),
    size: row.size_bytes,
    contentType: servedContentType(row.content_type),
    createdAt: row.created_at.toISOString(),
  }));
  return { items, upload: uploadRules(context, actor, report, await countAttachments(context.db, report.id)) };
}

export async function getAttachment(context: AppContext, actor: Actor, reportId: string, attachmentId: string): Promise<AttachmentDownload> {
  // Checked before the query: a malformed id is simply not found (PostgreSQL would refuse it as a uuid).
  if (!isUuid(attachmentId)) {
    await getReportFor(context, actor, reportId);
    throw notFound('NOT_FOUND', 'attachment');
  }
  const [row] = await visibleAttachments(context, actor, await getReportFor(context, actor, reportId), attachmentId);
  if (!row) throw notFound('NOT_FOUND', 'attachment');
  return {
    filename: sanitizeFilename(decryptFieldText(context.keyring.lookup, row.filename_enc, aad(row.id, 'filename_enc'))),
    contentType: servedContentType(row.content_type),
    content: decryptField(context.keyring.lookup, row.content_enc, aad(row.id, 'content_enc')),
  };
}

/** Whether the actor may add a file to the report now; every refusal of uploadAttachment has its reason here. */
function uploadRules(context: AppContext, actor: Actor, report: ReportRow, count: number): UploadRules {
  const { attachmentMaxBytes: maxBytes, attachmentMaxPerReport: maxCount } = context.config;
  const remaining = Math.max(0, maxCount - count);
  const refusedBecause = !canReport(actor, 'attach', { id: report.id, projectSlug: report.project_slug })
    ? 'role'
    : getProjectOrThrow(context, report.project_slug).report.attachments !== 'allowed'
      ? 'policy'
      : remaining === 0
        ? 'limit'
        : null;
  return { allowed: refusedBecause === null, refusedBecause, maxBytes, maxCount, remaining, types: [...STORED_TYPES] };
}

function refusal(context: AppContext, reason: 'policy' | 'role' | 'limit', projectName: string): AppError {
  switch (reason) {
    case 'role':
      return new AppError('FORBIDDEN', 'Your role on this project cannot add files to reports.');
    case 'policy':
      return new AppError('ATTACHMENTS_REFUSED', `${projectName}'s security policy does not accept attachments: put everything in the report's text.`);
    case 'limit':
      return new AppError('ATTACHMENT_LIMIT_REACHED', `A report keeps at most ${context.config.attachmentMaxPerReport} files.`, { limit: context.config.attachmentMaxPerReport });
  }
}

export function attachmentTooLarge(context: AppContext): AppError {
  const max = context.config.attachmentMaxBytes;
  return new AppError('ATTACHMENT_TOO_LARGE', `A file may be at most ${max} bytes (${(max / 1_048_576).toFixed(1)} MiB).`, { maxBytes: max });
}

export type UploadInput = { filename: string; claimedType: string | undefined; content: Buffer };

/**
 * Adds a file to a report: the reporter (their own report) or a team member who may write. Files are
 * shared between the reporter and the team, like the thread's messages. The checks come first, so a
 * refused file changes nothing; the file, its audit entry and the team's notification are one transaction.
 */
export async function uploadAttachment(context: AppContext, actor: Actor, reportId: string, input: UploadInput): Promise<AttachmentInfo> {
  const report = await getReportFor(context, actor, reportId);
  const project = getProjectOrThrow(context, report.project_slug);
  // Role and policy now; the per-report count under the report's lock below.
  const early = uploadRules(context, actor, report, 0).refusedBecause;
  if (early) throw refusal(context, early, project.name);
  if (input.content.length > context.config.attachmentMaxBytes) throw attachmentTooLarge(context);
  if (input.content.length === 0) throw validationFailed([{ field: 'body', code: 'empty', message: 'the file is empty' }], 'The file is empty.');
  const type = checkAttachmentType(input.claimedType, input.content);
  if (!type.ok) throw new AppError(type.code, type.message, { fields: [{ field: 'content-type', code: type.code.toLowerCase(), message: type.message }] });

  const now = context.clock.now();
  const id = uuidv7(now.getTime());
  const filename = sanitizeFilename(input.filename);
  await context.db.transaction().execute(async (trx) => {
    // The lock queues concurrent uploads to one report, so the count below cannot be raced past.
    const locked = await lockReport(trx, report.id);
    if (!locked) throw notFound('REPORT_NOT_FOUND', 'report');
    if ((await countAttachments(trx, report.id)) >= context.config.attachmentMaxPerReport) throw refusal(context, 'limit', project.name);
    await insertAttachments(trx, [
      {
        id,
        report_id: report.id,
        message_id: null,
        filename_enc: encryptField(context.keyring.current, filename, aad(id, 'filename_enc')),
        content_type: type.type,
        size_bytes: input.content.length,
        content_enc: encryptField(context.keyring.current, input.content, aad(id, 'content_enc')),
        created_at: now,
      },
    ]);
    // The name stays out of the audit log (it is stored encrypted: a name can say what the flaw is).
    await appendAudit(trx, { stream: `report:${report.id}`, actor: auditActor(actor), action: 'report.attachment_added', data: { attachmentId: id, contentType: type.type, size: input.content.length }, at: now });
    await updateReport(trx, report.id, { revision: locked.revision + 1, updated_at: now });
    // A file is an answer too, as a message is.
    const updated = { ...locked, revision: locked.revision + 1, updated_at: now };
    const current = await resumeOnReporterAnswer(trx, actor, updated, 'The reporter sent a file.', now);
    if (current.state !== updated.state) await refreshDeadlines(trx, current, project);
    if (actor.kind === 'reporter') {
      await enqueueOutbox(trx, {
        topic: 'report.reporter_attachment',
        dedupeKey: `report.reporter_attachment:${report.id}:${Math.floor(now.getTime() / NOTIFY_WINDOW_MS)}`,
        payload: { reportId: report.id, project: report.project_slug, attachmentId: id },
        at: now,
      });
    }
  });
  return { id, filename, size: input.content.length, contentType: type.type, createdAt: now.toISOString() };
}
