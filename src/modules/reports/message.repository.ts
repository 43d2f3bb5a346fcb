import type { Executor } from '../../platform/db/database.js';

export type NewMessage = {
  id: string;
  reportId: string;
  authorType: 'reporter' | 'team' | 'system';
  authorId: string | null;
  internal: boolean;
  /** Already encrypted (report.crypto.ts). */
  bodyEnc: string;
  at: Date;
};

export async function insertMessage(trx: Executor, message: NewMessage): Promise<void> {
  await trx
    .insertInto('messages')
    .values({
      id: message.id,
      report_id: message.reportId,
      author_type: message.authorType,
      author_id: message.authorId,
      internal: message.internal,
      body_enc: message.bodyEnc,
      created_at: message.at,
    })
    .execute();
}

/** The thread, oldest first; internal notes only when asked for (the team's view). */
export async function findMessages(db: Executor, reportId: string, options: { includeInternal: boolean }) {
  let query = db
    .selectFrom('messages')
    .leftJoin('users', 'users.id', 'messages.author_id')
    .select([
      'messages.id',
      'messages.author_type',
      'messages.internal',
      'messages.body_enc',
      'messages.created_at',
      'users.display_name',
      'users.email',
    ])
    .where('messages.report_id', '=', reportId)
    .orderBy('messages.created_at')
    .orderBy('messages.id');
  if (!options.includeInternal) query = query.where('messages.internal', '=', false);
  return query.execute();
}

/**
 * When the team wrote to the reporter: these keep the status-update promise. So does the automatic
 * "still working on it" update Embargo posts as a system message when nobody wrote in time.
 */
export async function findTeamMessageTimes(db: Executor, reportId: string): Promise<Date[]> {
  const rows = await db
    .selectFrom('messages')
    .select('created_at')
    .where('report_id', '=', reportId)
    .where('author_type', 'in', ['team', 'system'])
    .where('internal', '=', false)
    .orderBy('created_at')
    .execute();
  return rows.map((row) => row.created_at);
}
