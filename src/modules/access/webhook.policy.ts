import { hasRole, type Actor } from './actor.js';

/**
 * Webhooks send a project's events outside Embargo, so only the project's admins set them up;
 * maintainers may read the list and the delivery log. Someone outside the team gets 404.
 */
export type WebhookAction = 'read' | 'manage';

export function canSeeProjectWebhooks(actor: Actor, projectSlug: string): boolean {
  return hasRole(actor, projectSlug, 'viewer');
}

export function canWebhooks(actor: Actor, action: WebhookAction, projectSlug: string): boolean {
  return hasRole(actor, projectSlug, action === 'manage' ? 'admin' : 'maintainer');
}
