import type { AppContext } from '../../context.js';
import { decryptJson, encryptJson } from '../../platform/crypto/envelope.js';
import { AppError, validationFailed, type FieldProblem } from '../../platform/errors.js';
import type { Ecosystem } from '../policy/policy.schema.js';
import { scoreCvss } from '../triage/cvss.js';
import { isValidVersion } from '../triage/versions.js';
import { eventVersion, purlFor, sortEvents, type AffectedPackage, type Credit, type Cwe, type Reference, type VersionRange } from './advisory.types.js';

/**
 * The working copy of an advisory as the team edits it. It is stored encrypted, bound to its row: before
 * publication even the title is a secret, and the confidential details stay secret for ever. The public
 * document (advisory.document.ts) is built from it at publication and never holds confidentialDetails.
 */
export type AdvisoryContent = {
  title: string;
  summary: string;
  details: string;
  /** Team-only notes (exploit details, internal impact, contacts): never published, never exported. */
  confidentialDetails: string;
  cveId: string | null;
  aliases: string[];
  /** OSV `related` ids, kept from imported records; optional because older working copies lack it. */
  related?: string[];
  affected: AffectedPackage[];
  patchedVersions: string[];
  cwes: Cwe[];
  /** Canonical CVSS vectors; scores are derived when shown. */
  cvss31: string | null;
  cvss40: string | null;
  references: Reference[];
  credits: Credit[];
};

type Keys = Pick<AppContext, 'keyring'>;

export function sealAdvisoryContent(context: Keys, advisoryId: string, content: AdvisoryContent): string {
  return encryptJson(context.keyring.current, content, { table: 'advisories', column: 'content_enc', id: advisoryId });
}

export function openAdvisoryContent(context: Keys, advisoryId: string, envelope: string): AdvisoryContent {
  return decryptJson<AdvisoryContent>(context.keyring.lookup, envelope, { table: 'advisories', column: 'content_enc', id: advisoryId });
}

export function emptyContent(title: string): AdvisoryContent {
  return {
    title,
    summary: '',
    details: '',
    confidentialDetails: '',
    cveId: null,
    aliases: [],
    affected: [],
    patchedVersions: [],
    cwes: [],
    cvss31: null,
    cvss40: null,
    references: [],
    credits: [],
  };
}

export type AffectedInput = {
  ecosystem?: Ecosystem | undefined;
  package: string;
  purl?: string | undefined;
  ranges: VersionRange[];
  versions?: string[] | undefined;
};

/**
 * Checks what zod cannot: versions are versions of their ecosystem (PEP 440 for PyPI, SemVer for npm
 * and for SEMVER ranges), every range can be put in order and starts somewhere, purls match the package.
 * Returns the packages with their purls filled in, or throws VALIDATION_FAILED naming each problem.
 */
export function normaliseAffected(defaultEcosystem: Ecosystem, input: AffectedInput[]): AffectedPackage[] {
  const problems: FieldProblem[] = [];
  const out = input.map((entry, index): AffectedPackage => {
    const ecosystem = entry.ecosystem ?? defaultEcosystem;
    const at = `affected.${index}`;
    let purl = '';
    try {
      purl = purlFor(ecosystem, entry.package);
    } catch (error) {
      problems.push({ field: `${at}.package`, code: 'invalid_package', message: (error as Error).message });
    }
    if (entry.purl !== undefined && purl && entry.purl.replace(/@.*$/, '') !== purl) {
      problems.push({ field: `${at}.purl`, code: 'purl_mismatch', message: `the package URL of ${ecosystem} package "${entry.package}" is ${purl}` });
    }
    entry.ranges.forEach((range, rangeIndex) => problems.push(...rangeProblems(ecosystem, range, `${at}.ranges.${rangeIndex}`)));
    (entry.versions ?? []).forEach((version, versionIndex) => {
      if (ecosystem !== 'generic' && !isValidVersion(ecosystem, version)) {
        problems.push({ field: `${at}.versions.${versionIndex}`, code: 'invalid_version', message: `"${version}" is not a ${ecosystem} version` });
      }
    });
    const ranges = entry.ranges.map((range) => (rangeProblems(ecosystem, range, '').length === 0 ? { type: range.type, events: sortEvents(ecosystem, range.events, range.type) } : range));
    return { ecosystem, package: entry.package, purl, ranges, ...(entry.versions?.length ? { versions: [...new Set(entry.versions)] } : {}) };
  });
  if (problems.length > 0) throw validationFailed(problems, `The affected packages are not valid: ${problems.map((problem) => `${problem.field}: ${problem.message}`).join('; ')}`);
  return out;
}

