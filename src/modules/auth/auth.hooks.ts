import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import { safeEqual } from '../../platform/crypto/tokens.js';
import { AppError } from '../../platform/errors.js';
import type { Actor, Scope, UserActor } from '../access/actor.js';
import { authenticate } from './auth.service.js';

export const SESSION_COOKIE = 'embargo_session';
export const CSRF_COOKIE = 'embargo_csrf';
export const CSRF_HEADER = 'x-csrf-token';

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor;
  }
  interface FastifyContextConfig {
    /** The route checks its own credential (e.g. the metrics token) and ignores Embargo sign-ins. */
    skipAuthentication?: boolean;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Resolves the actor for every request. A browser session authenticates by cookie, so its
 * state-changing requests must also echo the CSRF cookie in a header (double submit): another
 * site can make the browser send the cookie, but cannot read it.
 */
export function installAuthentication(app: FastifyInstance, context: AppContext): void {
  app.decorateRequest('actor', null as never);
  // A second budget per verified principal (on top of the per-address one in platform/http/security.ts):
  // a token used from many addresses still gets one budget. It runs after authentication, so a made-up
  // token is anonymous here and earns no budget of its own. Same store as the address limit (Redis
  // when configured).
  const limitPrincipal = app.createRateLimit({
    max: context.config.principalRateLimitPerMinute,
    timeWindow: 60_000,
    keyGenerator: (request) => principalKey(request.actor) ?? `ip:${request.ip}`,
  });
  app.addHook('preHandler', async (request) => {
    if (request.routeOptions.config.skipAuthentication) {
      request.actor = { kind: 'anonymous' };
      return;
    }
    const header = request.headers.authorization;
    const bearer = header?.match(/^Bearer\s+(\S+)$/i)?.[1] ?? null;
    if (header !== undefined && bearer === null) throw new AppError('UNAUTHENTICATED', 'Use "Authorization: Bearer <token>".');
    const sessionCookie = bearer === null ? (request.cookies[SESSION_COOKIE] ?? null) : null;
    request.actor = await authenticate(context, { bearer, sessionCookie, ip: request.ip, userAgent: request.headers['user-agent'] ?? null });
    if (principalKey(request.actor) !== null) {
      const limit = await limitPrincipal(request);
      if (!limit.isAllowed && limit.isExceeded) {
        throw new AppError('RATE_LIMITED', `Too many requests with this credential; try again in ${limit.ttlInSeconds} s.`, { retryAfterSeconds: limit.ttlInSeconds });
      }
    }
    if (sessionCookie !== null && !SAFE_METHODS.has(request.method)) checkCsrf(request);
  });
}

/** The budget a verified credential draws on: one per team member (all their sessions and tokens), one per report for its reporter. */
function principalKey(actor: Actor): string | null {
  if (actor.kind === 'user') return `user:${actor.userId}`;
  if (actor.kind === 'reporter') return `reporter:${actor.reportId}`;
  return null;
}

function checkCsrf(request: FastifyRequest): void {
  const cookie = request.cookies[CSRF_COOKIE];
  const header = request.headers[CSRF_HEADER];
  if (!cookie || typeof header !== 'string' || !safeEqual(cookie, header)) {
    throw new AppError('CSRF_TOKEN_INVALID', `Send the ${CSRF_COOKIE} cookie's value in the ${CSRF_HEADER} header.`);
  }
}

/**
 * The first authorization layer, at the route: who may call it at all and, for personal API tokens,
 * which scope it needs. The rule for the specific record is the service's job (src/modules/access).
 */
export function requireUser(request: FastifyRequest, scope: Scope | 'session'): UserActor {
  const actor = request.actor;
  if (actor.kind !== 'user') throw new AppError('UNAUTHENTICATED', 'Sign in as a team member first.');
  if (scope === 'session' && actor.scopes !== null) throw new AppError('INSUFFICIENT_SCOPE', 'This needs an interactive session, not an API token.');
  if (scope !== 'session' && actor.scopes !== null && !actor.scopes.has(scope) && !actor.scopes.has('admin')) {
    throw new AppError('INSUFFICIENT_SCOPE', `This API token lacks the "${scope}" scope.`, { requiredScope: scope });
  }
  return actor;
}

/** A reporter (for their own report) or a team member with the scope. */
export function requireSignedIn(request: FastifyRequest, scope: Scope): Actor {
  if (request.actor.kind === 'anonymous') throw new AppError('UNAUTHENTICATED', 'Authenticate with a session or a bearer token.');
  if (request.actor.kind === 'user') return requireUser(request, scope);
  return request.actor;
}
