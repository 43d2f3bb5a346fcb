import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { notFound } from '../../platform/errors.js';
import type { ZodApp } from '../../platform/http/app.js';
import { errorResponses } from '../../platform/http/schemas.js';
import { osvBatchSchema, osvQuery, osvQueryBatch, osvQuerySchema, osvVuln } from './osv-api.service.js';
import { ecosystemNamed } from './osv-query.js';
import { osvEcosystemZip, osvIndex } from './osv-source.js';

/** OSV-compatible endpoints: public, over published advisories only. */
const TAGS = ['osv'];
const record = z.record(z.string(), z.unknown()).describe('An OSV record (schema 1.7)');
const idParams = z.object({ id: z.string().max(100) });

export async function osvRoutes(app: ZodApp, context: AppContext): Promise<void> {
  app.post('/v1/query', {
    schema: {
      tags: TAGS,
      summary: 'OSV query: the vulnerabilities of a package version (name+ecosystem or purl), as api.osv.dev answers',
      body: osvQuerySchema,
      response: { 200: z.object({ vulns: z.array(record).optional(), next_page_token: z.string().optional() }), ...errorResponses(400) },
    },
    handler: async (request) => osvQuery(context, request.body),
  });

  app.post('/v1/querybatch', {
    schema: {
      tags: TAGS,
      summary: 'OSV batch query: ids and modified dates for up to 1000 queries, in order',
      body: osvBatchSchema,
      response: {
        200: z.object({ results: z.array(z.object({ vulns: z.array(z.object({ id: z.string(), modified: z.string() })).optional(), next_page_token: z.string().optional() })) }),
        ...errorResponses(400),
      },
    },
    handler: async (request) => osvQueryBatch(context, request.body.queries),
  });

  app.get('/v1/vulns/:id', {
    schema: { tags: TAGS, summary: 'One OSV record by id', params: idParams, response: { 200: record, ...errorResponses(404) } },
    handler: async (request) => {
      const found = await osvVuln(context, request.params.id);
      if (!found) throw notFound('ADVISORY_NOT_FOUND', 'vulnerability');
      return found;
    },
  });

  app.get('/osv/all.json', {
    schema: { tags: TAGS, summary: 'Every published record with its modified date (OSV.dev REST source index)', response: { 200: z.array(z.object({ id: z.string(), modified: z.string() })) } },
    handler: async () => osvIndex(context),
  });

  app.get('/osv/:id.json', {
    schema: { tags: TAGS, summary: 'One published OSV record (OSV.dev REST source)', params: idParams, response: { 200: record, ...errorResponses(404) } },
    handler: async (request) => {
      const found = await osvVuln(context, request.params.id);
      if (!found) throw notFound('ADVISORY_NOT_FOUND', 'vulnerability');
      return found;
    },
  });

  app.get('/osv/:ecosystem/all.zip', {
    schema: {
      tags: TAGS,
      summary: "Every published OSV record of an ecosystem in one ZIP, like OSV's own all.zip",
      params: z.object({ ecosystem: z.string().max(50) }),
      produces: ['application/zip'],
      response: { 200: z.any().describe('ZIP archive'), ...errorResponses(404) },
    },
    handler: async (request, reply) => {
      const ecosystem = ecosystemNamed(request.params.ecosystem);
      if (!ecosystem || ecosystem === 'generic') throw notFound('NOT_FOUND', `ecosystem "${request.params.ecosystem}"`);
      return reply
        .type('application/zip')
        .header('content-disposition', `attachment; filename="${ecosystem}-all.zip"`)
        .send(await osvEcosystemZip(context, ecosystem));
    },
  });
}
