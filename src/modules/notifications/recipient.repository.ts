import type { Executor } from '../../platform/db/database.js';
import { ALL_PROJECTS } from '../access/actor.js';

export type TeamMember = { id: string; email: string; name: string | null };

/** Active maintainers and admins of a project (directly or on every project): who answers for its reports. */
export async function findProjectMaintainers(db: Executor, projectSlug: string): Promise<TeamMember[]> {
  const rows = await db
    .selectFrom('users')
    .innerJoin('memberships', 'memberships.user_id', 'users.id')
    .select(['users.id', 'users.email', 'users.display_name'])
    .distinct()
    .where('users.disabled_at', 'is', null)
    .where('memberships.project_slug', 'in', [projectSlug, ALL_PROJECTS])
    .where('memberships.role', 'in', ['maintainer', 'admin'])
    .orderBy('users.id')
    .execute();
  return rows.map((row) => ({ id: row.id, email: row.email, name: row.display_name }));
}

/** The address of an active team member, or undefined once the account is gone or disabled. */
export async function findActiveUser(db: Executor, userId: string): Promise<TeamMember | undefined> {
  const row = await db.selectFrom('users').select(['id', 'email', 'display_name']).where('id', '=', userId).where('disabled_at', 'is', null).executeTakeFirst();
  return row && { id: row.id, email: row.email, name: row.display_name };
}
