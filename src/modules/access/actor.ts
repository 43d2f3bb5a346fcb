export type Role = 'admin' | 'maintainer' | 'viewer';
export const ROLES: readonly Role[] = ['admin', 'maintainer', 'viewer'];
/** Membership on this pseudo-project grants the role on every project. */
export const ALL_PROJECTS = '*';

export const SCOPES = ['reports:read', 'reports:write', 'advisories:publish', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export type AuthMethod = 'none' | 'password' | 'session_cookie' | 'access_token' | 'api_token' | 'reporter_token' | 'cli';
/** Where a request came from, copied into the audit log. */
export type RequestOrigin = { ip: string | null; userAgent: string | null; authMethod: AuthMethod };

/** Who is asking. Resolved once per request from a session cookie or bearer token. */
export type Actor =
  | { kind: 'anonymous'; origin?: RequestOrigin }
  | { kind: 'reporter'; reportId: string; origin?: RequestOrigin }
  | {
      kind: 'user';
      origin?: RequestOrigin;
      userId: string;
      email: string;
      /** The session behind a browser cookie or an access token; null for a personal API token. */
      sessionId: string | null;
      /** Effective roles: a project that requires 2FA is left out until the user has used it. */
      roles: ReadonlyMap<string, Role>;
      /** What a personal API token may do; null for an interactive session (everything its roles allow). */
      scopes: ReadonlySet<Scope> | null;
    };

export type UserActor = Extract<Actor, { kind: 'user' }>;

const RANK: Record<Role, number> = { viewer: 1, maintainer: 2, admin: 3 };

/** The strongest role the user holds on a project, directly or through an all-projects membership. */
export function projectRole(actor: Actor, projectSlug: string): Role | null {
  return actor.kind === 'user' ? strongestRole(actor.roles, projectSlug) : null;
}

export function strongestRole(roles: ReadonlyMap<string, Role>, projectSlug: string): Role | null {
  const direct = roles.get(projectSlug) ?? null;
  const global = roles.get(ALL_PROJECTS) ?? null;
  if (!direct) return global;
  if (!global) return direct;
  return RANK[direct] >= RANK[global] ? direct : global;
}

export function hasRole(actor: Actor, projectSlug: string, atLeast: Role): boolean {
  const role = projectRole(actor, projectSlug);
  return role !== null && RANK[role] >= RANK[atLeast];
}

/** Project slugs whose reports the actor may list; null means every project. Used to scope SQL. */
export function visibleProjectSlugs(actor: Actor): string[] | null {
  if (actor.kind !== 'user') return [];
  if (actor.roles.has(ALL_PROJECTS)) return null;
  return [...actor.roles.keys()];
}
