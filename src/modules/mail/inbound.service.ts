import { createHash, createHmac, randomUUID } from 'node:crypto';
import { simpleParser, type Attachment, type ParsedMail } from 'mailparser';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { encryptField } from '../../platform/crypto/envelope.js';
import type { Executor } from '../../platform/db/database.js';
import type { RequestOrigin } from '../access/actor.js';
import { enqueueOutbox } from '../notifications/outbox.repository.js';
import { receiptTokenAad } from '../notifications/mail.sender.js';
import type { ProjectPolicy } from '../policy/policy.schema.js';
import { findReport, lockReport } from '../reports/report.repository.js';
import { postMessage, submitReport } from '../reports/report.service.js';
import type { IntakeBody } from '../reports/report.schemas.js';
import { parseRecipient, type ParsedRecipient } from './addresses.js';
import { attachedPublicKey, authResults, bodyText, isTechnicalPart, loopReason, messageIdOf, senderAddress, stripQuotedReply } from './inbound.parse.js';
import { decryptInbound, type ProjectKeys } from './inbound.pgp.js';
import { countAcceptedFrom, findInboundByMessageId, insertAttachments, insertInboundMail } from './inbound.repository.js';
import { findReportByReplyToken } from './reply-token.js';

export type InboundEnvelope = { from: string; to: string[]; remoteAddress: string | null };
export type IntakeDeps = { keys: ProjectKeys };
export type InboundOutcome =
  | { project: string; kind: 'report'; reportId: string }
  | { project: string; kind: 'reply'; reportId: string }
  | { project: string; kind: 'duplicate' }
  | { project: string; kind: 'dropped'; reason: string };

const TITLE_MAX = 200;
const DESCRIPTION_MAX = 50_000;
const MAX_ATTACHMENTS = 20;

/** Sender addresses are kept only as keyed hashes: enough to count and compare, useless to a reader. */
export function senderHash(context: Pick<AppContext, 'sessionSecret'>, address: string): string {
  return createHmac('sha256', context.sessionSecret).update(`mail-sender:${address.trim().toLowerCase()}`).digest('hex');
}

/** The per-sender limit, checked at MAIL FROM so that a flood is refused before its data is read. */
export async function isSenderOverLimit(context: AppContext, address: string): Promise<boolean> {
  if (address === '') return false;
  const since = new Date(context.clock.now().getTime() - 3_600_000);
  return (await countAcceptedFrom(context.db, senderHash(context, address), since)) >= context.config.mailRateLimitPerHour;
}

function truncate(text: string, max: number): { text: string; truncated: boolean } {
  return text.length <= max ? { text, truncated: false } : { text: `${text.slice(0, max - 40).trimEnd()}\n\n[message truncated by Embargo]`, truncated: true };
}

const emailSchema = z.email();
const validEmail = (value: string | null) => (value && value.length <= 320 && emailSchema.safeParse(value).success ? value : undefined);

class DuplicateDelivery extends Error {}

type Prepared = {
  project: ProjectPolicy;
  parsed: ParsedMail;
  text: string;
  attachments: Attachment[];
  publicKey: string | undefined;
  encrypted: boolean;
  undecryptable: boolean;
  base: { id: string; received_at: Date; project_slug: string; sender_hash: string | null; message_id_hash: string; spf: string | null; dkim: string | null; dmarc: string | null; size_bytes: number };
};

function attachmentRows(context: AppContext, reportId: string, messageId: string | null, attachments: Attachment[], at: Date) {
  return attachments.slice(0, MAX_ATTACHMENTS).map((attachment) => {
    const id = randomUUID();
    const aad = (column: string) => ({ table: 'report_attachments', column, id });
    return {
      id,
      report_id: reportId,
      message_id: messageId,
      filename_enc: encryptField(context.keyring.current, attachment.filename ?? 'attachment', aad('filename_enc')),
      content_type: attachment.contentType.slice(0, 200),
      size_bytes: attachment.size,
      content_enc: encryptField(context.keyring.current, attachment.content, aad('content_enc')),
      created_at: at,
    };
  });
}

