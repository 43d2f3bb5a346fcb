import { sql, type Kysely } from 'kysely';

// Frozen: migrations never import application code.
export async function up(db: Kysely<unknown>): Promise<void> {
  // A row that exhausted its retries (or failed for good) stays for inspection but is never claimed again.
  await db.schema.alterTable('outbox').addColumn('failed_at', 'timestamptz').execute();
  await db.schema
    .createIndex('outbox_due_idx')
    .on('outbox')
    .column('available_at')
    .where(sql.ref('delivered_at'), 'is', null)
    .where(sql.ref('failed_at'), 'is', null)
    .execute();

  // The token in a report's reply address ({slug}+r-<token>@domain): looked up by hash, kept
  // encrypted (bound to the report) because every later mail to the reporter carries it again.
  await db.schema
    .createTable('reply_tokens')
    .addColumn('report_id', 'uuid', (col) => col.primaryKey().references('reports.id').onDelete('cascade'))
    .addColumn('token_hash', 'text', (col) => col.notNull().unique())
    .addColumn('token_enc', 'text', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull())
    .execute();

  // One row per message the SMTP listener accepted: what became of it, and what the sending side
  // proved about itself (SPF/DKIM/DMARC from Authentication-Results). Addresses only as keyed hashes.
  await db.schema
    .createTable('inbound_mail')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('received_at', 'timestamptz', (col) => col.notNull())
    .addColumn('project_slug', 'text', (col) => col.notNull())
    .addColumn('report_id', 'uuid', (col) => col.references('reports.id').onDelete('set null'))
    .addColumn('outcome', 'text', (col) => col.notNull())
    .addColumn('sender_hash', 'text')
    .addColumn('message_id_hash', 'text')
    .addColumn('spf', 'text')
    .addColumn('dkim', 'text')
    .addColumn('dmarc', 'text')
    .addColumn('encrypted', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('size_bytes', 'integer', (col) => col.notNull())
    .addColumn('attachments', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('note', 'text')
    .execute();
  await db.schema.createIndex('inbound_mail_sender_idx').on('inbound_mail').columns(['sender_hash', 'received_at']).execute();

  await db.schema
    .createTable('report_attachments')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('report_id', 'uuid', (col) => col.notNull().references('reports.id').onDelete('cascade'))
    .addColumn('message_id', 'uuid', (col) => col.references('messages.id').onDelete('cascade'))
    .addColumn('filename_enc', 'text', (col) => col.notNull())
    .addColumn('content_type', 'text', (col) => col.notNull())
    .addColumn('size_bytes', 'integer', (col) => col.notNull())
    .addColumn('content_enc', 'text', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull())
    .execute();
  await db.schema.createIndex('report_attachments_report_idx').on('report_attachments').column('report_id').execute();

  await db.schema
    .createTable('subscribers')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('project_slug', 'text', (col) => col.notNull())
    .addColumn('email_hash', 'text', (col) => col.notNull())
    .addColumn('email_enc', 'text', (col) => col.notNull())
    .addColumn('level', 'text', (col) => col.notNull().check(sql`level in ('all', 'critical')`))
    .addColumn('token_hash', 'text', (col) => col.notNull().unique())
    .addColumn('token_enc', 'text', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull())
    .addColumn('confirmed_at', 'timestamptz')
    .addColumn('unsubscribed_at', 'timestamptz')
    .addUniqueConstraint('subscribers_project_email_unique', ['project_slug', 'email_hash'])
    .execute();

  await db.schema
    .createTable('webhooks')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('project_slug', 'text', (col) => col.notNull())
    .addColumn('url_enc', 'text', (col) => col.notNull())
    .addColumn('secret_enc', 'text', (col) => col.notNull())
    .addColumn('format', 'text', (col) => col.notNull().check(sql`format in ('json', 'slack')`))
    .addColumn('topics', 'jsonb', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull())
    .addColumn('disabled_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('webhooks_project_idx').on('webhooks').column('project_slug').execute();

  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('webhook_id', 'uuid', (col) => col.notNull().references('webhooks.id').onDelete('cascade'))
    .addColumn('delivery_id', 'uuid', (col) => col.notNull())
    .addColumn('topic', 'text', (col) => col.notNull())
    .addColumn('attempt', 'integer', (col) => col.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('error', 'text')
    .addColumn('duration_ms', 'integer', (col) => col.notNull())
    .addColumn('attempted_at', 'timestamptz', (col) => col.notNull())
    .execute();
  await db.schema.createIndex('webhook_deliveries_webhook_idx').on('webhook_deliveries').columns(['webhook_id', 'attempted_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['webhook_deliveries', 'webhooks', 'subscribers', 'report_attachments', 'inbound_mail', 'reply_tokens']) await db.schema.dropTable(table).execute();
  await db.schema.dropIndex('outbox_due_idx').execute();
  await db.schema.alterTable('outbox').dropColumn('failed_at').execute();
}
