import { purlFor, sortEvents, type AdvisoryDocument, type AffectedPackage, type CreditType, type ReferenceType, type Revision } from '../advisories/advisory.types.js';
import type { Ecosystem } from '../policy/policy.schema.js';
import { cvss31Json, cvss40Summary, type CvssJson } from './cvss-json.js';
import { cweLabel, officialCweName } from './cwe.js';
import { timestamp } from './schema-validation.js';

/**
 * CSAF 2.0 `csaf_security_advisory` documents. One advisory is one vulnerability. Affected ranges become
 * `product_version_range` branches named with vers strings ("vers:pypi/<0.4.3"), fixed versions become
 * `product_version` branches with a versioned purl. CSAF 2.0 knows CVSS v2 and v3 only, so CVSS 4.0 goes
 * into a vulnerability note; it has a single `cwe`, so further CWEs go into a note too.
 */

export type CsafNote = { category: 'description' | 'details' | 'faq' | 'general' | 'legal_disclaimer' | 'other' | 'summary'; text: string; title?: string };
export type CsafReference = { category: 'external' | 'self'; summary: string; url: string };
export type CsafAcknowledgment = { names?: string[]; organization?: string; summary?: string; urls?: string[] };
export type CsafProduct = { name: string; product_id: string; product_identification_helper?: { purl: string } };
export type CsafBranch = { category: string; name: string } & ({ branches: CsafBranch[] } | { product: CsafProduct });
export type CsafRemediation = { category: 'vendor_fix' | 'none_available'; details: string; product_ids: string[]; url?: string };
export type CsafVulnerability = {
  title: string;
  cve?: string;
  cwe?: { id: string; name: string };
  ids: { system_name: string; text: string }[];
  notes: CsafNote[];
  release_date: string;
  product_status: { known_affected: string[]; fixed?: string[] };
  scores?: { cvss_v3: CvssJson<'3.1'>; products: string[] }[];
  remediations: CsafRemediation[];
  references?: CsafReference[];
  acknowledgments?: CsafAcknowledgment[];
};
export type CsafDocument = {
  document: {
    category: 'csaf_security_advisory';
    csaf_version: '2.0';
    lang: 'en';
    title: string;
    publisher: { category: 'vendor' | 'coordinator' | 'other'; name: string; namespace: string; contact_details: string };
    tracking: {
      id: string;
      status: 'final' | 'interim';
      version: string;
      initial_release_date: string;
      current_release_date: string;
      revision_history: { date: string; number: string; summary: string }[];
      generator: { engine: { name: string } };
    };
    distribution: { tlp: { label: 'WHITE'; url: string } };
    aggregate_severity?: { text: string };
    notes: CsafNote[];
  };
  product_tree: { branches: CsafBranch[] };
  vulnerabilities: CsafVulnerability[];
};

const PURL_TYPES: Record<Ecosystem, string> = { PyPI: 'pypi', npm: 'npm', 'crates.io': 'cargo', Go: 'golang', Maven: 'maven', generic: 'generic' };
const REFERENCE_SUMMARIES: Record<ReferenceType, string> = {
  ADVISORY: 'Advisory', ARTICLE: 'Article', FIX: 'Fix', PACKAGE: 'Package', REPORT: 'Report', WEB: 'Web page',
  EVIDENCE: 'Evidence', INTRODUCED: 'Change that introduced the vulnerability', DETECTION: 'Detection', DISCUSSION: 'Discussion',
};
const CREDIT_SUMMARIES: Record<CreditType, string> = {
  FINDER: 'Found the vulnerability', REPORTER: 'Reported the vulnerability', ANALYST: 'Analysed the vulnerability',
  COORDINATOR: 'Coordinated the disclosure', REMEDIATION_DEVELOPER: 'Developed the fix', REMEDIATION_REVIEWER: 'Reviewed the fix',
  REMEDIATION_VERIFIER: 'Verified the fix', TOOL: 'Tool used to find the vulnerability', SPONSOR: 'Supported the work', OTHER: 'Contributed',
};

/** The CSAF file-name rule (section 5.1): lower case, runs outside [+\-a-z0-9] become "_", then ".json". */
export function csafFileName(trackingId: string): string {
  return `${trackingId.toLowerCase().replace(/[^+\-a-z0-9]+/g, '_')}.json`;
}

