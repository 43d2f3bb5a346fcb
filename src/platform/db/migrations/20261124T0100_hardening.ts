import { sql, type Kysely } from 'kysely';

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
  await db.schema
    .alterTable('audit_events')
    .addColumn('actor_name', 'text')
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('auth_method', 'text')
    .addColumn('prev_hash', 'text')
    .addColumn('hash', 'text')
    .execute();
  await db.schema
    .createTable('audit_seals')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('seq', 'integer', (col) => col.notNull().unique())
    .addColumn('sealed_at', 'timestamptz', (col) => col.notNull())
    .addColumn('heads', 'jsonb', (col) => col.notNull())
    .addColumn('prev_root', 'text')
    .addColumn('root', 'text', (col) => col.notNull())
    .execute();

  // Append-only, enforced by the database itself: the only change ever allowed to an audit entry is
  // sealing it (setting its chain hashes once); seals never change. Bypassing this takes a superuser
  // disabling triggers, and the hash chain then still shows the edit.
  await sql`
    create function embargo_audit_append_only() returns trigger language plpgsql as $$
    begin
      if tg_op = 'UPDATE'
         and old.hash is null and new.hash is not null
         and (to_jsonb(new) - 'hash' - 'prev_hash') = (to_jsonb(old) - 'hash' - 'prev_hash') then
        return new;
      end if;
      raise exception 'audit log is append-only: % on % refused', tg_op, tg_table_name using errcode = 'insufficient_privilege';
    end
    $$`.execute(db);
  await sql`create trigger audit_events_append_only before update or delete on audit_events for each row execute function embargo_audit_append_only()`.execute(db);
  await sql`
    create function embargo_refuse_change() returns trigger language plpgsql as $$
    begin
      raise exception 'audit log is append-only: % on % refused', tg_op, tg_table_name using errcode = 'insufficient_privilege';
    end
    $$`.execute(db);
  await sql`create trigger audit_seals_append_only before update or delete on audit_seals for each row execute function embargo_refuse_change()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger audit_seals_append_only on audit_seals`.execute(db);
  await sql`drop trigger audit_events_append_only on audit_events`.execute(db);
  await sql`drop function embargo_audit_append_only()`.execute(db);
  await sql`drop function embargo_refuse_change()`.execute(db);
  for (const table of ['audit_seals', 'user_totp', 'login_throttle', 'api_tokens', 'refresh_tokens']) await db.schema.dropTable(table).execute();
  await db.schema.alterTable('audit_events').dropColumn('prev_hash').dropColumn('hash').dropColumn('actor_name').dropColumn('ip').dropColumn('user_agent').dropColumn('auth_method').execute();
  await db.schema.alterTable('sessions').dropColumn('two_factor_verified').execute();
  await db.schema.alterTable('users').dropColumn('password_changed_at').execute();
}
