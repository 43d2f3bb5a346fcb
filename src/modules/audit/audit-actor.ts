import type { Actor } from '../access/actor.js';
import type { AuditActor } from './audit.repository.js';

/** How an actor appears in the audit log: identity plus where the request came from. */
export function auditActor(actor: Actor): AuditActor {
  const origin = { ip: actor.origin?.ip ?? null, userAgent: actor.origin?.userAgent ?? null, authMethod: actor.origin?.authMethod ?? null };
  if (actor.kind === 'user') return { type: 'user', id: actor.userId, name: actor.email, ...origin };
  if (actor.kind === 'reporter') return { type: 'reporter', id: actor.reportId, name: 'reporter', ...origin };
  return { type: 'system', id: null, name: null, ...origin };
}
