import { useState } from 'react';
import { api } from '../api/client';
import type { AdvisorySummary, PublicAdvisory, PublicProject } from '../api/types';
import { advisoryPath, FeedLinks, isNotFound, projectPath, severityName } from '../components/Advisories';
import { DateTime } from '../components/DateTime';
import { ErrorNotice, Loading } from '../components/Notice';
import { useApi } from '../lib/useApi';
import { Link, usePageTitle } from '../router';
import { NotFoundPage } from './NotFoundPage';

/** One line of a list, from either the project's public list or the all-projects summary list. */
type Item = { id: string; project: string; title: string; severity: string | null; cveId: string | null; packages: string[]; publishedAt: string | null; withdrawn: boolean };

const fromPublic = (advisory: PublicAdvisory): Item => ({
  id: advisory.id,
  project: advisory.project,
  title: advisory.title,
  severity: advisory.severity,
  cveId: advisory.cveId,
  packages: [...new Set(advisory.affected.map((entry) => entry.package))],
  publishedAt: advisory.publishedAt,
  withdrawn: advisory.status === 'withdrawn',
});

const fromSummary = (advisory: AdvisorySummary): Item => ({
  id: advisory.id,
  project: advisory.project,
  title: advisory.title,
  severity: advisory.severity,
  cveId: advisory.cveId,
  packages: advisory.packages,
  publishedAt: advisory.publishedAt,
  withdrawn: advisory.status === 'withdrawn',
});

function AdvisoryList({ items, projects, showProject }: { items: Item[]; projects: PublicProject[]; showProject: boolean }) {
  if (items.length === 0) return <p>No advisories have been published yet.</p>;
  return (
    <ul className="card-list">
      {items.map((item) => {
        const project = projects.find((candidate) => candidate.slug === item.project);
        return (
          <li key={`${item.project}:${item.id}`} className="card">
            <h2 className="card__title">
              <Link to={advisoryPath(item.project, item.id)}>{item.title}</Link>
              {item.withdrawn ? <span className="badge badge--warn">Withdrawn</span> : null}
            </h2>
            <p className="advisory-line">
              <code>{item.id}</code>
              {item.cveId ? <span>{item.cveId}</span> : null}
              {showProject ? <span>{project?.name ?? item.project}</span> : null}
              <span>Severity: {item.severity ? severityName(project, item.severity) : 'not rated'}</span>
              {item.packages.length > 0 ? <span>Affects: {item.packages.join(', ')}</span> : null}
            </p>
            {item.publishedAt ? (
              <p className="small muted">
                Published <DateTime iso={item.publishedAt} local={false} />
              </p>
            ) : null}
          </li>
        );
      })}
    </ul>
  );
}

function ProjectAdvisories({ slug }: { slug: string }) {
  const list = useApi(`advisories:${slug}`, (signal) => api<{ project: string; items: PublicAdvisory[] }>(projectPath(slug, 'advisories'), { signal }));
  const project = useApi(`project:${slug}`, (signal) => api<PublicProject>(`/api/v1/projects/${encodeURIComponent(slug)}`, { signal }));
  const p = project.data;
  usePageTitle(p ? `${p.name} security advisories` : 'Security advisories');
  if (isNotFound(list.error) || isNotFound(project.error)) return <NotFoundPage />;
  return (
    <>
      <p className="breadcrumb">
        <Link to={projectPath(slug)}>{p ? `${p.name} security policy` : 'Security policy'}</Link>
      </p>
      <h1>{p ? `${p.name} security advisories` : 'Security advisories'}</h1>
      <p className="lead">Published advisories, newest first. Dates and times are in UTC.</p>
      <FeedLinks project={slug} />
      {p?.disclosure.hallOfFame ? (
        <p>
          <Link to={projectPath(slug, 'hall-of-fame')}>Hall of fame of {p.name}</Link>: the people who reported these vulnerabilities.
        </p>
      ) : null}
      {list.loading && !list.data ? <Loading what="advisories" /> : null}
      <ErrorNotice error={list.error} title="The advisories could not be loaded." />
      {list.data ? <AdvisoryList items={list.data.items.map(fromPublic)} projects={p ? [p] : []} showProject={false} /> : null}
    </>
  );
}

type SummaryPage = { items: AdvisorySummary[]; nextCursor: string | null };

function AllAdvisories() {
  usePageTitle('Security advisories');
  const [pages, setPages] = useState<SummaryPage[]>([]);
  const [more, setMore] = useState<{ busy: boolean; error: unknown }>({ busy: false, error: null });
  // Only public states are asked for: a signed-in team member gets no drafts on this public page.
  const listUrl = (cursor?: string) => `/api/v1/advisories?status=published,withdrawn&limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
  const first = useApi('advisories:all', (signal) => api<SummaryPage>(listUrl(), { signal }));
  const projects = useApi('projects', (signal) => api<{ items: PublicProject[] }>('/api/v1/projects', { signal }));
  const loaded = first.data ? [first.data, ...pages] : [];
  const nextCursor = loaded.at(-1)?.nextCursor ?? null;

  async function loadMore() {
    if (!nextCursor) return;
    setMore({ busy: true, error: null });
    try {
      const page = await api<SummaryPage>(listUrl(nextCursor));
      setPages((previous) => [...previous, page]);
      setMore({ busy: false, error: null });
    } catch (error) {
      setMore({ busy: false, error });
    }
  }

  return (
    <>
      <h1>Security advisories</h1>
      <p className="lead">Published advisories of every project, newest first. Dates and times are in UTC.</p>
      <FeedLinks />
      <p>
        <Link to="/hall-of-fame">Hall of fame</Link>: the people who reported these vulnerabilities.
      </p>
      {first.loading && !first.data ? <Loading what="advisories" /> : null}
      <ErrorNotice error={first.error} title="The advisories could not be loaded." />
      {first.data ? <AdvisoryList items={loaded.flatMap((page) => page.items.map(fromSummary))} projects={projects.data?.items ?? []} showProject /> : null}
      <ErrorNotice error={more.error} />
      {nextCursor ? (
        <button type="button" className="button" onClick={loadMore} disabled={more.busy}>
          {more.busy ? 'Loading…' : 'Show older advisories'}
        </button>
      ) : null}
    </>
  );
}

export function AdvisoryListPage({ slug }: { slug?: string }) {
  return slug === undefined ? <AllAdvisories /> : <ProjectAdvisories slug={slug} />;
}
