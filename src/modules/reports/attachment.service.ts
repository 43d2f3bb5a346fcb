import type { AppContext } from '../../context.js';
import { decryptField, decryptFieldText } from '../../platform/crypto/envelope.js';
import { notFound } from '../../platform/errors.js';
import type { Actor } from '../access/actor.js';
import { canReport } from '../access/report.policy.js';
import { findAttachmentsWithVisibility } from '../mail/inbound.repository.js';
import { isUuid } from './report.repository.js';
import { getReportFor } from './report.service.js';

/**
 * Files a reporter sent (kept encrypted since email intake, each value bound to its row and column).
 * They are only ever handed out as downloads: never rendered inline, whatever the sender claimed
 * about their type.
 */

/** The only types served as such; anything else is served as application/octet-stream. */
export const ATTACHMENT_TYPES = new Set(['text/plain', 'application/pdf', 'image/png', 'image/jpeg', 'application/zip']);
export const FALLBACK_TYPE = 'application/octet-stream';

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

async function visibleAttachments(context: AppContext, actor: Actor, reportId: string, attachmentId?: string) {
  const report = await getReportFor(context, actor, reportId);
  const internal = canReport(actor, 'readInternal', { id: report.id, projectSlug: report.project_slug });
  const rows = await findAttachmentsWithVisibility(context.db, report.id, attachmentId);
  // Files that came with an internal note are for the team only.
  return rows.filter((row) => internal || !row.internal);
}

export async function listAttachments(context: AppContext, actor: Actor, reportId: string): Promise<AttachmentInfo[]> {
  const rows = await visibleAttachments(context, actor, reportId);
  return rows.map((row) => ({
    id: row.id,
    filename: sanitizeFilename(decryptFieldText(context.keyring.lookup, row.filename_enc, aad(row.id, 'filename_enc'))),
    size: row.size_bytes,
    contentType: servedContentType(row.content_type),
    createdAt: row.created_at.toISOString(),
  }));
}

export async function getAttachment(context: AppContext, actor: Actor, reportId: string, attachmentId: string): Promise<AttachmentDownload> {
  // Checked before the query: a malformed id is simply not found (PostgreSQL would refuse it as a uuid).
  if (!isUuid(attachmentId)) {
    await getReportFor(context, actor, reportId);
    throw notFound('NOT_FOUND', 'attachment');
  }
  const [row] = await visibleAttachments(context, actor, reportId, attachmentId);
  if (!row) throw notFound('NOT_FOUND', 'attachment');
  return {
    filename: sanitizeFilename(decryptFieldText(context.keyring.lookup, row.filename_enc, aad(row.id, 'filename_enc'))),
    contentType: servedContentType(row.content_type),
    content: decryptField(context.keyring.lookup, row.content_enc, aad(row.id, 'content_enc')),
  };
}
