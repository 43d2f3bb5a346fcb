import type { Insertable } from 'kysely';
import type { Executor } from '../../platform/db/database.js';
import type { WebhookDeliveriesTable, WebhooksTable } from '../../platform/db/schema.js';

export async function insertWebhook(db: Executor, row: Insertable<WebhooksTable>): Promise<void> {
  await db.insertInto('webhooks').values(row).execute();
}

export async function findWebhooks(db: Executor, projectSlug: string) {
  return db.selectFrom('webhooks').selectAll().where('project_slug', '=', projectSlug).orderBy('created_at').orderBy('id').execute();
}

export async function findActiveWebhooks(db: Executor, projectSlug: string) {
  return db.selectFrom('webhooks').selectAll().where('project_slug', '=', projectSlug).where('disabled_at', 'is', null).orderBy('id').execute();
}

export async function findWebhook(db: Executor, id: string) {
  return db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function disableWebhook(db: Executor, id: string, at: Date): Promise<void> {
  await db.updateTable('webhooks').set({ disabled_at: at }).where('id', '=', id).where('disabled_at', 'is', null).execute();
}

export async function insertWebhookDelivery(db: Executor, row: Insertable<WebhookDeliveriesTable>): Promise<void> {
  await db.insertInto('webhook_deliveries').values(row).execute();
}

export async function findWebhookDeliveries(db: Executor, webhookId: string, limit: number) {
  return db.selectFrom('webhook_deliveries').selectAll().where('webhook_id', '=', webhookId).orderBy('attempted_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}
