import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../context.js';
import { hashPassword, verifyPassword } from '../../platform/crypto/password.js';
import { generateToken, hashToken } from '../../platform/crypto/tokens.js';
import { AppError, notFound, validationFailed } from '../../platform/errors.js';
import type { Scope, UserActor } from '../access/actor.js';
import { auditActor } from '../audit/audit-actor.js';
import { appendAudit } from '../audit/audit.repository.js';
import { findApiTokens, insertApiToken, revokeApiToken } from './api-token.repository.js';
import { checkPasswordStrength } from './password-policy.js';
import { findSessions, revokeSession, revokeUserSessions } from './session.repository.js';
import { findUserById, updatePasswordHash } from './user.repository.js';

const audit = (actor: UserActor) => ({ stream: `user:${actor.userId}`, actor: auditActor(actor) });

export async function listSessions(context: AppContext, actor: UserActor) {
  const rows = await findSessions(context.db, actor.userId, context.clock.now());
  return rows.map((row) => ({
    id: row.id,
    current: row.id === actor.sessionId,
    createdAt: row.created_at.toISOString(),
    lastSeenAt: row.last_seen_at.toISOString(),
    expiresAt: row.expires_at.toISOString(),
    userAgent: row.user_agent,
    ip: row.ip,
    twoFactorVerified: row.two_factor_verified,
  }));
}

export async function endSession(context: AppContext, actor: UserActor, sessionId: string): Promise<void> {
  const now = context.clock.now();
  const own = (await findSessions(context.db, actor.userId, now)).some((row) => row.id === sessionId);
  if (!own) throw notFound('NOT_FOUND', 'session');
  await context.db.transaction().execute(async (trx) => {
    await revokeSession(trx, sessionId, now);
    await appendAudit(trx, { ...audit(actor), action: 'auth.session_revoked', data: { sessionId }, at: now });
  });
}

/** "Sign out everywhere": every session of the user ends, this one included. */
export async function endAllSessions(context: AppContext, actor: UserActor): Promise<number> {
  const now = context.clock.now();
  return context.db.transaction().execute(async (trx) => {
    const count = await revokeUserSessions(trx, actor.userId, now, null);
    await appendAudit(trx, { ...audit(actor), action: 'auth.signed_out_everywhere', data: { sessions: count }, at: now });
    return count;
  });
}

/** A new password ends every other session: whoever may have known the old one is signed out. */
export async function changePassword(context: AppContext, actor: UserActor, input: { currentPassword: string; newPassword: string }): Promise<void> {
  const user = await findUserById(context.db, actor.userId);
  if (!user || !(await verifyPassword(user.password_hash, input.currentPassword))) {
    throw new AppError('INVALID_CREDENTIALS', 'The current password is wrong.');
  }
  const strength = checkPasswordStrength(input.newPassword, { email: user.email });
  if (!strength.ok) throw validationFailed([{ field: 'newPassword', code: strength.code, message: strength.message }]);
  const passwordHash = await hashPassword(input.newPassword);
  const now = context.clock.now();
  await context.db.transaction().execute(async (trx) => {
    await updatePasswordHash(trx, actor.userId, passwordHash, now);
    const revoked = await revokeUserSessions(trx, actor.userId, now, actor.sessionId);
    await appendAudit(trx, { ...audit(actor), action: 'auth.password_changed', data: { otherSessionsRevoked: revoked }, at: now });
  });
}

export async function createApiToken(context: AppContext, actor: UserActor, input: { name: string; scopes: Scope[]; expiresInDays?: number | undefined }) {
  const now = context.clock.now();
  const token = generateToken('personal');
  const id = randomUUID();
  const expiresAt = input.expiresInDays ? new Date(now.getTime() + input.expiresInDays * 86_400_000) : null;
  const scopes = [...new Set(input.scopes)];
  await context.db.transaction().execute(async (trx) => {
    await insertApiToken(trx, { id, userId: actor.userId, name: input.name, tokenHash: hashToken(token), scopes, at: now, expiresAt });
    await appendAudit(trx, { ...audit(actor), action: 'auth.api_token_created', data: { tokenId: id, name: input.name, scopes }, at: now });
  });
  return { id, token, name: input.name, scopes, expiresAt: expiresAt?.toISOString() ?? null };
}

export async function listApiTokens(context: AppContext, actor: UserActor) {
  const rows = await findApiTokens(context.db, actor.userId);
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    scopes: row.scopes as string[],
    createdAt: row.created_at.toISOString(),
    expiresAt: row.expires_at?.toISOString() ?? null,
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
    revokedAt: row.revoked_at?.toISOString() ?? null,
  }));
}

export async function deleteApiToken(context: AppContext, actor: UserActor, id: string): Promise<void> {
  const now = context.clock.now();
  await context.db.transaction().execute(async (trx) => {
    if (!/^[0-9a-f-]{36}$/i.test(id) || !(await revokeApiToken(trx, actor.userId, id, now))) throw notFound('NOT_FOUND', 'API token');
    await appendAudit(trx, { ...audit(actor), action: 'auth.api_token_revoked', data: { tokenId: id }, at: now });
  });
}
