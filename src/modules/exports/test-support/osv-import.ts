import { CREDIT_TYPES, REFERENCE_TYPES, type AdvisoryDocument, type CreditType, type RangeEvent, type ReferenceType } from '../../advisories/advisory.types.js';
import { ECOSYSTEMS, type Ecosystem } from '../../policy/policy.schema.js';
import type { OsvRecord } from '../osv.js';

/**
 * Maps a published OSV record (e.g. from the PyPI advisory database) into an AdvisoryDocument, for
 * round-trip tests. What AdvisoryDocument cannot hold is dropped: GIT ranges, `limit` events, GIT
 * references and non-CVSS severities.
 */
export function advisoryFromOsv(record: OsvRecord, publisher: AdvisoryDocument['publisher']): AdvisoryDocument {
  const aliases = record.aliases ?? [];
  const affected = (record.affected ?? []).flatMap((entry) => {
    const ecosystem = entry.package?.ecosystem;
    if (!entry.package || !isEcosystem(ecosystem)) return [];
    const ranges = (entry.ranges ?? []).flatMap((range) =>
      range.type === 'ECOSYSTEM' || range.type === 'SEMVER'
        ? [{ type: range.type, events: range.events.filter((event): event is RangeEvent => !('limit' in event)) }]
        : [],
    );
    return [
      {
        ecosystem,
        package: entry.package.name,
        purl: entry.package.purl ?? '',
        ranges,
        ...(entry.versions ? { versions: entry.versions } : {}),
      },
    ];
  });
  const first = affected[0];
  const severity = (type: string) => record.severity?.find((item) => item.type === type)?.score;
  const v3 = severity('CVSS_V3');
  const v4 = severity('CVSS_V4');
  return {
    id: record.id,
    cveId: aliases.find((alias) => alias.startsWith('CVE-')) ?? null,
    aliases: aliases.filter((alias) => !alias.startsWith('CVE-')),
    project: { slug: first?.package.toLowerCase() ?? 'unknown', name: first?.package ?? 'unknown', url: null, ecosystem: first?.ecosystem ?? 'PyPI' },
    title: record.summary ?? record.id,
    summary: '',
    details: record.details ?? '',
    affected,
    patchedVersions: [],
    cwes: [],
    cvss31: v3 ? { vector: v3, score: 0, severity: 'unknown' } : null,
    cvss40: v4 ? { vector: v4, score: 0, severity: 'unknown' } : null,
    severity: null,
    references: (record.references ?? []).flatMap((reference) =>
      (REFERENCE_TYPES as readonly string[]).includes(reference.type) ? [{ type: reference.type as ReferenceType, url: reference.url }] : [],
    ),
    credits: (record.credits ?? []).map((credit) => ({
      name: credit.name,
      type: (CREDIT_TYPES as readonly string[]).includes(credit.type ?? '') ? (credit.type as CreditType) : 'OTHER',
      ...(credit.contact ? { contact: credit.contact } : {}),
    })),
    publishedAt: new Date(record.published ?? record.modified),
    modifiedAt: new Date(record.modified),
    withdrawnAt: record.withdrawn ? new Date(record.withdrawn) : null,
    revisions: [],
    publisher,
  };
}

function isEcosystem(value: string | undefined): value is Ecosystem {
  return (ECOSYSTEMS as readonly string[]).includes(value ?? '');
}
