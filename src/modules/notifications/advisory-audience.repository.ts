import type { Executor } from '../../platform/db/database.js';

/** Reports an advisory discloses, by the advisory's public id (EMB-2026-0001) or row id. */
export async function findAdvisoryReportIds(db: Executor, advisoryId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('advisory_reports')
    .innerJoin('advisories', 'advisories.id', 'advisory_reports.advisory_id')
    .select('advisory_reports.report_id')
    .where((eb) => eb.or([eb('advisories.public_id', '=', advisoryId), eb(eb.cast('advisories.id', 'text'), '=', advisoryId)]))
    .orderBy('advisory_reports.report_id')
    .execute();
  return rows.map((row) => row.report_id);
}

/** Confirmed, still subscribed addresses of a project; `critical` advisories also reach critical-only subscribers. */
export async function findSubscriberIds(db: Executor, projectSlug: string, critical: boolean): Promise<string[]> {
  const rows = await db
    .selectFrom('subscribers')
    .select('id')
    .where('project_slug', '=', projectSlug)
    .where('confirmed_at', 'is not', null)
    .where('unsubscribed_at', 'is', null)
    .where('level', 'in', critical ? ['all', 'critical'] : ['all'])
    .orderBy('id')
    .execute();
  return rows.map((row) => row.id);
}

export async function isDisclosedByAdvisory(db: Executor, reportId: string): Promise<boolean> {
  const row = await db.selectFrom('advisory_reports').select('report_id').where('report_id', '=', reportId).executeTakeFirst();
  return row !== undefined;
}
