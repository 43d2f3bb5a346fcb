import { sql, type Insertable } from 'kysely';
import type { Executor, Tx } from '../../platform/db/database.js';
import type { AdvisoriesTable, AdvisoryRow } from '../../platform/db/schema.js';
import type { OsvIndex } from './osv-index.js';

type AdvisoryState = AdvisoryRow['state'];
type AdvisoryUpdate = Partial<Omit<Insertable<AdvisoriesTable>, 'id' | 'public_id' | 'project_slug' | 'created_at' | 'created_by'>>;

/** Public ids come from URLs: anything that is not shaped like one never reaches SQL. */
const PUBLIC_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{1,79}$/;
export function isPublicId(value: string): boolean {
  return PUBLIC_ID.test(value);
}

/**
 * The next number for a prefix and year. The upsert is atomic in both databases: two drafts created at
 * once in two processes get two numbers, and the row lock it takes lasts only to the caller's commit.
 */
export async function allocateNumber(trx: Executor, prefix: string, year: number): Promise<number> {
  const row = await trx
    .insertInto('advisory_counters')
    .values({ prefix, year, last: 1 })
    .onConflict((oc) => oc.columns(['prefix', 'year']).doUpdateSet({ last: sql<number>`advisory_counters.last + 1` }))
    .returning('last')
    .executeTakeFirstOrThrow();
  return row.last;
}

export async function insertAdvisory(trx: Executor, row: Insertable<AdvisoriesTable>): Promise<void> {
  await trx.insertInto('advisories').values(row).execute();
}

export async function findAdvisory(db: Executor, publicId: string): Promise<AdvisoryRow | undefined> {
  if (!isPublicId(publicId)) return undefined;
  return db.selectFrom('advisories').selectAll().where('public_id', '=', publicId).executeTakeFirst();
}

/** Locks the row to the end of the transaction: edits, publication and withdrawal of one advisory queue up here. */
export async function lockAdvisory(trx: Tx, publicId: string): Promise<AdvisoryRow | undefined> {
  if (!isPublicId(publicId)) return undefined;
  return trx.selectFrom('advisories').selectAll().where('public_id', '=', publicId).forUpdate().executeTakeFirst();
}

export async function updateAdvisoryRow(trx: Executor, id: string, changes: AdvisoryUpdate): Promise<void> {
  await trx.updateTable('advisories').set(changes).where('id', '=', id).execute();
}

/**
 * The atomic claim behind publication: the row goes from draft to published only if it still is a
 * draft (and, for the scheduler, still due). Of several schedulers racing for one advisory, exactly one
 * gets the row back; the others wait for its commit, then see it published and get nothing.
 */
export async function claimForPublication(trx: Tx, id: string, now: Date, options: { due: boolean }): Promise<AdvisoryRow | undefined> {
  let query = trx
    .updateTable('advisories')
    .set({ state: 'published', published_at: now, modified_at: now, updated_at: now, revision: sql<number>`revision + 1` })
    .where('id', '=', id)
    .where('state', '=', 'draft');
  if (options.due) query = query.where('publish_at', '<=', now);
  return query.returningAll().executeTakeFirst();
}

export async function findDueAdvisories(db: Executor, now: Date, limit: number): Promise<{ id: string; public_id: string; publish_at: Date | null }[]> {
  return db
    .selectFrom('advisories')
    .select(['id', 'public_id', 'publish_at'])
    .where('state', '=', 'draft')
    .where('publish_at', 'is not', null)
    .where('publish_at', '<=', now)
    .orderBy('publish_at')
    .limit(limit)
    .execute();
}

export async function linkReport(trx: Executor, advisoryId: string, reportId: string): Promise<void> {
  await trx.insertInto('advisory_reports').values({ advisory_id: advisoryId, report_id: reportId }).execute();
}

export async function findLinkedReportIds(db: Executor, advisoryId: string): Promise<string[]> {
  const rows = await db.selectFrom('advisory_reports').select('report_id').where('advisory_id', '=', advisoryId).orderBy('report_id').execute();
  return rows.map((row) => row.report_id);
}

