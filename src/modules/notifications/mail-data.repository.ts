import { sql } from 'kysely';
import type { Executor } from '../../platform/db/database.js';

export async function findMessageEnc(db: Executor, messageId: string): Promise<{ id: string; report_id: string; body_enc: string; internal: boolean } | undefined> {
  return db.selectFrom('messages').select(['id', 'report_id', 'body_enc', 'internal']).where('id', '=', messageId).executeTakeFirst();
}

/** The reason given for a state change, found by the instant the change was made (its event's time). */
export async function findTransitionReason(db: Executor, reportId: string, to: string, at: Date): Promise<string | null> {
  const row = await db
    .selectFrom('audit_events')
    .select('reason')
    .where('stream', '=', `report:${reportId}`)
    .where('action', '=', 'report.transitioned')
    .where('occurred_at', '=', at)
    .where(sql<string>`data->>'to'`, '=', to)
    .orderBy('seq', 'desc')
    .executeTakeFirst();
  return row?.reason ?? null;
}

export async function findSubscriber(db: Executor, id: string) {
  return db.selectFrom('subscribers').selectAll().where('id', '=', id).executeTakeFirst();
}
