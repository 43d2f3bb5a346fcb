import type { AppContext } from '../../context.js';
import type { AdvisoryRow } from '../../platform/db/schema.js';
import type { Actor } from '../access/actor.js';
import { advisoryAbilities, canAdvisory } from '../access/advisory.policy.js';
import type { ProjectPolicy } from '../policy/policy.schema.js';
import { openAdvisoryContent, publicationProblems } from './advisory.content.js';
import { advisoryUrl, buildDocument, reviveDocument } from './advisory.document.js';
import { findLinkedReportIds, type PublicRow } from './advisory.repository.js';
import type { AdvisorySummaryView, PublicAdvisoryView, TeamAdvisoryView } from './advisory.schemas.js';
import type { AdvisoryDocument } from './advisory.types.js';
import { presentEmbargo } from './embargo-time.js';

/**
 * What each audience may see of an advisory. The public view is made from the published document
 * alone, which never held the confidential details; the team view adds them, the embargo plan and the
 * linked reports. Each shape has its own response schema (allow-list) in advisory.schemas.ts.
 */

export function releaseTypeOf(project: ProjectPolicy | undefined, severity: string | null): 'patch' | 'minor' | 'major' | null {
  return project && severity ? (project.releaseTypes[severity] ?? null) : null;
}

type PublicPart = Omit<PublicAdvisoryView, 'audience' | 'status' | 'credits'>;

function publicPart(context: AppContext, doc: AdvisoryDocument, published: boolean): PublicPart {
  return {
    id: doc.id,
    project: doc.project.slug,
    url: advisoryUrl(context.config.publicUrl, doc.project.slug, doc.id),
    title: doc.title,
    summary: doc.summary,
    details: doc.details,
    cveId: doc.cveId,
    aliases: doc.aliases,
    affected: doc.affected.map((entry) => ({
      ecosystem: entry.ecosystem,
      package: entry.package,
      purl: entry.purl,
      ranges: entry.ranges.map((range) => ({ type: range.type, events: range.events.map((event) => ({ ...event }) as Record<string, string>) })),
      ...(entry.versions?.length ? { versions: entry.versions } : {}),
    })),
    patchedVersions: doc.patchedVersions,
    cwes: doc.cwes.map((cwe) => cwe.id),
    cvss31: doc.cvss31,
    cvss40: doc.cvss40,
    severity: doc.severity,
    releaseType: releaseTypeOf(context.policies.findProject(doc.project.slug), doc.severity),
    references: doc.references,
    publishedAt: published ? doc.publishedAt.toISOString() : null,
    modifiedAt: published ? doc.modifiedAt.toISOString() : null,
    withdrawnAt: doc.withdrawnAt?.toISOString() ?? null,
    revisions: published ? doc.revisions.map((revision) => ({ number: revision.number, date: revision.date.toISOString(), summary: revision.summary })) : [],
  };
}

/** For everyone: a published or withdrawn advisory, from its public document. */
export function presentPublic(context: AppContext, row: Pick<PublicRow, 'state' | 'public_doc'>): PublicAdvisoryView {
  const doc = reviveDocument(row.public_doc);
  return {
    audience: 'public',
    ...publicPart(context, doc, true),
    status: row.state === 'withdrawn' ? 'withdrawn' : 'published',
    credits: doc.credits.flatMap((credit) => (credit.name === null ? [] : [{ name: credit.name, type: credit.type }])),
  };
}

export function statusOf(row: Pick<AdvisoryRow, 'state' | 'publish_at'>): TeamAdvisoryView['status'] {
  return row.state === 'draft' ? (row.publish_at ? 'scheduled' : 'draft') : row.state;
}

/** For the project's team: the working copy, confidential details included. */
export async function presentTeam(context: AppContext, actor: Actor, row: AdvisoryRow): Promise<TeamAdvisoryView> {
  const project = context.policies.findProject(row.project_slug);
  const content = openAdvisoryContent(context, row.id, row.content_enc);
  const published = row.state !== 'draft';
  const now = context.clock.now();
  const stored = published ? reviveDocument(row.public_doc) : null;
  if (!project) throw new Error(`advisory ${row.public_id} belongs to project "${row.project_slug}", which the policy no longer declares`);
  // The working copy is what the team edits; for a published advisory it equals the public document.
  const working = buildDocument(context, project, content, {
    id: row.public_id,
    severity: row.severity,
    publishedAt: stored?.publishedAt ?? now,
    modifiedAt: stored?.modifiedAt ?? now,
    withdrawnAt: stored?.withdrawnAt ?? null,
    revisions: stored?.revisions ?? [],
  });
  return {
    audience: 'team',
    ...publicPart(context, working, published),
    status: statusOf(row),
    confidentialDetails: content.confidentialDetails,
    credits: content.credits.map((credit) => ({ name: credit.name, type: credit.type, ...(credit.contact?.length ? { contact: credit.contact } : {}) })),
    embargo: row.publish_at && row.publish_zone ? presentEmbargo(row.publish_at, row.publish_zone) : null,
    reports: await findLinkedReportIds(context.db, row.id),
    source: row.source,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    revision: row.revision,
    publicationProblems: row.state === 'draft' ? publicationProblems(content) : [],
    abilities: advisoryAbilities(actor, { projectSlug: row.project_slug, state: row.state }),
  };
}

/** The team view for members of the project's team, the public view for everyone else. */
export async function presentFor(context: AppContext, actor: Actor, row: AdvisoryRow): Promise<TeamAdvisoryView | PublicAdvisoryView> {
  if (canAdvisory(actor, 'readInternal', { projectSlug: row.project_slug, state: row.state })) return presentTeam(context, actor, row);
  return presentPublic(context, row);
}

/** One list line; titles of drafts are decrypted only for rows the SQL already scoped to the actor's team. */
export function presentSummary(context: AppContext, actor: Actor, row: AdvisoryRow): AdvisorySummaryView {
  const team = canAdvisory(actor, 'readInternal', { projectSlug: row.project_slug, state: row.state });
  const doc = row.state === 'draft' ? null : reviveDocument(row.public_doc);
  const content = doc ? null : openAdvisoryContent(context, row.id, row.content_enc);
  const project = context.policies.findProject(row.project_slug);
  return {
    id: row.public_id,
    project: row.project_slug,
    url: advisoryUrl(context.config.publicUrl, row.project_slug, row.public_id),
    status: statusOf(row),
    title: doc?.title ?? content?.title ?? '',
    severity: row.severity,
    releaseType: releaseTypeOf(project, row.severity),
    cveId: doc ? doc.cveId : (content?.cveId ?? null),
    packages: [...new Set((doc?.affected ?? content?.affected ?? []).map((entry) => entry.package))],
    embargo: team && row.state === 'draft' && row.publish_at && row.publish_zone ? presentEmbargo(row.publish_at, row.publish_zone) : null,
    publishedAt: row.published_at?.toISOString() ?? null,
    modifiedAt: row.modified_at?.toISOString() ?? null,
    withdrawnAt: row.withdrawn_at?.toISOString() ?? null,
  };
}
