import { randomUUID } from 'node:crypto';
import { sql, type Insertable, type Selectable } from 'kysely';
import type { Db, Executor } from '../../platform/db/database.js';
import type { OutboxTable } from '../../platform/db/schema.js';

export type OutboxEvent = {
  topic: string;
  /** Unique per real-world event: a retried or raced producer cannot enqueue the same event twice. */
  dedupeKey: string;
  payload: Record<string, unknown>;
  at: Date;
  /** Not before this instant (a delayed escalation); `at` when absent. */
  availableAt?: Date | undefined;
};

export type OutboxRow = Selectable<OutboxTable>;

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
    available_at: event.availableAt ?? event.at,
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

export type ClaimOptions = {
  worker: string;
  now: Date;
  limit: number;
  /** A claim older than this is presumed dead (its worker crashed) and the row may be claimed again. */
  leaseMs: number;
};

/**
 * Claims due rows for this worker in one statement. SKIP LOCKED lets concurrent workers take disjoint
 * rows instead of queueing on each other; the claim itself (claimed_at, attempts) is the record that a
 * send may have started, so a crash is retried with the same row id, hence the same Message-ID.
 */
export async function claimOutbox(db: Db, options: ClaimOptions): Promise<OutboxRow[]> {
  const staleBefore = new Date(options.now.getTime() - options.leaseMs);
  return db
    .updateTable('outbox')
    .set({ claimed_at: options.now, claimed_by: options.worker, attempts: sql<number>`attempts + 1` })
    .where('id', 'in', (qb) =>
      qb
        .selectFrom('outbox')
        .select('id')
        .where('delivered_at', 'is', null)
        .where('failed_at', 'is', null)
        .where('available_at', '<=', options.now)
        .where((eb) => eb.or([eb('claimed_at', 'is', null), eb('claimed_at', '<', staleBefore)]))
        .orderBy('available_at')
        .orderBy('id')
        .limit(options.limit)
        .forUpdate()
        .skipLocked(),
    )
    .returningAll()
    .execute();
}

/** Done: whatever worker finishes first records it; a later duplicate finish changes nothing. */
export async function markOutboxDelivered(trx: Executor, id: string, now: Date, note: string | null = null): Promise<boolean> {
  const result = await trx
    .updateTable('outbox')
    .set({ delivered_at: now, claimed_at: null, last_error: note })
    .where('id', '=', id)
    .where('delivered_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Gives the row back for another try at `availableAt`, unless another worker took it over meanwhile. */
export async function releaseOutboxForRetry(db: Executor, row: Pick<OutboxRow, 'id' | 'claimed_by'>, availableAt: Date, error: string): Promise<void> {
  await db
    .updateTable('outbox')
    .set({ available_at: availableAt, claimed_at: null, claimed_by: null, last_error: error.slice(0, 1000) })
    .where('id', '=', row.id)
    .where('claimed_by', '=', row.claimed_by)
    .where('delivered_at', 'is', null)
    .execute();
}

export async function markOutboxFailed(db: Executor, row: Pick<OutboxRow, 'id' | 'claimed_by'>, now: Date, error: string): Promise<void> {
  await db
    .updateTable('outbox')
    .set({ failed_at: now, claimed_at: null, last_error: error.slice(0, 1000) })
    .where('id', '=', row.id)
    .where('claimed_by', '=', row.claimed_by)
    .where('delivered_at', 'is', null)
    .execute();
}
