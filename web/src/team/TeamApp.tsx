import { useEffect, useMemo, useState } from 'react';
import { api, ApiError } from '../api/client';
import type { Handler, Me, PublicProject } from '../api/types';
import { Layout, NavLinks } from '../components/Layout';
import { ErrorNotice, Loading } from '../components/Notice';
import { useApi } from '../lib/useApi';
import { Link, matchPath, navigate, type Location } from '../router';
import { AccountPage } from './AccountPage';
import { TeamContext, type Team } from './context';
import { InboxPage } from './InboxPage';
import { MetricsPage } from './MetricsPage';
import { ReportPage } from './ReportPage';
import { SettingsPage } from './SettingsPage';

async function loadTeam(signal: AbortSignal): Promise<Omit<Team, 'projectBySlug'>> {
  const me = await api<Me>('/api/v1/auth/me', { signal });
  const all = await api<{ items: PublicProject[] }>('/api/v1/projects', { signal });
  const everything = me.roles.some((role) => role.project === '*');
  const mine = new Set(me.roles.map((role) => role.project));
  const projects = all.items.filter((project) => everything || mine.has(project.slug));
  const lists = await Promise.all(projects.map((project) => api<{ items: Handler[] }>(`/api/v1/projects/${project.slug}/handlers`, { signal }).catch(() => ({ items: [] as Handler[] }))));
  const handlers = new Map(lists.flatMap((list) => list.items).map((handler) => [handler.id, handler]));
  const handlersByProject = Object.fromEntries(projects.map((project, index) => [project.slug, lists[index]!.items]));
  return { me, projects, handlers, handlersByProject };
}

function TeamNav({ pathname, firstProject }: { pathname: string; firstProject: string | undefined }) {
  const [signingOut, setSigningOut] = useState(false);
  const items = [
    { to: '/team', label: 'Inbox', active: pathname === '/team' || pathname.startsWith('/team/reports') },
    { to: '/team/metrics', label: 'Metrics', active: pathname === '/team/metrics' },
    ...(firstProject ? [{ to: `/team/projects/${firstProject}`, label: 'Policy', active: pathname.startsWith('/team/projects') }] : []),
    { to: '/team/account', label: 'Account', active: pathname === '/team/account' },
  ];
  return (
    <nav aria-label="Team desk" className="team-nav">
      <NavLinks items={items}>
        <li>
          <button
            type="button"
            className="button button--link"
            disabled={signingOut}
            onClick={async () => {
              setSigningOut(true);
              await api('/api/v1/auth/logout', { method: 'POST' }).catch(() => undefined);
              navigate('/login', { replace: true });
            }}
          >
            Sign out
          </button>
        </li>
      </NavLinks>
    </nav>
  );
}

export default function TeamApp({ location }: { location: Location }) {
  const { pathname } = location;
  const loaded = useApi('team', loadTeam);
  const unauthenticated = loaded.error instanceof ApiError && loaded.error.status === 401;
  useEffect(() => {
    if (unauthenticated) navigate(`/login?next=${encodeURIComponent(pathname + (location.search.size ? `?${location.search}` : ''))}`, { replace: true });
  }, [unauthenticated, pathname, location.search]);
  const team = useMemo<Team | null>(() => (loaded.data ? { ...loaded.data, projectBySlug: (slug) => loaded.data!.projects.find((project) => project.slug === slug) } : null), [loaded.data]);

  let page;
  let params: Record<string, string> | null;
  if (!team) page = loaded.error && !unauthenticated ? <ErrorNotice error={loaded.error} title="The team desk could not be loaded." /> : <Loading what="the team desk" />;
  else if (pathname === '/team' || pathname === '/team/') page = <InboxPage location={location} />;
  else if ((params = matchPath('/team/reports/:id', pathname))) page = <ReportPage key={params.id} id={params.id!} />;
  else if (pathname === '/team/metrics') page = <MetricsPage location={location} />;
  else if ((params = matchPath('/team/projects/:project', pathname))) page = <SettingsPage key={params.project} slug={params.project!} />;
  else if (pathname === '/team/account') page = <AccountPage />;
  else
    page = (
      <>
        <h1>Page not found</h1>
        <p>
          <Link to="/team">Back to the inbox</Link>
        </p>
      </>
    );

  return (
    <TeamContext.Provider value={team}>
      <Layout area="team" nav={team ? <TeamNav pathname={pathname} firstProject={team.projects[0]?.slug} /> : undefined}>
        {page}
      </Layout>
    </TeamContext.Provider>
  );
}
