import { randomUUID } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type RawReplyDefaultExpression, type RawRequestDefaultExpression, type RawServerDefault } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { installAuthentication } from '../../modules/auth/auth.hooks.js';
import { auditRoutes } from '../../modules/audit/audit.routes.js';
import { accountRoutes } from '../../modules/auth/account.routes.js';
import { authRoutes } from '../../modules/auth/auth.routes.js';
import { policyRoutes } from '../../modules/policy/policy.routes.js';
import { securityMdRoutes } from '../../modules/policy/securitymd/securitymd.routes.js';
import { securityTxtRoutes } from '../../modules/policy/securitytxt/securitytxt.routes.js';
import { reportRoutes } from '../../modules/reports/report.routes.js';
import { attachmentRoutes } from '../../modules/reports/attachment.routes.js';
import { triageRoutes } from '../../modules/triage/triage.routes.js';
import { advisoryRoutes } from '../../modules/advisories/advisory.routes.js';
import { csafRoutes } from '../../modules/advisories/csaf.routes.js';
import { osvRoutes } from '../../modules/advisories/osv-api.routes.js';
import { publicAdvisoryRoutes } from '../../modules/advisories/public.routes.js';
import { handlersRoutes } from '../../modules/triage/handlers.routes.js';
import { metricsRoutes } from '../../modules/triage/metrics.routes.js';
import { policySettingsRoutes } from '../../modules/policy/policy-settings.routes.js';
import { webRoutes } from './web.routes.js';
import { prometheusRoutes } from '../../modules/ops/prometheus.routes.js';
import { subscriptionRoutes } from '../../modules/notifications/subscription.routes.js';
import { webhookRoutes } from '../../modules/notifications/webhook.routes.js';
import { AppError } from '../errors.js';
import { installErrorHandler } from './error-handler.js';
import { installSecurity } from './security.js';
import { errorResponses } from './schemas.js';

export type ZodApp = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, ZodTypeProvider>;

export type AppOptions = { logger?: boolean | object };

/** Every feature module contributes its routes here; nothing else registers routes. */
const ROUTE_MODULES: ((app: ZodApp, context: AppContext) => Promise<void>)[] = [policyRoutes, securityMdRoutes, securityTxtRoutes, authRoutes, accountRoutes, auditRoutes, reportRoutes, attachmentRoutes, triageRoutes, metricsRoutes, handlersRoutes, policySettingsRoutes, advisoryRoutes, publicAdvisoryRoutes, osvRoutes, csafRoutes, subscriptionRoutes, webhookRoutes, webRoutes];

export type RouteEntry = { method: string; url: string };

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route the app serves, for the OpenAPI check and the authorization matrix test. */
    routeTable: RouteEntry[];
    /**
     * Shutdown's first step when a drain period is configured: /readyz answers 503 so a load balancer
     * stops sending traffic, and every answer carries Connection: close so clients leave their
     * keep-alive connections, which close() would otherwise cut under a request just written.
     */
    startDraining(): void;
  }
}

const REDACT = ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'];

export async function buildApp(context: AppContext, options: AppOptions = {}): Promise<ZodApp> {
  const app = Fastify({
    logger: options.logger ?? { level: context.config.logLevel, redact: REDACT },
    bodyLimit: context.config.bodyLimitBytes,
    trustProxy: context.config.trustProxy,
    // Report ids and tokens never go into URLs' query strings we log; keep request ids short.
    requestIdHeader: false,
    genReqId: () => randomUUID(),
  }).withTypeProvider<ZodTypeProvider>();

  const routeTable: RouteEntry[] = [];
  app.decorate('routeTable', routeTable);
  let draining = false;
  app.decorate('startDraining', () => void (draining = true));
  app.addHook('onRequest', async (_request, reply) => {
    if (draining) void reply.header('connection', 'close');
  });
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') routeTable.push({ method, url: route.url });
    }
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app);

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Embargo API', version: '1', description: 'Private vulnerability intake, triage and response deadlines.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, session: { type: 'apiKey', in: 'cookie', name: 'embargo_session' } } },
    },
    transform: jsonSchemaTransform,
  });
  const security = await installSecurity(app, context.config);
  app.addHook('onClose', () => security.close());
  await app.register(fastifyCookie);
  installAuthentication(app, context);

  app.get('/healthz', { schema: { tags: ['ops'], summary: 'The process is up', response: { 200: z.object({ status: z.literal('ok') }) } } }, async () => ({ status: 'ok' as const }));
  app.get(
    '/readyz',
    { schema: { tags: ['ops'], summary: 'The database answers', response: { 200: z.object({ status: z.literal('ready') }), ...errorResponses(503) } } },
    async () => {
      if (draining) throw new AppError('SHUTTING_DOWN', 'This instance is shutting down; use another one.');
      await context.database.ping();
      return { status: 'ready' as const };
    },
  );
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await prometheusRoutes(app, context);
  for (const register of ROUTE_MODULES) await register(app, context);
  await app.ready();
  return app;
}
