import { z } from 'zod';
import type { FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../context.js';
import type { ZodApp } from '../../platform/http/app.js';
import { errorResponses } from '../../platform/http/schemas.js';
import { escapeHtml } from './mail.layout.js';
import { confirmSubscription, describeSubscription, requestSubscription, unsubscribe } from './subscription.service.js';

const tokenParams = z.object({ token: z.string().max(200) });
const stateSchema = z.object({ project: z.string(), level: z.enum(['all', 'critical']), confirmed: z.boolean(), unsubscribed: z.boolean() });
const HTML = 'text/html; charset=utf-8';

/** A page with one button: confirming or unsubscribing takes a POST, so a link scanner opening the mail's links changes nothing. */
function page(title: string, text: string, button: string | null): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(title)}</title></head><body><main><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p>${button ? `<form method="post"><button type="submit">${escapeHtml(button)}</button></form>` : ''}</main></body></html>`;
}

/** A browser submitting the page's form asks for HTML; a one-click POST from a mail provider does not care. */
const wantsHtml = (request: FastifyRequest) => (request.headers.accept ?? '').includes('text/html');

/** Public double opt-in subscription to a project's advisories, with RFC 8058 one-click unsubscribe. */
export async function subscriptionRoutes(app: ZodApp, context: AppContext): Promise<void> {
  app.post('/api/v1/projects/:project/subscriptions', {
    config: { rateLimit: { max: context.config.intakeRateLimitPerMinute, timeWindow: 60_000 } },
    schema: {
      tags: ['subscriptions'],
      summary: "Subscribe an address to the project's advisories (a confirmation mail follows)",
      params: z.object({ project: z.string() }),
      body: z.strictObject({ email: z.email('must be an email address').max(320), level: z.enum(['all', 'critical']).default('all').describe('critical: only advisories of the critical severity level') }),
      response: { 202: z.object({ status: z.literal('pending'), message: z.string() }), ...errorResponses(400, 404) },
    },
    handler: async (request, reply) => {
      await requestSubscription(context, request.params.project, request.body);
      // The same answer whether or not the address was known: it reveals nothing about subscribers.
      return reply.status(202).send({ status: 'pending', message: 'If the address can receive mail, a confirmation link is on its way.' });
    },
  });

  // The token is in the path: keep these requests out of the info-level access log.
  await app.register(async (scope) => {
    const scoped = scope.withTypeProvider<ZodTypeProvider>();
    // Browsers' forms and RFC 8058 one-click POSTs send form bodies; their fields carry nothing needed.
    scoped.addContentTypeParser(['application/x-www-form-urlencoded', 'multipart/form-data'], { parseAs: 'string', bodyLimit: 10_000 }, (_request, _body, done) => done(null, {}));

    for (const action of ['confirm', 'unsubscribe'] as const) {
      const title = action === 'confirm' ? 'Confirm your subscription' : 'Unsubscribe';
      scoped.get(`/api/v1/subscriptions/:token/${action}`, {
        logLevel: 'warn',
        schema: { tags: ['subscriptions'], summary: `The ${action} page (a button that POSTs)`, produces: ['text/html'], params: tokenParams, response: { 200: z.string(), ...errorResponses(404) } },
        handler: async (request, reply) => {
          const state = await describeSubscription(context, request.params.token);
          const text = action === 'confirm' ? `Receive ${state.level === 'critical' ? 'critical' : 'all'} security advisories of ${state.project} at this address?` : `Stop receiving security advisories of ${state.project}?`;
          return reply.type(HTML).header('cache-control', 'no-store').send(page(title, text, action === 'confirm' ? 'Confirm' : 'Unsubscribe'));
        },
      });
      scoped.post(`/api/v1/subscriptions/:token/${action}`, {
        logLevel: 'warn',
        schema: { tags: ['subscriptions'], summary: action === 'confirm' ? 'Confirm a subscription' : 'Unsubscribe (RFC 8058 one-click)', params: tokenParams, response: { 200: z.union([stateSchema, z.string().describe('HTML, for browsers')]), ...errorResponses(404) } },
        handler: async (request, reply) => {
          const state = action === 'confirm' ? await confirmSubscription(context, request.params.token) : await unsubscribe(context, request.params.token);
          if (!wantsHtml(request)) return reply.header('cache-control', 'no-store').send(state);
          const text = action === 'confirm' ? `You will receive ${state.project}\u2019s security advisories.` : `You will no longer receive ${state.project}\u2019s security advisories.`;
          return reply.type(HTML).header('cache-control', 'no-store').send(page(action === 'confirm' ? 'Subscribed' : 'Unsubscribed', text, null));
        },
      });
    }
  });
}
