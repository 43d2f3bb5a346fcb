import type { Executor } from '../../platform/db/database.js';
import { ALL_PROJECTS } from '../access/actor.js';

/**
 * Team members who may handle a project's reports: maintainers and admins of the project or of every
 * project, and not disabled. The same rule as canHandle(), as SQL.
 */
export async function findProjectHandlers(db: Executor, projectSlug: string) {
  const rows = await db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select(['users.id', 'users.email', 'users.display_name', 'memberships.role', 'memberships.project_slug'])
    .where('memberships.project_slug', 'in', [projectSlug, ALL_PROJECTS])
    .where('memberships.role', 'in', ['maintainer', 'admin'])
    .where('users.disabled_at', 'is', null)
    .orderBy('users.email')
    .execute();
  const byUser = new Map<string, { id: string; email: string; displayName: string | null; role: 'maintainer' | 'admin' }>();
  for (const row of rows) {
    const previous = byUser.get(row.id);
    const role = row.role === 'admin' || previous?.role === 'admin' ? 'admin' : 'maintainer';
    byUser.set(row.id, { id: row.id, email: row.email, displayName: row.display_name, role });
  }
  return [...byUser.values()];
}
