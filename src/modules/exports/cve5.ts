import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import { sortEvents, type AdvisoryDocument, type AffectedPackage, type Reference, type VersionRange } from '../advisories/advisory.types.js';
import type { Ecosystem } from '../policy/policy.schema.js';
import { cvss31Json, cvss40Json } from './cvss-json.js';
import { cweLabel } from './cwe.js';
import { CveIdRequiredError, ExportError } from './export.errors.js';
import {
  DEFAULT_CORPUS_DIR,
  perCorpusDir,
  readCorpusJson,
  schemaIssues,
  timestamp,
  toResult,
  type ValidationResult,
  type ValidatorOptions,
} from './schema-validation.js';

/**
 * CVE JSON 5.1 records for CVE Services. CVE Services owns cveMetadata and providerMetadata.dateUpdated
 * and overwrites them; what a CNA submits is the CNA container (see cveServicesBody). A withdrawn
 * advisory becomes a REJECTED record, which CVE Services takes through its reject endpoint.
 */

export const CVE5_SCHEMA_DIR = 'cve-json-5/cvelib/cvelib/schemas';

export type Cve5Options = { assignerOrgId: string; assignerShortName: string };
export type CveDescription = { lang: string; value: string; supportingMedia?: { type: string; base64: boolean; value: string }[] };
export type CveVersion = { version: string; status: 'affected' | 'unaffected' | 'unknown'; versionType?: string; lessThan?: string; lessThanOrEqual?: string };
export type CveAffected = {
  vendor: string;
  product: string;
  collectionURL?: string;
  packageName?: string;
  defaultStatus: 'affected' | 'unaffected' | 'unknown';
  versions?: CveVersion[];
};
export type CveProviderMetadata = { orgId: string; shortName: string; dateUpdated: string };
export type CnaPublishedContainer = {
  providerMetadata: CveProviderMetadata;
  title: string;
  datePublic: string;
  descriptions: CveDescription[];
  affected: CveAffected[];
  problemTypes?: { descriptions: { lang: string; type: 'CWE'; cweId: string; description: string }[] }[];
  metrics?: Record<string, unknown>[];
  solutions?: CveDescription[];
  references: { url: string; tags?: string[] }[];
  credits?: { lang: string; value: string; type: string }[];
  x_generator: { engine: string };
};
export type CnaRejectedContainer = { providerMetadata: CveProviderMetadata; rejectedReasons: CveDescription[] };
type Metadata = { cveId: string; assignerOrgId: string; assignerShortName: string; dateUpdated: string; datePublished: string };
export type Cve5Record =
  | { dataType: 'CVE_RECORD'; dataVersion: '5.1'; cveMetadata: Metadata & { state: 'PUBLISHED' }; containers: { cna: CnaPublishedContainer } }
  | { dataType: 'CVE_RECORD'; dataVersion: '5.1'; cveMetadata: Metadata & { state: 'REJECTED'; dateRejected: string }; containers: { cna: CnaRejectedContainer } };

// Package collections as the CVE schema lists them, so consumers can resolve packageName.
const COLLECTIONS: Partial<Record<Ecosystem, string>> = {
  PyPI: 'https://pypi.python.org',
  npm: 'https://registry.npmjs.org',
  'crates.io': 'https://crates.io',
  Go: 'https://pkg.go.dev',
  Maven: 'https://repo.maven.apache.org/maven2',
};
const VERSION_TYPES: Record<Ecosystem, string> = { PyPI: 'python', npm: 'semver', 'crates.io': 'semver', Go: 'semver', Maven: 'maven', generic: 'custom' };
const REFERENCE_TAGS: Partial<Record<Reference['type'], string>> = { FIX: 'patch', REPORT: 'issue-tracking', PACKAGE: 'product' };
const LIMITS = { title: 256, description: 4096, media: 16384 };

export function toCve5(advisory: AdvisoryDocument, options: Cve5Options): Cve5Record {
  if (!advisory.cveId) throw new CveIdRequiredError(advisory.id);
  const metadata: Metadata = {
    cveId: advisory.cveId,
    assignerOrgId: options.assignerOrgId,
    assignerShortName: options.assignerShortName,
    datePublished: timestamp(advisory.publishedAt),
    dateUpdated: timestamp(advisory.modifiedAt),
  };
  const providerMetadata = { orgId: options.assignerOrgId, shortName: options.assignerShortName, dateUpdated: timestamp(advisory.modifiedAt) };
  if (advisory.withdrawnAt) {
    const reason = `This CVE ID was withdrawn by its CNA: advisory ${advisory.id} ("${advisory.title}") was withdrawn on ${timestamp(advisory.withdrawnAt).slice(0, 10)}.`;
    return {
      dataType: 'CVE_RECORD',
      dataVersion: '5.1',
      cveMetadata: { ...metadata, state: 'REJECTED', dateRejected: timestamp(advisory.withdrawnAt) },
      containers: { cna: { providerMetadata, rejectedReasons: [{ lang: 'en', value: reason }] } },
    };
  }
  return {
    dataType: 'CVE_RECORD',
    dataVersion: '5.1',
    cveMetadata: { ...metadata, state: 'PUBLISHED' },
    containers: { cna: publishedContainer(advisory, providerMetadata) },
  };
}

