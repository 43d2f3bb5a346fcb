import { api } from '../api/client';
import type { HallOfFame, PublicProject } from '../api/types';
import { advisoryPath, isNotFound, projectPath } from '../components/Advisories';
import { DateTime } from '../components/DateTime';
import { ErrorNotice, Loading } from '../components/Notice';
import { useApi } from '../lib/useApi';
import { Link, usePageTitle } from '../router';
import { NotFoundPage } from './NotFoundPage';

/**
 * Credited reporters with their advisories, newest first, per project or across every project that
 * keeps a hall of fame. Names are what each reporter chose to be credited as; reporters who asked to
 * stay anonymous arrive from the API as a count only, so this page cannot name them.
 */
export function HallOfFamePage({ slug }: { slug?: string }) {
  const fame = useApi(`hall-of-fame:${slug ?? '*'}`, (signal) => api<HallOfFame>(slug === undefined ? '/api/v1/hall-of-fame' : projectPath(slug, 'hall-of-fame'), { signal }));
  const projects = useApi('projects', (signal) => api<{ items: PublicProject[] }>('/api/v1/projects', { signal }));
  const project = slug === undefined ? null : projects.data?.items.find((candidate) => candidate.slug === slug);
  const title = project ? `${project.name} hall of fame` : 'Hall of fame';
  usePageTitle(title);
  if (isNotFound(fame.error)) return <NotFoundPage />;
  const nameOf = (projectSlug: string) => projects.data?.items.find((candidate) => candidate.slug === projectSlug)?.name ?? projectSlug;
  const data = fame.data;
  return (
    <>
      {slug !== undefined ? (
        <p className="breadcrumb">
          <Link to={projectPath(slug)}>{project ? `${project.name} security policy` : 'Security policy'}</Link> › <Link to={projectPath(slug, 'advisories')}>Security advisories</Link>
        </p>
      ) : null}
      <h1>{title}</h1>
      <p className="lead">
        Thank you to everyone who reported a vulnerability {slug === undefined ? 'to these projects' : 'to us'} and helped fix it. Newest advisories first; each reporter is listed under the name or handle they chose.
      </p>
      {fame.loading && !data ? <Loading what="the hall of fame" /> : null}
      <ErrorNotice error={fame.error} title="The hall of fame could not be loaded." />
      {data ? (
        <>
          {data.entries.length === 0 ? <p>No one is credited by name yet.</p> : null}
          <ul className="card-list">
            {data.entries.map((entry) => (
              <li key={entry.name} className="card">
                <h2 className="card__title break">{entry.name}</h2>
                <ul className="plain-list">
                  {entry.advisories.map((advisory) => (
                    <li key={`${advisory.project}:${advisory.id}`}>
                      <Link to={advisoryPath(advisory.project, advisory.id)}>{advisory.title}</Link>{' '}
                      <span className="muted small">
                        {advisory.id}
                        {slug === undefined ? `, ${nameOf(advisory.project)}` : ''}, published <DateTime iso={advisory.publishedAt} local={false} />
                      </span>
                    </li>
                  ))}
                </ul>
              </li>
            ))}
          </ul>
          {data.anonymousCount > 0 ? (
            <p className="anonymous-count">
              {data.anonymousCount === 1 ? 'One more credit went to a reporter who asked to stay anonymous.' : `${data.anonymousCount} more credits went to reporters who asked to stay anonymous.`} Thank you too.
            </p>
          ) : null}
          <p className="muted small">
            <Link to={slug === undefined ? '/advisories' : projectPath(slug, 'advisories')}>All published advisories</Link>
          </p>
        </>
      ) : null}
    </>
  );
}
