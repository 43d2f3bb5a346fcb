import type { Executor } from '../../platform/db/database.js';

/** Every file of the report, whichever way it came: the per-report limit counts them all. */
export async function countAttachments(db: Executor, reportId: string): Promise<number> {
  const row = await db
    .selectFrom('report_attachments')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('report_id', '=', reportId)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}
