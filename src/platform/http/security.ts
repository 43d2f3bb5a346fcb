import fastifyCors from '@fastify/cors';
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import { Redis } from 'ioredis';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config/config.js';
import { AppError } from '../errors.js';

/** Paths that infrastructure probes reach over plain HTTP inside the deployment. */
const PROBES = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Transport and browser hardening shared by every route: strict CSP (no inline code at all),
 * HSTS behind TLS, no cross-origin access unless configured, HTTPS enforcement, and rate limits that
 * are shared between instances when Redis is configured.
 */
export async function installSecurity(app: FastifyInstance, config: Config): Promise<{ close(): Promise<void> }> {
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        ...(config.requireHttps ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    hsts: config.requireHttps ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    crossOriginEmbedderPolicy: false,
    referrerPolicy: { policy: 'no-referrer' },
  });

  await app.register(fastifyCors, {
    origin: config.corsOrigins.length > 0 ? [...config.corsOrigins] : false,
    methods: ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'x-csrf-token', 'x-filename'],
    credentials: false,
    maxAge: 600,
  });

  if (config.requireHttps) {
    app.addHook('onRequest', async (request, reply) => {
      if (request.protocol === 'https' || PROBES.has(request.url.split('?')[0]!)) return;
      if (request.method === 'GET' || request.method === 'HEAD') {
        return reply.redirect(`${config.publicUrl}${request.url}`, 308);
      }
      throw new AppError('HTTPS_REQUIRED', 'Use HTTPS: this server does not accept credentials or reports over plain HTTP.');
    });
  }

  const redis = config.redisUrl ? new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000 }) : null;
  if (redis) {
    redis.on('error', (error) => app.log.warn({ err: error }, 'rate-limit store unavailable'));
    await redis.connect().catch((error: unknown) => app.log.warn({ err: error }, 'Redis unreachable at start-up; rate limits are per instance until it returns'));
  }
  await app.register(fastifyRateLimit, {
    global: true,
    max: config.rateLimitPerMinute,
    timeWindow: 60_000,
    ...(redis ? { redis, nameSpace: 'embargo-rl-' } : {}),
    // If Redis fails, limits fall back to allowing requests: availability of intake over strictness.
    skipOnError: true,
    allowList: (request) => PROBES.has(request.url.split('?')[0]!),
    // Per client address. Keying by the presented bearer token would hand every made-up token a fresh
    // budget (the limit runs before authentication), so unauthenticated floods would never be limited.
    keyGenerator: (request) => `ip:${request.ip}`,
    errorResponseBuilder: (_request, context) =>
      new AppError('RATE_LIMITED', `Too many requests; try again in ${Math.ceil(context.ttl / 1000)} s.`, { retryAfterSeconds: Math.ceil(context.ttl / 1000) }),
  });
  return { close: async () => void (await redis?.quit().catch(() => undefined)) };
}
