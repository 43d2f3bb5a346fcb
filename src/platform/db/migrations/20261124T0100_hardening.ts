import type { Kysely } from 'kysely';

// Frozen: migrations never import application code.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').addColumn('password_changed_at', 'timestamptz').execute();
  await db.schema.alterTable('sessions').addColumn('two_factor_verified', 'boolean', (col) => col.notNull().defaultTo(false)).execute();

  // One row per issued refresh token; a session is the token family.
  await db.schema
    .createTable('refresh_tokens')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('session_id', 'uuid', (col) => col.notNull().references('sessions.id').onDelete('cascade'))
    .addColumn('token_hash', 'text', (col) => col.notNull().unique())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull())
    .addColumn('expires_at', 'timestamptz', (col) => col.notNull())
    .addColumn('used_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('refresh_tokens_session_idx').on('refresh_tokens').column('session_id').execute();

  await db.schema
    .createTable('api_tokens')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('user_id', 'uuid', (col) => col.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('token_hash', 'text', (col) => col.notNull().unique())
    .addColumn('scopes', 'jsonb', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull())
    .addColumn('expires_at', 'timestamptz')
    .addColumn('last_used_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('api_tokens_user_idx').on('api_tokens').column('user_id').execute();

  // Failed sign-ins per account and per client address, shared by every instance.
  await db.schema
    .createTable('login_throttle')
    .addColumn('key', 'text', (col) => col.primaryKey())
    .addColumn('failures', 'integer', (col) => col.notNull())
    .addColumn('last_failure_at', 'timestamptz', (col) => col.notNull())
    .addColumn('locked_until', 'timestamptz')
    .execute();

  await db.schema
    .createTable('user_totp')
    .addColumn('user_id', 'uuid', (col) => col.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('secret_enc', 'text', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull())
    .addColumn('confirmed_at', 'timestamptz')
    .addColumn('last_used_step', 'integer')
    .addColumn('recovery_code_hashes', 'jsonb', (col) => col.notNull())
    .execute();

  // Each audit entry commits to the previous entry of its stream; seals commit to every stream head.
  await db.schema.alterTable('audit_events').addColumn('prev_hash', 'text').addColumn('hash', 'text').execute();
  await db.schema
    .createTable('audit_seals')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('seq', 'integer', (col) => col.notNull().unique())
    .addColumn('sealed_at', 'timestamptz', (col) => col.notNull())
    .addColumn('heads', 'jsonb', (col) => col.notNull())
    .addColumn('prev_root', 'text')
    .addColumn('root', 'text', (col) => col.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['audit_seals', 'user_totp', 'login_throttle', 'api_tokens', 'refresh_tokens']) await db.schema.dropTable(table).execute();
  await db.schema.alterTable('audit_events').dropColumn('prev_hash').dropColumn('hash').execute();
  await db.schema.alterTable('sessions').dropColumn('two_factor_verified').execute();
  await db.schema.alterTable('users').dropColumn('password_changed_at').execute();
}
