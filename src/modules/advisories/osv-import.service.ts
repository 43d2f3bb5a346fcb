/* eslint-disable security/detect-non-literal-fs-filename -- the operator's import directory or archive, named on the command line */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { AppContext } from '../../context.js';
import type { AuditActor } from '../audit/audit.repository.js';
import { appendAudit } from '../audit/audit.repository.js';
import { validateOsv, type OsvRecord } from '../exports/osv.js';
import type { ProjectPolicy } from '../policy/policy.schema.js';
import { getProjectOrThrow } from '../reports/report.service.js';
import { isValidVersion } from '../triage/versions.js';
import { advisoryStream } from './advisory.access.js';
import { emptyContent, sealAdvisoryContent, type AdvisoryContent } from './advisory.content.js';
import { buildDocument, reviveDocument, serializeDocument } from './advisory.document.js';
import { idFromOsvId } from './advisory.export.js';
import { insertAdvisory, insertRevision, isPublicId, lockAdvisory, replacePackages, updateAdvisoryRow } from './advisory.repository.js';
import {
  CREDIT_TYPES,
  eventVersion,
  purlFor,
  REFERENCE_TYPES,
  sortEvents,
  type AdvisoryDocument,
  type AffectedPackage,
  type Credit,
  type CreditType,
  type RangeEvent,
  type Reference,
  type ReferenceType,
  type VersionRange,
} from './advisory.types.js';
import { ecosystemNamed } from './osv-query.js';
import { osvIndexOf } from './osv-index.js';
import { readZip } from './zip.js';
import { scoreCvss } from '../triage/cvss.js';

/**
 * `embargo import osv`: OSV records (JSON or YAML, from a directory tree or a ZIP such as OSV.dev's
 * all.zip) become published advisories of source "imported" in one project of the policy, keeping
 * their ids (served as the source spelled them, "PYSEC-2021-1", never "x_"-escaped), aliases, related
 * ids, affected ranges and versions and their published/modified dates. Imported
 * advisories are someone else's news: no outbox event (mail, webhooks) is written for them, and
 * reports are never linked. Re-importing is idempotent: a record whose `modified` date is newer than
 * the stored one updates the advisory with a new revision, anything else is left alone.
 *
 * What Embargo cannot represent is dropped with a warning rather than guessed at: GIT ranges (no
 * commit-level queries here), `limit` events, ranges whose events are not versions of the ecosystem
 * (they could not be ordered), packages of ecosystems Embargo does not know, `upstream`, CVSS 3.0
 * vectors. A record that fails the OSV schema, or that names no package of a known ecosystem,
 * is reported and skipped; the import goes on. The OSV linter's offline findings are warnings only.
 */

export type OsvSourceFile = { name: string; read(): string };
export type ImportProblem = { file: string; id?: string; problems: string[] };
export type OsvImportProgress = { total: number; done: number; created: number; updated: number; unchanged: number; invalid: number };
export type OsvImportResult = OsvImportProgress & { errors: ImportProblem[]; warnings: ImportProblem[] };
export type OsvImportOptions = { project: string; progressEvery?: number; onProgress?: (progress: OsvImportProgress) => void };

const IMPORT_ACTOR: AuditActor = { type: 'cli', id: null, name: 'embargo import osv' };
const RECORD_EXTENSIONS = /\.(json|ya?ml)$/i;

/** The OSV files under a directory (recursively, sorted) or inside a ZIP archive; throws ZipError for an archive it cannot read. */
export function osvSourceFiles(location: string): OsvSourceFile[] {
  const stat = statSync(location);
  if (stat.isDirectory()) {
    const files: OsvSourceFile[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
        if (entry.name.startsWith('.')) continue;
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (entry.isFile() && RECORD_EXTENSIONS.test(entry.name)) files.push({ name: path.relative(location, full), read: () => readFileSync(full, 'utf8') });
      }
    };
    walk(location);
    return files;
  }
  const entries = readZip(readFileSync(location)).filter((entry) => RECORD_EXTENSIONS.test(entry.name));
  // Every record is inflated and checked once before anything is imported: a damaged archive imports
  // nothing, rather than the records that happen to come before the damage.
  for (const entry of entries) entry.read();
  return entries.map((entry) => ({ name: entry.name, read: () => entry.read().toString('utf8') }));
}

