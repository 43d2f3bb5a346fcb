import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { hashPassword } from '../../platform/crypto/password.js';
import { checkPasswordStrength } from './password-policy.js';
import { validationFailed } from '../../platform/errors.js';
import { ALL_PROJECTS, type Role } from '../access/actor.js';
import { appendAudit } from '../audit/audit.repository.js';
import { findUserByEmail, insertUser, upsertMembership } from './user.repository.js';

export type AddUserInput = { email: string; role: Role; projectSlug: string; displayName: string | null; password: string | null };

/** Creates a team member, or adds a role to an existing one (whose password is left alone). */
export async function addUser(context: AppContext, input: AddUserInput): Promise<{ created: boolean; email: string; projectSlug: string }> {
  const email = input.email.trim().toLowerCase();
  if (!z.email().safeParse(email).success) throw validationFailed([{ field: 'email', code: 'invalid_email', message: 'not an email address' }]);
  if (input.projectSlug !== ALL_PROJECTS && !context.policies.findProject(input.projectSlug)) {
    throw validationFailed([
      { field: 'project', code: 'unknown_project', message: `no project "${input.projectSlug}" in the policy; known: ${context.policies.projects.map((p) => p.slug).join(', ')}` },
    ]);
  }
  const existing = await findUserByEmail(context.db, email);
  if (!existing) {
    if (input.password === null) throw validationFailed([{ field: 'password', code: 'required', message: 'a new user needs a password (--password-stdin)' }]);
    const strength = checkPasswordStrength(input.password, { email });
    if (!strength.ok) throw validationFailed([{ field: 'password', code: strength.code, message: strength.message }]);
  }
  const passwordHash = existing ? null : await hashPassword(input.password!);
  const now = context.clock.now();
  await context.db.transaction().execute(async (trx) => {
    const userId = existing?.id ?? randomUUID();
    if (!existing) await insertUser(trx, { id: userId, email, displayName: input.displayName, passwordHash: passwordHash!, at: now });
    await upsertMembership(trx, { userId, projectSlug: input.projectSlug, role: input.role, at: now });
    await appendAudit(trx, {
      stream: `user:${userId}`,
      actor: { type: 'cli', id: null },
      action: existing ? 'user.role_granted' : 'user.created',
      data: { email, project: input.projectSlug, role: input.role },
      at: now,
    });
  });
  return { created: !existing, email, projectSlug: input.projectSlug };
}
