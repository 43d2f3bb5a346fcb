import { z } from 'zod';
import type { AppContext } from '../../context.js';
import type { ZodApp } from '../../platform/http/app.js';
import { errorResponses } from '../../platform/http/schemas.js';
import { getProjectOrThrow } from '../reports/report.service.js';
import { presentProject, publicProjectSchema } from './policy.presenter.js';

export async function policyRoutes(app: ZodApp, context: AppContext): Promise<void> {
  app.get('/api/v1/projects', {
    schema: { tags: ['projects'], summary: 'Projects hosted here and their public security policy', response: { 200: z.object({ items: z.array(publicProjectSchema) }) } },
    handler: async () => ({ items: context.policies.projects.map(presentProject) }),
  });

  app.get('/api/v1/projects/:project', {
    schema: {
      tags: ['projects'],
      summary: "One project's public security policy, including which report fields are required",
      params: z.object({ project: z.string() }),
      response: { 200: publicProjectSchema, ...errorResponses(404) },
    },
    handler: async (request) => presentProject(getProjectOrThrow(context, request.params.project)),
  });
}
