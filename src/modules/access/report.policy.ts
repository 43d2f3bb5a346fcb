import { hasRole, strongestRole, type Actor, type Role } from './actor.js';

/**
 * Every rule about who may do what with a report, in one place. Callers that may not even read a
 * report must answer 404 rather than 403, so that report ids cannot be probed.
 */
export type ReportAction =
  | 'read'
  | 'readInternal'
  | 'reply'
  /** Add a file to the report (whether the project accepts files at all is its policy's call). */
  | 'attach'
  | 'addInternalNote'
  | 'transition'
  | 'update'
  /** Revoke or replace the reporter's access token (the reporter themself, or the team). */
  | 'manageAccessToken';

type ReportRef = { id: string; projectSlug: string };

export function canReport(actor: Actor, action: ReportAction, report: ReportRef): boolean {
  switch (actor.kind) {
    case 'anonymous':
      return false;
    case 'reporter':
      return actor.reportId === report.id && (action === 'read' || action === 'reply' || action === 'attach' || action === 'manageAccessToken');
    case 'user':
      if (action === 'read' || action === 'readInternal') return hasRole(actor, report.projectSlug, 'viewer');
      return hasRole(actor, report.projectSlug, 'maintainer');
  }
}

/** What the UI may offer; it never re-implements the rules above. */
export function reportAbilities(actor: Actor, report: ReportRef): Record<ReportAction, boolean> {
  const actions: ReportAction[] = ['read', 'readInternal', 'reply', 'attach', 'addInternalNote', 'transition', 'update', 'manageAccessToken'];
  return Object.fromEntries(actions.map((action) => [action, canReport(actor, action, report)])) as Record<ReportAction, boolean>;
}

/** Team members who may be assigned to handle a project's reports. */
export function canHandle(roles: ReadonlyMap<string, Role>, projectSlug: string): boolean {
  const role = strongestRole(roles, projectSlug);
  return role === 'admin' || role === 'maintainer';
}
