import { ApiError } from '../api/client';
import type { PublicProject } from '../api/types';

/** The public page of an advisory: the same address as its `url` in the API, the feeds and the exports. */
export function advisoryPath(project: string, id: string): string {
  return `/p/${encodeURIComponent(project)}/advisories/${encodeURIComponent(id)}`;
}

export function projectPath(project: string, page?: 'advisories' | 'hall-of-fame'): string {
  return `/p/${encodeURIComponent(project)}${page ? `/${page}` : ''}`;
}

/** The policy's name for a severity level id ("high" -> "High"), or the id when the policy has none. */
export function severityName(project: PublicProject | null | undefined, severity: string): string {
  return project?.severityLevels.find((level) => level.id === severity)?.name ?? severity;
}

export const RELEASE_TYPE_TEXT = { patch: 'Patch release', minor: 'Minor release', major: 'Major release' } as const;

export const isNotFound = (error: unknown): boolean => error instanceof ApiError && error.status === 404;

/** Atom and RSS feeds of one project's advisories, or of every project's. No <link rel> without SSR: visible links. */
export function FeedLinks({ project, changelog = true }: { project?: string; changelog?: boolean }) {
  const base = project ? projectPath(project, 'advisories') : '/advisories';
  return (
    <p className="feed-links">
      <span>Follow new advisories:</span> <a href={`${base}.atom`}>Atom feed</a> <a href={`${base}.rss`}>RSS feed</a>
      {project && changelog ? (
        <a href={`${projectPath(project)}/CHANGELOG.md`} download="CHANGELOG.md">
          Security CHANGELOG (Markdown)
        </a>
      ) : null}
    </p>
  );
}
