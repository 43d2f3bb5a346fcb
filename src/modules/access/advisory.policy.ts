import { hasRole, visibleProjectSlugs, type Actor } from './actor.js';

/**
 * Every rule about who may do what with an advisory. A published (or withdrawn) advisory is public;
 * until then it exists only for its project's team, and everyone else gets 404 exactly as for an id
 * that was never issued, so embargoed ids cannot be probed.
 */
export type AdvisoryAction = 'read' | 'readInternal' | 'edit' | 'publish' | 'withdraw';

type AdvisoryRef = { projectSlug: string; state: 'draft' | 'published' | 'withdrawn' };

export function canAdvisory(actor: Actor, action: AdvisoryAction, advisory: AdvisoryRef): boolean {
  const team = hasRole(actor, advisory.projectSlug, 'viewer');
  switch (action) {
    case 'read':
      return advisory.state !== 'draft' || team;
    case 'readInternal':
      return team;
    case 'edit':
    case 'publish':
    case 'withdraw':
      return hasRole(actor, advisory.projectSlug, 'maintainer');
  }
}

/** Drafting a new advisory for a project. */
export function canDraftAdvisory(actor: Actor, projectSlug: string): boolean {
  return hasRole(actor, projectSlug, 'maintainer');
}

/** What the UI may offer; it never re-implements the rules above. */
export function advisoryAbilities(actor: Actor, advisory: AdvisoryRef): Record<AdvisoryAction, boolean> {
  const actions: AdvisoryAction[] = ['read', 'readInternal', 'edit', 'publish', 'withdraw'];
  return Object.fromEntries(actions.map((action) => [action, canAdvisory(actor, action, advisory)])) as Record<AdvisoryAction, boolean>;
}

/** Projects whose drafts the actor may list; null means every project. For scoping SQL. */
export function draftProjectSlugs(actor: Actor): string[] | null {
  return visibleProjectSlugs(actor);
}
