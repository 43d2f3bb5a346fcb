import { randomBytes, randomUUID } from 'node:crypto';
import type { AppContext } from '../../context.js';
import { hashToken } from '../../platform/crypto/tokens.js';
import { notFound } from '../../platform/errors.js';
import { getProjectOrThrow } from '../reports/report.service.js';
import { enqueueOutbox } from './outbox.repository.js';
import { emailHash, normalizeEmail, sealSubscriberField } from './subscription.crypto.js';
import {
  confirmSubscriber,
  findSubscriberByEmailHash,
  findSubscriberByTokenHash,
  insertSubscriber,
  resetSubscriber,
  unsubscribeSubscriber,
} from './subscription.repository.js';

/**
 * Double opt-in subscription to a project's advisories. The answer to a request never says whether
 * the address was already subscribed (that would tell anyone who reads a project's advisories), and
 * nothing is mailed to an address except the confirmation request until its owner confirms.
 */
export type SubscriptionLevel = 'all' | 'critical';

/** At most one confirmation request per address and hour: the form cannot be used to flood a mailbox. */
const CONFIRM_WINDOW_MS = 3_600_000;

export async function requestSubscription(context: AppContext, projectSlug: string, input: { email: string; level: SubscriptionLevel }): Promise<void> {
  const project = getProjectOrThrow(context, projectSlug);
  const now = context.clock.now();
  const email = normalizeEmail(input.email);
  const hash = emailHash(context, email);
  await context.db.transaction().execute(async (trx) => {
    let row = await findSubscriberByEmailHash(trx, project.slug, hash);
    if (!row) {
      const id = randomUUID();
      const token = `sub_${randomBytes(24).toString('base64url')}`;
      await insertSubscriber(trx, {
        id,
        project_slug: project.slug,
        email_hash: hash,
        email_enc: sealSubscriberField(context, id, 'email_enc', email),
        level: input.level,
        token_hash: hashToken(token),
        token_enc: sealSubscriberField(context, id, 'token_enc', token),
        created_at: now,
      });
      row = await findSubscriberByEmailHash(trx, project.slug, hash);
      if (!row) return;
    } else if (row.confirmed_at && !row.unsubscribed_at) {
      // Already subscribed: changing the level would need the owner's confirmation; leave it.
      return;
    } else {
      await resetSubscriber(trx, row.id, input.level);
    }
    await enqueueOutbox(trx, {
      topic: 'subscriber.confirm',
      dedupeKey: `subscriber.confirm:${row.id}:${Math.floor(now.getTime() / CONFIRM_WINDOW_MS)}`,
      payload: { subscriberId: row.id, project: project.slug },
      at: now,
    });
  });
}

async function subscriberForToken(context: AppContext, token: string) {
  const row = token.startsWith('sub_') ? await findSubscriberByTokenHash(context.db, hashToken(token)) : undefined;
  if (!row) throw notFound('NOT_FOUND', 'subscription');
  return row;
}

export async function describeSubscription(context: AppContext, token: string) {
  const row = await subscriberForToken(context, token);
  const project = getProjectOrThrow(context, row.project_slug);
  return { project: project.name, level: row.level, confirmed: row.confirmed_at !== null && row.unsubscribed_at === null, unsubscribed: row.unsubscribed_at !== null };
}

export async function confirmSubscription(context: AppContext, token: string) {
  const row = await subscriberForToken(context, token);
  if (!row.confirmed_at || row.unsubscribed_at) await confirmSubscriber(context.db, row.id, context.clock.now());
  return describeSubscription(context, token);
}

export async function unsubscribe(context: AppContext, token: string) {
  const row = await subscriberForToken(context, token);
  await unsubscribeSubscriber(context.db, row.id, context.clock.now());
  return describeSubscription(context, token);
}
