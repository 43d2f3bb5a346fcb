import { z } from 'zod';
import type { AppContext } from '../../context.js';
import type { ZodApp } from '../../platform/http/app.js';
import { notFound } from '../../platform/errors.js';
import { errorResponses } from '../../platform/http/schemas.js';
import { canProject } from '../access/project.policy.js';
import { requireUser } from '../auth/auth.hooks.js';
import { getProjectOrThrow } from '../reports/report.service.js';
import { findProjectHandlers } from './handler.repository.js';

/** Who can be picked as a report's handler or backup: the team needs names, not just ids. */
export async function handlersRoutes(app: ZodApp, context: AppContext): Promise<void> {
  app.get('/api/v1/projects/:project/handlers', {
    schema: {
      tags: ['triage'],
      summary: "Team members who may handle the project's reports (maintainers and admins; team only)",
      params: z.object({ project: z.string() }),
      response: {
        200: z.object({ items: z.array(z.object({ id: z.uuid(), email: z.string(), displayName: z.string().nullable(), role: z.enum(['maintainer', 'admin']) })) }),
        ...errorResponses(401, 404),
      },
    },
    handler: async (request) => {
      const actor = requireUser(request, 'reports:read');
      const project = getProjectOrThrow(context, request.params.project);
      if (!canProject(actor, 'listHandlers', project.slug)) throw notFound('PROJECT_NOT_FOUND', `project "${project.slug}"`);
      return { items: await findProjectHandlers(context.db, project.slug) };
    },
  });
}