async function newReport(context: AppContext, mail: Prepared, origin: RequestOrigin): Promise<InboundOutcome> {
  const { project, parsed } = mail;
  const now = context.clock.now();
  const title = (parsed.subject ?? '').replace(/\s+/g, ' ').trim().slice(0, TITLE_MAX) || '(no subject)';
  const description = truncate(mail.text || '(empty message)', DESCRIPTION_MAX);
  const contactEmail = validEmail(senderAddress(parsed));
  const body: IntakeBody = { title, description: description.text, ...(contactEmail ? { contactEmail } : {}), ...(mail.publicKey ? { pgpPublicKey: mail.publicKey } : {}) };
  const keep = project.report.attachments === 'allowed';
  try {
    const reportId = await context.db.transaction().execute(async (trx) => {
      const result = await submitReport(context, project.slug, body, 'email', origin, { executor: trx });
      // The receipt carries the status link, so its token travels encrypted (bound to the report).
      // Its dedupe key is the message's: a second delivery of the same mail rolls everything back.
      const fresh = await enqueueOutbox(trx, {
        topic: 'report.receipt',
        dedupeKey: `report.receipt:${project.slug}:${mail.base.message_id_hash}`,
        payload: {
          reportId: result.id,
          project: project.slug,
          accessTokenEnc: encryptField(context.keyring.current, result.accessToken, receiptTokenAad(result.id)),
          refusedAttachments: keep ? 0 : mail.attachments.length,
          keptAttachments: keep ? Math.min(MAX_ATTACHMENTS, mail.attachments.length) : 0,
          undecryptable: mail.undecryptable,
          truncated: description.truncated,
        },
        at: now,
      });
      if (!fresh) throw new DuplicateDelivery();
      if (keep) await insertAttachments(trx, attachmentRows(context, result.id, null, mail.attachments, now));
      await recordInbound(trx, mail, 'report', result.id, null);
      return result.id;
    });
    return { project: project.slug, kind: 'report', reportId };
  } catch (error) {
    if (error instanceof DuplicateDelivery) return { project: project.slug, kind: 'duplicate' };
    throw error;
  }
}

async function reply(context: AppContext, mail: Prepared, reportId: string, origin: RequestOrigin): Promise<InboundOutcome> {
  const now = context.clock.now();
  const text = truncate(stripQuotedReply(mail.text) || '(empty reply)', DESCRIPTION_MAX).text;
  const keep = mail.project.report.attachments === 'allowed';
  try {
    // One transaction for the message and the record of the mail: a crash between them would post the
    // reply again on redelivery (an MTA's retry, the next IMAP poll). The report's row lock orders two
    // deliveries of one reply, so the second sees the first's record and is a duplicate.
    await context.db.transaction().execute(async (trx) => {
      await lockReport(trx, reportId);
      if (await findInboundByMessageId(trx, mail.project.slug, mail.base.message_id_hash)) throw new DuplicateDelivery();
      const messageId = await postMessage(context, { kind: 'reporter', reportId, origin }, reportId, { body: text, internal: false }, { transaction: trx });
      if (keep) await insertAttachments(trx, attachmentRows(context, reportId, messageId, mail.attachments, now));
      else if (mail.attachments.length > 0) {
        await enqueueOutbox(trx, {
          topic: 'report.reply_attachments_refused',
          dedupeKey: `report.reply_attachments_refused:${mail.base.id}`,
          payload: { reportId, project: mail.project.slug, refusedAttachments: mail.attachments.length },
          at: now,
        });
      }
      await recordInbound(trx, mail, 'reply', reportId, null);
    });
  } catch (error) {
    if (error instanceof DuplicateDelivery) return { project: mail.project.slug, kind: 'duplicate' };
    throw error;
  }
  return { project: mail.project.slug, kind: 'reply', reportId };
}

