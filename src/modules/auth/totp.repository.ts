import type { Executor } from '../../platform/db/database.js';

export async function findTotp(db: Executor, userId: string) {
  return db.selectFrom('user_totp').selectAll().where('user_id', '=', userId).executeTakeFirst();
}

export async function lockTotp(trx: Executor, userId: string) {
  return trx.selectFrom('user_totp').selectAll().where('user_id', '=', userId).forUpdate().executeTakeFirst();
}

export async function upsertPendingTotp(trx: Executor, userId: string, secretEnc: string, at: Date) {
  await trx
    .insertInto('user_totp')
    .values({ user_id: userId, secret_enc: secretEnc, created_at: at, recovery_code_hashes: '[]' })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ secret_enc: secretEnc, created_at: at, confirmed_at: null, last_used_step: null, recovery_code_hashes: '[]' }))
    .execute();
}

export async function updateTotp(trx: Executor, userId: string, changes: { confirmedAt?: Date; lastUsedStep?: number; recoveryCodeHashes?: string[] }) {
  await trx
    .updateTable('user_totp')
    .set({
      ...(changes.confirmedAt ? { confirmed_at: changes.confirmedAt } : {}),
      ...(changes.lastUsedStep !== undefined ? { last_used_step: changes.lastUsedStep } : {}),
      ...(changes.recoveryCodeHashes ? { recovery_code_hashes: JSON.stringify(changes.recoveryCodeHashes) } : {}),
    })
    .where('user_id', '=', userId)
    .execute();
}

export async function deleteTotp(trx: Executor, userId: string) {
  await trx.deleteFrom('user_totp').where('user_id', '=', userId).execute();
}
