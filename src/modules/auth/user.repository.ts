import type { Executor } from '../../platform/db/database.js';
import type { Role } from '../access/actor.js';

export async function findUserByEmail(db: Executor, email: string) {
  return db.selectFrom('users').selectAll().where('email', '=', email.trim().toLowerCase()).executeTakeFirst();
}

export async function findUserById(db: Executor, id: string) {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function insertUser(trx: Executor, user: { id: string; email: string; displayName: string | null; passwordHash: string; at: Date }) {
  await trx
    .insertInto('users')
    .values({ id: user.id, email: user.email.trim().toLowerCase(), display_name: user.displayName, password_hash: user.passwordHash, created_at: user.at })
    .execute();
}

export async function updatePasswordHash(trx: Executor, userId: string, passwordHash: string, at: Date) {
  await trx.updateTable('users').set({ password_hash: passwordHash, password_changed_at: at }).where('id', '=', userId).execute();
}

export async function upsertMembership(trx: Executor, membership: { userId: string; projectSlug: string; role: Role; at: Date }) {
  await trx
    .insertInto('memberships')
    .values({ user_id: membership.userId, project_slug: membership.projectSlug, role: membership.role, created_at: membership.at })
    .onConflict((oc) => oc.columns(['user_id', 'project_slug']).doUpdateSet({ role: membership.role }))
    .execute();
}

export async function findRoles(db: Executor, userId: string): Promise<Map<string, Role>> {
  const rows = await db.selectFrom('memberships').select(['project_slug', 'role']).where('user_id', '=', userId).execute();
  return new Map(rows.map((row) => [row.project_slug, row.role]));
}

export async function findUserNames(db: Executor, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('users').select(['id', 'email', 'display_name']).where('id', 'in', ids).execute();
  return new Map(rows.map((row) => [row.id, row.display_name ?? row.email]));
}