/** The body of CVE Services' PUT/POST /cve/{id}/cna (or /reject for a rejected record). */
export function cveServicesBody(record: Cve5Record): { cnaContainer: CnaPublishedContainer | CnaRejectedContainer } {
  return { cnaContainer: record.containers.cna };
}

function publishedContainer(advisory: AdvisoryDocument, providerMetadata: CveProviderMetadata): CnaPublishedContainer {
  const markdown = [advisory.summary, advisory.details].filter((text) => text.trim()).join('\n\n');
  const value = advisory.summary.trim() || advisory.title;
  tooLong('title', advisory.title, LIMITS.title);
  tooLong('summary', value, LIMITS.description);
  tooLong('summary and details', markdown, LIMITS.media);
  const references = cveReferences(advisory);
  if (references.length === 0) throw new ExportError('NOT_EXPRESSIBLE', 'cve5', 'a CVE record needs at least one reference');
  if (advisory.affected.length === 0) throw new ExportError('NOT_EXPRESSIBLE', 'cve5', 'a CVE record needs at least one affected product');
  const metrics = cveMetrics(advisory);
  const solutions = advisory.affected.flatMap((entry) => {
    const fixed = entry.ranges.flatMap((range) => range.events.flatMap((event) => ('fixed' in event ? [event.fixed] : [])));
    return fixed.length > 0 ? [{ lang: 'en', value: `Upgrade ${entry.package} to ${[...new Set(fixed)].join(' or ')} or later.` }] : [];
  });
  const credits = advisory.credits.flatMap((credit) =>
    credit.name === null ? [] : [{ lang: 'en', value: credit.name, type: credit.type.toLowerCase().replaceAll('_', ' ') }],
  );
  return {
    providerMetadata,
    title: advisory.title,
    datePublic: timestamp(advisory.publishedAt),
    descriptions: [{ lang: 'en', value, ...(markdown ? { supportingMedia: [{ type: 'text/markdown', base64: false, value: markdown }] } : {}) }],
    affected: advisory.affected.map((entry) => cveAffected(advisory.project.name, entry)),
    ...(advisory.cwes.length > 0
      ? { problemTypes: [{ descriptions: advisory.cwes.map((cwe) => ({ lang: 'en', type: 'CWE' as const, cweId: cwe.id, description: cweLabel(cwe) })) }] }
      : {}),
    ...(metrics.length > 0 ? { metrics } : {}),
    ...(solutions.length > 0 ? { solutions } : {}),
    references,
    ...(credits.length > 0 ? { credits } : {}),
    x_generator: { engine: 'Embargo' },
  };
}

function tooLong(what: string, text: string, limit: number): void {
  if (text.length > limit) throw new ExportError('NOT_EXPRESSIBLE', 'cve5', `the ${what} exceeds the CVE limit of ${limit} characters`);
}

function cveAffected(vendor: string, entry: AffectedPackage): CveAffected {
  const collectionURL = COLLECTIONS[entry.ecosystem];
  const versions = entry.ranges.length > 0
    ? entry.ranges.flatMap((range) => cveVersions(entry.ecosystem, range))
    : (entry.versions ?? []).map((version): CveVersion => ({ version, status: 'affected' }));
  return {
    vendor,
    product: entry.package,
    ...(collectionURL ? { collectionURL, packageName: entry.package } : {}),
    // Without any version information the advisory says every version is affected.
    defaultStatus: versions.length > 0 ? 'unaffected' : 'affected',
    ...(versions.length > 0 ? { versions } : {}),
  };
}

/** OSV events as CVE version ranges: each introduced..fixed span becomes version/lessThan. */
function cveVersions(ecosystem: Ecosystem, range: VersionRange): CveVersion[] {
  const versionType = range.type === 'SEMVER' ? 'semver' : VERSION_TYPES[ecosystem];
  const out: CveVersion[] = [];
  let start: string | null = null;
  for (const event of sortEvents(ecosystem, range.events, range.type)) {
    if ('introduced' in event) {
      start = event.introduced;
    } else if ('fixed' in event) {
      out.push({ version: start ?? '0', status: 'affected', versionType, lessThan: event.fixed });
      start = null;
    } else {
      out.push({ version: start ?? '0', status: 'affected', versionType, lessThanOrEqual: event.last_affected });
      start = null;
    }
  }
  if (start !== null) out.push({ version: start, status: 'affected', versionType, lessThan: '*' });
  return out;
}