function rangeProblems(ecosystem: Ecosystem, range: VersionRange, at: string): FieldProblem[] {
  // A SEMVER range is ordered by SemVer whatever the package's ecosystem.
  const scheme: Ecosystem = range.type === 'SEMVER' ? 'npm' : ecosystem;
  const problems: FieldProblem[] = [];
  range.events.forEach((event, index) => {
    const version = eventVersion(event);
    const isStart = 'introduced' in event && version === '0';
    if (!isStart && !isValidVersion(scheme, version)) {
      problems.push({ field: `${at}.events.${index}`, code: 'invalid_version', message: `"${version}" is not a ${range.type === 'SEMVER' ? 'SemVer' : ecosystem} version` });
    }
  });
  if (!range.events.some((event) => 'introduced' in event)) {
    problems.push({ field: `${at}.events`, code: 'missing_introduced', message: 'a range needs an "introduced" event ("0" for "since the first version")' });
  }
  // The OSV schema refuses a range that mixes both kinds of upper bound: use two ranges.
  if (range.events.some((event) => 'fixed' in event) && range.events.some((event) => 'last_affected' in event)) {
    problems.push({ field: `${at}.events`, code: 'mixed_bounds', message: 'a range has "fixed" or "last_affected" events, not both: split it in two ranges' });
  }
  const versions = range.events.map(eventVersion);
  const repeated = versions.find((version, index) => versions.indexOf(version) !== index);
  if (repeated !== undefined) problems.push({ field: `${at}.events`, code: 'duplicate_event', message: `"${repeated}" appears in two events` });
  return problems;
}

export function normaliseVersions(ecosystem: Ecosystem, versions: string[], field: string): string[] {
  const problems = versions.flatMap((version, index): FieldProblem[] =>
    ecosystem === 'generic' || isValidVersion(ecosystem, version) ? [] : [{ field: `${field}.${index}`, code: 'invalid_version', message: `"${version}" is not a ${ecosystem} version` }],
  );
  if (problems.length > 0) throw validationFailed(problems);
  return [...new Set(versions)];
}

/** The canonical vector, or INVALID_CVSS_VECTOR naming the field (as triage answers). */
export function canonicalVector(version: '3.1' | '4.0', field: string, vector: string | null): string | null {
  if (vector === null) return null;
  const result = scoreCvss(version, vector);
  if (!result.ok) {
    throw new AppError('INVALID_CVSS_VECTOR', `Invalid CVSS ${version} vector: ${result.reason}`, { fields: [{ field, code: 'invalid_cvss', message: result.reason }] });
  }
  return result.vector;
}

/** What publication needs; empty when the advisory can go public. */
export function publicationProblems(content: AdvisoryContent): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (!content.summary.trim() && !content.details.trim()) {
    problems.push({ field: 'summary', code: 'required', message: 'write a public summary or details' });
  }
  if (content.affected.length === 0) problems.push({ field: 'affected', code: 'required', message: 'name at least one affected package' });
  content.affected.forEach((entry, index) => {
    if (entry.ranges.length === 0 && !entry.versions?.length) {
      problems.push({ field: `affected.${index}`, code: 'required', message: `say which versions of ${entry.package} are affected (a range or a list of versions)` });
    }
  });
  return problems;
}
