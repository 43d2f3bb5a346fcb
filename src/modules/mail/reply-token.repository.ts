import type { Executor } from '../../platform/db/database.js';

export async function findReplyTokenEnc(db: Executor, reportId: string): Promise<string | undefined> {
  const row = await db.selectFrom('reply_tokens').select('token_enc').where('report_id', '=', reportId).executeTakeFirst();
  return row?.token_enc;
}

/** Returns false when the report already has a token (a concurrent worker made it first). */
export async function insertReplyToken(trx: Executor, row: { reportId: string; tokenHash: string; tokenEnc: string; at: Date }): Promise<boolean> {
  const result = await trx
    .insertInto('reply_tokens')
    .values({ report_id: row.reportId, token_hash: row.tokenHash, token_enc: row.tokenEnc, created_at: row.at })
    .onConflict((oc) => oc.column('report_id').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}

export async function findReportIdByReplyTokenHash(db: Executor, tokenHash: string): Promise<string | undefined> {
  const row = await db.selectFrom('reply_tokens').select('report_id').where('token_hash', '=', tokenHash).executeTakeFirst();
  return row?.report_id;
}
