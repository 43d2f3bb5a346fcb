import { hasRole, visibleProjectSlugs, type Actor } from './actor.js';

/**
 * Who may see a project's team-side views. Anyone may read the public policy; the loaded policy with
 * its internal settings, the handler list and the metrics are for the project's team. Someone outside
 * the team gets 404 for these, as for a report they may not see.
 */
export type ProjectAction = 'readSettings' | 'readMetrics' | 'listHandlers';

export function canProject(actor: Actor, _action: ProjectAction, projectSlug: string): boolean {
  return hasRole(actor, projectSlug, 'viewer');
}

/**
 * The projects an actor's team views cover, optionally narrowed to one the request names: null means
 * every project (an all-projects role and no narrowing). Used to scope SQL, never to filter rows after.
 */
export function scopedProjectSlugs(actor: Actor, requested: string | undefined): string[] | null {
  const visible = visibleProjectSlugs(actor);
  if (requested === undefined) return visible;
  return visible === null || visible.includes(requested) ? [requested] : [];
}
