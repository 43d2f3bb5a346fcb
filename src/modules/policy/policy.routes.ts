import { z } from 'zod';
import type { AppContext } from '../../context.js';
import type { ZodApp } from '../../platform/http/app.js';
import { errorResponses } from '../../platform/http/schemas.js';
import { getProjectOrThrow } from '../reports/report.service.js';
import { ATTACHMENT_TYPES } from '../reports/attachment.sniff.js';
import { presentProject, publicProjectSchema, type AttachmentLimits } from './policy.presenter.js';

export async function policyRoutes(app: ZodApp, context: AppContext): Promise<void> {
  const limits: AttachmentLimits = { maxBytes: context.config.attachmentMaxBytes, maxCount: context.config.attachmentMaxPerReport, types: [...ATTACHMENT_TYPES] };
  app.get('/api/v1/projects', {
    schema: { tags: ['projects'], summary: 'Projects hosted here and their public security policy', response: { 200: z.object({ items: z.array(publicProjectSchema) }) } },
    handler: async () => ({ items: context.policies.projects.map((project) => presentProject(project, limits)) }),
  });

  app.get('/api/v1/projects/:project', {
    schema: {
      tags: ['projects'],
      summary: "One project's public security policy, including which report fields are required",
      params: z.object({ project: z.string() }),
      response: { 200: publicProjectSchema, ...errorResponses(404) },
    },
    handler: async (request) => presentProject(getProjectOrThrow(context, request.params.project), limits),
  });
}
