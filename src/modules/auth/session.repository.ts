import type { Executor } from '../../platform/db/database.js';

export async function insertSession(
  trx: Executor,
  session: { id: string; userId: string; tokenHash: string; at: Date; expiresAt: Date; userAgent: string | null; ip: string | null; twoFactorVerified: boolean },
) {
  await trx
    .insertInto('sessions')
    .values({
      id: session.id,
      user_id: session.userId,
      token_hash: session.tokenHash,
      created_at: session.at,
      expires_at: session.expiresAt,
      last_seen_at: session.at,
      user_agent: session.userAgent,
      ip: session.ip,
      two_factor_verified: session.twoFactorVerified,
    })
    .execute();
}

/** A live session (not revoked, not expired) of an enabled user, found by id or by its token's hash. */
export async function findLiveSession(db: Executor, by: { id: string } | { tokenHash: string }, now: Date) {
  let query = db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select(['sessions.id', 'sessions.user_id', 'sessions.two_factor_verified', 'users.email'])
    .where('sessions.revoked_at', 'is', null)
    .where('sessions.expires_at', '>', now)
    .where('users.disabled_at', 'is', null);
  query = 'id' in by ? query.where('sessions.id', '=', by.id) : query.where('sessions.token_hash', '=', by.tokenHash);
  return query.executeTakeFirst();
}

export async function revokeSession(trx: Executor, id: string, at: Date) {
  await trx.updateTable('sessions').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).execute();
}

export async function findSessions(db: Executor, userId: string, now: Date) {
  return db
    .selectFrom('sessions')
    .select(['id', 'created_at', 'last_seen_at', 'expires_at', 'user_agent', 'ip', 'two_factor_verified'])
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .orderBy('created_at', 'desc')
    .execute();
}

/** Revokes every live session of a user except `keep` (null: all of them). */
export async function revokeUserSessions(trx: Executor, userId: string, at: Date, keep: string | null): Promise<number> {
  let query = trx.updateTable('sessions').set({ revoked_at: at }).where('user_id', '=', userId).where('revoked_at', 'is', null);
  if (keep) query = query.where('id', '!=', keep);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function insertRefreshToken(trx: Executor, token: { id: string; sessionId: string; tokenHash: string; at: Date; expiresAt: Date }) {
  await trx
    .insertInto('refresh_tokens')
    .values({ id: token.id, session_id: token.sessionId, token_hash: token.tokenHash, created_at: token.at, expires_at: token.expiresAt })
    .execute();
}

export async function findRefreshToken(db: Executor, tokenHash: string) {
  return db.selectFrom('refresh_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

/** Spends a refresh token; false when it was already spent (a replay, or a race lost to another use). */
export async function spendRefreshToken(trx: Executor, id: string, at: Date): Promise<boolean> {
  const result = await trx.updateTable('refresh_tokens').set({ used_at: at }).where('id', '=', id).where('used_at', 'is', null).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
