import type { DB } from '../db/schema.js';
import type { Aad } from './envelope.js';

/**
 * Every database column that holds envelopes (see ./envelope.ts), in one place. Key rotation
 * re-wraps exactly these columns, so a value in a column missing here would stay under the old key
 * and become unreadable once that key is retired.
 *
 * Adding an encrypted column: add one entry. `idColumn` is the column whose value is the `id` of
 * the column's additional data (the row id the ciphertext is bound to); it must be unique, because
 * rotation walks the table in keyset order over it. Nullable columns are fine: NULLs are skipped.
 * The key-rotation integration test fails when a column ending in `_enc` is not listed.
 */
type ColumnOf<T extends keyof DB> = Extract<keyof DB[T], string>;

export type EncryptedColumn = { [T in keyof DB]: { table: T; column: ColumnOf<T>; idColumn: ColumnOf<T> } }[keyof DB];

export const ENCRYPTED_COLUMNS: readonly EncryptedColumn[] = Object.freeze([
  { table: 'reports', column: 'content_enc', idColumn: 'id' },
  { table: 'messages', column: 'body_enc', idColumn: 'id' },
  { table: 'user_totp', column: 'secret_enc', idColumn: 'user_id' },
  { table: 'advisories', column: 'content_enc', idColumn: 'id' },
  { table: 'reply_tokens', column: 'token_enc', idColumn: 'report_id' },
  // Bound to the row's primary key like every column above (the code that writes these was not in
  // the tree yet when they were registered; it must use this id in the additional data).
  { table: 'report_attachments', column: 'filename_enc', idColumn: 'id' },
  { table: 'report_attachments', column: 'content_enc', idColumn: 'id' },
  { table: 'subscribers', column: 'email_enc', idColumn: 'id' },
  { table: 'subscribers', column: 'token_enc', idColumn: 'id' },
  { table: 'webhooks', column: 'url_enc', idColumn: 'id' },
  { table: 'webhooks', column: 'secret_enc', idColumn: 'id' },
]);

/** The additional data that binds a value of this column to its row. */
export function columnAad(column: EncryptedColumn, id: string): Aad {
  return { table: column.table, column: column.column, id };
}

export function columnName(column: EncryptedColumn): string {
  return `${column.table}.${column.column}`;
}
