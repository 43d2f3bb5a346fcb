import { sql, type Kysely } from 'kysely';

// Frozen: migrations never import application code. Only SQL that PostgreSQL 15 and PGlite (18) both accept.
export async function up(db: Kysely<unknown>): Promise<void> {
  // One row per advisory. Until publication everything that says what the vulnerability is lives in
  // content_enc (encrypted, bound to the row); in clear are only ids, project, state, severity and times.
  // public_doc holds the published document, which is public by definition.
  await db.schema
    .createTable('advisories')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('public_id', 'text', (col) => col.notNull().unique())
    .addColumn('project_slug', 'text', (col) => col.notNull())
    .addColumn('state', 'text', (col) => col.notNull().check(sql`state in ('draft', 'published', 'withdrawn')`))
    .addColumn('source', 'text', (col) => col.notNull())
    .addColumn('severity', 'text')
    .addColumn('content_enc', 'text', (col) => col.notNull())
    .addColumn('publish_at', 'timestamptz')
    // The IANA zone the publication time was given in, so it is shown back the way it was meant.
    .addColumn('publish_zone', 'text')
    .addColumn('published_at', 'timestamptz')
    .addColumn('modified_at', 'timestamptz')
    .addColumn('withdrawn_at', 'timestamptz')
    .addColumn('public_doc', 'jsonb')
    .addColumn('created_by', 'uuid', (col) => col.references('users.id'))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull())
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull())
    .addColumn('revision', 'integer', (col) => col.notNull().defaultTo(0))
    .execute();
  // The publication sweep looks for due drafts only.
  await sql`create index advisories_due_idx on advisories (publish_at) where state = 'draft' and publish_at is not null`.execute(db);
  await sql`create index advisories_public_idx on advisories (published_at desc, id) where state <> 'draft'`.execute(db);
  await db.schema.createIndex('advisories_project_idx').on('advisories').columns(['project_slug', 'created_at']).execute();

  // Per id prefix and year: "EMB-2026-0001". Allocated with an upsert, so concurrent drafts never share a number.
  await db.schema
    .createTable('advisory_counters')
    .addColumn('prefix', 'text', (col) => col.notNull())
    .addColumn('year', 'integer', (col) => col.notNull())
    .addColumn('last', 'integer', (col) => col.notNull())
    .addPrimaryKeyConstraint('advisory_counters_pk', ['prefix', 'year'])
    .execute();

  // A report is disclosed by at most one advisory.
  await db.schema
    .createTable('advisory_reports')
    .addColumn('advisory_id', 'uuid', (col) => col.notNull().references('advisories.id').onDelete('cascade'))
    .addColumn('report_id', 'uuid', (col) => col.notNull().unique().references('reports.id'))
    .addPrimaryKeyConstraint('advisory_reports_pk', ['advisory_id', 'report_id'])
    .execute();

  // Every public version, numbered from 1 without gaps (CSAF's revision history).
  await db.schema
    .createTable('advisory_revisions')
    .addColumn('advisory_id', 'uuid', (col) => col.notNull().references('advisories.id').onDelete('cascade'))
    .addColumn('number', 'integer', (col) => col.notNull())
    .addColumn('date', 'timestamptz', (col) => col.notNull())
    .addColumn('summary', 'text', (col) => col.notNull())
    .addColumn('document', 'jsonb', (col) => col.notNull())
    .addPrimaryKeyConstraint('advisory_revisions_pk', ['advisory_id', 'number'])
    .execute();

  // Packages of published advisories, for the OSV query API; name_key is the ecosystem's normalised name.
  await db.schema
    .createTable('advisory_packages')
    .addColumn('advisory_id', 'uuid', (col) => col.notNull().references('advisories.id').onDelete('cascade'))
    .addColumn('ecosystem', 'text', (col) => col.notNull())
    .addColumn('name_key', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('advisory_packages_pk', ['advisory_id', 'ecosystem', 'name_key'])
    .execute();
  await db.schema.createIndex('advisory_packages_lookup_idx').on('advisory_packages').columns(['ecosystem', 'name_key']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['advisory_packages', 'advisory_revisions', 'advisory_reports', 'advisory_counters', 'advisories']) {
    await db.schema.dropTable(table).execute();
  }
}
