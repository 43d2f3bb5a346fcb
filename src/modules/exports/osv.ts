import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';
import { purlFor, sortEvents, type AdvisoryDocument, type AffectedPackage } from '../advisories/advisory.types.js';
import { ExportError } from './export.errors.js';
import {
  DEFAULT_CORPUS_DIR,
  perCorpusDir,
  readCorpusJson,
  schemaIssues,
  timestamp,
  toResult,
  type ValidationIssue,
  type ValidationResult,
  type ValidatorOptions,
} from './schema-validation.js';

/** The OSV schema version the records follow (the spec's version at the time of writing). */
export const OSV_SCHEMA_VERSION = '1.7.4';
export const OSV_SCHEMA_FILE = 'osv-schema/validation/schema.json';

export type OsvEvent = { introduced: string } | { fixed: string } | { last_affected: string } | { limit: string };
export type OsvSeverity = { type: 'CVSS_V2' | 'CVSS_V3' | 'CVSS_V4' | 'Ubuntu'; score: string };
export type OsvRange = { type: 'GIT' | 'SEMVER' | 'ECOSYSTEM'; repo?: string; events: OsvEvent[]; database_specific?: Record<string, unknown> };
export type OsvAffected = {
  package?: { ecosystem: string; name: string; purl?: string };
  severity?: OsvSeverity[] | null;
  ranges?: OsvRange[];
  versions?: string[];
  ecosystem_specific?: Record<string, unknown>;
  database_specific?: Record<string, unknown>;
};
export type OsvRecord = {
  schema_version?: string;
  id: string;
  modified: string;
  published?: string;
  withdrawn?: string;
  aliases?: string[] | null;
  related?: string[];
  upstream?: string[];
  summary?: string;
  details?: string;
  severity?: OsvSeverity[] | null;
  affected?: OsvAffected[] | null;
  references?: { type: string; url: string }[] | null;
  credits?: { name: string; contact?: string[]; type?: string }[];
  database_specific?: Record<string, unknown>;
};

export type OsvExportOptions = {
  /**
   * The OSV schema accepts only ids whose prefix is a registered home database ("PYSEC-", "GHSA-", ...)
   * or the "x_" escape. Until the project's prefix is registered with OSV, ids are exported as
   * "x_EMB-2026-0001"; set this once the prefix is listed in the OSV schema. Imported advisories
   * (AdvisoryDocument.sourceId) always keep their original id.
   */
  idPrefixRegistered?: boolean;
};

/** The id an advisory has in OSV records: an imported one's own, ours escaped until the prefix is registered. */
export function osvIdOf(advisory: Pick<AdvisoryDocument, 'id' | 'sourceId'>, options: OsvExportOptions = {}): string {
  return advisory.sourceId ?? (options.idPrefixRegistered ? advisory.id : `x_${advisory.id}`);
}

export function toOsv(advisory: AdvisoryDocument, options: OsvExportOptions = {}): OsvRecord {
  const generic = advisory.affected.find((entry) => entry.ecosystem === 'generic');
  if (generic) {
    throw new ExportError('NOT_EXPRESSIBLE', 'osv', `OSV has no ecosystem for the generic package "${generic.package}": list it under a registry ecosystem`);
  }
  // An imported advisory keeps the id its source gave it: that id is already a valid OSV id.
  const id = osvIdOf(advisory, options);
  const aliases = [...(advisory.cveId ? [advisory.cveId] : []), ...advisory.aliases.filter((alias) => alias !== advisory.cveId)];
  const severity: OsvSeverity[] = [
    ...(advisory.cvss31 ? [{ type: 'CVSS_V3' as const, score: advisory.cvss31.vector }] : []),
    ...(advisory.cvss40 ? [{ type: 'CVSS_V4' as const, score: advisory.cvss40.vector }] : []),
  ];
  const credits = advisory.credits.flatMap((credit) =>
    credit.name === null ? [] : [{ name: credit.name, ...(credit.contact?.length ? { contact: credit.contact } : {}), type: credit.type }],
  );
  const record: OsvRecord = {
    schema_version: OSV_SCHEMA_VERSION,
    id,
    modified: timestamp(advisory.modifiedAt),
    published: timestamp(advisory.publishedAt),
    ...(advisory.withdrawnAt ? { withdrawn: timestamp(advisory.withdrawnAt) } : {}),
    ...(aliases.length > 0 ? { aliases } : {}),
    ...(advisory.related?.length ? { related: [...advisory.related] } : {}),
    summary: advisory.title,
    details: [advisory.summary, advisory.details].filter((text) => text.trim()).join('\n\n'),
    ...(severity.length > 0 ? { severity } : {}),
    affected: advisory.affected.map(osvAffected),
    references: advisory.references.map(({ type, url }) => ({ type, url })),
    ...(credits.length > 0 ? { credits } : {}),
    database_specific: {
      project: advisory.project.slug,
      ...(advisory.severity ? { severity: advisory.severity } : {}),
      ...(advisory.cwes.length > 0 ? { cwe_ids: advisory.cwes.map((cwe) => cwe.id) } : {}),
    },
  };
  return record;
}

