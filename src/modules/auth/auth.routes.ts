import { randomBytes } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import type { ZodApp } from '../../platform/http/app.js';
import { errorResponses } from '../../platform/http/schemas.js';
import { login, logout, refresh } from './auth.service.js';
import { CSRF_COOKIE, requireUser, SESSION_COOKIE } from './auth.hooks.js';
import { findUserById } from './user.repository.js';
import { hasTwoFactor } from './two-factor.service.js';

const loginBody = z.strictObject({
  email: z.string().trim().min(1).max(320),
  password: z.string().min(1).max(1024),
  code: z.string().trim().min(6).max(20).optional().describe('TOTP code or recovery code, when two-factor authentication is on'),
});
const tokenPairSchema = z.object({
  accessToken: z.string().describe('Short-lived; send as Authorization: Bearer'),
  expiresAt: z.string(),
  refreshToken: z.string().describe('Single use: POST it to /api/v1/auth/refresh for a new pair'),
});

export async function authRoutes(app: ZodApp, context: AppContext): Promise<void> {
  const cookieOptions = { secure: context.config.secureCookies, sameSite: 'strict' as const, path: '/', maxAge: context.config.sessionTtlSeconds };
  const clearCookies = (reply: FastifyReply) => reply.clearCookie(SESSION_COOKIE, { path: '/' }).clearCookie(CSRF_COOKIE, { path: '/' });

  app.post('/api/v1/auth/login', {
    bodyLimit: 8 * 1024,
    schema: {
      tags: ['auth'],
      summary: 'Sign in: sets a session cookie for browsers and returns access and refresh tokens for API clients',
      body: loginBody,
      response: { 200: tokenPairSchema.extend({ csrfToken: z.string() }), ...errorResponses(400, 401, 429) },
    },
    handler: async (request, reply) => {
      const result = await login(context, { ...request.body, userAgent: request.headers['user-agent'] ?? null, ip: request.ip });
      const csrfToken = randomBytes(24).toString('base64url');
      void reply.setCookie(SESSION_COOKIE, result.sessionToken, { ...cookieOptions, httpOnly: true });
      // Readable by the page on purpose: the double-submit CSRF check needs the script to echo it.
      void reply.setCookie(CSRF_COOKIE, csrfToken, { ...cookieOptions, httpOnly: false });
      return { accessToken: result.accessToken, refreshToken: result.refreshToken, expiresAt: result.expiresAt.toISOString(), csrfToken };
    },
  });

  app.post('/api/v1/auth/refresh', {
    bodyLimit: 8 * 1024,
    schema: {
      tags: ['auth'],
      summary: 'Trade a refresh token for a new access and refresh token (the old one stops working)',
      body: z.strictObject({ refreshToken: z.string().min(1).max(200) }),
      response: { 200: tokenPairSchema, ...errorResponses(400, 401) },
    },
    handler: async (request) => {
      const pair = await refresh(context, request.body.refreshToken);
      return { ...pair, expiresAt: pair.expiresAt.toISOString() };
    },
  });

  app.post('/api/v1/auth/logout', {
    schema: { tags: ['auth'], summary: 'End the current session', response: { 204: z.null(), ...errorResponses(401, 403) } },
    handler: async (request, reply) => {
      await logout(context, requireUser(request, 'session'));
      clearCookies(reply);
      return reply.status(204).send(null);
    },
  });

  app.get('/api/v1/auth/me', {
    schema: {
      tags: ['auth'],
      summary: 'The signed-in team member, their effective roles and whether two-factor authentication is on',
      response: {
        200: z.object({
          id: z.string(),
          email: z.string(),
          displayName: z.string().nullable(),
          roles: z.array(z.object({ project: z.string(), role: z.string() })),
          twoFactorEnabled: z.boolean(),
          twoFactorRequiredBy: z.array(z.string()).describe('Projects that grant nothing until you sign in with a second factor'),
          scopes: z.array(z.string()).nullable(),
        }),
        ...errorResponses(401),
      },
    },
    handler: async (request) => {
      const actor = requireUser(request, 'reports:read');
      const user = await findUserById(context.db, actor.userId);
      return {
        id: actor.userId,
        email: actor.email,
        displayName: user?.display_name ?? null,
        roles: [...actor.roles].map(([project, role]) => ({ project, role })),
        twoFactorEnabled: await hasTwoFactor(context, actor.userId),
        twoFactorRequiredBy: context.policies.projects.filter((project) => project.security.requireTwoFactor).map((project) => project.slug),
        scopes: actor.scopes ? [...actor.scopes] : null,
      };
    },
  });
}