export function toCsaf(advisory: AdvisoryDocument): CsafDocument {
  const products = productTree(advisory);
  const revisions = revisionHistory(advisory);
  const latest = revisions.at(-1)!;
  const lastChange = Math.max(advisory.modifiedAt.getTime(), latest.date.getTime(), advisory.withdrawnAt?.getTime() ?? 0);
  const unfixed = products.packages.some((entry) => entry.fixed.length === 0);
  const documentNotes: CsafNote[] = [{ category: 'summary', title: 'Summary', text: advisory.summary.trim() || advisory.title }];
  if (advisory.withdrawnAt) {
    const date = timestamp(advisory.withdrawnAt).slice(0, 10);
    documentNotes.push({ category: 'general', title: 'Withdrawn', text: `This advisory was withdrawn on ${date}. Its content is kept for reference only.` });
  }
  return {
    document: {
      category: 'csaf_security_advisory',
      csaf_version: '2.0',
      lang: 'en',
      title: advisory.title,
      publisher: {
        category: advisory.publisher.category,
        name: advisory.publisher.name,
        namespace: advisory.publisher.namespace,
        contact_details: advisory.publisher.contactEmail,
      },
      tracking: {
        id: advisory.id,
        // An advisory still waiting for a fix will change: CSAF calls that interim.
        status: unfixed && !advisory.withdrawnAt ? 'interim' : 'final',
        version: String(latest.number),
        initial_release_date: timestamp(advisory.publishedAt),
        current_release_date: timestamp(new Date(lastChange)),
        revision_history: revisions.map((revision) => ({ date: timestamp(revision.date), number: String(revision.number), summary: revision.summary })),
        generator: { engine: { name: 'Embargo' } },
      },
      distribution: { tlp: { label: 'WHITE', url: 'https://www.first.org/tlp/' } },
      ...(advisory.severity ? { aggregate_severity: { text: advisory.severity } } : {}),
      notes: documentNotes,
    },
    product_tree: { branches: products.branches },
    vulnerabilities: [vulnerability(advisory, products.packages)],
  };
}

function revisionHistory(advisory: AdvisoryDocument): Revision[] {
  const revisions = [...advisory.revisions].sort((a, b) => a.number - b.number);
  return revisions.length > 0 ? revisions : [{ number: 1, date: advisory.publishedAt, summary: 'Initial public release.' }];
}

type PackageProducts = { entry: AffectedPackage; affected: string[]; fixed: string[]; fixedVersions: string[] };

function productTree(advisory: AdvisoryDocument): { branches: CsafBranch[]; packages: PackageProducts[] } {
  let counter = 0;
  const nextId = (): string => `CSAFPID-${String(++counter).padStart(4, '0')}`;
  const packages: PackageProducts[] = [];
  const branches = advisory.affected.map((entry): CsafBranch => {
    const products: PackageProducts = { entry, affected: [], fixed: [], fixedVersions: [] };
    const purl = entry.purl || purlFor(entry.ecosystem, entry.package);
    packages.push(products);
    const children: CsafBranch[] = [];
    const leaf = (category: string, name: string, productName: string, helperPurl?: string): CsafBranch => {
      const product_id = nextId();
      return { category, name, product: { name: productName, product_id, ...(helperPurl ? { product_identification_helper: { purl: helperPurl } } : {}) } };
    };
    for (const range of entry.ranges) {
      const events = sortEvents(entry.ecosystem, range.events, range.type);
      for (const constraint of versConstraints(events)) {
        const vers = `vers:${PURL_TYPES[entry.ecosystem]}/${constraint}`;
        const branch = leaf('product_version_range', vers, `${entry.package} ${constraint === '*' ? '(all versions)' : constraint}`);
        products.affected.push(productId(branch));
        children.push(branch);
      }
      for (const event of events) if ('fixed' in event && !products.fixedVersions.includes(event.fixed)) products.fixedVersions.push(event.fixed);
    }
    if (entry.ranges.length === 0) {
      for (const version of entry.versions ?? []) {
        const branch = leaf('product_version', version, `${entry.package} ${version}`, `${purl}@${encodeURIComponent(version)}`);
        products.affected.push(productId(branch));
        children.push(branch);
      }
    }
    for (const version of products.fixedVersions) {
      const branch = leaf('product_version', version, `${entry.package} ${version}`, `${purl}@${encodeURIComponent(version)}`);
      products.fixed.push(productId(branch));
      children.push(branch);
    }
    if (children.length === 0) {
      // Nothing narrower is known: the advisory is about every version of the package.
      const branch = leaf('product_name', entry.package, entry.package, purl);
      products.affected.push(productId(branch));
      return branch;
    }
    return { category: 'product_name', name: entry.package, branches: children };
  });
  return { branches: [{ category: 'vendor', name: advisory.project.name, branches }], packages };
}

