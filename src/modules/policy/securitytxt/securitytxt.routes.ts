import { z } from 'zod';
import type { AppContext } from '../../../context.js';
import type { ZodApp } from '../../../platform/http/app.js';
import { notFound } from '../../../platform/errors.js';
import { errorResponses } from '../../../platform/http/schemas.js';
import { getProjectOrThrow } from '../../reports/report.service.js';
import { createSecurityTxtPublisher, projectPgpKeys } from './securitytxt.render.js';

const TEXT = 'text/plain; charset=utf-8';
const projectParams = z.object({ project: z.string() });
// Public, identical for everyone, and renewed daily: caches may keep it for an hour.
const CACHE_CONTROL = 'public, max-age=3600';

/** RFC 9116 files rendered from the policy, and the contacts' OpenPGP keys they point to. */
export async function securityTxtRoutes(app: ZodApp, context: AppContext): Promise<void> {
  const publisher = await createSecurityTxtPublisher(context);

  app.get('/.well-known/security.txt', {
    schema: { tags: ['projects'], summary: "security.txt (RFC 9116) for this desk: every hosted project's contacts and policies", produces: ['text/plain'], response: { 200: z.string().describe('security.txt') } },
    // A string body with a non-JSON type is sent as is: the response schemas only document it.
    handler: async (_request, reply) => reply.type(TEXT).header('cache-control', CACHE_CONTROL).send(await publisher.instanceFile()),
  });

  app.get('/p/:project/security.txt', {
    schema: { tags: ['projects'], summary: "A project's security.txt (RFC 9116), rendered from its policy", produces: ['text/plain'], params: projectParams, response: { 200: z.string().describe('security.txt'), ...errorResponses(404) } },
    handler: async (request, reply) => {
      const project = getProjectOrThrow(context, request.params.project);
      return reply.type(TEXT).header('cache-control', CACHE_CONTROL).send(await publisher.projectFile(project));
    },
  });

  app.get('/p/:project/pgp-key.asc', {
    schema: { tags: ['projects'], summary: "The project's contacts' ASCII-armored OpenPGP public keys", produces: ['application/pgp-keys'], params: projectParams, response: { 200: z.string().describe('ASCII-armored keys'), ...errorResponses(404) } },
    handler: async (request, reply) => {
      const keys = projectPgpKeys(getProjectOrThrow(context, request.params.project));
      if (!keys) throw notFound('NOT_FOUND', `OpenPGP key of project "${request.params.project}"`);
      return reply.type('application/pgp-keys').header('cache-control', CACHE_CONTROL).send(keys);
    },
  });
}
