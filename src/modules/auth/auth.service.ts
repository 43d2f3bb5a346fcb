import { randomUUID } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import type { AppContext } from '../../context.js';
import { dummyPasswordHash, verifyPassword } from '../../platform/crypto/password.js';
import { generateToken, hashToken, tokenKind } from '../../platform/crypto/tokens.js';
import type { Tx } from '../../platform/db/database.js';
import { AppError } from '../../platform/errors.js';
import { strongestRole, type Actor, type AuthMethod, type Role, type Scope } from '../access/actor.js';
import { auditActor } from '../audit/audit-actor.js';
import { appendAudit } from '../audit/audit.repository.js';
import { findReportIdByTokenHash } from '../reports/report.repository.js';
import { findLiveApiToken, touchApiToken } from './api-token.repository.js';
import { assertNotThrottled, clearAccountFailures, recordLoginFailure } from './login-throttle.js';
import { findLiveSession, findRefreshToken, insertRefreshToken, insertSession, revokeSession, spendRefreshToken } from './session.repository.js';
import { findTotp } from './totp.repository.js';
import { verifySecondFactor } from './two-factor.service.js';
import { findRoles, findUserByEmail } from './user.repository.js';

const ISSUER = 'embargo';

export type TokenPair = { accessToken: string; refreshToken: string; expiresAt: Date };
export type LoginResult = TokenPair & { sessionToken: string; userId: string };

/**
 * Checks a password (and the second factor when the account has one) and opens a session. Failures
 * are throttled per account and per address, and never tell whether the account exists.
 */
export async function login(
  context: AppContext,
  input: { email: string; password: string; code?: string | undefined; userAgent: string | null; ip: string },
): Promise<LoginResult> {
  const now = context.clock.now();
  const subjects = { email: input.email, ip: input.ip };
  await assertNotThrottled(context.db, subjects, now);
  const user = await findUserByEmail(context.db, input.email);
  const valid = await verifyPassword(user?.password_hash ?? (await dummyPasswordHash()), input.password);
  if (!user || !valid || user.disabled_at) {
    await recordLoginFailure(context.db, subjects, now);
    throw new AppError('INVALID_CREDENTIALS', 'Wrong email or password.');
  }
  const twoFactor = Boolean((await findTotp(context.db, user.id))?.confirmed_at);
  if (twoFactor && !input.code) throw new AppError('TWO_FACTOR_REQUIRED', 'Enter the code from your authenticator app (or a recovery code).');

  const sessionId = randomUUID();
  const sessionToken = generateToken('session');
  const expiresAt = new Date(now.getTime() + context.config.sessionTtlSeconds * 1000);
  const refreshToken = await context.db.transaction().execute(async (trx) => {
    if (twoFactor && !(await verifySecondFactor(context, trx, user.id, input.code!, now))) return null;
    await insertSession(trx, { id: sessionId, userId: user.id, tokenHash: hashToken(sessionToken), at: now, expiresAt, userAgent: input.userAgent, ip: input.ip, twoFactorVerified: twoFactor });
    await appendAudit(trx, {
      stream: `user:${user.id}`,
      actor: { type: 'user', id: user.id, name: user.email, ip: input.ip, userAgent: input.userAgent, authMethod: twoFactor ? 'password+totp' : 'password' },
      action: 'auth.login',
      data: { sessionId, twoFactor },
      at: now,
    });
    return issueRefreshToken(trx, sessionId, now, expiresAt);
  });
  if (refreshToken === null) {
    await recordLoginFailure(context.db, subjects, now);
    throw new AppError('INVALID_TWO_FACTOR_CODE', 'That code is not valid.');
  }
  await clearAccountFailures(context.db, input.email);
  return { sessionToken, userId: user.id, refreshToken, ...(await signAccessToken(context, user.id, sessionId, now)) };
}

async function issueRefreshToken(trx: Tx, sessionId: string, now: Date, expiresAt: Date): Promise<string> {
  const token = generateToken('refresh');
  await insertRefreshToken(trx, { id: randomUUID(), sessionId, tokenHash: hashToken(token), at: now, expiresAt });
  return token;
}

async function signAccessToken(context: AppContext, userId: string, sessionId: string, now: Date): Promise<{ accessToken: string; expiresAt: Date }> {
  const issuedAt = Math.floor(now.getTime() / 1000);
  const expiresAt = issuedAt + context.config.accessTokenTtlSeconds;
  const accessToken = await new SignJWT({ sid: sessionId })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setIssuer(ISSUER)
    .setIssuedAt(issuedAt)
    .setExpirationTime(expiresAt)
    .sign(context.sessionSecret);
  return { accessToken, expiresAt: new Date(expiresAt * 1000) };
}

/**
 * Trades a refresh token for a new pair. Each refresh token works once: presenting a spent one means
 * it was copied, so the whole session (the token family) is revoked for both holders.
 */
