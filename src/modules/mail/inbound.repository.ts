import type { Insertable } from 'kysely';
import type { Executor } from '../../platform/db/database.js';
import type { InboundMailTable, ReportAttachmentsTable } from '../../platform/db/schema.js';

export async function insertInboundMail(db: Executor, row: Insertable<InboundMailTable>): Promise<void> {
  await db.insertInto('inbound_mail').values(row).execute();
}

/** Messages from this sender that Embargo accepted since `since`: what the per-sender limit counts. */
export async function countAcceptedFrom(db: Executor, senderHash: string, since: Date): Promise<number> {
  const row = await db
    .selectFrom('inbound_mail')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('sender_hash', '=', senderHash)
    .where('received_at', '>=', since)
    .where('outcome', 'in', ['report', 'reply'])
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** Whether this message (by Message-ID, per project) was already taken: a sending MTA may deliver twice. */
export async function findInboundByMessageId(db: Executor, projectSlug: string, messageIdHash: string) {
  return db
    .selectFrom('inbound_mail')
    .select(['id', 'report_id', 'outcome'])
    .where('project_slug', '=', projectSlug)
    .where('message_id_hash', '=', messageIdHash)
    .where('outcome', 'in', ['report', 'reply'])
    .executeTakeFirst();
}

export async function insertAttachments(db: Executor, rows: Insertable<ReportAttachmentsTable>[]): Promise<void> {
  if (rows.length > 0) await db.insertInto('report_attachments').values(rows).execute();
}

export async function findAttachments(db: Executor, reportId: string) {
  return db.selectFrom('report_attachments').selectAll().where('report_id', '=', reportId).orderBy('created_at').orderBy('id').execute();
}

/** One attachment of one report, with whether the message it came with is an internal note. */
export async function findAttachmentsWithVisibility(db: Executor, reportId: string, attachmentId?: string) {
  let query = db
    .selectFrom('report_attachments')
    .leftJoin('messages', 'messages.id', 'report_attachments.message_id')
    .selectAll('report_attachments')
    .select((eb) => eb.fn.coalesce('messages.internal', eb.val(false)).as('internal'))
    .where('report_attachments.report_id', '=', reportId);
  if (attachmentId !== undefined) query = query.where('report_attachments.id', '=', attachmentId);
  return query.orderBy('report_attachments.created_at').orderBy('report_attachments.id').execute();
}
