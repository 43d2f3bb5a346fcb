import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { AppError, validationFailed } from '../../platform/errors.js';
import type { OsvRecord } from '../exports/osv.js';
import type { Ecosystem } from '../policy/policy.schema.js';
import { idFromOsvId, osvRecordOf } from './advisory.export.js';
import { reviveDocument } from './advisory.document.js';
import { findIndexedMatches, findPublicAdvisory, findPublicDocs, findUnindexedMatches, type AskedPackage, type UnindexedMatchRow } from './advisory.repository.js';
import { createVersionMatcher, osvIndexOf, type IndexedRange } from './osv-index.js';
import { ecosystemNamed, packageKey, parsePurl } from './osv-query.js';

/**
 * OSV's query API (api.osv.dev/v1) over this instance's published advisories: same request and answer
 * shapes, same semantics. Withdrawn advisories are not matched (OSV leaves them out of query answers)
 * but stay readable by id. Drafts are never read: the package index (advisory_packages, with each
 * package's affected entries) is written at publication, and answers are decided from it alone.
 */

export const osvQuerySchema = z.object({
  package: z.object({ name: z.string().max(500).optional(), ecosystem: z.string().max(100).optional(), purl: z.string().max(1_000).optional() }).optional(),
  version: z.string().max(200).optional(),
  commit: z.string().max(100).optional(),
  page_token: z.string().max(200).optional(),
});
export type OsvQuery = z.output<typeof osvQuerySchema>;
export const osvBatchSchema = z.object({ queries: z.array(osvQuerySchema).max(1_000, 'at most 1000 queries per batch') });

const PAGE_SIZE = 1_000;

type Resolved = { ecosystem: Ecosystem; nameKey: string; version: string | null } | { none: true };

/** Turns a query into a package and version, or refuses it as api.osv.dev does. */
function resolve(query: OsvQuery, index: number | null): Resolved {
  const at = index === null ? '' : `queries.${index}.`;
  const fail = (field: string, message: string) => validationFailed([{ field: `${at}${field}`, code: 'invalid_query', message }], `Invalid query: ${message}`);
  if (query.version !== undefined && query.commit !== undefined) throw fail('commit', 'give a version or a commit, not both');
  const pkg = query.package;
  if (!pkg) {
    if (query.commit !== undefined) return { none: true }; // no GIT ranges here: no commit is ever affected
    throw fail('package', 'name a package (name and ecosystem, or purl)');
  }
  if (pkg.purl !== undefined) {
    if (pkg.name !== undefined || pkg.ecosystem !== undefined) throw fail('package', 'give a purl or a name and ecosystem, not both');
    const parsed = parsePurl(pkg.purl);
    if (!parsed) return { none: true };
    if (parsed.version !== null && query.version !== undefined) throw fail('version', 'the purl already carries a version');
    return { ecosystem: parsed.ecosystem, nameKey: packageKey(parsed.ecosystem, parsed.name), version: parsed.version ?? query.version ?? null };
  }
  if (!pkg.name || !pkg.ecosystem) throw fail('package', 'a package needs both name and ecosystem');
  // "PyPI:3.11"-style ecosystem variants name the same packages.
  const ecosystem = ecosystemNamed(pkg.ecosystem.split(':')[0]!);
  if (!ecosystem || ecosystem === 'generic') return { none: true };
  if (query.commit !== undefined) return { none: true };
  return { ecosystem, nameKey: packageKey(ecosystem, pkg.name), version: query.version ?? null };
}

function offsetOf(pageToken: string | undefined): number {
  if (pageToken === undefined) return 0;
  const offset = Number(Buffer.from(pageToken, 'base64url').toString('utf8'));
  if (!Number.isSafeInteger(offset) || offset < 0) throw new AppError('INVALID_CURSOR', 'The page token is not one this server gave out.');
  return offset;
}

/** A published advisory that answers a query: what a batch answer needs, no document. */
type Match = { advisoryId: string; vuln: { id: string; modified: string } };
type Candidate = { match: Match; publishedMs: number; listed: ReadonlySet<string> | null; ranges: readonly IndexedRange[] };

/**
 * The matches of each query, in order. One SQL statement reads the candidates of every package named
 * from the index, each with its indexed ranges and which of the versions asked about it lists (a
 * second one, on a partial index, finds rows indexed before ranges were); the ranges are then
 * evaluated here, comparing versions in the ecosystem's order by their sort keys.
 */