async function recordInbound(db: Executor, mail: Prepared, outcome: string, reportId: string | null, note: string | null): Promise<void> {
  await insertInboundMail(db, {
    ...mail.base,
    outcome,
    report_id: reportId,
    encrypted: mail.encrypted,
    attachments: mail.attachments.length,
    note,
  });
}

/** Threads by the reply token alone: a forged, unknown or other project's token starts a new report. */
async function threadOf(context: AppContext, target: ParsedRecipient): Promise<string | null> {
  if (!target.replyToken) return null;
  const reportId = await findReportByReplyToken(context.db, target.replyToken);
  if (!reportId) return null;
  const report = await findReport(context.db, reportId);
  return report && report.project_slug === target.project.slug ? report.id : null;
}

async function receiveFor(context: AppContext, deps: IntakeDeps, raw: Buffer, parsed: ParsedMail, envelope: InboundEnvelope, target: ParsedRecipient): Promise<InboundOutcome> {
  const project = target.project;
  const messageKey = messageIdOf(parsed) ?? createHash('sha256').update(raw).digest('hex');
  const base = {
    id: randomUUID(),
    received_at: context.clock.now(),
    project_slug: project.slug,
    sender_hash: envelope.from ? senderHash(context, envelope.from) : null,
    message_id_hash: createHash('sha256').update(`${project.slug}\n${messageKey}`).digest('hex'),
    ...authResults(parsed),
    size_bytes: raw.length,
  };
  const skeleton: Prepared = { project, parsed, text: '', attachments: [], publicKey: undefined, encrypted: false, undecryptable: false, base };

  const loop = loopReason(parsed, envelope.from);
  if (loop) {
    // Never answered, never a report: answering machines is how mail loops start.
    await recordInbound(context.db, skeleton, 'dropped_auto', null, loop);
    return { project: project.slug, kind: 'dropped', reason: loop };
  }
  if (await findInboundByMessageId(context.db, project.slug, base.message_id_hash)) return { project: project.slug, kind: 'duplicate' };

  const decrypted = await decryptInbound(parsed, deps.keys.get(project.slug), context.config.mailMaxBytes * 2);
  const inner = decrypted.parsed;
  const parts = decrypted.undecryptable && decrypted.text !== null && inner === parsed && parsed.attachments.some((a) => a.contentType === 'application/pgp-encrypted') ? [] : inner.attachments;
  const key = attachedPublicKey(parts);
  const attachments = parts.filter((attachment) => !isTechnicalPart(attachment) && attachment !== key?.attachment);
  const mail: Prepared = {
    ...skeleton,
    parsed: inner,
    text: decrypted.text ?? bodyText(inner),
    attachments,
    publicKey: key?.key,
    encrypted: decrypted.encrypted,
    undecryptable: decrypted.undecryptable,
  };
  const threadId = await threadOf(context, target);
  if (threadId) return reply(context, mail, threadId, { ip: envelope.remoteAddress, userAgent: null, authMethod: 'reporter_token' });
  return newReport(context, mail, { ip: envelope.remoteAddress, userAgent: null, authMethod: 'none' });
}

/**
 * Takes one message the SMTP listener (or an IMAP poll) received. Each project it is addressed to
 * gets its own report (or reply). Returns what became of it per project.
 */
export async function receiveInboundMail(context: AppContext, deps: IntakeDeps, raw: Buffer, envelope: InboundEnvelope): Promise<InboundOutcome[]> {
  const parsed = await simpleParser(raw);
  const targets = new Map<string, ParsedRecipient>();
  for (const address of envelope.to) {
    const target = parseRecipient(context.config, context.policies, address);
    if (target && !targets.has(target.project.slug)) targets.set(target.project.slug, target);
  }
  const outcomes: InboundOutcome[] = [];
  for (const target of targets.values()) outcomes.push(await receiveFor(context, deps, raw, parsed, envelope, target));
  return outcomes;
}
