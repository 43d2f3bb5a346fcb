import type { Kysely } from 'kysely';

// Frozen: migrations never import application code.
export async function up(db: Kysely<unknown>): Promise<void> {
  // Per polled IMAP mailbox: how far its messages are imported (UIDVALIDITY and the last UID taken,
  // advanced only after a message is stored), and which worker holds it (a lease that expires, so a
  // crashed worker's mailbox is taken over). UIDs and UIDVALIDITY are unsigned 32-bit: bigint.
  await db.schema
    .createTable('imap_cursors')
    .addColumn('project_slug', 'text', (col) => col.notNull())
    .addColumn('mailbox_key', 'text', (col) => col.notNull())
    .addColumn('mailbox_label', 'text', (col) => col.notNull())
    .addColumn('uid_validity', 'bigint')
    .addColumn('last_uid', 'bigint', (col) => col.notNull().defaultTo(0))
    .addColumn('last_internal_date', 'timestamptz')
    .addColumn('failed_uid', 'bigint')
    .addColumn('failed_attempts', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull())
    .addPrimaryKeyConstraint('imap_cursors_pkey', ['project_slug', 'mailbox_key'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('imap_cursors').execute();
}
