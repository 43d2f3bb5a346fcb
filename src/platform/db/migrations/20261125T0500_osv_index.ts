import { sql, type Kysely } from 'kysely';

// Frozen: migrations never import application code. Only SQL that PostgreSQL 15 and PGlite (18) both accept.
export async function up(db: Kysely<unknown>): Promise<void> {
  // advisory_packages becomes the OSV query API's whole index, written with the public document (at
  // publication, revision, withdrawal and import), so that a batch of 1,000 queries reads this table
  // alone, never whole documents: per package, the versions the advisory lists (JSON array of
  // strings, tested in SQL against the versions asked for), its ranges with each event's sort key,
  // and what an answer carries (the OSV id, the `modified` string) or is ordered and filtered by.
  await db.schema
    .alterTable('advisory_packages')
    .addColumn('listed', 'jsonb')
    .addColumn('ranges', 'jsonb')
    .addColumn('osv_id', 'text')
    .addColumn('modified', 'text')
    .addColumn('published_at', 'timestamptz')
    .addColumn('withdrawn', 'boolean', (col) => col.notNull().defaultTo(false))
    .execute();
  // Rows written before this migration have none of these (sort keys cannot be computed in SQL): the
  // application reads them through the advisory and its document instead, found by this index, and
  // writes them complete at the next publication or import.
  await sql`create index advisory_packages_unindexed_idx on advisory_packages (ecosystem, name_key) where ranges is null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index advisory_packages_unindexed_idx`.execute(db);
  for (const column of ['withdrawn', 'published_at', 'modified', 'osv_id', 'ranges', 'listed']) {
    await db.schema.alterTable('advisory_packages').dropColumn(column).execute();
  }
}