export async function findAdvisoryIdOfReport(db: Executor, reportId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('advisory_reports')
    .innerJoin('advisories', 'advisories.id', 'advisory_reports.advisory_id')
    .select('advisories.public_id')
    .where('advisory_reports.report_id', '=', reportId)
    .executeTakeFirst();
  return row?.public_id;
}

export async function insertRevision(trx: Executor, row: { advisoryId: string; number: number; date: Date; summary: string; document: string }): Promise<void> {
  await trx
    .insertInto('advisory_revisions')
    .values({ advisory_id: row.advisoryId, number: row.number, date: row.date, summary: row.summary, document: row.document })
    .execute();
}

/** Rewrites an advisory's rows of the OSV query index; called with every new public document. */
export async function replacePackages(trx: Executor, advisoryId: string, index: OsvIndex): Promise<void> {
  await trx.deleteFrom('advisory_packages').where('advisory_id', '=', advisoryId).execute();
  if (index.packages.length === 0) return;
  await trx
    .insertInto('advisory_packages')
    .values(
      index.packages.map((entry) => ({
        advisory_id: advisoryId,
        ecosystem: entry.ecosystem,
        name_key: entry.nameKey,
        listed: entry.listed.length > 0 ? JSON.stringify(entry.listed) : null,
        ranges: JSON.stringify(entry.ranges),
        osv_id: index.osvId,
        modified: index.modified,
        published_at: index.publishedAt,
        withdrawn: index.withdrawn,
      })),
    )
    .execute();
}

export type ListFilter = {
  /** Projects whose drafts the actor may see; null: every project. Published advisories are public. */
  draftProjects: string[] | null;
  projects?: string[] | undefined;
  states?: AdvisoryState[] | undefined;
  scheduled?: boolean | undefined;
  limit: number;
  after?: { key: Date; id: string } | undefined;
};

