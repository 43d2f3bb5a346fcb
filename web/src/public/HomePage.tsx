import { api } from '../api/client';
import type { PublicProject } from '../api/types';
import { ErrorNotice, Loading } from '../components/Notice';
import { useApi } from '../lib/useApi';
import { Link, usePageTitle } from '../router';

export function HomePage() {
  usePageTitle('Report a vulnerability');
  const projects = useApi('projects', (signal) => api<{ items: PublicProject[] }>('/api/v1/projects', { signal }));
  return (
    <>
      <h1>Report a security vulnerability</h1>
      <p className="lead">Choose the project. Each page explains the project's security policy and has a private report form: no account needed.</p>
      {projects.loading ? <Loading what="projects" /> : null}
      <ErrorNotice error={projects.error} />
      {projects.data ? (
        <ul className="card-list">
          {projects.data.items.map((project) => (
            <li key={project.slug} className="card">
              <h2 className="card__title">
                <Link to={`/p/${project.slug}`}>{project.name}</Link>
              </h2>
              {project.description ? <p>{project.description}</p> : null}
              <p className="small">
                <Link to={`/p/${project.slug}/advisories`}>Security advisories of {project.name}</Link>
                {project.disclosure.hallOfFame ? (
                  <>
                    {' · '}
                    <Link to={`/p/${project.slug}/hall-of-fame`}>Hall of fame of {project.name}</Link>
                  </>
                ) : null}
              </p>
            </li>
          ))}
        </ul>
      ) : null}
      <h2>Published advisories</h2>
      <p>
        <Link to="/advisories">Security advisories of every project</Link>, newest first, with Atom and RSS feeds; and the <Link to="/hall-of-fame">hall of fame</Link> of the people who reported them.
      </p>
      <p>
        Maintainers: <Link to="/login">sign in to the team desk</Link>.
      </p>
    </>
  );
}