function productId(branch: CsafBranch): string {
  if (!('product' in branch)) throw new Error('unreachable: a leaf branch always holds a product');
  return branch.product.product_id;
}

/** Sorted OSV events as vers constraints, one per affected span: ">=1.0|<1.4", "<0.4.3", "*". */
function versConstraints(events: ReturnType<typeof sortEvents>): string[] {
  const spans: string[] = [];
  let start: string | null = null;
  let open = false;
  const lower = (): string[] => (start !== null && start !== '0' ? [`>=${start}`] : []);
  for (const event of events) {
    if ('introduced' in event) {
      start = event.introduced;
      open = true;
    } else {
      const upper = 'fixed' in event ? `<${event.fixed}` : `<=${event.last_affected}`;
      spans.push([...lower(), upper].join('|'));
      start = null;
      open = false;
    }
  }
  if (open) spans.push(lower().join('|') || '*');
  return spans;
}

function vulnerability(advisory: AdvisoryDocument, packages: PackageProducts[]): CsafVulnerability {
  const affected = packages.flatMap((entry) => entry.affected);
  const fixed = packages.flatMap((entry) => entry.fixed);
  // Test 6.1.11 checks the name against the CWE catalogue, so only a catalogued CWE can be `cwe`.
  const catalogued = advisory.cwes.find((item) => officialCweName(item.id) !== null);
  const primaryCwe = catalogued ? { id: catalogued.id, name: officialCweName(catalogued.id)! } : null;
  const noteCwes = advisory.cwes.filter((item) => item !== catalogued);
  const notes: CsafNote[] = [{ category: 'description', title: 'Details', text: advisory.details.trim() || advisory.summary.trim() || advisory.title }];
  if (noteCwes.length > 0) notes.push({ category: 'other', title: 'Additional weaknesses', text: noteCwes.map(cweLabel).join('\n') });
  if (advisory.cvss40) {
    notes.push({ category: 'other', title: 'CVSS v4.0', text: cvss40Summary(advisory.cvss40.vector) });
  }
  const fixUrl = advisory.references.find((reference) => reference.type === 'FIX')?.url;
  const remediations = packages.map(({ entry, affected: ids, fixedVersions }): CsafRemediation =>
    fixedVersions.length > 0
      ? { category: 'vendor_fix', details: `Upgrade ${entry.package} to ${fixedVersions.join(' or ')} or later.`, product_ids: ids, ...(fixUrl ? { url: fixUrl } : {}) }
      : { category: 'none_available', details: `No fixed version of ${entry.package} has been released yet.`, product_ids: ids },
  );
  const acknowledgments = advisory.credits.flatMap((credit): CsafAcknowledgment[] => {
    if (credit.name === null) return [];
    const urls = (credit.contact ?? []).filter((contact) => URL.canParse(contact));
    return [{ names: [credit.name], summary: CREDIT_SUMMARIES[credit.type], ...(urls.length > 0 ? { urls } : {}) }];
  });
  const ids = [{ system_name: advisory.publisher.name, text: advisory.id }, ...advisory.aliases.map((alias) => ({ system_name: aliasSystem(alias), text: alias }))];
  return {
    title: advisory.title,
    ...(advisory.cveId ? { cve: advisory.cveId } : {}),
    ...(primaryCwe ? { cwe: primaryCwe } : {}),
    ids,
    notes,
    release_date: timestamp(advisory.publishedAt),
    product_status: { known_affected: affected, ...(fixed.length > 0 ? { fixed } : {}) },
    ...(advisory.cvss31 ? { scores: [{ cvss_v3: cvss31Json(advisory.cvss31.vector), products: affected }] } : {}),
    remediations,
    ...(advisory.references.length > 0
      ? { references: advisory.references.map((reference): CsafReference => ({ category: 'external', summary: REFERENCE_SUMMARIES[reference.type], url: reference.url })) }
      : {}),
    ...(acknowledgments.length > 0 ? { acknowledgments } : {}),
  };
}

function aliasSystem(alias: string): string {
  const prefix = /^([A-Za-z]+)-/.exec(alias)?.[1]?.toUpperCase();
  if (prefix === 'GHSA') return 'GitHub Security Advisories';
  if (prefix === 'PYSEC') return 'PyPI Advisory Database';
  if (prefix === 'GO') return 'Go Vulnerability Database';
  if (prefix === 'RUSTSEC') return 'RustSec Advisory Database';
  return prefix ?? 'other';
}
