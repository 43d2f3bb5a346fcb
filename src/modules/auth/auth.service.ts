import { randomUUID } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import type { AppContext } from '../../context.js';
import { dummyPasswordHash, verifyPassword } from '../../platform/crypto/password.js';
import { generateToken, hashToken, tokenKind } from '../../platform/crypto/tokens.js';
import { AppError } from '../../platform/errors.js';
import type { Actor } from '../access/actor.js';
import { appendAudit } from '../audit/audit.repository.js';
import { findReportIdByTokenHash } from '../reports/report.repository.js';
import { findLiveSession, insertSession, revokeSession } from './session.repository.js';
import { findRoles, findUserByEmail } from './user.repository.js';

const ISSUER = 'embargo';

export type LoginResult = { sessionToken: string; accessToken: string; expiresAt: Date; userId: string };

/** Checks a password and opens a session. The answer never tells whether the account exists. */
export async function login(context: AppContext, input: { email: string; password: string; userAgent: string | null; ip: string | null }): Promise<LoginResult> {
  const user = await findUserByEmail(context.db, input.email);
  const valid = await verifyPassword(user?.password_hash ?? (await dummyPasswordHash()), input.password);
  if (!user || !valid || user.disabled_at) throw new AppError('INVALID_CREDENTIALS', 'Wrong email or password.');

  const now = context.clock.now();
  const sessionId = randomUUID();
  const sessionToken = generateToken('session');
  const expiresAt = new Date(now.getTime() + context.config.sessionTtlSeconds * 1000);
  await context.db.transaction().execute(async (trx) => {
    await insertSession(trx, { id: sessionId, userId: user.id, tokenHash: hashToken(sessionToken), at: now, expiresAt, userAgent: input.userAgent, ip: input.ip });
    await appendAudit(trx, { stream: `user:${user.id}`, actor: { type: 'user', id: user.id }, action: 'auth.login', data: { sessionId, ip: input.ip }, at: now });
  });
  const accessToken = await new SignJWT({ sid: sessionId })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(user.id)
    .setIssuer(ISSUER)
    .setIssuedAt(Math.floor(now.getTime() / 1000))
    .setExpirationTime(Math.floor(now.getTime() / 1000) + context.config.accessTokenTtlSeconds)
    .sign(context.sessionSecret);
  return { sessionToken, accessToken, expiresAt, userId: user.id };
}

export async function logout(context: AppContext, actor: Actor): Promise<void> {
  if (actor.kind !== 'user') return;
  const now = context.clock.now();
  await context.db.transaction().execute(async (trx) => {
    await revokeSession(trx, actor.sessionId, now);
    await appendAudit(trx, { stream: `user:${actor.userId}`, actor: { type: 'user', id: actor.userId }, action: 'auth.logout', data: { sessionId: actor.sessionId }, at: now });
  });
}

export type Credentials = { bearer: string | null; sessionCookie: string | null };

/**
 * Resolves who is calling. An access token is only as good as the session it was issued for, so
 * signing out revokes API tokens too. Bad credentials are an error, not a silent downgrade to anonymous.
 */
export async function authenticate(context: AppContext, credentials: Credentials): Promise<Actor> {
  const now = context.clock.now();
  if (credentials.bearer !== null) {
    const token = credentials.bearer;
    if (tokenKind(token) === 'reporter') {
      const reportId = await findReportIdByTokenHash(context.db, hashToken(token));
      if (!reportId) throw new AppError('UNAUTHENTICATED', 'The access token is not valid.');
      return { kind: 'reporter', reportId };
    }
    let sessionId: string;
    try {
      const { payload } = await jwtVerify(token, context.sessionSecret, { issuer: ISSUER, algorithms: ['HS256'], currentDate: now });
      sessionId = String(payload.sid);
    } catch {
      throw new AppError('UNAUTHENTICATED', 'The access token is not valid or has expired; sign in again.');
    }
    return userActor(context, await findLiveSession(context.db, { id: sessionId }, now));
  }
  if (credentials.sessionCookie !== null) {
    return userActor(context, await findLiveSession(context.db, { tokenHash: hashToken(credentials.sessionCookie) }, now));
  }
  return { kind: 'anonymous' };
}

async function userActor(context: AppContext, session: { id: string; user_id: string; email: string } | undefined): Promise<Actor> {
  if (!session) throw new AppError('UNAUTHENTICATED', 'The session has ended; sign in again.');
  return { kind: 'user', userId: session.user_id, email: session.email, sessionId: session.id, roles: await findRoles(context.db, session.user_id) };
}