async function matchAll(context: AppContext, resolved: Resolved[]): Promise<Match[][]> {
  const keys = new Map<string, { ecosystem: string; nameKey: string; versions: Set<string> }>();
  for (const item of resolved) {
    if ('none' in item) continue;
    const key = `${item.ecosystem}\n${item.nameKey}`;
    const entry = keys.get(key) ?? { ecosystem: item.ecosystem, nameKey: item.nameKey, versions: new Set<string>() };
    if (item.version !== null) entry.versions.add(item.version);
    keys.set(key, entry);
  }
  const asked = [...keys.values()].map((key) => ({ ...key, versions: [...key.versions] }));
  const [indexed, unindexed] = await Promise.all([findIndexedMatches(context.db, asked), findUnindexedMatches(context.db, asked)]);
  const byKey: Candidate[][] = asked.map(() => []);
  for (const row of indexed) {
    const match = { advisoryId: row.advisory_id, vuln: { id: row.osv_id, modified: row.modified } };
    byKey[row.key_index]!.push({ match, publishedMs: row.published_ms, listed: row.listed_asked ? new Set(row.listed_asked) : null, ranges: row.ranges as IndexedRange[] });
  }
  if (unindexed.length > 0) mergeUnindexed(byKey, asked, unindexed);
  const positions = new Map(asked.map((key, index) => [`${key.ecosystem}\n${key.nameKey}`, index]));
  const matcher = createVersionMatcher();
  return resolved.map((item) => {
    if ('none' in item) return [];
    const candidates = byKey[positions.get(`${item.ecosystem}\n${item.nameKey}`)!]!;
    const version = item.version;
    const matches: Match[] = [];
    for (const { match, listed, ranges } of candidates) if (version === null || listed?.has(version) || matcher.inRanges(ranges, version)) matches.push(match);
    return matches;
  });
}

/** Rows indexed before ranges were: indexed here from their documents, and put in publication order among the others. */
function mergeUnindexed(byKey: Candidate[][], asked: AskedPackage[], unindexed: UnindexedMatchRow[]): void {
  for (const row of unindexed) {
    const doc = reviveDocument(row.public_doc);
    const index = osvIndexOf(doc);
    const { ecosystem, nameKey, versions } = asked[row.key_index]!;
    const entry = index.packages.find((item) => item.ecosystem === ecosystem && item.nameKey === nameKey);
    byKey[row.key_index]!.push({
      match: { advisoryId: row.advisory_id, vuln: { id: index.osvId, modified: index.modified } },
      publishedMs: doc.publishedAt.getTime(),
      listed: new Set(entry?.listed.filter((version) => versions.includes(version))),
      ranges: entry?.ranges ?? [],
    });
  }
  // As the index orders them: newest publication first, then by row id.
  for (const list of byKey) list.sort((a, b) => b.publishedMs - a.publishedMs || (a.match.advisoryId < b.match.advisoryId ? -1 : a.match.advisoryId > b.match.advisoryId ? 1 : 0));
}

function page<T>(items: T[], token: string | undefined): { items: T[]; next: string | null } {
  const offset = offsetOf(token);
  const slice = items.slice(offset, offset + PAGE_SIZE);
  const next = offset + PAGE_SIZE < items.length ? Buffer.from(String(offset + PAGE_SIZE)).toString('base64url') : null;
  return { items: slice, next };
}

/** POST /v1/query: full records; `{}` when nothing matches, as api.osv.dev answers. */
export async function osvQuery(context: AppContext, query: OsvQuery): Promise<{ vulns?: OsvRecord[]; next_page_token?: string }> {
  const [matches] = await matchAll(context, [resolve(query, null)]);
  const { items, next } = page(matches!, query.page_token);
  // Documents only for the page answered, in the order matched.
  const docs = new Map((await findPublicDocs(context.db, items.map((match) => match.advisoryId))).map((row) => [row.id, row.public_doc]));
  const records = items.flatMap((match) => {
    const record = docs.has(match.advisoryId) ? osvRecordOf(reviveDocument(docs.get(match.advisoryId))) : null;
    return record ? [record] : [];
  });
  return { ...(records.length > 0 ? { vulns: records } : {}), ...(next ? { next_page_token: next } : {}) };
}

/** POST /v1/querybatch: ids and modified dates only, one result per query, in order. */
export async function osvQueryBatch(context: AppContext, queries: OsvQuery[]) {
  const resolved = queries.map((query, index) => resolve(query, index));
  const matches = await matchAll(context, resolved);
  return {
    results: matches.map((list, index) => {
      const { items, next } = page(list, queries[index]!.page_token);
      return {
        ...(items.length > 0 ? { vulns: items.map((match) => match.vuln) } : {}),
        ...(next ? { next_page_token: next } : {}),
      };
    }),
  };
}

/** GET /v1/vulns/{id}: by OSV id ("x_EMB-2026-0001") or our own; withdrawn ones too, marked. */
export async function osvVuln(context: AppContext, osvId: string): Promise<OsvRecord | null> {
  const row = await findPublicAdvisory(context.db, idFromOsvId(osvId));
  return row ? osvRecordOf(reviveDocument(row.public_doc)) : null;
}