/** Parses one file: JSON for .json, YAML otherwise (YAML 1.2 core schema: timestamps stay strings). */
export function parseOsvFile(name: string, text: string): unknown {
  return /\.json$/i.test(name) ? JSON.parse(text) : parseYaml(text);
}

export type ConvertedRecord = {
  /** The advisory's public id: the record's id without an "x_" escape. */
  id: string;
  /** The record's id as published, served back unchanged in OSV records. */
  sourceId: string;
  content: AdvisoryContent;
  publishedAt: Date;
  modifiedAt: Date;
  withdrawnAt: Date | null;
  warnings: string[];
};

const CVE_ID = /^CVE-\d{4}-\d{4,}$/;

/** A schema-valid OSV record as an advisory's content and dates; throws with the reason when nothing usable is left. */
export function convertOsvRecord(record: OsvRecord): ConvertedRecord {
  const warnings: string[] = [];
  const id = idFromOsvId(record.id);
  if (!isPublicId(id)) throw new Error(`the id "${record.id}" cannot be used as an advisory id`);
  const affected: AffectedPackage[] = [];
  (record.affected ?? []).forEach((entry, index) => {
    const pkg = entry.package;
    if (!pkg) return void warnings.push(`affected[${index}]: no package (GIT-only entries are not kept)`);
    const ecosystem = ecosystemNamed(pkg.ecosystem.split(':')[0]!);
    if (!ecosystem || ecosystem === 'generic') return void warnings.push(`affected[${index}]: ecosystem "${pkg.ecosystem}" is not one Embargo knows`);
    let purl: string;
    try {
      purl = purlFor(ecosystem, pkg.name);
    } catch (error) {
      return void warnings.push(`affected[${index}]: ${(error as Error).message}`);
    }
    const ranges: VersionRange[] = [];
    (entry.ranges ?? []).forEach((range, rangeIndex) => {
      const where = `affected[${index}].ranges[${rangeIndex}]`;
      if (range.type === 'GIT') return void warnings.push(`${where}: GIT range not kept`);
      const scheme = range.type === 'SEMVER' ? 'npm' : ecosystem;
      const events: RangeEvent[] = [];
      for (const event of range.events) {
        if ('limit' in event) warnings.push(`${where}: "limit" event not kept`);
        else events.push({ ...event } as RangeEvent);
      }
      const bad = events.find((event) => !('introduced' in event && event.introduced === '0') && !isValidVersion(scheme, eventVersion(event)));
      if (bad) return void warnings.push(`${where}: "${eventVersion(bad)}" is not a ${range.type === 'SEMVER' ? 'SemVer' : ecosystem} version; range not kept`);
      if (!events.some((event) => 'introduced' in event)) return void warnings.push(`${where}: no "introduced" event; range not kept`);
      ranges.push({ type: range.type, events: sortEvents(ecosystem, events, range.type) });
    });
    // Listed versions are matched exactly, so they are kept as published, PEP 440 or not.
    const versions = [...new Set((entry.versions ?? []).map(String))];
    // Kept even so: the advisory stays readable by id and names the package, though no version can match it.
    if (ranges.length === 0 && versions.length === 0) warnings.push(`affected[${index}]: no usable range or version for ${pkg.name}: no version will be reported affected`);
    affected.push({ ecosystem, package: pkg.name, purl, ranges, ...(versions.length > 0 ? { versions } : {}) });
  });
  if (affected.length === 0 && !record.withdrawn) throw new Error('no affected package Embargo can represent');

  const aliases = [...new Set(record.aliases ?? [])];
  const related = [...new Set(record.related ?? [])].filter((other) => other !== record.id);
  if ((record.upstream ?? []).length > 0) warnings.push('"upstream" ids not kept');
  const cveId = CVE_ID.test(record.id) ? null : (aliases.find((alias) => CVE_ID.test(alias)) ?? null);
  const firstLine = (record.details ?? '').trim().split('\n')[0]!.replace(/[*_`#]/g, '').trim();
  const title = record.summary?.trim() || (firstLine ? (firstLine.length > 120 ? `${firstLine.slice(0, 117)}...` : firstLine) : id);
  const vector = (type: string, prefix: string) => {
    const score = (record.severity ?? []).find((item) => item.type === type && item.score.startsWith(prefix))?.score;
    if (!score) return null;
    const scored = scoreCvss(prefix === 'CVSS:3.1/' ? '3.1' : '4.0', score);
    return scored.ok ? scored.vector : null;
  };
  if ((record.severity ?? []).some((item) => item.type === 'CVSS_V3' && item.score.startsWith('CVSS:3.0/'))) warnings.push('CVSS 3.0 vector not kept (only 3.1 and 4.0 are)');
  const cweIds = record.database_specific?.cwe_ids;
  const references: Reference[] = (record.references ?? []).map((reference) => ({
    type: ((REFERENCE_TYPES as readonly string[]).includes(reference.type) ? reference.type : 'WEB') as ReferenceType,
    url: reference.url,
  }));
  const credits: Credit[] = (record.credits ?? []).map((credit) => ({
    name: credit.name,
    type: ((CREDIT_TYPES as readonly string[]).includes(credit.type ?? '') ? credit.type : 'OTHER') as CreditType,
    ...(credit.contact?.length ? { contact: credit.contact } : {}),
  }));
  const patched = affected.flatMap((entry) => entry.ranges.flatMap((range) => range.events.flatMap((event) => ('fixed' in event ? [event.fixed] : []))));
  const content: AdvisoryContent = {
    ...emptyContent(title),
    details: record.details ?? '',
    // A record with neither would be refused by publication: the title stands in as the public summary.
    summary: record.details?.trim() ? '' : title,
    cveId,
    aliases: aliases.filter((alias) => alias !== cveId && alias !== id && alias !== record.id),
    ...(related.length > 0 ? { related } : {}),
    affected,
    patchedVersions: [...new Set(patched)],
    cwes: Array.isArray(cweIds) ? cweIds.filter((cwe): cwe is string => typeof cwe === 'string' && /^CWE-\d+$/.test(cwe)).map((cwe) => ({ id: cwe })) : [],
    cvss31: vector('CVSS_V3', 'CVSS:3.1/'),
    cvss40: vector('CVSS_V4', 'CVSS:4.0/'),
    references,
    credits,
  };
  const modifiedAt = new Date(record.modified);
  return {
    id,
    sourceId: record.id,
    content,
    publishedAt: record.published ? new Date(record.published) : modifiedAt,
    modifiedAt,
    withdrawnAt: record.withdrawn ? new Date(record.withdrawn) : null,
    warnings,
  };
}

type Outcome = 'created' | 'updated' | 'unchanged';

/** Imports records into a project; invalid records are collected in `errors`, never thrown. */
export async function importOsv(context: AppContext, files: OsvSourceFile[], options: OsvImportOptions): Promise<OsvImportResult> {
  const project = getProjectOrThrow(context, options.project);
  const every = Math.max(1, options.progressEvery ?? 100);
  const result: OsvImportResult = { total: files.length, done: 0, created: 0, updated: 0, unchanged: 0, invalid: 0, errors: [], warnings: [] };
  const progress = (): OsvImportProgress => ({ total: result.total, done: result.done, created: result.created, updated: result.updated, unchanged: result.unchanged, invalid: result.invalid });
  for (const file of files) {
    let id: string | undefined;
    try {
      const record = parseOsvFile(file.name, file.read());
      id = typeof (record as { id?: unknown })?.id === 'string' ? (record as { id: string }).id : undefined;
      // The schema decides; the linter's offline findings (e.g. RNG:002, an event repeated) are reported as warnings.
      const issues = validateOsv(record).errors;
      const schemaErrors = issues.filter((issue) => issue.rule === 'schema');
      if (schemaErrors.length > 0) throw new InvalidRecord(schemaErrors.slice(0, 10).map((issue) => `${issue.path || '/'}: ${issue.message}`));
      const converted = convertOsvRecord(record as OsvRecord);
      const warnings = [...issues.map((issue) => `${issue.rule} ${issue.path}: ${issue.message}`), ...converted.warnings];
      if (warnings.length > 0) result.warnings.push({ file: file.name, ...(id ? { id } : {}), problems: warnings });
      const outcome = await storeImported(context, project, converted);
      result[outcome] += 1;
    } catch (error) {
      result.invalid += 1;
      result.errors.push({ file: file.name, ...(id ? { id } : {}), problems: error instanceof InvalidRecord ? error.problems : [(error as Error).message] });
    }
    result.done += 1;
    if (options.onProgress && (result.done % every === 0 || result.done === result.total)) options.onProgress(progress());
  }
  return result;
}

class InvalidRecord extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
  }
}

async function storeImported(context: AppContext, project: ProjectPolicy, converted: ConvertedRecord): Promise<Outcome> {
  const now = context.clock.now();
  return context.db.transaction().execute(async (trx): Promise<Outcome> => {
    const existing = await lockAdvisory(trx, converted.id);
    const state = converted.withdrawnAt ? 'withdrawn' : 'published';
    if (!existing) {
      const id = randomUUID();
      const revision = { number: 1, date: converted.publishedAt, summary: 'Imported from OSV.' };
      const doc = documentFor(context, project, converted, [revision]);
      const json = serializeDocument(doc);
      await insertAdvisory(trx, {
        id,
        public_id: converted.id,
        project_slug: project.slug,
        state,
        source: 'imported',
        severity: null,
        content_enc: sealAdvisoryContent(context, id, converted.content),
        published_at: converted.publishedAt,
        modified_at: converted.modifiedAt,
        withdrawn_at: converted.withdrawnAt,
        public_doc: json,
        created_by: null,
        created_at: now,
        updated_at: now,
        revision: 1,
      });
      await insertRevision(trx, { advisoryId: id, number: 1, date: revision.date, summary: revision.summary, document: json });
      await replacePackages(trx, id, osvIndexOf(doc));
      await appendAudit(trx, { stream: advisoryStream({ id }), actor: IMPORT_ACTOR, action: 'advisory.imported', data: { id: converted.id, project: project.slug, source: 'osv' }, at: now });
      return 'created';
    }
    if (existing.source !== 'imported') throw new Error(`${converted.id} is an advisory of this instance, not an imported one: not overwritten`);
    if (existing.project_slug !== project.slug) throw new Error(`${converted.id} was imported into project "${existing.project_slug}", not "${project.slug}"`);
    if (existing.modified_at && existing.modified_at.getTime() >= converted.modifiedAt.getTime()) return 'unchanged';
    const old = reviveDocument(existing.public_doc);
    const revision = { number: old.revisions.length + 1, date: converted.modifiedAt, summary: 'Updated from OSV.' };
    const doc = documentFor(context, project, converted, [...old.revisions, revision]);
    const json = serializeDocument(doc);
    await updateAdvisoryRow(trx, existing.id, {
      state,
      content_enc: sealAdvisoryContent(context, existing.id, converted.content),
      published_at: converted.publishedAt,
      modified_at: converted.modifiedAt,
      withdrawn_at: converted.withdrawnAt,
      public_doc: json,
      updated_at: now,
      revision: existing.revision + 1,
    });
    await insertRevision(trx, { advisoryId: existing.id, number: revision.number, date: revision.date, summary: revision.summary, document: json });
    await replacePackages(trx, existing.id, osvIndexOf(doc));
    await appendAudit(trx, { stream: advisoryStream(existing), actor: IMPORT_ACTOR, action: 'advisory.import_updated', data: { revision: revision.number }, at: now });
    return 'updated';
  });
}

function documentFor(context: AppContext, project: ProjectPolicy, converted: ConvertedRecord, revisions: AdvisoryDocument['revisions']): AdvisoryDocument {
  return buildDocument(context, project, converted.content, {
    id: converted.id,
    severity: null,
    publishedAt: converted.publishedAt,
    modifiedAt: converted.modifiedAt,
    withdrawnAt: converted.withdrawnAt,
    revisions,
    sourceId: converted.sourceId,
  });
}
