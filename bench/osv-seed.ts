import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import type { AppContext } from '../src/context.js';
import { emptyContent, sealAdvisoryContent, type AdvisoryContent } from '../src/modules/advisories/advisory.content.js';
import { buildDocument, serializeDocument } from '../src/modules/advisories/advisory.document.js';
import type { AffectedPackage, RangeEvent, VersionRange } from '../src/modules/advisories/advisory.types.js';
import { purlFor } from '../src/modules/advisories/advisory.types.js';
import { osvIndexOf, type OsvIndex } from '../src/modules/advisories/osv-index.js';
import type { Ecosystem } from '../src/modules/policy/policy.schema.js';

/**
 * Published advisories shaped like an OSV mirror of PyPI and npm, in bulk: 40 % PyPI (PYSEC-style
 * ids, every affected version listed as the PyPI advisory database does), 60 % npm (GHSA-style ids,
 * SemVer ranges only, a third of the packages scoped). Packages are drawn with a skew (index = N·u²),
 * so a few packages carry hundreds of advisories, as django or lodash do, and most carry one or two.
 * Each row is what the import path writes for an imported advisory: sealed working copy, public
 * document and package index; rows are built by the app's own code and inserted with one statement
 * per chunk. Revisions and audit entries are left out: no query of the OSV API reads them.
 */

export const PYPI_PACKAGES = 6_000;
export const NPM_PACKAGES = 9_000;
const CHUNK = 4_000;

/** A small seeded generator (mulberry32): the same seed builds the same desk, so runs compare. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pypiPackage(index: number): string {
  return `bench-py-${index}`;
}

export function npmPackage(index: number): string {
  return index % 3 === 0 ? `@bench-scope-${index % 50}/pkg-${index}` : `bench-js-${index}`;
}

/** Skewed towards low indexes: index 0 gets about 1/sqrt(N) of all draws. */
export function skewedIndex(random: () => number, count: number): number {
  return Math.min(count - 1, Math.floor(count * random() ** 2));
}

const GHSA_ALPHABET = '23456789cfghjmpqrvwx';
function ghsaId(index: number): string {
  let rest = index + 1_000_000;
  let text = '';
  for (let i = 0; i < 12; i += 1) {
    text = GHSA_ALPHABET[rest % 20]! + text;
    rest = Math.floor(rest / 20);
  }
  return `GHSA-${text.slice(0, 4)}-${text.slice(4, 8)}-${text.slice(8)}`;
}

const WEAKNESSES = [
  ['Cross-site scripting', 'CWE-79'],
  ['SQL injection', 'CWE-89'],
  ['Path traversal', 'CWE-22'],
  ['Regular expression denial of service', 'CWE-1333'],
  ['Prototype pollution', 'CWE-1321'],
  ['Server-side request forgery', 'CWE-918'],
  ['Improper certificate validation', 'CWE-295'],
] as const;

function details(name: string, weakness: string, fixed: string): string {
  return [
    `${weakness} in ${name}.`,
    `Versions of ${name} before ${fixed} do not validate input that reaches a sensitive sink. An attacker who controls that input can make the application act on their behalf.`,
    '### Impact',
    'Applications that pass untrusted data to the affected function are exposed; others are not. Depending on the deployment this may disclose data, change it, or make the service unavailable.',
    '### Patches',
    `Upgrade to ${fixed} or later.`,
    '### Workarounds',
    'Validate or reject untrusted input before it reaches the affected function.',
  ].join('\n\n');
}

type Versions = { ranges: VersionRange[]; versions?: string[] };

