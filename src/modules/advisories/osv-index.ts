import { osvIdOf } from '../exports/osv.js';
import { timestamp } from '../exports/schema-validation.js';
import type { Ecosystem } from '../policy/policy.schema.js';
import { compareVersions, isValidVersion, versionSortKey } from '../triage/versions.js';
import { eventVersion, sortEvents, type AdvisoryDocument, type AffectedPackage, type RangeEvent, type VersionRange } from './advisory.types.js';
import { packageKey } from './osv-query.js';

/**
 * The OSV query API's index (advisory_packages) and what it decides: does a version of a package fall
 * in an advisory's affected ranges? Versions are compared in the ecosystem's own order (PEP 440 for
 * PyPI, SemVer for npm and for SEMVER ranges), never as text, following the OSV specification's
 * evaluation of range events. The index is written with the public document, so a query reads
 * neither documents nor unparsed versions: events carry sort keys (versionSortKey) computed once.
 */

/** One package of an advisory in the index: its key, the versions listed for it and its ranges, indexed. */
export type IndexedPackage = { ecosystem: Ecosystem; nameKey: string; listed: string[]; ranges: IndexedRange[] };

/** A public document as the index holds it: what an answer carries, and its packages. */
export type OsvIndex = {
  /** The id OSV records give it (osvIdOf) and their `modified` string. */
  osvId: string;
  modified: string;
  publishedAt: Date;
  withdrawn: boolean;
  packages: IndexedPackage[];
};

export function osvIndexOf(doc: AdvisoryDocument): OsvIndex {
  return { osvId: osvIdOf(doc), modified: timestamp(doc.modifiedAt), publishedAt: doc.publishedAt, withdrawn: doc.withdrawnAt !== null, packages: packageIndex(doc) };
}

/**
 * A range as the OSV query index stores it (advisory_packages.ranges): its events checked and put in
 * version order once, when the advisory is indexed, each as [type, versionSortKey], so that answering
 * a query parses only the query's own version. `events` is null when the range cannot be evaluated
 * (an event that is not a version of its scheme).
 */
export type IndexedRange = { scheme: Ecosystem; events: IndexedEvent[] | null };
/**
 * "i" introduced, "f" fixed, "l" last_affected. The key is "" for introduced "0" (before everything);
 * a version too large to key exactly has a null key and travels along, to be compared the slow way.
 */
export type IndexedEvent = ['i' | 'f' | 'l', string] | ['i' | 'f' | 'l', null, string];

function isStartEvent(event: RangeEvent): boolean {
  return 'introduced' in event && event.introduced === '0';
}

export function indexRange(ecosystem: Ecosystem, range: VersionRange): IndexedRange {
  const scheme: Ecosystem = range.type === 'SEMVER' ? 'npm' : ecosystem;
  // A range holding something that is not a version of its ecosystem (imported data) cannot be evaluated.
  if (range.events.some((event) => !isStartEvent(event) && !isValidVersion(scheme, eventVersion(event)))) return { scheme, events: null };
  let sorted: RangeEvent[];
  try {
    sorted = sortEvents(ecosystem, range.events, range.type);
  } catch {
    return { scheme, events: null };
  }
  const events = sorted.map((event): IndexedEvent => {
    const type = 'introduced' in event ? 'i' : 'fixed' in event ? 'f' : 'l';
    if (isStartEvent(event)) return [type, ''];
    const key = versionSortKey(scheme, eventVersion(event));
    return key === null ? [type, null, eventVersion(event)] : [type, key];
  });
  return { scheme, events };
}

/** A public document's packages for the OSV query index: one row per package key, its listed versions and indexed ranges. */
export function packageIndex(doc: Pick<AdvisoryDocument, 'affected'>): IndexedPackage[] {
  const index = new Map<string, IndexedPackage & { seen: Set<string> }>();
  for (const entry of doc.affected) {
    const nameKey = packageKey(entry.ecosystem, entry.package);
    const key = `${entry.ecosystem}\n${nameKey}`;
    const indexed = index.get(key) ?? { ecosystem: entry.ecosystem, nameKey, listed: [], ranges: [], seen: new Set<string>() };
    // Several entries for one package: affected if any entry is, so their lists and ranges add up.
    for (const version of entry.versions ?? []) {
      if (indexed.seen.has(version)) continue;
      indexed.seen.add(version);
      indexed.listed.push(version);
    }
    indexed.ranges.push(...entry.ranges.map((range) => indexRange(entry.ecosystem, range)));
    index.set(key, indexed);
  }
  return [...index.values()].map(({ seen: _seen, ...indexed }) => indexed);
}

/** Whether `version` is in one OSV range, per the specification's event evaluation. */
export function inRange(ecosystem: Ecosystem, range: VersionRange, version: string): boolean {
  return createVersionMatcher().inRanges([indexRange(ecosystem, range)], version);
}

/** The explicit versions list first (exact, as OSV does), then the ranges. */
export function isAffected(entry: AffectedPackage, version: string): boolean {
  if (entry.versions?.includes(version)) return true;
  return createVersionMatcher().inRanges(entry.ranges.map((range) => indexRange(entry.ecosystem, range)), version);
}

export type VersionMatcher = { inRanges(ranges: readonly IndexedRange[], version: string): boolean };

/**
 * Range evaluation for many questions at once (one batch of queries): the ranges carry their
 * events' sort keys, so only the queried versions are parsed, once each per batch.
 */
export function createVersionMatcher(): VersionMatcher {
  const queryKeys = new Map<string, string | null | false>();

  /** The query version's key; false when it is not a version of the scheme. */
  const keyOf = (scheme: Ecosystem, version: string): string | null | false => {
    const cacheKey = `${scheme}\n${version}`;
    let key = queryKeys.get(cacheKey);
    if (key === undefined) queryKeys.set(cacheKey, (key = isValidVersion(scheme, version) ? versionSortKey(scheme, version) : false));
    return key;
  };

  const inRange = (range: IndexedRange, version: string): boolean => {
    const queryKey = keyOf(range.scheme, version);
    if (queryKey === false || range.events === null) return false;
    let affected = false;
    for (const event of range.events) {
      if (event[0] === 'i' && event[1] === '') {
        affected = true;
        continue;
      }
      const order = compareToEvent(range.scheme, version, queryKey, event);
      if (event[0] === 'i') {
        if (order >= 0) affected = true;
      } else if (event[0] === 'f') {
        if (order >= 0) affected = false;
      } else if (order > 0) {
        affected = false;
      }
    }
    return affected;
  };

  return { inRanges: (ranges, version) => ranges.some((range) => inRange(range, version)) };
}

/** Keys compare as the versions do; a version too large to key is compared the slow way. */
function compareToEvent(scheme: Ecosystem, version: string, queryKey: string | null, event: IndexedEvent): number {
  const key = event[1];
  if (queryKey !== null && key !== null) return queryKey < key ? -1 : queryKey > key ? 1 : 0;
  return compareVersions(scheme, version, event[2] ?? eventKeyless(event));
}

function eventKeyless(event: IndexedEvent): string {
  // Only introduced "0" has the empty key, and it never gets here.
  throw new RangeError(`an indexed event without key or version: ${JSON.stringify(event)}`);
}