export async function refresh(context: AppContext, refreshToken: string): Promise<TokenPair> {
  const now = context.clock.now();
  const row = tokenKind(refreshToken) === 'refresh' ? await findRefreshToken(context.db, hashToken(refreshToken)) : undefined;
  if (!row || row.expires_at <= now) throw new AppError('UNAUTHENTICATED', 'The refresh token is not valid; sign in again.');
  const outcome = await context.db.transaction().execute(async (trx) => {
    const session = await findLiveSession(trx, { id: row.session_id }, now);
    if (!session) return { kind: 'ended' as const };
    if (!(await spendRefreshToken(trx, row.id, now))) {
      await revokeSession(trx, row.session_id, now);
      await appendAudit(trx, { stream: `user:${session.user_id}`, actor: { type: 'system', id: null }, action: 'auth.refresh_token_reused', data: { sessionId: row.session_id }, at: now });
      return { kind: 'reused' as const };
    }
    return { kind: 'ok' as const, userId: session.user_id, token: await issueRefreshToken(trx, row.session_id, now, row.expires_at) };
  });
  if (outcome.kind === 'reused') throw new AppError('REFRESH_TOKEN_REUSED', 'This refresh token was already used; the session has been ended for safety. Sign in again.');
  if (outcome.kind === 'ended') throw new AppError('UNAUTHENTICATED', 'The session has ended; sign in again.');
  return { refreshToken: outcome.token, ...(await signAccessToken(context, outcome.userId, row.session_id, now)) };
}

export async function logout(context: AppContext, actor: Actor): Promise<void> {
  if (actor.kind !== 'user' || !actor.sessionId) return;
  const now = context.clock.now();
  const sessionId = actor.sessionId;
  await context.db.transaction().execute(async (trx) => {
    await revokeSession(trx, sessionId, now);
    await appendAudit(trx, { stream: `user:${actor.userId}`, actor: auditActor(actor), action: 'auth.logout', data: { sessionId }, at: now });
  });
}

export type Credentials = { bearer: string | null; sessionCookie: string | null; ip?: string | null; userAgent?: string | null };

/**
 * Resolves who is calling. An access token is only as good as the session it was issued for, so
 * signing out revokes API tokens too. Bad credentials are an error, not a silent downgrade to anonymous.
 */
export async function authenticate(context: AppContext, credentials: Credentials): Promise<Actor> {
  const actor = await resolveActor(context, credentials);
  const authMethod: AuthMethod =
    actor.kind === 'anonymous' ? 'none' : actor.kind === 'reporter' ? 'reporter_token' : credentials.bearer === null ? 'session_cookie' : actor.sessionId ? 'access_token' : 'api_token';
  return { ...actor, origin: { ip: credentials.ip ?? null, userAgent: credentials.userAgent ?? null, authMethod } };
}

async function resolveActor(context: AppContext, credentials: Credentials): Promise<Actor> {
  const now = context.clock.now();
  if (credentials.bearer !== null) {
    const token = credentials.bearer;
    const kind = tokenKind(token);
    if (kind === 'reporter') {
      const reportId = await findReportIdByTokenHash(context.db, hashToken(token));
      if (!reportId) throw new AppError('UNAUTHENTICATED', 'The access token is not valid.');
      return { kind: 'reporter', reportId };
    }
    if (kind === 'personal') {
      const apiToken = await findLiveApiToken(context.db, hashToken(token), now);
      if (!apiToken) throw new AppError('UNAUTHENTICATED', 'The API token is not valid, was revoked or has expired.');
      // Recording every use would turn each read into a write; a minute's precision is enough.
      if (!apiToken.last_used_at || now.getTime() - apiToken.last_used_at.getTime() > 60_000) await touchApiToken(context.db, apiToken.id, now);
      const twoFactor = Boolean((await findTotp(context.db, apiToken.user_id))?.confirmed_at);
      return userActor(context, { userId: apiToken.user_id, email: apiToken.email, sessionId: null, twoFactorVerified: twoFactor, scopes: new Set(apiToken.scopes as Scope[]) });
    }
    let sessionId: string;
    try {
      const { payload } = await jwtVerify(token, context.sessionSecret, { issuer: ISSUER, algorithms: ['HS256'], currentDate: now });
      sessionId = String(payload.sid);
    } catch {
      throw new AppError('UNAUTHENTICATED', 'The access token is not valid or has expired; refresh it or sign in again.');
    }
    return sessionActor(context, await findLiveSession(context.db, { id: sessionId }, now));
  }
  if (credentials.sessionCookie !== null) {
    return sessionActor(context, await findLiveSession(context.db, { tokenHash: hashToken(credentials.sessionCookie) }, now));
  }
  return { kind: 'anonymous' };
}

type LiveSession = { id: string; user_id: string; email: string; two_factor_verified: boolean } | undefined;

async function sessionActor(context: AppContext, session: LiveSession): Promise<Actor> {
  if (!session) throw new AppError('UNAUTHENTICATED', 'The session has ended; sign in again.');
  return userActor(context, { userId: session.user_id, email: session.email, sessionId: session.id, twoFactorVerified: session.two_factor_verified, scopes: null });
}

async function userActor(
  context: AppContext,
  who: { userId: string; email: string; sessionId: string | null; twoFactorVerified: boolean; scopes: ReadonlySet<Scope> | null },
): Promise<Actor> {
  const granted = await findRoles(context.db, who.userId);
  return { kind: 'user', userId: who.userId, email: who.email, sessionId: who.sessionId, scopes: who.scopes, roles: effectiveRoles(context, granted, who.twoFactorVerified) };
}

/**
 * Projects whose policy requires two-factor authentication grant nothing to a session that did not
 * use it. An all-projects role is spelled out per project in that case, so that the rule applies to it too.
 */
export function effectiveRoles(context: AppContext, granted: ReadonlyMap<string, Role>, twoFactorVerified: boolean): ReadonlyMap<string, Role> {
  const guarded = context.policies.projects.filter((project) => project.security.requireTwoFactor).map((project) => project.slug);
  if (twoFactorVerified || guarded.length === 0) return granted;
  const roles = new Map<string, Role>();
  for (const project of context.policies.projects) {
    const role = strongestRole(granted, project.slug);
    if (role && !guarded.includes(project.slug)) roles.set(project.slug, role);
  }
  return roles;
}
