import { randomUUID } from 'node:crypto';
import type { Insertable } from 'kysely';
import type { Executor } from '../../platform/db/database.js';
import type { OutboxTable } from '../../platform/db/schema.js';

export type OutboxEvent = {
  topic: string;
  /** Unique per real-world event: a retried or raced producer cannot enqueue the same event twice. */
  dedupeKey: string;
  payload: Record<string, unknown>;
  at: Date;
};

/**
 * Written in the same transaction as the change that causes it; delivery (email, webhooks) happens
 * after commit by a worker. Returns false when the event was already enqueued.
 */
export function outboxRow(event: OutboxEvent): Insertable<OutboxTable> {
  return {
    id: randomUUID(),
    topic: event.topic,
    dedupe_key: event.dedupeKey,
    payload: JSON.stringify(event.payload),
    created_at: event.at,
    available_at: event.at,
  };
}

export async function enqueueOutbox(trx: Executor, event: OutboxEvent): Promise<boolean> {
  const result = await trx
    .insertInto('outbox')
    .values(outboxRow(event))
    .onConflict((oc) => oc.column('dedupe_key').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}

export async function findOutbox(db: Executor, topic?: string) {
  let query = db.selectFrom('outbox').selectAll().orderBy('created_at').orderBy('id');
  if (topic) query = query.where('topic', '=', topic);
  return query.execute();
}
