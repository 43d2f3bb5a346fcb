import type { Insertable } from 'kysely';
import type { Executor } from '../../platform/db/database.js';
import type { SubscribersTable } from '../../platform/db/schema.js';

export async function findSubscriberByEmailHash(db: Executor, projectSlug: string, emailHash: string) {
  return db.selectFrom('subscribers').selectAll().where('project_slug', '=', projectSlug).where('email_hash', '=', emailHash).forUpdate().executeTakeFirst();
}

export async function findSubscriberByTokenHash(db: Executor, tokenHash: string) {
  return db.selectFrom('subscribers').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

/** Returns false when a concurrent request created the same subscription first. */
export async function insertSubscriber(db: Executor, row: Insertable<SubscribersTable>): Promise<boolean> {
  const result = await db
    .insertInto('subscribers')
    .values(row)
    .onConflict((oc) => oc.columns(['project_slug', 'email_hash']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}

export async function updateSubscriberLevel(db: Executor, id: string, level: 'all' | 'critical'): Promise<void> {
  await db.updateTable('subscribers').set({ level }).where('id', '=', id).execute();
}

export async function confirmSubscriber(db: Executor, id: string, at: Date): Promise<void> {
  await db.updateTable('subscribers').set({ confirmed_at: at, unsubscribed_at: null }).where('id', '=', id).execute();
}

export async function unsubscribeSubscriber(db: Executor, id: string, at: Date): Promise<void> {
  await db.updateTable('subscribers').set({ unsubscribed_at: at }).where('id', '=', id).where('unsubscribed_at', 'is', null).execute();
}

/** A new request for an address that unsubscribed: it must be confirmed again before any mail. */
export async function resetSubscriber(db: Executor, id: string, level: 'all' | 'critical'): Promise<void> {
  await db.updateTable('subscribers').set({ level, confirmed_at: null }).where('id', '=', id).execute();
}
