import type { Executor } from '../../platform/db/database.js';

export async function insertSession(
  trx: Executor,
  session: { id: string; userId: string; tokenHash: string; at: Date; expiresAt: Date; userAgent: string | null; ip: string | null },
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
    })
    .execute();
}

/** A live session (not revoked, not expired) of an enabled user, found by id or by its token's hash. */
export async function findLiveSession(db: Executor, by: { id: string } | { tokenHash: string }, now: Date) {
  let query = db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select(['sessions.id', 'sessions.user_id', 'users.email'])
    .where('sessions.revoked_at', 'is', null)
    .where('sessions.expires_at', '>', now)
    .where('users.disabled_at', 'is', null);
  query = 'id' in by ? query.where('sessions.id', '=', by.id) : query.where('sessions.token_hash', '=', by.tokenHash);
  return query.executeTakeFirst();
}

export async function revokeSession(trx: Executor, id: string, at: Date) {
  await trx.updateTable('sessions').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).execute();
}
