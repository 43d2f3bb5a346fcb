import { z } from 'zod';
import type { AppContext } from '../../context.js';
import type { ZodApp } from '../../platform/http/app.js';
import { errorResponses } from '../../platform/http/schemas.js';
import { advisoryParams, projectParams, publicAdvisorySchema } from './advisory.schemas.js';
import { hallOfFameSchema } from './hall-of-fame.js';
import { hallOfFame, projectAdvisory, projectAdvisoryList, projectChangelog, renderFeed } from './public.service.js';

/** Public pages: no authentication, and the same answer for everyone (team members included). */
const TAGS = ['public advisories'];
const CACHE = 'public, max-age=60';
const ATOM = 'application/atom+xml; charset=utf-8';
const RSS = 'application/rss+xml; charset=utf-8';

export async function publicAdvisoryRoutes(app: ZodApp, context: AppContext): Promise<void> {
  app.get('/p/:project/advisories', {
    schema: {
      tags: TAGS,
      summary: "The project's published advisories, newest first",
      params: projectParams,
      response: { 200: z.object({ project: z.string(), items: z.array(publicAdvisorySchema) }), ...errorResponses(404) },
    },
    handler: async (request) => projectAdvisoryList(context, request.params.project),
  });

  app.get('/p/:project/advisories/:id', {
    schema: {
      tags: TAGS,
      summary: 'A published advisory (its public page data)',
      params: projectParams.extend(advisoryParams.shape),
      response: { 200: publicAdvisorySchema, ...errorResponses(404) },
    },
    handler: async (request) => projectAdvisory(context, request.params.project, request.params.id),
  });

  const feed = (format: 'atom' | 'rss', perProject: boolean) => ({
    schema: {
      tags: TAGS,
      summary: `${format === 'atom' ? 'Atom' : 'RSS 2.0'} feed of published advisories${perProject ? ' of the project' : ' of every project'}`,
      ...(perProject ? { params: projectParams } : {}),
      produces: [format === 'atom' ? 'application/atom+xml' : 'application/rss+xml'],
      response: { 200: z.string().describe('XML document'), ...errorResponses(404) },
    },
  });
  app.get('/p/:project/advisories.atom', feed('atom', true), async (request, reply) =>
    reply.type(ATOM).header('cache-control', CACHE).send(await renderFeed(context, 'atom', (request.params as { project: string }).project)),
  );
  app.get('/p/:project/advisories.rss', feed('rss', true), async (request, reply) =>
    reply.type(RSS).header('cache-control', CACHE).send(await renderFeed(context, 'rss', (request.params as { project: string }).project)),
  );
  app.get('/advisories.atom', feed('atom', false), async (_request, reply) => reply.type(ATOM).header('cache-control', CACHE).send(await renderFeed(context, 'atom')));
  app.get('/advisories.rss', feed('rss', false), async (_request, reply) => reply.type(RSS).header('cache-control', CACHE).send(await renderFeed(context, 'rss')));

  app.get('/p/:project/hall-of-fame', {
    schema: { tags: TAGS, summary: 'Credited reporters of the project, newest first; anonymous ones counted', params: projectParams, response: { 200: hallOfFameSchema, ...errorResponses(404) } },
    handler: async (request) => hallOfFame(context, request.params.project),
  });

  app.get('/api/v1/hall-of-fame', {
    schema: { tags: TAGS, summary: 'Credited reporters across every project, newest first', response: { 200: hallOfFameSchema } },
    handler: async () => hallOfFame(context),
  });

  app.get('/p/:project/CHANGELOG.md', {
    schema: {
      tags: TAGS,
      summary: "The security part of the project's CHANGELOG (Markdown, downloadable)",
      params: projectParams,
      produces: ['text/markdown'],
      response: { 200: z.string().describe('Markdown document'), ...errorResponses(404) },
    },
    handler: async (request, reply) =>
      reply
        .type('text/markdown; charset=utf-8')
        .header('content-disposition', 'attachment; filename="CHANGELOG.md"')
        .header('cache-control', CACHE)
        .send(await projectChangelog(context, request.params.project)),
  });
}
