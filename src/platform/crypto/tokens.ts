import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * High-entropy bearer tokens. They are stored only as SHA-256 hashes: a stolen database does not
 * yield usable tokens, and unlike passwords they need no slow hash (they cannot be guessed).
 */
export type TokenKind = 'reporter' | 'session' | 'refresh' | 'personal';
const PREFIX: Record<TokenKind, string> = { reporter: 'emb_r_', session: 'emb_s_', refresh: 'emb_f_', personal: 'emb_p_' };

export function generateToken(kind: TokenKind): string {
  return PREFIX[kind] + randomBytes(32).toString('base64url');
}

export function tokenKind(token: string): TokenKind | null {
  for (const [kind, prefix] of Object.entries(PREFIX) as [TokenKind, string][]) {
    if (token.startsWith(prefix)) return kind;
  }
  return null;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
