import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { safeEqual } from '../../platform/crypto/tokens.js';
import { AppError } from '../../platform/errors.js';
import type { ZodApp } from '../../platform/http/app.js';
import { createMetrics, type Metrics } from '../../platform/metrics.js';
import { countOpenDeadlines, countOpenReports, countOutbox } from './prometheus.repository.js';

/**
 * Prometheus metrics. With EMBARGO_METRICS_TOKEN set, scrapers must send it as a bearer token; a
 * deployment on https without a token serves no metrics at all (counts of open reports per project
 * are themselves information).
 */
export async function prometheusRoutes(app: ZodApp, context: AppContext): Promise<void> {
  const metrics = (context.metrics ??= createMetrics());
  const { metricsToken } = context.config;
  const enabled = context.config.metrics && (metricsToken !== undefined || !context.config.requireHttps);
  if (!enabled) return;

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpDuration.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  app.get(
    '/metrics',
    {
      schema: { tags: ['ops'], summary: 'Prometheus metrics (text exposition format); bearer token when EMBARGO_METRICS_TOKEN is set', response: { 200: z.string() } },
      config: { rateLimit: false, skipAuthentication: true },
    },
    async (request, reply) => {
    if (metricsToken !== undefined) {
      const presented = request.headers.authorization?.match(/^Bearer\s+(\S+)$/i)?.[1] ?? '';
      if (!safeEqual(presented, metricsToken)) throw new AppError('UNAUTHENTICATED', 'Send the metrics token as a bearer token.');
    }
    await collect(context, metrics);
    void reply.header('content-type', metrics.registry.contentType);
    return reply.send(await metrics.registry.metrics());
    },
  );
}

async function collect(context: AppContext, metrics: Metrics): Promise<void> {
  const reports = await countOpenReports(context.db);
  const deadlines = await countOpenDeadlines(context.db, context.clock.now());
  const outbox = await countOutbox(context.db);
  metrics.openReports.reset();
  for (const row of reports) metrics.openReports.set({ project: row.project_slug, state: row.state, severity: row.severity ?? 'unset' }, Number(row.count));
  metrics.deadlines.reset();
  for (const row of deadlines) metrics.deadlines.set({ project: row.project_slug, kind: row.kind, status: row.status }, Number(row.count));
  metrics.outboxBacklog.reset();
  metrics.outboxFailing.reset();
  for (const row of outbox) {
    metrics.outboxBacklog.set({ topic: row.topic }, Number(row.backlog));
    metrics.outboxFailing.set({ topic: row.topic }, Number(row.failing));
  }
}