function osvAffected(entry: AffectedPackage): OsvAffected {
  return {
    package: { ecosystem: entry.ecosystem, name: entry.package, purl: entry.purl || purlFor(entry.ecosystem, entry.package) },
    ranges: entry.ranges.map((range) => ({ type: range.type, events: sortEvents(entry.ecosystem, range.events, range.type) })),
    ...(entry.versions?.length ? { versions: entry.versions } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Validation: the official JSON Schema, then the offline checks of the OSV linter (tools/osv-linter),
// which catch records the schema lets through. The linter's PKG:001/PKG:002 (package and versions exist
// in the registry) need the network and are left to the linter itself.

const compileOsvSchema = perCorpusDir((corpusDir): ValidateFunction => {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormatsPlugin.default(ajv);
  return ajv.compile(readCorpusJson(corpusDir, OSV_SCHEMA_FILE));
});

/** Throws SchemaUnavailableError when the schema cannot be read. */
export function validateOsv(record: unknown, options: ValidatorOptions = {}): ValidationResult {
  const validate = compileOsvSchema(options.corpusDir ?? DEFAULT_CORPUS_DIR);
  const errors = validate(record) ? [] : schemaIssues(validate.errors);
  if (isObject(record)) errors.push(...lintOsv(record));
  return toResult(errors);
}

/** The linter's offline checks REC:001-004, RNG:001-002 and a syntactic PKG:003. */
export function lintOsv(record: Record<string, unknown>): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const affected = Array.isArray(record.affected) ? record.affected : [];
  if (record.withdrawn === undefined && affected.length === 0) {
    issues.push({ path: '/affected', rule: 'REC:001', message: 'affected field cannot be null or empty' });
  }
  const lists = { aliases: 'REC:002', upstream: 'REC:003', related: 'REC:004' } as const;
  for (const [field, rule] of Object.entries(lists)) {
    const ids = record[field];
    if (!Array.isArray(ids)) continue;
    if (new Set(ids).size !== ids.length) issues.push({ path: `/${field}`, rule, message: `${field} should not contain duplicate entries` });
    if (ids.includes(record.id)) issues.push({ path: `/${field}`, rule, message: `${field} should not contain the record's own id` });
  }
  affected.forEach((entry: unknown, index) => {
    if (!isObject(entry)) return;
    const purl = isObject(entry.package) ? entry.package.purl : undefined;
    // Type, namespace/name and optional qualifiers or subpath, but no "@version": OSV purls name a package.
    // eslint-disable-next-line security/detect-unsafe-regex -- linear: anchored, and the classes around each optional part exclude its delimiter (@ ? #)
    if (typeof purl === 'string' && !/^pkg:[a-z][a-z0-9.+-]*\/[^@?#]+(?:\?[^#]*)?(?:#.*)?$/i.test(purl)) {
      issues.push({ path: `/affected/${index}/package/purl`, rule: 'PKG:003', message: `"${purl}" is not a versionless package URL` });
    }
    const ranges = Array.isArray(entry.ranges) ? entry.ranges : [];
    ranges.forEach((range: unknown, rangeIndex) => {
      const events = isObject(range) && Array.isArray(range.events) ? range.events.filter(isObject) : [];
      const path = `/affected/${index}/ranges/${rangeIndex}/events`;
      if (!events.some((event) => 'introduced' in event)) issues.push({ path, rule: 'RNG:001', message: "missing 'introduced' object in event" });
      const seen = new Set<string>();
      for (const event of events) {
        const value = Object.values(event).find((item) => typeof item === 'string');
        if (value === undefined) continue;
        if (seen.has(value)) issues.push({ path, rule: 'RNG:002', message: `overlapping event: "${value}"` });
        seen.add(value);
      }
    });
  });
  return issues;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