/** One advisory's ranges: introduced at 0 or at a minor release, fixed in a later patch or minor. */
function rangesFor(random: () => number, ecosystem: Ecosystem): Versions {
  const major = Math.floor(random() * 5);
  const minor = Math.floor(random() * 12);
  const fixedPatch = 1 + Math.floor(random() * 9);
  const introduced = random() < 0.5 ? '0' : `${major}.${minor}.0`;
  const fixed = `${major}.${minor}.${fixedPatch}`;
  const events: RangeEvent[] = [{ introduced }, { fixed }];
  const ranges: VersionRange[] = [{ type: ecosystem === 'npm' ? 'SEMVER' : 'ECOSYSTEM', events }];
  if (ecosystem === 'npm' && random() < 0.15 && major > 0) {
    ranges.unshift({ type: 'SEMVER', events: [{ introduced: `${major - 1}.0.0` }, { fixed: `${major - 1}.${minor}.${fixedPatch}` }] });
  }
  if (ecosystem !== 'PyPI') return { ranges };
  // The PyPI advisory database lists every affected release: from the introduced minor (or a few
  // releases back, for "0") up to the fix.
  const versions: string[] = [];
  const fromMinor = introduced === '0' ? Math.max(0, minor - 3) : minor;
  for (let m = fromMinor; m <= minor; m += 1) {
    const last = m === minor ? fixedPatch - 1 : 9;
    for (let patch = 0; patch <= last; patch += 1) versions.push(`${major}.${m}.${patch}`);
  }
  return { ranges, versions };
}

export type SeedPackage = { ecosystem: Ecosystem; name: string; ranges: VersionRange[]; versions?: string[] };
export type OsvSeedFigures = { advisories: number; packages: number; seconds: number; pypi: number; npm: number; largestPackage: { name: string; advisories: number } };

type Row = { id: string; publicId: string; project: string; contentEnc: string; publishedAt: Date; doc: string; index: OsvIndex };

function buildRow(context: AppContext, random: () => number, index: number): { row: Row; affected: AffectedPackage[] } {
  const ecosystem: Ecosystem = random() < 0.4 ? 'PyPI' : 'npm';
  const project = context.policies.projects.find((candidate) => candidate.ecosystem === ecosystem) ?? context.policies.projects[0]!;
  const [weakness, cwe] = WEAKNESSES[index % WEAKNESSES.length]!;
  const names = [ecosystem === 'PyPI' ? pypiPackage(skewedIndex(random, PYPI_PACKAGES)) : npmPackage(skewedIndex(random, NPM_PACKAGES))];
  // One advisory in ten names a second package (a fork, a plugin).
  if (random() < 0.1) names.push(ecosystem === 'PyPI' ? pypiPackage(Math.floor(random() * PYPI_PACKAGES)) : npmPackage(Math.floor(random() * NPM_PACKAGES)));
  const affected: AffectedPackage[] = [...new Set(names)].map((name) => ({ ecosystem, package: name, purl: purlFor(ecosystem, name), ...rangesFor(random, ecosystem) }));
  const fixed = affected[0]!.ranges.at(-1)!.events.flatMap((event) => ('fixed' in event ? [event.fixed] : []))[0] ?? '1.0.0';
  const publicId = ecosystem === 'PyPI' ? `PYSEC-${2017 + (index % 9)}-${100_000 + index}` : ghsaId(index);
  const publishedAt = new Date(Date.UTC(2017, 0, 1) + Math.floor(random() * 9 * 365) * 86_400_000);
  const content: AdvisoryContent = {
    ...emptyContent(`${weakness} in ${names[0]}`),
    details: details(names[0]!, weakness, fixed),
    cveId: random() < 0.7 ? `CVE-${publishedAt.getUTCFullYear()}-${20_000 + index}` : null,
    aliases: ecosystem === 'PyPI' ? [ghsaId(index + 5_000_000)] : [],
    affected,
    patchedVersions: [fixed],
    cwes: [{ id: cwe }],
    references: [
      { type: 'ADVISORY', url: `https://github.com/advisories/${ghsaId(index)}` },
      { type: 'FIX', url: `https://github.com/example/${names[0]!.replace(/[@/]/g, '')}/commit/${index.toString(16).padStart(12, '0')}` },
      { type: 'PACKAGE', url: ecosystem === 'PyPI' ? `https://pypi.org/project/${names[0]}` : `https://www.npmjs.com/package/${names[0]}` },
    ],
  };
  const id = randomUUID();
  const doc = buildDocument(context, project, content, {
    id: publicId,
    severity: null,
    publishedAt,
    modifiedAt: publishedAt,
    withdrawnAt: null,
    revisions: [{ number: 1, date: publishedAt, summary: 'Imported from OSV.' }],
    sourceId: publicId,
  });
  return {
    row: {
      id,
      publicId,
      project: project.slug,
      contentEnc: sealAdvisoryContent(context, id, content),
      publishedAt,
      doc: serializeDocument(doc),
      index: osvIndexOf(doc),
    },
    affected,
  };
}

