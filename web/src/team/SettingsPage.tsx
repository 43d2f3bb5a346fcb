import { api } from '../api/client';
import type { ProjectSettings } from '../api/types';
import { ErrorNotice, Loading, Notice } from '../components/Notice';
import { useApi } from '../lib/useApi';
import { Link, navigate, usePageTitle } from '../router';
import { useTeam } from './context';

type Duration = { amount: number; unit: string };
const durationText = (value: unknown) => {
  const duration = value as Duration | undefined;
  if (!duration) return 'not promised';
  const unit = duration.unit === 'businessDays' ? 'business days' : duration.unit;
  return `${duration.amount} ${duration.amount === 1 ? unit.replace(/s$/, '') : unit}`;
};

const SEVERITY_ORDER = { error: 0, warning: 1, info: 2 } as const;

/** The project's policy as the server loaded it (defaults filled in) and what is missing from it. */
export function SettingsPage({ slug }: { slug: string }) {
  const team = useTeam();
  const settings = useApi(`settings:${slug}`, (signal) => api<ProjectSettings>(`/api/v1/projects/${encodeURIComponent(slug)}/settings`, { signal }));
  const name = team.projectBySlug(slug)?.name ?? slug;
  usePageTitle(`${name} policy`);
  const s = settings.data;
  const policy = s?.policy as
    | {
        timeline: Record<string, unknown> & { timezone: string; weekend: string[]; holidays: string[]; resolution: Record<string, Duration> };
        security: { requireTwoFactor: boolean };
        primaryHandler?: string;
        contacts: { primary: { email: string }; backup?: { email: string } };
        report: { requiredFields: string[] };
        notes: string[];
      }
    | undefined;
  return (
    <>
      <h1>{name}: policy as loaded</h1>
      {team.projects.length > 1 ? (
        <div className="field field--inline">
          <label htmlFor="settings-project">Project</label>
          <select id="settings-project" value={slug} onChange={(event) => navigate(`/team/projects/${event.target.value}`)}>
            {team.projects.map((project) => (
              <option key={project.slug} value={project.slug}>
                {project.name}
              </option>
            ))}
          </select>
        </div>
      ) : null}
      {settings.loading && !s ? <Loading what="the policy" /> : null}
      <ErrorNotice error={settings.error} />
      {s && policy ? (
        <>
          <p>
            Loaded from <code>{s.policyFile}</code>. Change the file and restart the server to change the policy; check it first with <code>embargo policy check</code>. Public pages:{' '}
            <Link to={`/p/${slug}`}>policy page</Link>, <a href={`/p/${slug}/SECURITY.md`}>SECURITY.md</a>, <a href={`/p/${slug}/security.txt`}>security.txt</a>.
          </p>
          <section aria-labelledby="problems" className="panel">
            <h2 id="problems">Problems and gaps</h2>
            <p>SECURITY.md lint score: {s.securityMdScore} / 100.</p>
            {s.problems.length === 0 ? (
              <Notice tone="success">
                <p>No problems found.</p>
              </Notice>
            ) : (
              <ul className="problems">
                {[...s.problems]
                  .sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity])
                  .map((problem) => (
                    <li key={`${problem.source}:${problem.code}:${problem.message}`} className={`problem problem--${problem.severity}`}>
                      <span className="badge">{problem.severity}</span> <span className="muted">{problem.source}</span> {problem.message}
                    </li>
                  ))}
              </ul>
            )}
          </section>
          <section aria-labelledby="clocks" className="panel">
            <h2 id="clocks">Clocks</h2>
            <dl className="facts">
              <div>
                <dt>Time zone</dt>
                <dd>{policy.timeline.timezone}</dd>
              </div>
              <div>
                <dt>Weekend</dt>
                <dd>{policy.timeline.weekend.join(', ') || 'none'}</dd>
              </div>
              <div>
                <dt>Holidays</dt>
                <dd>{policy.timeline.holidays.join(', ') || 'none'}</dd>
              </div>
              <div>
                <dt>Acknowledge</dt>
                <dd>{durationText(policy.timeline.acknowledge)}</dd>
              </div>
              <div>
                <dt>Initial assessment</dt>
                <dd>{durationText(policy.timeline.initialAssessment)}</dd>
              </div>
              <div>
                <dt>Detailed response</dt>
                <dd>{durationText(policy.timeline.detailedResponse)}</dd>
              </div>
              <div>
                <dt>Status update</dt>
                <dd>{durationText(policy.timeline.statusUpdate)}</dd>
              </div>
              <div>
                <dt>Warn handlers</dt>
                <dd>{durationText(policy.timeline.warnBefore)} before a deadline</dd>
              </div>
              {Object.entries(policy.timeline.resolution).map(([severity, duration]) => (
                <div key={severity}>
                  <dt>Fix ({severity})</dt>
                  <dd>{durationText(duration)}</dd>
                </div>
              ))}
            </dl>
          </section>
          <section aria-labelledby="team-rules" className="panel">
            <h2 id="team-rules">Team rules</h2>
            <dl className="facts">
              <div>
                <dt>Two-factor sign-in required</dt>
                <dd>{policy.security.requireTwoFactor ? 'Yes' : 'No'}</dd>
              </div>
              <div>
                <dt>Primary handler for new reports</dt>
                <dd>{policy.primaryHandler ?? 'none'}</dd>
              </div>
              <div>
                <dt>Contacts</dt>
                <dd>
                  {policy.contacts.primary.email}
                  {policy.contacts.backup ? `, backup ${policy.contacts.backup.email}` : ''}
                </dd>
              </div>
              <div>
                <dt>Required report fields</dt>
                <dd>title, description{policy.report.requiredFields.length > 0 ? `, ${policy.report.requiredFields.join(', ')}` : ''}</dd>
              </div>
            </dl>
            {policy.notes.length > 0 ? (
              <ul>
                {policy.notes.map((note) => (
                  <li key={note}>{note}</li>
                ))}
              </ul>
            ) : null}
          </section>
          <details className="details panel">
            <summary>The whole project entry as loaded (JSON)</summary>
            <pre className="code" tabIndex={0} aria-label="Policy as JSON">
              {JSON.stringify(s.policy, null, 2)}
            </pre>
          </details>
        </>
      ) : null}
    </>
  );
}
