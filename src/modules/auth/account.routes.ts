import { z } from 'zod';
import type { AppContext } from '../../context.js';
import type { ZodApp } from '../../platform/http/app.js';
import { errorResponses } from '../../platform/http/schemas.js';
import { SCOPES } from '../access/actor.js';
import { changePassword, createApiToken, deleteApiToken, endAllSessions, endSession, listApiTokens, listSessions } from './account.service.js';
import { CSRF_COOKIE, requireUser, SESSION_COOKIE } from './auth.hooks.js';
import { confirmTwoFactor, disableTwoFactor, setupTwoFactor } from './two-factor.service.js';

const idParams = z.object({ id: z.string() });
const code = z.string().trim().min(6).max(20);

/** A team member's own account: sessions, password, personal API tokens and two-factor authentication. */
export async function accountRoutes(app: ZodApp, context: AppContext): Promise<void> {
  app.get('/api/v1/auth/sessions', {
    schema: {
      tags: ['account'],
      summary: 'Your live sessions',
      response: {
        200: z.object({
          items: z.array(
            z.object({
              id: z.string(),
              current: z.boolean(),
              createdAt: z.string(),
              lastSeenAt: z.string(),
              expiresAt: z.string(),
              userAgent: z.string().nullable(),
              ip: z.string().nullable(),
              twoFactorVerified: z.boolean(),
            }),
          ),
        }),
        ...errorResponses(401, 403),
      },
    },
    handler: async (request) => ({ items: await listSessions(context, requireUser(request, 'session')) }),
  });

  app.delete('/api/v1/auth/sessions/:id', {
    schema: { tags: ['account'], summary: 'End one of your sessions', params: idParams, response: { 204: z.null(), ...errorResponses(401, 403, 404) } },
    handler: async (request, reply) => {
      await endSession(context, requireUser(request, 'session'), request.params.id);
      return reply.status(204).send(null);
    },
  });

  app.post('/api/v1/auth/sessions/revoke-all', {
    schema: { tags: ['account'], summary: 'Sign out everywhere, this session included', response: { 200: z.object({ revoked: z.number() }), ...errorResponses(401, 403) } },
    handler: async (request, reply) => {
      const revoked = await endAllSessions(context, requireUser(request, 'session'));
      void reply.clearCookie(SESSION_COOKIE, { path: '/' }).clearCookie(CSRF_COOKIE, { path: '/' });
      return { revoked };
    },
  });

  app.post('/api/v1/auth/password', {
    schema: {
      tags: ['account'],
      summary: 'Change your password; every other session ends',
      body: z.strictObject({ currentPassword: z.string().min(1).max(1024), newPassword: z.string().min(1).max(1024) }),
      response: { 204: z.null(), ...errorResponses(400, 401, 403) },
    },
    handler: async (request, reply) => {
      await changePassword(context, requireUser(request, 'session'), request.body);
      return reply.status(204).send(null);
    },
  });

  const tokenView = z.object({
    id: z.string(),
    name: z.string(),
    scopes: z.array(z.string()),
    createdAt: z.string(),
    expiresAt: z.string().nullable(),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  });

  app.get('/api/v1/auth/tokens', {
    schema: { tags: ['account'], summary: 'Your personal API tokens (never the secrets)', response: { 200: z.object({ items: z.array(tokenView) }), ...errorResponses(401, 403) } },
    handler: async (request) => ({ items: await listApiTokens(context, requireUser(request, 'session')) }),
  });

  app.post('/api/v1/auth/tokens', {
    schema: {
      tags: ['account'],
      summary: 'Create a personal API token with scopes; the token is shown once',
      body: z.strictObject({
        name: z.string().trim().min(1).max(100),
        scopes: z.array(z.enum(SCOPES)).min(1),
        expiresInDays: z.number().int().min(1).max(3650).optional(),
      }),
      response: {
        201: z.object({ id: z.string(), token: z.string(), name: z.string(), scopes: z.array(z.string()), expiresAt: z.string().nullable() }),
        ...errorResponses(400, 401, 403),
      },
    },
    handler: async (request, reply) => reply.status(201).send(await createApiToken(context, requireUser(request, 'session'), request.body)),
  });

  app.delete('/api/v1/auth/tokens/:id', {
    schema: { tags: ['account'], summary: 'Revoke one of your API tokens', params: idParams, response: { 204: z.null(), ...errorResponses(401, 403, 404) } },
    handler: async (request, reply) => {
      await deleteApiToken(context, requireUser(request, 'session'), request.params.id);
      return reply.status(204).send(null);
    },
  });

  app.post('/api/v1/auth/2fa/setup', {
    schema: { tags: ['account'], summary: 'Start two-factor enrolment: a TOTP secret and otpauth URI', response: { 200: z.object({ secret: z.string(), otpauthUri: z.string() }), ...errorResponses(401, 403, 409) } },
    handler: async (request) => setupTwoFactor(context, requireUser(request, 'session')),
  });

  app.post('/api/v1/auth/2fa/confirm', {
    schema: {
      tags: ['account'],
      summary: 'Finish enrolment with a code; returns recovery codes, shown once',
      body: z.strictObject({ code }),
      response: { 200: z.object({ recoveryCodes: z.array(z.string()) }), ...errorResponses(400, 401, 403, 409) },
    },
    handler: async (request) => ({ recoveryCodes: await confirmTwoFactor(context, requireUser(request, 'session'), request.body.code) }),
  });

  app.post('/api/v1/auth/2fa/disable', {
    schema: { tags: ['account'], summary: 'Turn two-factor authentication off (needs a current code)', body: z.strictObject({ code }), response: { 204: z.null(), ...errorResponses(400, 401, 403, 409) } },
    handler: async (request, reply) => {
      await disableTwoFactor(context, requireUser(request, 'session'), request.body.code);
      return reply.status(204).send(null);
    },
  });
}
