import type { AppContext } from '../../context.js';
import type { Tx } from '../../platform/db/database.js';
import { enqueueOutbox, type OutboxRow } from './outbox.repository.js';
import { isWebhookTopic, webhookData } from './webhook.payload.js';
import { findActiveWebhooks } from './webhook.repository.js';

export const WEBHOOK_TOPIC = 'webhook.deliver';

export type WebhookJob = { webhookId: string; topic: string; project: string; eventId: string; eventAt: string; data: Record<string, unknown> };

/**
 * One `webhook.deliver` row per active webhook that wants this event, in the event's transaction.
 * The row id is the delivery id: the same on every retry, so the receiver can drop duplicates.
 */
export async function enqueueWebhookDeliveries(context: AppContext, trx: Tx, row: OutboxRow): Promise<number> {
  const payload = row.payload as Record<string, unknown>;
  if (!isWebhookTopic(row.topic) || typeof payload.project !== 'string') return 0;
  const data = webhookData(row.topic, payload);
  let queued = 0;
  for (const hook of await findActiveWebhooks(trx, payload.project)) {
    if (hook.topics.length > 0 && !hook.topics.includes(row.topic)) continue;
    const job: WebhookJob = { webhookId: hook.id, topic: row.topic, project: payload.project, eventId: row.id, eventAt: row.created_at.toISOString(), data };
    if (await enqueueOutbox(trx, { topic: WEBHOOK_TOPIC, dedupeKey: `webhook:${row.id}:${hook.id}`, payload: job, at: context.clock.now() })) queued += 1;
  }
  return queued;
}
