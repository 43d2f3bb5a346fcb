import { z } from 'zod';
import type { AppContext } from '../../context.js';
import type { ZodApp } from '../../platform/http/app.js';
import { errorResponses } from '../../platform/http/schemas.js';
import { requireSignedIn, requireUser } from '../auth/auth.hooks.js';
import { presentReport } from '../reports/report.presenter.js';
import { reportParamsSchema, reportResponseSchema } from '../reports/report.schemas.js';
import { getReportFor } from '../reports/report.service.js';
import { STATES } from './state-machine.js';
import { queueQuerySchema, queueResponseSchema, findQueue } from './queue.service.js';
import { patchReport, transitionReport } from './triage.service.js';

const transitionBody = z.strictObject({
  to: z.enum(STATES),
  reason: z.string().trim().min(1).max(5_000).optional(),
  duplicateOf: z.string().optional().describe('With to=duplicate: the report this one duplicates'),
  forwardedTo: z.string().trim().min(1).max(500).optional().describe('With to=forwarded_upstream: where the report went'),
});

const nullableVector = z.string().trim().min(1).max(500).nullable().optional();
const patchBody = z.strictObject({
  severity: z.string().nullable().optional(),
  cvss31: nullableVector,
  cvss40: nullableVector,
  handlerId: z.string().nullable().optional(),
  backupHandlerId: z.string().nullable().optional(),
});

export async function triageRoutes(app: ZodApp, context: AppContext): Promise<void> {
  app.get('/api/v1/reports', {
    schema: {
      tags: ['triage'],
      summary: 'The team queue: filters, soonest deadline first, cursor pagination',
      querystring: queueQuerySchema,
      response: { 200: queueResponseSchema, ...errorResponses(400, 401) },
    },
    handler: async (request) => findQueue(context, requireUser(request, 'reports:read'), request.query),
  });

  app.post('/api/v1/reports/:id/transitions', {
    bodyLimit: 64 * 1024,
    schema: {
      tags: ['triage'],
      summary: 'Move a report to another state',
      params: reportParamsSchema,
      body: transitionBody,
      response: { 200: reportResponseSchema, ...errorResponses(400, 401, 403, 404, 409) },
    },
    handler: async (request) => {
      const actor = requireSignedIn(request, 'reports:write');
      await transitionReport(context, actor, request.params.id, request.body);
      return presentReport(context, actor, await getReportFor(context, actor, request.params.id));
    },
  });

  app.patch('/api/v1/reports/:id', {
    bodyLimit: 64 * 1024,
    schema: {
      tags: ['triage'],
      summary: 'Set severity, CVSS 3.1/4.0 vectors, handler and backup handler',
      params: reportParamsSchema,
      body: patchBody,
      response: { 200: reportResponseSchema, ...errorResponses(400, 401, 403, 404) },
    },
    handler: async (request) => {
      const actor = requireSignedIn(request, 'reports:write');
      await patchReport(context, actor, request.params.id, request.body);
      return presentReport(context, actor, await getReportFor(context, actor, request.params.id));
    },
  });
}
