import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { AppError } from '../../platform/errors.js';
import type { ZodApp } from '../../platform/http/app.js';
import { errorResponses } from '../../platform/http/schemas.js';
import { ALL_PROJECTS } from '../access/actor.js';
import { requireUser } from '../auth/auth.hooks.js';
import { findAuditPage } from './audit.repository.js';

const querySchema = z.strictObject({
  stream: z.string().max(200).optional().describe('Exact stream ("report:<id>", "user:<id>") or a prefix ending in ":" ("report:")'),
  action: z.string().max(100).optional(),
  actorId: z.string().max(100).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(200).optional(),
  format: z.enum(['json', 'jsonl']).default('json'),
});

const entrySchema = z.object({
  id: z.string(),
  stream: z.string(),
  seq: z.number(),
  action: z.string(),
  actorType: z.string(),
  actorId: z.string().nullable(),
  actorName: z.string().nullable(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  authMethod: z.string().nullable(),
  reason: z.string().nullable(),
  data: z.record(z.string(), z.unknown()),
  occurredAt: z.string(),
  hash: z.string().nullable(),
});

/** The whole audit log, for instance admins: filterable, and exportable as JSON lines. */
export async function auditRoutes(app: ZodApp, context: AppContext): Promise<void> {
  app.get('/api/v1/audit', {
    schema: {
      tags: ['audit'],
      summary: 'Audit log entries, newest first (instance admins); format=jsonl streams them as JSON lines',
      querystring: querySchema,
      response: { 200: z.object({ items: z.array(entrySchema), nextCursor: z.string().nullable() }), ...errorResponses(400, 401, 403) },
    },
    handler: async (request, reply) => {
      const actor = requireUser(request, 'admin');
      if (actor.roles.get(ALL_PROJECTS) !== 'admin') throw new AppError('FORBIDDEN', 'The audit log is for instance admins.');
      const { format, limit, cursor, ...filter } = request.query;
      const page = await findAuditPage(context.db, filter, { limit, cursor });
      const items = page.rows.map((row) => ({
        id: row.id,
        stream: row.stream,
        seq: row.seq,
        action: row.action,
        actorType: row.actor_type,
        actorId: row.actor_id,
        actorName: row.actor_name,
        ip: row.ip,
        userAgent: row.user_agent,
        authMethod: row.auth_method,
        reason: row.reason,
        data: row.data as Record<string, unknown>,
        occurredAt: row.occurred_at.toISOString(),
        hash: row.hash,
      }));
      if (format === 'jsonl') {
        void reply.header('content-type', 'application/x-ndjson; charset=utf-8');
        if (page.nextCursor) void reply.header('x-next-cursor', page.nextCursor);
        // A string body with a non-JSON content type is sent as it is, not through the JSON serializer.
        return reply.send((items.map((item) => JSON.stringify(item)).join('\n') + (items.length ? '\n' : '')) as never);
      }
      return { items, nextCursor: page.nextCursor };
    },
  });
}