/** Newest first (publication date, else creation date), keyset-paged, scoped to the actor in SQL. */
export async function findAdvisoryPage(db: Executor, filter: ListFilter): Promise<(AdvisoryRow & { sort_key: Date })[]> {
  const sortKey = sql<Date>`coalesce(published_at, created_at)`;
  let query = db.selectFrom('advisories').selectAll().select(sortKey.as('sort_key'));
  const drafts = filter.draftProjects;
  if (drafts !== null) {
    query = drafts.length === 0 ? query.where('state', '<>', 'draft') : query.where((eb) => eb.or([eb('state', '<>', 'draft'), eb('project_slug', 'in', drafts)]));
  }
  if (filter.projects?.length) query = query.where('project_slug', 'in', filter.projects);
  if (filter.states?.length) query = query.where('state', 'in', filter.states);
  if (filter.scheduled !== undefined) query = query.where('publish_at', filter.scheduled ? 'is not' : 'is', null);
  if (filter.after) query = query.where(sql<boolean>`(${sortKey}, id) < (${filter.after.key}, ${filter.after.id})`);
  return query.orderBy(sortKey, 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
}

export type PublicRow = { id: string; public_id: string; project_slug: string; state: AdvisoryState; public_doc: unknown; published_at: Date | null; modified_at: Date | null };

/** Published and withdrawn advisories, newest publication first; never a draft. */
export async function findPublicAdvisories(db: Executor, options: { project?: string; limit?: number; includeWithdrawn?: boolean } = {}): Promise<PublicRow[]> {
  let query = db
    .selectFrom('advisories')
    .select(['id', 'public_id', 'project_slug', 'state', 'public_doc', 'published_at', 'modified_at'])
    .where('state', options.includeWithdrawn === false ? '=' : 'in', options.includeWithdrawn === false ? 'published' : ['published', 'withdrawn']);
  if (options.project) query = query.where('project_slug', '=', options.project);
  query = query.orderBy('published_at', 'desc').orderBy('id', 'desc');
  if (options.limit) query = query.limit(options.limit);
  return query.execute();
}

export async function findPublicAdvisory(db: Executor, publicId: string): Promise<PublicRow | undefined> {
  if (!isPublicId(publicId)) return undefined;
  return db
    .selectFrom('advisories')
    .select(['id', 'public_id', 'project_slug', 'state', 'public_doc', 'published_at', 'modified_at'])
    .where('public_id', '=', publicId)
    .where('state', '<>', 'draft')
    .executeTakeFirst();
}

export type AskedPackage = { ecosystem: string; nameKey: string; versions: string[] };

export type IndexMatchRow = {
  advisory_id: string;
  osv_id: string;
  modified: string;
  /** Which of the packages asked for (0-based position) the row answers. */
  key_index: number;
  /** Publication time in epoch milliseconds: cheaper to read than a date, needed only to merge with unindexed rows. */
  published_ms: number;
  /** IndexedRange[] as replacePackages stored them. */
  ranges: unknown;
  /** Of the versions asked about for this package, those the advisory lists (null: none). */
  listed_asked: string[] | null;
};

function askedArrays(asked: AskedPackage[]) {
  return { ecosystems: asked.map((key) => key.ecosystem), names: asked.map((key) => key.nameKey), versions: asked.map((key) => JSON.stringify(key.versions)) };
}

/**
 * Candidates for the OSV query API, from the index alone: for each published (not withdrawn) advisory
 * naming one of the packages, its OSV id and modified string, its ranges for that package and which
 * of the versions asked about it lists; never a document, nor the whole list of versions (the PyPI
 * database lists hundreds per advisory). Newest publication first.
 */
export async function findIndexedMatches(db: Executor, asked: AskedPackage[]): Promise<IndexMatchRow[]> {
  if (asked.length === 0) return [];
  const { ecosystems, names, versions } = askedArrays(asked);
  const result = await sql<IndexMatchRow>`
    select p.advisory_id, p.osv_id, p.modified, (q.position - 1)::int as key_index, (extract(epoch from p.published_at) * 1000)::float8 as published_ms, p.ranges,
      case when p.listed is not null then (
        select array_agg(asked.version) from jsonb_array_elements_text(q.versions::jsonb) as asked(version) where jsonb_exists(p.listed, asked.version)
      ) end as listed_asked
    from unnest(${ecosystems}::text[], ${names}::text[], ${versions}::text[]) with ordinality as q(ecosystem, name_key, versions, position)
    join advisory_packages p on p.ecosystem = q.ecosystem and p.name_key = q.name_key
    where p.ranges is not null and not p.withdrawn
    order by p.published_at desc, p.advisory_id
  `.execute(db);
  return result.rows;
}

export type UnindexedMatchRow = { advisory_id: string; key_index: number; published_at: Date | null; public_doc: unknown };

/** Candidates whose index rows predate ranges (written before migration 20261125T0500): read with their documents. */
export async function findUnindexedMatches(db: Executor, asked: AskedPackage[]): Promise<UnindexedMatchRow[]> {
  if (asked.length === 0) return [];
  const { ecosystems, names } = askedArrays(asked);
  const result = await sql<UnindexedMatchRow>`
    select a.id as advisory_id, (q.position - 1)::int as key_index, a.published_at, a.public_doc
    from unnest(${ecosystems}::text[], ${names}::text[]) with ordinality as q(ecosystem, name_key, position)
    join advisory_packages p on p.ecosystem = q.ecosystem and p.name_key = q.name_key and p.ranges is null
    join advisories a on a.id = p.advisory_id
    where a.state = 'published'
    order by a.published_at desc, a.id
  `.execute(db);
  return result.rows;
}

/** Public documents by advisory row id (for the full records of a query's matches); drafts never. */
export async function findPublicDocs(db: Executor, advisoryIds: string[]): Promise<{ id: string; public_doc: unknown }[]> {
  if (advisoryIds.length === 0) return [];
  return db.selectFrom('advisories').select(['id', 'public_doc']).where('id', 'in', advisoryIds).where('state', '<>', 'draft').execute();
}

/** Modified dates of every public advisory, for OSV's all.json and CSAF's changes.csv. */
export async function findPublicIndex(db: Executor): Promise<{ public_id: string; project_slug: string; published_at: Date | null; modified_at: Date | null; public_doc: unknown }[]> {
  return db
    .selectFrom('advisories')
    .select(['public_id', 'project_slug', 'published_at', 'modified_at', 'public_doc'])
    .where('state', 'in', ['published', 'withdrawn'])
    .orderBy('modified_at', 'desc')
    .orderBy('public_id')
    .execute();
}
