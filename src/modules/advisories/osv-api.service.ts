import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { AppError, validationFailed } from '../../platform/errors.js';
import type { OsvRecord } from '../exports/osv.js';
import type { Ecosystem } from '../policy/policy.schema.js';
import { idFromOsvId, osvRecordOf } from './advisory.export.js';
import { reviveDocument } from './advisory.document.js';
import { findPublicAdvisory, findPublishedForPackages } from './advisory.repository.js';
import type { AdvisoryDocument } from './advisory.types.js';
import { ecosystemNamed, isAffected, packageKey, parsePurl } from './osv-query.js';

/**
 * OSV's query API (api.osv.dev/v1) over this instance's published advisories: same request and answer
 * shapes, same semantics. Withdrawn advisories are not matched (OSV leaves them out of query answers)
 * but stay readable by id. Drafts are never read: the package index is written at publication.
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

type Match = { doc: AdvisoryDocument; record: OsvRecord };

async function matchAll(context: AppContext, resolved: Resolved[]): Promise<Match[][]> {
  const keys = resolved.flatMap((item) => ('none' in item ? [] : [{ ecosystem: item.ecosystem, nameKey: item.nameKey }]));
  const rows = await findPublishedForPackages(context.db, [...new Map(keys.map((key) => [`${key.ecosystem}\n${key.nameKey}`, key])).values()]);
  const docs = new Map<string, Match | null>();
  const byKey = new Map<string, Match[]>();
  for (const row of rows) {
    if (!docs.has(row.id)) {
      const doc = reviveDocument(row.public_doc);
      const record = osvRecordOf(doc);
      docs.set(row.id, record ? { doc, record } : null);
    }
    const match = docs.get(row.id);
    if (!match) continue;
    const key = `${row.ecosystem}\n${row.name_key}`;
    byKey.set(key, [...(byKey.get(key) ?? []), match]);
  }
  return resolved.map((item) => {
    if ('none' in item) return [];
    const candidates = byKey.get(`${item.ecosystem}\n${item.nameKey}`) ?? [];
    return candidates.filter(({ doc }) =>
      doc.affected.some(
        (entry) => entry.ecosystem === item.ecosystem && packageKey(entry.ecosystem, entry.package) === item.nameKey && (item.version === null || isAffected(entry, item.version)),
      ),
    );
  });
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
  return { ...(items.length > 0 ? { vulns: items.map((match) => match.record) } : {}), ...(next ? { next_page_token: next } : {}) };
}

/** POST /v1/querybatch: ids and modified dates only, one result per query, in order. */
export async function osvQueryBatch(context: AppContext, queries: OsvQuery[]) {
  const resolved = queries.map((query, index) => resolve(query, index));
  const matches = await matchAll(context, resolved);
  return {
    results: matches.map((list, index) => {
      const { items, next } = page(list, queries[index]!.page_token);
      return {
        ...(items.length > 0 ? { vulns: items.map((match) => ({ id: match.record.id, modified: match.record.modified })) } : {}),
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
