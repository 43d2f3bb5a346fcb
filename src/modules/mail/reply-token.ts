import { randomBytes } from 'node:crypto';
import type { AppContext } from '../../context.js';
import { decryptFieldText, encryptField } from '../../platform/crypto/envelope.js';
import { hashToken } from '../../platform/crypto/tokens.js';
import type { Executor } from '../../platform/db/database.js';
import { findReplyTokenEnc, findReportIdByReplyTokenHash, insertReplyToken } from './reply-token.repository.js';

/**
 * Each report has one reply token, carried in the address of every mail Embargo sends about it
 * ({slug}+r-<token>@domain). A reply is threaded by this token alone, never by subject or sender: the
 * token is a capability like the status link. Looked up by hash; kept encrypted for the next mail.
 */
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const TOKEN = /^r-[a-z2-7]{24}$/;

function newToken(): string {
  // 15 random bytes = 120 bits, written in lower-case base32 because local parts are often case-folded.
  const bytes = randomBytes(15);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return `r-${out}`;
}

const aad = (reportId: string) => ({ table: 'reply_tokens', column: 'token_enc', id: reportId });

export async function ensureReplyToken(context: Pick<AppContext, 'keyring'>, trx: Executor, reportId: string, now: Date): Promise<string> {
  const existing = await findReplyTokenEnc(trx, reportId);
  if (existing) return decryptFieldText(context.keyring.lookup, existing, aad(reportId));
  const token = newToken();
  if (await insertReplyToken(trx, { reportId, tokenHash: hashToken(token), tokenEnc: encryptField(context.keyring.current, token, aad(reportId)), at: now })) return token;
  const winner = await findReplyTokenEnc(trx, reportId);
  return decryptFieldText(context.keyring.lookup, winner!, aad(reportId));
}

export async function getReplyToken(context: Pick<AppContext, 'keyring'>, db: Executor, reportId: string): Promise<string | null> {
  const existing = await findReplyTokenEnc(db, reportId);
  return existing ? decryptFieldText(context.keyring.lookup, existing, aad(reportId)) : null;
}

export function isReplyToken(value: string): boolean {
  return TOKEN.test(value);
}

/** The report a reply token names, or undefined for a forged, mistyped or unknown token. */
export async function findReportByReplyToken(db: Executor, token: string): Promise<string | undefined> {
  if (!isReplyToken(token)) return undefined;
  return findReportIdByReplyTokenHash(db, hashToken(token));
}
