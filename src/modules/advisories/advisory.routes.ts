import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import type { ZodApp } from '../../platform/http/app.js';
import { errorResponses } from '../../platform/http/schemas.js';
import type { Actor, UserActor } from '../access/actor.js';
import { requireUser } from '../auth/auth.hooks.js';
import { reportParamsSchema } from '../reports/report.schemas.js';
import { getAdvisoryFor } from './advisory.access.js';
import { exportAdvisory } from './advisory.export.js';
import { presentFor, presentSummary, presentTeam } from './advisory.presenter.js';
import {
  advisoryListSchema,
  advisoryParams,
  advisoryResponseSchema,
  createAdvisoryBody,
  draftFromReportBody,
  exportQuery,
  listQuery,
  patchAdvisoryBody,
  projectParams,
  teamAdvisorySchema,
  withdrawBody,
} from './advisory.schemas.js';
import { createAdvisory, createAdvisoryFromReport, editAdvisory, listAdvisories } from './advisory.service.js';
import { publishAdvisory, withdrawAdvisory } from './publication.js';

/**
 * Who reads: team members (session, or a token with reports:read) see their projects' drafts and the
 * team view; everyone else, reporters included, reads like the public.
 */
export function advisoryReader(request: FastifyRequest): Actor {
  const actor = request.actor;
  if (actor.kind !== 'user') return { kind: 'anonymous' };
  if (actor.scopes !== null && !actor.scopes.has('reports:read') && !actor.scopes.has('admin')) return { kind: 'anonymous' };
  return actor;
}

const TAGS = ['advisories'];

export async function advisoryRoutes(app: ZodApp, context: AppContext): Promise<void> {
  const teamView = async (actor: UserActor, id: string) => presentTeam(context, actor, await getAdvisoryFor(context, actor, id));

  app.post('/api/v1/projects/:project/advisories', {
    schema: { tags: TAGS, summary: 'Draft an advisory on its own (maintainers)', params: projectParams, body: createAdvisoryBody, response: { 201: teamAdvisorySchema, ...errorResponses(400, 401, 403, 404, 409) } },
    handler: async (request, reply) => {
      const actor = requireUser(request, 'advisories:publish');
      const id = await createAdvisory(context, actor, request.params.project, request.body);
      return reply.status(201).send(await teamView(actor, id));
    },
  });

  app.post('/api/v1/reports/:id/advisory', {
    schema: {
      tags: TAGS,
      summary: 'Draft the advisory of an accepted report, crediting the reporter as they asked (maintainers)',
      params: reportParamsSchema,
      body: draftFromReportBody,
      response: { 201: teamAdvisorySchema, ...errorResponses(400, 401, 403, 404, 409) },
    },
    handler: async (request, reply) => {
      const actor = requireUser(request, 'advisories:publish');
      const id = await createAdvisoryFromReport(context, actor, request.params.id, request.body ?? {});
      return reply.status(201).send(await teamView(actor, id));
    },
  });

  app.get('/api/v1/advisories', {
    schema: { tags: TAGS, summary: "Advisories, newest first: published ones for everyone, drafts for their project's team", querystring: listQuery, response: { 200: advisoryListSchema, ...errorResponses(400) } },
    handler: async (request) => {
      const actor = advisoryReader(request);
      const page = await listAdvisories(context, actor, request.query);
      return { items: page.rows.map((row) => presentSummary(context, actor, row)), nextCursor: page.nextCursor };
    },
  });

  app.get('/api/v1/advisories/:id', {
    schema: { tags: TAGS, summary: 'One advisory: public once published, the team view (confidential details, embargo) for its team', params: advisoryParams, response: { 200: advisoryResponseSchema, ...errorResponses(404) } },
    handler: async (request) => {
      const actor = advisoryReader(request);
      return presentFor(context, actor, await getAdvisoryFor(context, actor, request.params.id));
    },
  });

  app.patch('/api/v1/advisories/:id', {
    schema: {
      tags: TAGS,
      summary: 'Edit a draft or its embargo; a published advisory gets a new revision (maintainers)',
      params: advisoryParams,
      body: patchAdvisoryBody,
      response: { 200: teamAdvisorySchema, ...errorResponses(400, 401, 403, 404, 409) },
    },
    handler: async (request) => {
      const actor = requireUser(request, 'advisories:publish');
      await editAdvisory(context, actor, request.params.id, request.body);
      return teamView(actor, request.params.id);
    },
  });

  app.post('/api/v1/advisories/:id/publish', {
    schema: { tags: TAGS, summary: 'Publish now, ending the embargo (maintainers)', params: advisoryParams, response: { 200: teamAdvisorySchema, ...errorResponses(401, 403, 404, 409) } },
    handler: async (request) => {
      const actor = requireUser(request, 'advisories:publish');
      await publishAdvisory(context, actor, request.params.id);
      return teamView(actor, request.params.id);
    },
  });

  app.post('/api/v1/advisories/:id/withdraw', {
    schema: { tags: TAGS, summary: 'Withdraw a published advisory; it stays public, marked withdrawn (maintainers)', params: advisoryParams, body: withdrawBody, response: { 200: teamAdvisorySchema, ...errorResponses(400, 401, 403, 404, 409) } },
    handler: async (request) => {
      const actor = requireUser(request, 'advisories:publish');
      await withdrawAdvisory(context, actor, request.params.id, request.body.reason);
      return teamView(actor, request.params.id);
    },
  });

  app.get('/api/v1/advisories/:id/export', {
    schema: {
      tags: TAGS,
      summary: 'The advisory as OSV, CVE JSON 5 or CSAF 2.0, validated against the official schema (team; public once published)',
      params: advisoryParams,
      querystring: exportQuery,
      response: { 200: z.record(z.string(), z.unknown()), ...errorResponses(400, 404, 409, 500) },
    },
    handler: async (request, reply) => {
      const exported = await exportAdvisory(context, advisoryReader(request), request.params.id, request.query.format);
      return reply.header('content-disposition', `attachment; filename="${exported.fileName}"`).send(exported.document as Record<string, unknown>);
    },
  });
}
