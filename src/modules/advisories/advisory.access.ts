import type { Tx } from '../../platform/db/database.js';
import type { AdvisoryRow } from '../../platform/db/schema.js';
import type { AppContext } from '../../context.js';
import { AppError, notFound } from '../../platform/errors.js';
import type { Actor } from '../access/actor.js';
import { canAdvisory, type AdvisoryAction } from '../access/advisory.policy.js';
import { findAdvisory, lockAdvisory } from './advisory.repository.js';

/** The audit stream of one advisory. */
export function advisoryStream(row: Pick<AdvisoryRow, 'id'>): string {
  return `advisory:${row.id}`;
}

/** Loads an advisory the actor may see, or 404 whether it is missing, a draft of another team or a guess. */
export async function getAdvisoryFor(context: AppContext, actor: Actor, publicId: string): Promise<AdvisoryRow> {
  const row = await findAdvisory(context.db, publicId);
  if (!row || !canAdvisory(actor, 'read', { projectSlug: row.project_slug, state: row.state })) throw notFound('ADVISORY_NOT_FOUND', 'advisory');
  return row;
}

/** Under lock, for a change: 404 for those who may not see it, 403 for team members who may not do this. */
export async function lockAdvisoryFor(trx: Tx, actor: Actor, publicId: string, action: AdvisoryAction): Promise<AdvisoryRow> {
  const row = await lockAdvisory(trx, publicId);
  const ref = row && { projectSlug: row.project_slug, state: row.state };
  if (!row || !ref || !canAdvisory(actor, 'read', ref)) throw notFound('ADVISORY_NOT_FOUND', 'advisory');
  if (!canAdvisory(actor, action, ref)) throw new AppError('FORBIDDEN', 'Your role on this project does not allow this.');
  return row;
}

