import type { Ecosystem } from '../policy/policy.schema.js';
import { compareVersions } from '../triage/versions.js';

/**
 * A security advisory as Embargo publishes it: the public record every export format (OSV, CVE JSON 5,
 * CSAF) is derived from. Only public data belongs here; the confidential part of a report (reporter
 * identity when anonymous, proof of concept, private discussion) lives elsewhere and never reaches an
 * exporter, so an exporter cannot leak it.
 */
export type AdvisoryDocument = {
  /** Embargo's own identifier, e.g. EMB-2026-0001 (per-project prefix). */
  id: string;
  cveId: string | null;
  /** Other public identifiers of the same vulnerability (GHSA-..., PYSEC-...); not the CVE id. */
  aliases: string[];
  /** Ids of closely related but distinct vulnerabilities (OSV `related`); absent when there are none. */
  related?: string[];
  /**
   * Imported advisories only: the id exactly as the source published it ("PYSEC-2021-1", "GHSA-...",
   * or an "x_"-escaped one), served as is in OSV records. Our own ids have none: they are escaped
   * until their prefix is registered with OSV.
   */
  sourceId?: string;
  project: AdvisoryProject;
  /** One line: OSV `summary`, CVE `title`, CSAF `document.title`. */
  title: string;
  /** A short public paragraph (markdown). */
  summary: string;
  /** The full public write-up (markdown). */
  details: string;
  affected: AffectedPackage[];
  /** Versions users should upgrade to, across all packages (the per-package truth is in `fixed` events). */
  patchedVersions: string[];
  cwes: Cwe[];
  cvss31: CvssAssessment | null;
  cvss40: CvssAssessment | null;
  /** The project's policy severity level id ("high"), not a CVSS rating. */
  severity: string | null;
  references: Reference[];
  credits: Credit[];
  publishedAt: Date;
  modifiedAt: Date;
  withdrawnAt: Date | null;
  /** Numbered from 1 in publication order; CSAF requires the sequence to have no gaps. */
  revisions: Revision[];
  publisher: Publisher;
};

export type AdvisoryProject = { slug: string; name: string; url: string | null; ecosystem: Ecosystem };

export const RANGE_TYPES = ['ECOSYSTEM', 'SEMVER'] as const;
export type RangeType = (typeof RANGE_TYPES)[number];

/** OSV range events: introduced "0" means "since the first version". */
export type RangeEvent = { introduced: string } | { fixed: string } | { last_affected: string };
export type VersionRange = { type: RangeType; events: RangeEvent[] };

export type AffectedPackage = {
  ecosystem: Ecosystem;
  /** As the registry spells it: "pynomaly", "@acme/widgets", "group.id:artifact-id" for Maven. */
  package: string;
  purl: string;
  ranges: VersionRange[];
  /** Explicitly enumerated affected versions, when known. */
  versions?: string[];
};

export type Cwe = { id: string; name?: string };

/** A CVSS assessment as triage stored it: the canonical vector and the score scoreCvss gave it. */
export type CvssAssessment = { vector: string; score: number; severity: string };

export const REFERENCE_TYPES = ['ADVISORY', 'ARTICLE', 'FIX', 'PACKAGE', 'REPORT', 'WEB', 'EVIDENCE', 'INTRODUCED', 'DETECTION', 'DISCUSSION'] as const;
export type ReferenceType = (typeof REFERENCE_TYPES)[number];
export type Reference = { type: ReferenceType; url: string };

export const CREDIT_TYPES = [
  'FINDER',
  'REPORTER',
  'ANALYST',
  'COORDINATOR',
  'REMEDIATION_DEVELOPER',
  'REMEDIATION_REVIEWER',
  'REMEDIATION_VERIFIER',
  'TOOL',
  'SPONSOR',
  'OTHER',
] as const;
export type CreditType = (typeof CREDIT_TYPES)[number];

/**
 * `name: null` records a contribution whose author asked to stay anonymous (policy
 * `disclosure.credit: anonymous`): it is kept for the project's own records, and every exporter drops it,
 * since none of the formats can credit someone without a name.
 */
export type Credit = { name: string | null; type: CreditType; contact?: string[] };

export type Revision = { number: number; date: Date; summary: string };

export type Publisher = {
  name: string;
  /** https URL of the Embargo instance; CSAF's publisher namespace. */
  namespace: string;
  contactEmail: string;
  /** CSAF publisher category: a project answering for its own code is the vendor. */
  category: 'vendor' | 'coordinator' | 'other';
};

/**
 * The package URL (purl-spec) of a package, without version. PyPI names are normalised as PEP 503 and
 * the PyPI advisory database do ("jw.util" -> "jw-util"); npm scopes keep their "@" percent-encoded;
 * Go module paths keep their slashes; Maven names are "groupId:artifactId".
 */
export function purlFor(ecosystem: Ecosystem, name: string): string {
  const encode = (segment: string): string => encodeURIComponent(segment);
  switch (ecosystem) {
    case 'PyPI':
      return `pkg:pypi/${encode(name.toLowerCase().replace(/[-_.]+/g, '-'))}`;
    case 'npm': {
      const scoped = /^(@[^/]+)\/(.+)$/.exec(name);
      return scoped ? `pkg:npm/${encode(scoped[1]!)}/${encode(scoped[2]!)}` : `pkg:npm/${encode(name)}`;
    }
    case 'crates.io':
      return `pkg:cargo/${encode(name)}`;
    case 'Go':
      return `pkg:golang/${name.split('/').map(encode).join('/')}`;
    case 'Maven': {
      const [group, artifact, ...rest] = name.split(':');
      if (!group || !artifact || rest.length > 0) throw new RangeError(`a Maven package is "groupId:artifactId", got "${name}"`);
      return `pkg:maven/${encode(group)}/${encode(artifact)}`;
    }
    case 'generic':
      return `pkg:generic/${encode(name)}`;
  }
}

/** The version carried by an event, whatever its kind. */
export function eventVersion(event: RangeEvent): string {
  if ('introduced' in event) return event.introduced;
  if ('fixed' in event) return event.fixed;
  return event.last_affected;
}

/**
 * Range events in version order: PEP 440 for PyPI, SemVer for npm (and for any SEMVER range), the
 * ecosystem's order otherwise. "introduced: 0" (the beginning of time) sorts first. At equal versions
 * the original order is kept, since Array.prototype.sort is stable. Throws a RangeError when an event
 * holds something that is not a version of the ecosystem: no order would be right for it.
 */
export function sortEvents(ecosystem: Ecosystem, events: readonly RangeEvent[], rangeType: RangeType = 'ECOSYSTEM'): RangeEvent[] {
  const scheme: Ecosystem = rangeType === 'SEMVER' ? 'npm' : ecosystem;
  const isStart = (event: RangeEvent): boolean => 'introduced' in event && event.introduced === '0';
  return [...events].sort((a, b) => {
    if (isStart(a) || isStart(b)) return Number(isStart(b)) - Number(isStart(a));
    return compareVersions(scheme, eventVersion(a), eventVersion(b));
  });
}
