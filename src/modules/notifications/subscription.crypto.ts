import { createHmac } from 'node:crypto';
import type { AppContext } from '../../context.js';
import { decryptFieldText, encryptField } from '../../platform/crypto/envelope.js';
import type { SubscribersTable } from '../../platform/db/schema.js';

/**
 * A subscriber's address is encrypted like any contact detail; a keyed hash of it (not a plain hash,
 * which a list of known addresses would reverse) finds an existing subscription. Its token confirms
 * and unsubscribes, and is kept encrypted because every advisory mail carries it again.
 */
type Keys = Pick<AppContext, 'keyring' | 'sessionSecret'>;

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

export function emailHash(context: Pick<AppContext, 'sessionSecret'>, email: string): string {
  return createHmac('sha256', context.sessionSecret).update(`subscriber-email:${normalizeEmail(email)}`).digest('hex');
}

export const sealSubscriberField = (context: Keys, id: string, column: 'email_enc' | 'token_enc', value: string) =>
  encryptField(context.keyring.current, value, { table: 'subscribers', column, id });

export function openSubscriber(context: Keys, row: Pick<SubscribersTable, 'id' | 'email_enc' | 'token_enc'>): { email: string; token: string } {
  return {
    email: decryptFieldText(context.keyring.lookup, row.email_enc, { table: 'subscribers', column: 'email_enc', id: row.id }),
    token: decryptFieldText(context.keyring.lookup, row.token_enc, { table: 'subscribers', column: 'token_enc', id: row.id }),
  };
}

export function subscriptionUrls(config: { publicUrl: string }, token: string) {
  const base = `${config.publicUrl}/api/v1/subscriptions/${encodeURIComponent(token)}`;
  return { confirm: `${base}/confirm`, unsubscribe: `${base}/unsubscribe` };
}
