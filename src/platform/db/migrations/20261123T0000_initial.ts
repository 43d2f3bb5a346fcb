import { sql, type Kysely } from 'kysely';

// Frozen: migrations never import application code, so that they run the same way forever.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('email', 'text', (col) => col.notNull().unique())
    .addColumn('display_name', 'text')
    .addColumn('password_hash', 'text', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull())
    .addColumn('disabled_at', 'timestamptz')
    .execute();

  // project_slug '*' grants the role on every project.
  await db.schema
    .createTable('memberships')
    .addColumn('user_id', 'uuid', (col) => col.notNull().references('users.id').onDelete('cascade'))
    .addColumn('project_slug', 'text', (col) => col.notNull())
    .addColumn('role', 'text', (col) => col.notNull().check(sql`role in ('admin', 'maintainer', 'viewer')`))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull())
    .addPrimaryKeyConstraint('memberships_pk', ['user_id', 'project_slug'])
    .execute();

  await db.schema
    .createTable('sessions')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('user_id', 'uuid', (col) => col.notNull().references('users.id').onDelete('cascade'))
    .addColumn('token_hash', 'text', (col) => col.notNull().unique())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull())
    .addColumn('expires_at', 'timestamptz', (col) => col.notNull())
    .addColumn('last_seen_at', 'timestamptz', (col) => col.notNull())
    .addColumn('revoked_at', 'timestamptz')
    .addColumn('user_agent', 'text')
    .addColumn('ip', 'text')
    .execute();
  await db.schema.createIndex('sessions_user_idx').on('sessions').column('user_id').execute();

  await db.schema
    .createTable('reports')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('project_slug', 'text', (col) => col.notNull())
    .addColumn('state', 'text', (col) => col.notNull())
    .addColumn('severity', 'text')
    .addColumn('cvss31_vector', 'text')
    .addColumn('cvss31_score', 'double precision')
    .addColumn('cvss40_vector', 'text')
    .addColumn('cvss40_score', 'double precision')
    .addColumn('handler_id', 'uuid', (col) => col.references('users.id'))
    .addColumn('backup_handler_id', 'uuid', (col) => col.references('users.id'))
    .addColumn('duplicate_of', 'uuid', (col) => col.references('reports.id'))
    .addColumn('forwarded_to', 'text')
    .addColumn('source', 'text', (col) => col.notNull())
    // The reporter's submission (title, description, contact, credit, ...) as one encrypted envelope:
    // even a title ("RCE in login") is a secret until disclosure.
    .addColumn('content_enc', 'text', (col) => col.notNull())
    .addColumn('access_token_hash', 'text', (col) => col.notNull().unique())
    .addColumn('access_token_revoked_at', 'timestamptz')
    .addColumn('received_at', 'timestamptz', (col) => col.notNull())
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull())
    .addColumn('acknowledged_at', 'timestamptz')
    .addColumn('assessed_at', 'timestamptz')
    .addColumn('resolved_at', 'timestamptz')
    .addColumn('closed_at', 'timestamptz')
    .addColumn('next_due_at', 'timestamptz')
    .addColumn('revision', 'integer', (col) => col.notNull().defaultTo(0))
    .execute();
  // The queue orders by next deadline with "no deadline" last; keyset pages compare (key, id) rows,
  // which these indexes answer with a range scan however deep the page.
  await sql`create index reports_queue_idx on reports ((coalesce(next_due_at, 'infinity'::timestamptz)), id)`.execute(db);
  await sql`create index reports_project_queue_idx on reports (project_slug, (coalesce(next_due_at, 'infinity'::timestamptz)), id)`.execute(db);
  await sql`create index reports_state_queue_idx on reports (state, (coalesce(next_due_at, 'infinity'::timestamptz)), id)`.execute(db);
  await db.schema.createIndex('reports_handler_idx').on('reports').columns(['handler_id']).execute();

  await db.schema
    .createTable('report_pauses')
    .addColumn('report_id', 'uuid', (col) => col.notNull().references('reports.id').onDelete('cascade'))
    .addColumn('started_at', 'timestamptz', (col) => col.notNull())
    .addColumn('ended_at', 'timestamptz')
    // The state to return to when the reporter answers.
    .addColumn('resume_state', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('report_pauses_pk', ['report_id', 'started_at'])
    .execute();

  await db.schema
    .createTable('messages')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('report_id', 'uuid', (col) => col.notNull().references('reports.id').onDelete('cascade'))
    .addColumn('author_type', 'text', (col) => col.notNull().check(sql`author_type in ('reporter', 'team', 'system')`))
    .addColumn('author_id', 'uuid', (col) => col.references('users.id'))
    .addColumn('internal', 'boolean', (col) => col.notNull())
    .addColumn('body_enc', 'text', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull())
    .execute();
  await db.schema.createIndex('messages_report_idx').on('messages').columns(['report_id', 'created_at']).execute();

  await db.schema
    .createTable('deadlines')
    .addColumn('report_id', 'uuid', (col) => col.notNull().references('reports.id').onDelete('cascade'))
    .addColumn('kind', 'text', (col) => col.notNull())
    .addColumn('seq', 'integer', (col) => col.notNull())
    .addColumn('due_at', 'timestamptz')
    .addColumn('warn_at', 'timestamptz')
    .addColumn('met_at', 'timestamptz')
    .addColumn('paused', 'boolean', (col) => col.notNull())
    .addColumn('warned_at', 'timestamptz')
    .addColumn('breached_at', 'timestamptz')
    .addPrimaryKeyConstraint('deadlines_pk', ['report_id', 'kind', 'seq'])
    .execute();
  await db.schema
    .createIndex('deadlines_open_warn_idx')
    .on('deadlines')
    .column('warn_at')
    .where(sql.ref('met_at'), 'is', null)
    .execute();
  await db.schema
    .createIndex('deadlines_open_due_idx')
    .on('deadlines')
    .column('due_at')
    .where(sql.ref('met_at'), 'is', null)
    .execute();

  await db.schema
    .createTable('audit_events')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('stream', 'text', (col) => col.notNull())
    .addColumn('seq', 'integer', (col) => col.notNull())
    .addColumn('actor_type', 'text', (col) => col.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('action', 'text', (col) => col.notNull())
    .addColumn('reason', 'text')
    .addColumn('data', 'jsonb', (col) => col.notNull())
    .addColumn('occurred_at', 'timestamptz', (col) => col.notNull())
    .addUniqueConstraint('audit_events_stream_seq_uq', ['stream', 'seq'])
    .execute();

  await db.schema
    .createTable('outbox')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('topic', 'text', (col) => col.notNull())
    .addColumn('dedupe_key', 'text', (col) => col.notNull().unique())
    .addColumn('payload', 'jsonb', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull())
    .addColumn('available_at', 'timestamptz', (col) => col.notNull())
    .addColumn('claimed_at', 'timestamptz')
    .addColumn('claimed_by', 'text')
    .addColumn('delivered_at', 'timestamptz')
    .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .execute();
  await db.schema
    .createIndex('outbox_pending_idx')
    .on('outbox')
    .column('available_at')
    .where(sql.ref('delivered_at'), 'is', null)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['outbox', 'audit_events', 'deadlines', 'messages', 'report_pauses', 'reports', 'sessions', 'memberships', 'users']) {
    await db.schema.dropTable(table).execute();
  }
}
