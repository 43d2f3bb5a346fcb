import { sql } from 'kysely';
import type { EncryptedColumn } from '../../platform/crypto/encrypted-columns.js';
import type { Executor } from '../../platform/db/database.js';

/**
 * SQL for key rotation. Table and column names come from the ENCRYPTED_COLUMNS registry (never from
 * input) and go through sql.table / sql.ref, which quote them as identifiers.
 */

export type EncryptedValue = { id: string; value: string };

// `keyPrefix` is "emb1.<8 hex>.": no LIKE wildcards, so it needs no escaping.
function notUnder(column: EncryptedColumn, keyPrefix: string) {
  return sql`${sql.ref(column.column)} is not null and ${sql.ref(column.column)} not like ${`${keyPrefix}%`}`;
}

/** How many values of the column are not under the key yet. */
export async function countValuesNotUnder(db: Executor, column: EncryptedColumn, keyPrefix: string): Promise<number> {
  const result = await sql<{ n: string | number }>`select count(*) as n from ${sql.table(column.table)} where ${notUnder(column, keyPrefix)}`.execute(db);
  return Number(result.rows[0]?.n ?? 0);
}

/**
 * The next batch of values not under the key, in id order after `afterId` (keyset pagination).
 * Values already under the key are skipped in SQL, so a rerun after an interruption only reads what
 * is left; the cursor moves past values that fail, so one bad value cannot stall the walk.
 */
export async function findValuesNotUnder(
  db: Executor,
  column: EncryptedColumn,
  options: { keyPrefix: string; afterId: string | null; limit: number },
): Promise<EncryptedValue[]> {
  const id = sql.ref(column.idColumn);
  const after = options.afterId === null ? sql`` : sql`and ${id} > ${options.afterId}`;
  const result = await sql<EncryptedValue>`
    select ${id}::text as id, ${sql.ref(column.column)} as value
    from ${sql.table(column.table)}
    where ${notUnder(column, options.keyPrefix)} ${after}
    order by ${id}
    limit ${options.limit}`.execute(db);
  return result.rows;
}

/**
 * Replaces one value only if it is still the one that was read (compare-and-set): a concurrent
 * write by a running server wins, and the rotation leaves that value for the next run.
 */
export async function replaceValue(trx: Executor, column: EncryptedColumn, id: string, expected: string, replacement: string): Promise<boolean> {
  const result = await sql`
    update ${sql.table(column.table)} set ${sql.ref(column.column)} = ${replacement}
    where ${sql.ref(column.idColumn)} = ${id} and ${sql.ref(column.column)} = ${expected}`.execute(trx);
  return Number(result.numAffectedRows ?? 0) === 1;
}
