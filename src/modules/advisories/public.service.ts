import type { AppContext } from '../../context.js';
import { AppError, notFound } from '../../platform/errors.js';
import { getProjectOrThrow } from '../reports/report.service.js';
import { advisoryUrl, reviveDocument } from './advisory.document.js';
import { presentPublic } from './advisory.presenter.js';
import { findPublicAdvisories, findPublicAdvisory } from './advisory.repository.js';
import { renderChangelog } from './changelog.js';
import { renderAtom, renderRss, type Feed, type FeedEntry } from './feeds.js';
import { buildHallOfFame, type HallOfFame } from './hall-of-fame.js';

/**
 * The public surfaces: every one of them reads published documents only (SQL excludes drafts), so an
 * embargoed advisory cannot appear in a list, feed, changelog or hall of fame by any path.
 */

const FEED_SIZE = 50;

async function publicEntries(context: AppContext, options: { project?: string; limit?: number } = {}): Promise<FeedEntry[]> {
  const rows = await findPublicAdvisories(context.db, options);
  return rows.map((row) => {
    const doc = reviveDocument(row.public_doc);
    return { doc, url: advisoryUrl(context.config.publicUrl, row.project_slug, row.public_id) };
  });
}

export async function projectAdvisoryList(context: AppContext, projectSlug: string) {
  const project = getProjectOrThrow(context, projectSlug);
  const rows = await findPublicAdvisories(context.db, { project: project.slug });
  return { project: project.slug, items: rows.map((row) => presentPublic(context, row)) };
}

/** A published advisory of the project; 404 for drafts, other projects' ids and guesses alike. */
export async function projectAdvisory(context: AppContext, projectSlug: string, publicId: string) {
  const project = getProjectOrThrow(context, projectSlug);
  const row = await findPublicAdvisory(context.db, publicId);
  if (!row || row.project_slug !== project.slug) throw notFound('ADVISORY_NOT_FOUND', 'advisory');
  return presentPublic(context, row);
}

export async function renderFeed(context: AppContext, format: 'atom' | 'rss', projectSlug?: string): Promise<string> {
  const project = projectSlug === undefined ? null : getProjectOrThrow(context, projectSlug);
  const base = context.config.publicUrl.replace(/\/$/, '');
  const path = project ? `/p/${project.slug}/advisories` : '/advisories';
  const feed: Feed = {
    id: `${base}${path}`,
    title: project ? `${project.name} security advisories` : 'Security advisories',
    subtitle: project ? `Published security advisories of ${project.name}` : `Published security advisories of every project at ${new URL(base).host}`,
    selfUrl: `${base}${path}.${format}`,
    siteUrl: `${base}${path}`,
    entries: await publicEntries(context, { ...(project ? { project: project.slug } : {}), limit: FEED_SIZE }),
    emptyUpdated: context.clock.now(),
  };
  return format === 'atom' ? renderAtom(feed) : renderRss(feed);
}

export async function projectChangelog(context: AppContext, projectSlug: string): Promise<string> {
  const project = getProjectOrThrow(context, projectSlug);
  return renderChangelog(project, await publicEntries(context, { project: project.slug }));
}

/** Per project (404 when its policy turns the hall of fame off) or across every project that has one. */
export async function hallOfFame(context: AppContext, projectSlug?: string): Promise<HallOfFame> {
  if (projectSlug !== undefined) {
    const project = getProjectOrThrow(context, projectSlug);
    if (!project.disclosure.hallOfFame) throw new AppError('NOT_FOUND', `${project.name} does not publish a hall of fame.`);
    return buildHallOfFame(project.slug, await publicEntries(context, { project: project.slug }));
  }
  const listed = new Set(context.policies.projects.filter((project) => project.disclosure.hallOfFame).map((project) => project.slug));
  const entries = (await publicEntries(context)).filter((entry) => listed.has(entry.doc.project.slug));
  return buildHallOfFame(null, entries);
}