const INSERT_ADVISORIES = `
insert into advisories (id, public_id, project_slug, state, source, severity, content_enc, published_at, modified_at, public_doc, created_at, updated_at, revision)
select id, public_id, project_slug, 'published', 'imported', null, content_enc, published_at, published_at, public_doc::jsonb, now(), now(), 1
from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[]) as u(id, public_id, project_slug, content_enc, published_at, public_doc)
`;
const INSERT_PACKAGES = `
insert into advisory_packages (advisory_id, ecosystem, name_key, listed, ranges, osv_id, modified, published_at, withdrawn)
select advisory_id, ecosystem, name_key, listed::jsonb, ranges::jsonb, osv_id, modified, published_at, false
from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[])
  as u(advisory_id, ecosystem, name_key, listed, ranges, osv_id, modified, published_at)
`;

export type OsvSeed = { figures: OsvSeedFigures; packages: Map<string, SeedPackage[]> };

/**
 * Inserts `count` advisories numbered from `from` and adds, per package, the ranges written for it
 * to `into` (the queries are drawn from them). Building the next chunk overlaps inserting the previous one.
 */
export async function seedOsvAdvisories(context: AppContext, databaseUrl: string, count: number, from = 0, into: OsvSeed | null = null): Promise<OsvSeed> {
  const random = seededRandom(0x05f1 + from);
  const packages = into?.packages ?? new Map<string, SeedPackage[]>();
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const started = performance.now();
    let inserting: Promise<unknown> = Promise.resolve();
    let pypi = into?.figures.pypi ?? 0;
    for (let offset = from; offset < from + count; offset += CHUNK) {
      const rows: Row[] = [];
      for (let index = offset; index < Math.min(from + count, offset + CHUNK); index += 1) {
        const { row, affected } = buildRow(context, random, index);
        rows.push(row);
        if (affected[0]!.ecosystem === 'PyPI') pypi += 1;
        for (const entry of affected) {
          const key = `${entry.ecosystem}\n${entry.package}`;
          packages.set(key, [...(packages.get(key) ?? []), { ecosystem: entry.ecosystem, name: entry.package, ranges: entry.ranges, ...(entry.versions ? { versions: entry.versions } : {}) }]);
        }
      }
      await inserting;
      inserting = (async () => {
        await client.query('begin');
        await client.query(INSERT_ADVISORIES, [rows.map((r) => r.id), rows.map((r) => r.publicId), rows.map((r) => r.project), rows.map((r) => r.contentEnc), rows.map((r) => r.publishedAt), rows.map((r) => r.doc)]);
        // The same values replacePackages writes.
        const links = rows.flatMap((r) =>
          r.index.packages.map((p) => [r.id, p.ecosystem, p.nameKey, p.listed.length > 0 ? JSON.stringify(p.listed) : null, JSON.stringify(p.ranges), r.index.osvId, r.index.modified, r.index.publishedAt] as const),
        );
        await client.query(INSERT_PACKAGES, [0, 1, 2, 3, 4, 5, 6, 7].map((column) => links.map((link) => link[column])));
        await client.query('commit');
      })();
    }
    await inserting;
    const seconds = (performance.now() - started) / 1000 + (into?.figures.seconds ?? 0);
    const advisories = count + (into?.figures.advisories ?? 0);
    const largest = [...packages.entries()].reduce((best, entry) => (entry[1].length > best[1].length ? entry : best), ['', [] as SeedPackage[]]);
    return {
      figures: { advisories, packages: packages.size, seconds, pypi, npm: advisories - pypi, largestPackage: { name: largest[0].replace('\n', ' '), advisories: largest[1].length } },
      packages,
    };
  } finally {
    await client.end();
  }
}
