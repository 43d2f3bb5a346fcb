import { z } from 'zod';
import type { AppContext } from '../../../context.js';
import type { ZodApp } from '../../../platform/http/app.js';
import { errorResponses } from '../../../platform/http/schemas.js';
import { getProjectOrThrow } from '../../reports/report.service.js';
import { renderSecurityMd } from './securitymd.render.js';

export async function securityMdRoutes(app: ZodApp, context: AppContext): Promise<void> {
  app.get('/p/:project/SECURITY.md', {
    schema: {
      tags: ['projects'],
      summary: "The project's SECURITY.md, generated from its policy (public, text/markdown)",
      params: z.object({ project: z.string() }),
      produces: ['text/markdown'],
      response: { 200: z.string().describe('Markdown document'), ...errorResponses(404) },
    },
    handler: async (request, reply) => {
      const project = getProjectOrThrow(context, request.params.project);
      // A string body with a non-JSON type is sent as is: the response schema above only documents it.
      return reply.type('text/markdown; charset=utf-8').send(renderSecurityMd(project, { publicUrl: context.config.publicUrl }));
    },
  });
}
