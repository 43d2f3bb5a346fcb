import type { AppContext } from '../../context.js';
import type { ProjectPolicy } from '../policy/policy.schema.js';
import { scoreCvss } from '../triage/cvss.js';
import type { AdvisoryContent } from './advisory.content.js';
import type { AdvisoryDocument, CvssAssessment, Publisher, Revision } from './advisory.types.js';

/**
 * The public AdvisoryDocument every surface and export is made from. It is built from the working copy
 * by picking public fields one by one, so the confidential details cannot travel along by accident; once
 * published it is stored as JSON (advisories.public_doc) and read back with reviveDocument.
 */

/** The publisher of everything this instance publishes: one per instance, as CSAF providers are. */
export function instancePublisher(context: Pick<AppContext, 'config' | 'policies'>, project?: ProjectPolicy): Publisher {
  const namespace = new URL(context.config.publicUrl).origin;
  const projects = context.policies.projects;
  const name = projects.length === 1 ? projects[0]!.name : new URL(namespace).host;
  const contact = (project ?? projects[0])?.contacts.primary.email ?? `security@${new URL(namespace).hostname}`;
  return { name, namespace, contactEmail: contact, category: 'vendor' };
}

function assessment(version: '3.1' | '4.0', vector: string | null): CvssAssessment | null {
  if (!vector) return null;
  const scored = scoreCvss(version, vector);
  return scored.ok ? { vector: scored.vector, score: scored.score, severity: scored.severity } : null;
}

export type DocumentFacts = {
  id: string;
  severity: string | null;
  publishedAt: Date;
  modifiedAt: Date;
  withdrawnAt: Date | null;
  revisions: Revision[];
  /** Imported advisories: the id at the source (see AdvisoryDocument.sourceId). */
  sourceId?: string | undefined;
};

export function buildDocument(context: Pick<AppContext, 'config' | 'policies'>, project: ProjectPolicy, content: AdvisoryContent, facts: DocumentFacts): AdvisoryDocument {
  return {
    id: facts.id,
    cveId: content.cveId,
    aliases: [...content.aliases],
    // Only when present: documents stored before these fields existed must compare equal (samePublicContent).
    ...(content.related?.length ? { related: [...content.related] } : {}),
    ...(facts.sourceId ? { sourceId: facts.sourceId } : {}),
    project: { slug: project.slug, name: project.name, url: project.url ?? null, ecosystem: project.ecosystem },
    title: content.title,
    summary: content.summary,
    details: content.details,
    affected: content.affected.map((entry) => ({ ...entry, ranges: entry.ranges.map((range) => ({ type: range.type, events: [...range.events] })) })),
    patchedVersions: [...content.patchedVersions],
    cwes: content.cwes.map((cwe) => ({ ...cwe })),
    cvss31: assessment('3.1', content.cvss31),
    cvss40: assessment('4.0', content.cvss40),
    severity: facts.severity,
    references: content.references.map(({ type, url }) => ({ type, url })),
    credits: content.credits.map((credit) => ({ name: credit.name, type: credit.type, ...(credit.contact?.length ? { contact: [...credit.contact] } : {}) })),
    publishedAt: facts.publishedAt,
    modifiedAt: facts.modifiedAt,
    withdrawnAt: facts.withdrawnAt,
    revisions: facts.revisions,
    publisher: instancePublisher(context, project),
  };
}

/** Public content of two documents, without dates and revisions: did an edit change what the public sees? */
export function samePublicContent(a: AdvisoryDocument, b: AdvisoryDocument): boolean {
  const strip = (doc: AdvisoryDocument) => canonicalJson({ ...doc, publishedAt: null, modifiedAt: null, withdrawnAt: null, revisions: null, publisher: null });
  return strip(a) === strip(b);
}

/** JSON with object keys sorted: jsonb hands objects back with its own key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, item]) => item !== undefined);
    return `{${entries.sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)).map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function serializeDocument(doc: AdvisoryDocument): string {
  return JSON.stringify(doc);
}

type StoredRevision = Omit<Revision, 'date'> & { date: string };
type StoredDocument = Omit<AdvisoryDocument, 'publishedAt' | 'modifiedAt' | 'withdrawnAt' | 'revisions'> & {
  publishedAt: string;
  modifiedAt: string;
  withdrawnAt: string | null;
  revisions: StoredRevision[];
};

/** jsonb comes back parsed with dates as strings. */
export function reviveDocument(stored: unknown): AdvisoryDocument {
  const doc = (typeof stored === 'string' ? JSON.parse(stored) : stored) as StoredDocument;
  return {
    ...doc,
    publishedAt: new Date(doc.publishedAt),
    modifiedAt: new Date(doc.modifiedAt),
    withdrawnAt: doc.withdrawnAt ? new Date(doc.withdrawnAt) : null,
    revisions: doc.revisions.map((revision) => ({ ...revision, date: new Date(revision.date) })),
  };
}

/** Where people read an advisory. */
export function advisoryUrl(publicUrl: string, projectSlug: string, id: string): string {
  return `${publicUrl.replace(/\/$/, '')}/p/${encodeURIComponent(projectSlug)}/advisories/${encodeURIComponent(id)}`;
}
