import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import type { ZodApp } from '../../platform/http/app.js';
import { errorResponses } from '../../platform/http/schemas.js';
import { login, logout } from './auth.service.js';
import { CSRF_COOKIE, requireUser, SESSION_COOKIE } from './auth.hooks.js';
import { findUserById } from './user.repository.js';

const loginBody = z.strictObject({ email: z.string().trim().min(1).max(320), password: z.string().min(1).max(1024) });

export async function authRoutes(app: ZodApp, context: AppContext): Promise<void> {
  const secure = context.config.secureCookies;

  app.post('/api/v1/auth/login', {
    schema: {
      tags: ['auth'],
      summary: 'Sign in: sets a session cookie for browsers and returns an access token for API clients',
      body: loginBody,
      response: { 200: z.object({ accessToken: z.string(), expiresAt: z.string(), csrfToken: z.string() }), ...errorResponses(400, 401) },
    },
    handler: async (request, reply) => {
      const result = await login(context, { ...request.body, userAgent: request.headers['user-agent'] ?? null, ip: request.ip });
      const csrfToken = randomBytes(24).toString('base64url');
      const maxAge = context.config.sessionTtlSeconds;
      void reply.setCookie(SESSION_COOKIE, result.sessionToken, { httpOnly: true, secure, sameSite: 'strict', path: '/', maxAge });
      // Readable by the page on purpose: the double-submit CSRF check needs the script to echo it.
      void reply.setCookie(CSRF_COOKIE, csrfToken, { httpOnly: false, secure, sameSite: 'strict', path: '/', maxAge });
      return { accessToken: result.accessToken, expiresAt: result.expiresAt.toISOString(), csrfToken };
    },
  });

  app.post('/api/v1/auth/logout', {
    schema: { tags: ['auth'], summary: 'End the current session', response: { 204: z.null(), ...errorResponses(401, 403) } },
    handler: async (request, reply) => {
      await logout(context, requireUser(request));
      void reply.clearCookie(SESSION_COOKIE, { path: '/' }).clearCookie(CSRF_COOKIE, { path: '/' });
      return reply.status(204).send(null);
    },
  });

  app.get('/api/v1/auth/me', {
    schema: {
      tags: ['auth'],
      summary: 'The signed-in team member and their roles',
      response: {
        200: z.object({ id: z.string(), email: z.string(), displayName: z.string().nullable(), roles: z.array(z.object({ project: z.string(), role: z.string() })) }),
        ...errorResponses(401),
      },
    },
    handler: async (request) => {
      const actor = requireUser(request);
      const user = await findUserById(context.db, actor.userId);
      return {
        id: actor.userId,
        email: actor.email,
        displayName: user?.display_name ?? null,
        roles: [...actor.roles].map(([project, role]) => ({ project, role })),
      };
    },
  });
}