function cveReferences(advisory: AdvisoryDocument): { url: string; tags?: string[] }[] {
  const byUrl = new Map<string, Set<string>>();
  for (const reference of advisory.references) {
    const tags = byUrl.get(reference.url) ?? new Set<string>();
    const tag = reference.type === 'ADVISORY'
      ? isUnder(reference.url, advisory.publisher.namespace) ? 'vendor-advisory' : 'third-party-advisory'
      : REFERENCE_TAGS[reference.type];
    if (tag) tags.add(tag);
    byUrl.set(reference.url, tags);
  }
  return [...byUrl].map(([url, tags]) => (tags.size > 0 ? { url, tags: [...tags] } : { url }));
}

/** Whether `url` is the namespace itself or below it ("https://a.example" does not cover "https://a.example.evil"). */
function isUnder(url: string, namespace: string): boolean {
  const base = namespace.endsWith('/') ? namespace : `${namespace}/`;
  return url === namespace || url.startsWith(base);
}

function cveMetrics(advisory: AdvisoryDocument): Record<string, unknown>[] {
  const general = { format: 'CVSS', scenarios: [{ lang: 'en', value: 'GENERAL' }] };
  const metrics: Record<string, unknown>[] = [];
  if (advisory.cvss40) metrics.push({ ...general, cvssV4_0: cvss40Json(advisory.cvss40.vector) });
  if (advisory.cvss31) metrics.push({ ...general, cvssV3_1: cvss31Json(advisory.cvss31.vector) });
  if (metrics.length === 0 && advisory.severity) {
    metrics.push({ other: { type: 'Textual description of severity', content: { text: advisory.severity } } });
  }
  return metrics;
}

// ---------------------------------------------------------------------------------------------
// Validation against the bundled CVE Record Format 5.1.1 schema and the CNA container sub-schemas
// (what CVE Services checks a container against). They are draft-07, ajv's default dialect. Strict mode
// is off because the schema, legal as it is, trips ajv's strictness rules: it lists `required`
// properties declared only in sibling anyOf branches and uses `required` without `type: object`.
// Each schema gets its own Ajv: the sub-schemas repeat the bundled schema's nested $ids.

const compileCve5Schemas = perCorpusDir((corpusDir) => {
  const compile = (file: string): ValidateFunction => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormatsPlugin.default(ajv);
    return ajv.compile(readCorpusJson(corpusDir, `${CVE5_SCHEMA_DIR}/${file}`));
  };
  return {
    record: compile('CVE_JSON_bundled_5.1.1.json'),
    published: compile('CVE_JSON_cnaPublishedContainer_5.1.1.json'),
    rejected: compile('CVE_JSON_cnaRejectedContainer_5.1.1.json'),
  };
});

/** A full record: the bundled schema, then its CNA container against the matching sub-schema. */
export function validateCve5(record: unknown, options: ValidatorOptions = {}): ValidationResult {
  const schemas = compileCve5Schemas(options.corpusDir ?? DEFAULT_CORPUS_DIR);
  const errors = schemas.record(record) ? [] : schemaIssues(schemas.record.errors);
  const cna = (record as { containers?: { cna?: unknown } } | null)?.containers?.cna;
  if (cna !== undefined) {
    const state = (record as { cveMetadata?: { state?: unknown } }).cveMetadata?.state === 'REJECTED' ? 'rejected' : 'published';
    errors.push(...validateCnaContainer(cna, { ...options, state }).errors.map((issue) => ({ ...issue, path: `/containers/cna${issue.path === '/' ? '' : issue.path}` })));
  }
  // The bundled schema and the sub-schema see the same container: report each problem once.
  const unique = new Map(errors.map((issue) => [`${issue.path}\n${issue.message}`, issue]));
  return toResult([...unique.values()]);
}

/** A CNA container alone, as CVE Services receives it. */
export function validateCnaContainer(container: unknown, options: ValidatorOptions & { state?: 'published' | 'rejected' } = {}): ValidationResult {
  const validate = compileCve5Schemas(options.corpusDir ?? DEFAULT_CORPUS_DIR)[options.state ?? 'published'];
  return toResult(validate(container) ? [] : schemaIssues(validate.errors));
}
