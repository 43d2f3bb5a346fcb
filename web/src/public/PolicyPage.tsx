import { api } from '../api/client';
import type { DurationView, PublicProject } from '../api/types';
import { ErrorNotice, Loading } from '../components/Notice';
import { useApi } from '../lib/useApi';
import { Link, usePageTitle } from '../router';
import { ReportForm } from './ReportForm';

function promise(duration: DurationView | null, sentence: (text: string) => string): string | null {
  return duration ? sentence(duration.text) : null;
}

function Timelines({ project }: { project: PublicProject }) {
  const { timeline } = project;
  const promises = [
    promise(timeline.acknowledge, (text) => `We answer your report within ${text} to confirm we received it.`),
    promise(timeline.initialAssessment, (text) => `Within ${text} of receiving it, we tell you whether we accept it as a vulnerability.`),
    promise(timeline.detailedResponse, (text) => `Within ${text} of that first answer, we send a detailed response with the next steps.`),
    promise(timeline.statusUpdate, (text) => `While the report is open, you hear from us at least every ${text}.`),
  ].filter((line): line is string => line !== null);
  const resolution = Object.entries(timeline.resolution);
  const usesBusinessDays = [timeline.acknowledge, timeline.initialAssessment, timeline.detailedResponse, timeline.statusUpdate, ...Object.values(timeline.resolution)].some((d) => d?.unit === 'businessDays');
  return (
    <section aria-labelledby="timelines">
      <h2 id="timelines">What happens after you report</h2>
      {promises.length > 0 ? (
        <ul>
          {promises.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
      ) : (
        <p>This project does not promise response times.</p>
      )}
      {resolution.length > 0 ? (
        <>
          <p>Once the issue is confirmed, we aim to release a fix within:</p>
          <table className="table table--compact">
            <caption className="visually-hidden">Time to a fix by severity</caption>
            <thead>
              <tr>
                <th scope="col">Severity</th>
                <th scope="col">Fix within</th>
              </tr>
            </thead>
            <tbody>
              {resolution.map(([severity, duration]) => (
                <tr key={severity}>
                  <th scope="row">{project.severityLevels.find((level) => level.id === severity)?.name ?? severity}</th>
                  <td>{duration.text}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
      <p className="muted">
        Times are counted from when your report arrives{usesBusinessDays ? '; business days leave out weekends and public holidays' : ''}, in the {timeline.timezone} time zone. You can follow each deadline on your report's private status page.
      </p>
    </section>
  );
}

function Versions({ project }: { project: PublicProject }) {
  return (
    <section aria-labelledby="versions">
      <h2 id="versions">Supported versions</h2>
      {project.supportedVersions.length === 0 ? (
        <p>The policy lists no versions.</p>
      ) : (
        <table className="table">
          <caption className="visually-hidden">Versions of {project.name} and whether they receive security fixes</caption>
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Security fixes</th>
              <th scope="col">Note</th>
            </tr>
          </thead>
          <tbody>
            {project.supportedVersions.map((rule) => (
              <tr key={rule.versions}>
                <th scope="row">
                  <code>{rule.versions}</code>
                </th>
                <td>{rule.supported ? <span className="badge badge--ok">Supported</span> : <span className="badge badge--muted">Not supported</span>}</td>
                <td>{rule.note ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p className="muted">
        Pre-releases: {project.prereleases.fixesGuaranteed ? 'fixes are guaranteed for pre-releases too.' : 'fixes are not guaranteed for pre-releases.'} {project.prereleases.note ?? ''}
      </p>
    </section>
  );
}

export function PolicyPage({ slug }: { slug: string }) {
  const project = useApi(`project:${slug}`, (signal) => api<PublicProject>(`/api/v1/projects/${encodeURIComponent(slug)}`, { signal }));
  usePageTitle(project.data ? `${project.data.name} security policy` : 'Security policy');
  if (project.loading && !project.data) return <Loading what="the security policy" />;
  if (!project.data) return <ErrorNotice error={project.error} title="This project's policy could not be loaded." />;
  const p = project.data;
  const keys = p.contacts.filter((contact) => contact.pgpPublicKey);
  return (
    <article className="policy">
      <h1>{p.name} security policy</h1>
      {p.description ? <p className="lead">{p.description}</p> : null}
      {p.url ? (
        <p>
          Project: <a href={p.url}>{p.url}</a>
        </p>
      ) : null}
      <nav aria-label="On this page" className="toc">
        <ul>
          <li>
            <a href="#report">Report a vulnerability</a>
          </li>
          <li>
            <a href="#timelines">Response times</a>
          </li>
          <li>
            <a href="#versions">Supported versions</a>
          </li>
          <li>
            <a href="#scope">Scope</a>
          </li>
          <li>
            <a href="#severity">Severity levels</a>
          </li>
          <li>
            <a href="#disclosure">Disclosure</a>
          </li>
        </ul>
      </nav>

      <section aria-labelledby="how">
        <h2 id="how">How to report</h2>
        <p>
          Please do not open a public issue for a security problem{p.disclosure.publicIssuesAllowed ? ' unless it is already public' : ''}. Use the <a href="#report">private form below</a>: you get a private link to follow your report, and no account is needed.
        </p>
        {p.report.instructions ? <p className="prewrap">{p.report.instructions}</p> : null}
        <p>You can also write to:</p>
        <ul>
          {p.contacts.map((contact) => (
            <li key={contact.email}>
              {contact.name ? `${contact.name}, ` : ''}
              <a href={`mailto:${contact.email}`}>{contact.email}</a> ({contact.role === 'primary' ? 'primary contact' : 'backup contact'})
            </li>
          ))}
        </ul>
        {keys.length > 0 ? (
          <details className="details">
            <summary>PGP key for encrypted reports</summary>
            <p>
              Download: <a href={`/p/${p.slug}/pgp-key.asc`}>pgp-key.asc</a>. The form below can also encrypt your report in your browser with this key.
            </p>
            {keys.map((contact) => (
              <pre key={contact.email} className="key" tabIndex={0} aria-label={`PGP public key of ${contact.email}`}>
                {contact.pgpPublicKey}
              </pre>
            ))}
          </details>
        ) : null}
      </section>

      <Timelines project={p} />
      <Versions project={p} />

      <section aria-labelledby="scope">
        <h2 id="scope">Scope</h2>
        {p.packages.length > 0 ? (
          <p>
            Packages ({p.ecosystem}): {p.packages.map((name, index) => (
              <span key={name}>
                {index > 0 ? ', ' : ''}
                <code>{name}</code>
              </span>
            ))}
          </p>
        ) : null}
        {p.scope.in.length > 0 ? (
          <>
            <h3>In scope</h3>
            <ul>
              {p.scope.in.map((item) => (
                <li key={item}>{item}</li>
              ))}
            </ul>
          </>
        ) : null}
        {p.scope.out.length > 0 ? (
          <>
            <h3>Out of scope</h3>
            <ul>
              {p.scope.out.map((item) => (
                <li key={item}>{item}</li>
              ))}
            </ul>
          </>
        ) : null}
        {p.scope.thirdParty ? <p>Third-party code: {p.scope.thirdParty}</p> : null}
        {p.scope.in.length === 0 && p.scope.out.length === 0 && !p.scope.thirdParty ? <p>The policy sets no further limits on scope.</p> : null}
      </section>

      <section aria-labelledby="severity">
        <h2 id="severity">Severity levels</h2>
        <dl className="definitions">
          {p.severityLevels.map((level) => (
            <div key={level.id}>
              <dt>{level.name}</dt>
              <dd>{level.definition ?? 'No definition given.'}</dd>
            </div>
          ))}
        </dl>
      </section>

      <section aria-labelledby="disclosure">
        <h2 id="disclosure">Disclosure and credit</h2>
        <ul>
          <li>We ask you to keep the issue private for up to {p.disclosure.embargoDays} days after your report, or until a fix is published.</li>
          <li>{p.disclosure.credit === 'credit' ? 'We credit reporters in the advisory unless you ask us not to.' : 'Reporters stay anonymous unless they ask to be named.'}</li>
          <li>
            CVE identifiers: {p.disclosure.cve === 'always' ? 'requested for every confirmed vulnerability.' : p.disclosure.cve === 'never' ? 'not requested.' : 'requested for significant vulnerabilities.'}
          </li>
          {p.disclosure.advisoryChannels.length > 0 ? <li>Advisories are published on: {p.disclosure.advisoryChannels.join(', ')}.</li> : null}
        </ul>
        {p.disclosure.steps.length > 0 ? (
          <ol>
            {p.disclosure.steps.map((step) => (
              <li key={step}>{step}</li>
            ))}
          </ol>
        ) : null}
        <p>
          <Link to={`/p/${p.slug}/advisories`}>Published security advisories</Link> of {p.name}, newest first, with <a href={`/p/${p.slug}/advisories.atom`}>Atom</a> and <a href={`/p/${p.slug}/advisories.rss`}>RSS</a> feeds
          and a <a href={`/p/${p.slug}/CHANGELOG.md`}>security CHANGELOG</a>.
        </p>
        {p.disclosure.hallOfFame ? (
          <p>
            <Link to={`/p/${p.slug}/hall-of-fame`}>Hall of fame</Link>: everyone who reported a vulnerability to us.
          </p>
        ) : null}
        <p className="muted">
          This page is generated from the project's policy file, as are its <a href={`/p/${p.slug}/SECURITY.md`}>SECURITY.md</a> and <a href={`/p/${p.slug}/security.txt`}>security.txt</a>.
        </p>
      </section>

      <ReportForm project={p} />
    </article>
  );
}
