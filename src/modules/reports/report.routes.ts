import { z } from 'zod';
import type { AppContext } from '../../context.js';
import type { ZodApp } from '../../platform/http/app.js';
import { errorResponses } from '../../platform/http/schemas.js';
import { requireSignedIn } from '../auth/auth.hooks.js';
import { presentReport } from './report.presenter.js';
import { intakeBodySchema, intakeResponseSchema, messageBodySchema, projectParamsSchema, reportParamsSchema, reportResponseSchema } from './report.schemas.js';
import { getReportAudit, getReportFor, postMessage, replaceAccessToken, revokeAccessToken, submitReport } from './report.service.js';

export async function reportRoutes(app: ZodApp, context: AppContext): Promise<void> {
  app.post('/api/v1/projects/:project/reports', {
    // Anyone may submit, so intake has its own, tighter limit per client address.
    config: { rateLimit: { max: context.config.intakeRateLimitPerMinute, timeWindow: 60_000 } },
    schema: {
      tags: ['reports'],
      summary: 'Submit a private vulnerability report (no account needed)',
      params: projectParamsSchema,
      body: intakeBodySchema,
      response: { 201: intakeResponseSchema, ...errorResponses(400, 404, 413, 415) },
    },
    handler: async (request, reply) => {
      const result = await submitReport(context, request.params.project, request.body, 'api', request.actor.origin);
      context.metrics?.reportsReceived.inc({ project: request.params.project, source: 'api' });
      return reply.status(201).send(result);
    },
  });

  app.get('/api/v1/reports/:id', {
    schema: {
      tags: ['reports'],
      summary: 'A report with its state, deadlines and thread (reporter token or team member)',
      params: reportParamsSchema,
      response: { 200: reportResponseSchema, ...errorResponses(401, 404) },
    },
    handler: async (request) => {
      const actor = requireSignedIn(request, 'reports:read');
      return presentReport(context, actor, await getReportFor(context, actor, request.params.id));
    },
  });

  app.get('/api/v1/reports/:id/audit', {
    schema: {
      tags: ['reports'],
      summary: "The report's audit history: who did what, when and why (team only)",
      params: reportParamsSchema,
      response: {
        200: z.object({
          items: z.array(
            z.object({
              seq: z.number(),
              action: z.string(),
              actorType: z.string(),
              actorId: z.string().nullable(),
              actorName: z.string().nullable(),
              reason: z.string().nullable(),
              data: z.record(z.string(), z.unknown()),
              occurredAt: z.string(),
              sealed: z.boolean(),
            }),
          ),
        }),
        ...errorResponses(401, 403, 404),
      },
    },
    handler: async (request) => ({ items: await getReportAudit(context, requireSignedIn(request, 'reports:read'), request.params.id) }),
  });

  app.post('/api/v1/reports/:id/access-token', {
    schema: {
      tags: ['reports'],
      summary: "Replace the reporter's access token (reporter or team); the old one stops working, the new one is shown once",
      params: reportParamsSchema,
      response: { 201: z.object({ accessToken: z.string(), statusUrl: z.string() }), ...errorResponses(401, 403, 404) },
    },
    handler: async (request, reply) => reply.status(201).send(await replaceAccessToken(context, requireSignedIn(request, 'reports:write'), request.params.id)),
  });

  app.delete('/api/v1/reports/:id/access-token', {
    schema: {
      tags: ['reports'],
      summary: "Revoke the reporter's access token (reporter or team)",
      params: reportParamsSchema,
      response: { 204: z.null(), ...errorResponses(401, 403, 404) },
    },
    handler: async (request, reply) => {
      await revokeAccessToken(context, requireSignedIn(request, 'reports:write'), request.params.id);
      return reply.status(204).send(null);
    },
  });

  app.post('/api/v1/reports/:id/messages', {
    bodyLimit: 256 * 1024,
    schema: {
      tags: ['reports'],
      summary: 'Post to the thread: reporter and team messages, or team-only internal notes',
      params: reportParamsSchema,
      body: messageBodySchema,
      response: { 201: z.object({ id: z.uuid() }), ...errorResponses(400, 401, 403, 404) },
    },
    handler: async (request, reply) => {
      const actor = requireSignedIn(request, 'reports:write');
      const id = await postMessage(context, actor, request.params.id, request.body);
      return reply.status(201).send({ id });
    },
  });
}
