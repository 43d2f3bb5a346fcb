import type { AppContext } from '../../context.js';
import type { ZodApp } from '../../platform/http/app.js';
import { errorResponses } from '../../platform/http/schemas.js';
import { requireUser } from '../auth/auth.hooks.js';
import { z } from 'zod';
import { getMetrics, metricsCsv, metricsQuerySchema, metricsResponseSchema } from './metrics.service.js';

export async function metricsRoutes(app: ZodApp, context: AppContext): Promise<void> {
  app.get('/api/v1/metrics', {
    schema: {
      tags: ['triage'],
      summary: 'Response times (median and 90th percentile per month), deadlines met and the open backlog, over your projects',
      querystring: metricsQuerySchema,
      response: { 200: metricsResponseSchema, ...errorResponses(400, 401, 404) },
    },
    handler: async (request) => getMetrics(context, requireUser(request, 'reports:read'), request.query),
  });

  app.get('/api/v1/metrics.csv', {
    schema: {
      tags: ['triage'],
      summary: 'The metrics as CSV (one table per section)',
      querystring: metricsQuerySchema,
      produces: ['text/csv'],
      response: { 200: z.string().describe('CSV'), ...errorResponses(400, 401, 404) },
    },
    handler: async (request, reply) => {
      const metrics = await getMetrics(context, requireUser(request, 'reports:read'), request.query);
      const name = `embargo-metrics-${request.query.project ?? 'all'}-${metrics.generatedAt.slice(0, 10)}.csv`;
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}"`).header('cache-control', 'no-store').send(metricsCsv(metrics));
    },
  });
}
