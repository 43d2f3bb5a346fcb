import { z } from 'zod';
import type { AppContext } from '../../context.js';
import type { ZodApp } from '../../platform/http/app.js';
import { errorResponses } from '../../platform/http/schemas.js';
import { requireUser } from '../auth/auth.hooks.js';
import { WEBHOOK_TOPICS } from './webhook.payload.js';
import { createWebhook, deleteWebhook, listWebhookDeliveries, listWebhooks } from './webhook.service.js';

const projectParams = z.object({ project: z.string() });
const webhookParams = z.object({ project: z.string(), id: z.string() });

const webhookSchema = z.object({
  id: z.uuid(),
  project: z.string(),
  origin: z.string().describe('Scheme and host only: the rest of the URL may be a secret'),
  format: z.enum(['json', 'slack']),
  topics: z.array(z.enum(WEBHOOK_TOPICS)).describe('Empty: every topic'),
  createdAt: z.string(),
  disabledAt: z.string().nullable(),
});

const createBody = z.strictObject({
  url: z.string().max(2000),
  format: z.enum(['json', 'slack']).default('json'),
  topics: z.array(z.enum(WEBHOOK_TOPICS)).max(WEBHOOK_TOPICS.length).default([]),
});

const deliverySchema = z.object({
  deliveryId: z.uuid().describe('Sent as Embargo-Delivery; the same on every retry'),
  topic: z.string(),
  attempt: z.number().int(),
  statusCode: z.number().int().nullable(),
  error: z.string().nullable(),
  durationMs: z.number().int(),
  attemptedAt: z.string(),
});

/** Per-project webhooks: JSON (HMAC-signed) or Slack-compatible, set up by the project's admins. */
export async function webhookRoutes(app: ZodApp, context: AppContext): Promise<void> {
  app.get('/api/v1/projects/:project/webhooks', {
    schema: { tags: ['webhooks'], summary: "The project's webhooks (maintainers and admins)", params: projectParams, response: { 200: z.object({ items: z.array(webhookSchema) }), ...errorResponses(401, 403, 404) } },
    handler: async (request) => ({ items: await listWebhooks(context, requireUser(request, 'admin'), request.params.project) }),
  });

  app.post('/api/v1/projects/:project/webhooks', {
    schema: {
      tags: ['webhooks'],
      summary: 'Add a webhook (project admins); the signing secret is shown once',
      params: projectParams,
      body: createBody,
      response: { 201: webhookSchema.extend({ secret: z.string().describe('Signs Embargo-Signature (HMAC-SHA256). Shown once.') }), ...errorResponses(400, 401, 403, 404) },
    },
    handler: async (request, reply) => reply.status(201).send(await createWebhook(context, requireUser(request, 'admin'), request.params.project, request.body)),
  });

  app.delete('/api/v1/projects/:project/webhooks/:id', {
    schema: { tags: ['webhooks'], summary: 'Disable a webhook (project admins); its delivery log stays', params: webhookParams, response: { 204: z.null(), ...errorResponses(401, 403, 404) } },
    handler: async (request, reply) => {
      await deleteWebhook(context, requireUser(request, 'admin'), request.params.project, request.params.id);
      return reply.status(204).send(null);
    },
  });

  app.get('/api/v1/projects/:project/webhooks/:id/deliveries', {
    schema: { tags: ['webhooks'], summary: 'The delivery log of a webhook, newest first', params: webhookParams, response: { 200: z.object({ items: z.array(deliverySchema) }), ...errorResponses(401, 403, 404) } },
    handler: async (request) => ({ items: await listWebhookDeliveries(context, requireUser(request, 'admin'), request.params.project, request.params.id) }),
  });
}
