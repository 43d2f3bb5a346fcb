import path from 'node:path';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import type { ZodApp } from '../../platform/http/app.js';
import { notFound } from '../../platform/errors.js';
import { errorResponses } from '../../platform/http/schemas.js';
import { canProject } from '../access/project.policy.js';
import { requireUser } from '../auth/auth.hooks.js';
import { getProjectOrThrow } from '../reports/report.service.js';
import { getProjectSettings } from './policy-settings.service.js';

export const projectSettingsSchema = z.object({
  policyFile: z.string().describe('File name of the policy the server loaded'),
  policy: z.record(z.string(), z.unknown()).describe("The project's entry in the policy file as loaded, with defaults filled in"),
  problems: z.array(
    z.object({
      source: z.enum(['policy', 'SECURITY.md', 'security.txt']),
      severity: z.enum(['error', 'warning', 'info']),
      code: z.string(),
      message: z.string(),
    }),
  ),
  securityMdScore: z.number().describe("0..100: what `embargo policy lint` gives the rendered SECURITY.md"),
});

export async function policySettingsRoutes(app: ZodApp, context: AppContext): Promise<void> {
  app.get('/api/v1/projects/:project/settings', {
    schema: {
      tags: ['projects'],
      summary: "The project's policy as the server loaded it, with the problems found in what it publishes (team only)",
      params: z.object({ project: z.string() }),
      response: { 200: projectSettingsSchema, ...errorResponses(401, 404) },
    },
    handler: async (request) => {
      const actor = requireUser(request, 'reports:read');
      const project = getProjectOrThrow(context, request.params.project);
      if (!canProject(actor, 'readSettings', project.slug)) throw notFound('PROJECT_NOT_FOUND', `project "${project.slug}"`);
      return { policyFile: path.basename(context.config.policyFile), ...(await getProjectSettings(context, project)) };
    },
  });
}
