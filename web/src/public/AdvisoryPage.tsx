import { api } from '../api/client';
import type { PublicAdvisory, PublicProject } from '../api/types';
import { advisoryPath, FeedLinks, isNotFound, projectPath, RELEASE_TYPE_TEXT, severityName } from '../components/Advisories';
import { DateTime } from '../components/DateTime';
import { ErrorNotice, Loading, Notice } from '../components/Notice';
import { Markdown } from '../lib/markdown';
import { useApi } from '../lib/useApi';
import { Link, usePageTitle } from '../router';
import { NotFoundPage } from './NotFoundPage';

/**
 * The public page of a published advisory. Loaded on demand (it carries the Markdown parser). Its data
 * comes from /p/:project/advisories/:id, which answers the same for everyone, team members included:
 * a draft or an embargoed advisory is a 404 there, and so a "page not found" here, naming nothing.
 */

type Affected = PublicAdvisory['affected'][number];
type Range = Affected['ranges'][number];

const CREDIT_TEXT: Record<string, string> = {
  FINDER: 'found the issue',
  REPORTER: 'reported it',
  ANALYST: 'analysis',
  COORDINATOR: 'coordination',
  REMEDIATION_DEVELOPER: 'developed the fix',
  REMEDIATION_REVIEWER: 'reviewed the fix',
  REMEDIATION_VERIFIER: 'verified the fix',
  TOOL: 'tool',
  SPONSOR: 'sponsor',
  OTHER: 'other contribution',
};

const REFERENCE_TEXT: Record<string, string> = {
  ADVISORY: 'Advisory',
  ARTICLE: 'Article',
  FIX: 'Fix',
  PACKAGE: 'Package',
  REPORT: 'Report',
  WEB: 'Web page',
  EVIDENCE: 'Evidence',
  INTRODUCED: 'Change that introduced it',
  DETECTION: 'Detection',
  DISCUSSION: 'Discussion',
};

const isWebUrl = (url: string) => /^https?:\/\//i.test(url);

/** ">= 1.0, < 1.4" per affected span, as the CHANGELOG writes them; events arrive sorted. */
function describeRange(range: Range): string[] {
  const spans: string[] = [];
  let start: string | null = null;
  let open = false;
  for (const event of range.events) {
    const [kind, version] = Object.entries(event)[0] ?? [];
    if (kind === 'introduced' && version !== undefined) {
      start = version;
      open = true;
    } else if ((kind === 'fixed' || kind === 'last_affected') && version !== undefined) {
      const lower = start && start !== '0' ? `>= ${start}, ` : '';
      spans.push(`${lower}${kind === 'fixed' ? '<' : '<='} ${version}`);
      start = null;
      open = false;
    }
  }
  if (open) spans.push(start && start !== '0' ? `>= ${start}` : 'all versions');
  return spans;
}

function fixedVersions(entry: Affected): string[] {
  return entry.ranges.flatMap((range) => range.events.flatMap((event) => (event.fixed ? [event.fixed] : [])));
}

function AffectedPackages({ advisory }: { advisory: PublicAdvisory }) {
  return (
    <section aria-labelledby="affected">
      <h2 id="affected">Affected packages</h2>
      <ul className="card-list">
        {advisory.affected.map((entry, index) => {
          const spans = entry.ranges.flatMap(describeRange);
          const fixed = fixedVersions(entry);
          return (
            <li key={`${entry.ecosystem}:${entry.package}:${index}`} className="card">
              <h3 className="card__title">
                <code>{entry.package}</code> <span className="muted small">({entry.ecosystem})</span>
              </h3>
              <dl className="facts">
                <div>
                  <dt>Affected versions</dt>
                  <dd>{spans.length > 0 ? spans.join('; ') : entry.versions?.length ? entry.versions.join(', ') : 'Not stated'}</dd>
                </div>
                {spans.length > 0 && entry.versions?.length ? (
                  <div>
                    <dt>Affected releases listed</dt>
                    <dd>{entry.versions.join(', ')}</dd>
                  </div>
                ) : null}
                <div>
                  <dt>Fixed in</dt>
                  <dd>{fixed.length > 0 ? fixed.join(', ') : 'No fixed version yet'}</dd>
                </div>
                <div>
                  <dt>Package URL</dt>
                  <dd>
                    <code>{entry.purl}</code>
                  </dd>
                </div>
              </dl>
            </li>
          );
        })}
      </ul>
      {advisory.patchedVersions.length > 0 ? (
        <p>
          <strong>Upgrade to:</strong> {advisory.patchedVersions.join(', ')}
          {advisory.releaseType ? ` (${RELEASE_TYPE_TEXT[advisory.releaseType].toLowerCase()})` : ''}.
        </p>
      ) : null}
    </section>
  );
}

function Cvss({ label, score }: { label: string; score: NonNullable<PublicAdvisory['cvss31']> }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>
        <strong>{score.score.toFixed(1)}</strong> <span className="cvss__severity">{score.severity}</span>
        <code className="block break">{score.vector}</code>
      </dd>
    </div>
  );
}

function Downloads({ advisory }: { advisory: PublicAdvisory }) {
  const exportUrl = (format: 'osv' | 'cve5' | 'csaf') => `/api/v1/advisories/${encodeURIComponent(advisory.id)}/export?format=${format}`;
  return (
    <section aria-labelledby="downloads">
      <h2 id="downloads">Downloads</h2>
      <ul>
        <li>
          <a href={exportUrl('osv')} download>
            OSV record (JSON)
          </a>
        </li>
        {advisory.cveId ? (
          <li>
            <a href={exportUrl('cve5')} download>
              CVE record (CVE JSON 5)
            </a>
          </li>
        ) : null}
        <li>
          <a href={exportUrl('csaf')} download>
            CSAF 2.0 advisory (JSON)
          </a>
        </li>
        <li>
          <a href={`${projectPath(advisory.project)}/CHANGELOG.md`} download="CHANGELOG.md">
            CHANGELOG entry (Markdown)
          </a>
          <span className="muted">, in the project's security CHANGELOG</span>
        </li>
      </ul>
      <FeedLinks project={advisory.project} changelog={false} />
    </section>
  );
}

export default function AdvisoryPage({ slug, id }: { slug: string; id: string }) {
  const advisory = useApi(`advisory:${slug}:${id}`, (signal) => api<PublicAdvisory>(advisoryPath(slug, id), { signal }));
  const project = useApi(`project:${slug}`, (signal) => api<PublicProject>(`/api/v1/projects/${encodeURIComponent(slug)}`, { signal }));
  const a = advisory.data;
  usePageTitle(a ? `${a.id}: ${a.title}` : 'Security advisory');
  if (isNotFound(advisory.error)) return <NotFoundPage />;
  if (advisory.loading && !a) return <Loading what="the advisory" />;
  if (!a) return <ErrorNotice error={advisory.error} title="This advisory could not be loaded." />;

  const p = project.data;
  const withdrawn = a.status === 'withdrawn';
  // Withdrawing adds a revision "Withdrawn: <reason>" to the public history.
  const withdrawal = withdrawn ? a.revisions.findLast((revision) => revision.summary.startsWith('Withdrawn'))?.summary.replace(/\.$/, '') : undefined;
  return (
    <article className="advisory">
      <p className="breadcrumb">
        <Link to={projectPath(a.project)}>{p?.name ?? a.project}</Link> › <Link to={projectPath(a.project, 'advisories')}>Security advisories</Link>
      </p>
      <h1>
        {a.title}
        {withdrawn ? <span className="badge badge--warn">Withdrawn</span> : null}
      </h1>
      {withdrawn ? (
        <Notice tone="warning">
          <p className="notice__title">This advisory was withdrawn.</p>
          <p>
            {a.withdrawnAt ? (
              <>
                On <DateTime iso={a.withdrawnAt} local={false} />.{' '}
              </>
            ) : null}
            {withdrawal ? `${withdrawal}. ` : ''}Its text is kept below for reference: do not rely on it.
          </p>
        </Notice>
      ) : null}

      <dl className="facts advisory__facts">
        <div>
          <dt>Advisory ID</dt>
          <dd>
            <code>{a.id}</code>
          </dd>
        </div>
        <div>
          <dt>CVE ID</dt>
          <dd>{a.cveId ? <a href={`https://www.cve.org/CVERecord?id=${encodeURIComponent(a.cveId)}`}>{a.cveId}</a> : 'None assigned'}</dd>
        </div>
        {a.aliases.length > 0 ? (
          <div>
            <dt>Also known as</dt>
            <dd>{a.aliases.join(', ')}</dd>
          </div>
        ) : null}
        <div>
          <dt>Severity</dt>
          <dd>{a.severity ? severityName(p, a.severity) : 'Not rated'}</dd>
        </div>
        <div>
          <dt>Fix shipped as</dt>
          <dd>{a.releaseType ? RELEASE_TYPE_TEXT[a.releaseType] : 'Not stated'}</dd>
        </div>
        <div>
          <dt>Published</dt>
          <dd>{a.publishedAt ? <DateTime iso={a.publishedAt} /> : '—'}</dd>
        </div>
        <div>
          <dt>Last updated</dt>
          <dd>{a.modifiedAt ? <DateTime iso={a.modifiedAt} /> : '—'}</dd>
        </div>
        {a.cvss31 ? <Cvss label="CVSS 3.1" score={a.cvss31} /> : null}
        {a.cvss40 ? <Cvss label="CVSS 4.0" score={a.cvss40} /> : null}
      </dl>

      {a.summary.trim() ? (
        <section aria-labelledby="summary">
          <h2 id="summary">Summary</h2>
          <Markdown text={a.summary} />
        </section>
      ) : null}
      {a.details.trim() ? (
        <section aria-labelledby="details">
          <h2 id="details">Details</h2>
          <Markdown text={a.details} />
        </section>
      ) : null}

      <AffectedPackages advisory={a} />

      {a.cwes.length > 0 ? (
        <section aria-labelledby="weaknesses">
          <h2 id="weaknesses">Weaknesses</h2>
          <ul>
            {a.cwes.map((cwe) => (
              <li key={cwe}>
                <a href={`https://cwe.mitre.org/data/definitions/${cwe.replace(/^CWE-/, '')}.html`}>{cwe}</a>
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      {a.references.length > 0 ? (
        <section aria-labelledby="references">
          <h2 id="references">References</h2>
          <ul className="references">
            {a.references.map((reference, index) => (
              <li key={`${reference.url}:${index}`}>
                <span className="muted">{REFERENCE_TEXT[reference.type] ?? reference.type}:</span>{' '}
                {isWebUrl(reference.url) ? (
                  <a href={reference.url} rel="nofollow noopener noreferrer" className="break">
                    {reference.url}
                  </a>
                ) : (
                  <span className="break">{reference.url}</span>
                )}
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      <section aria-labelledby="credits">
        <h2 id="credits">Credits</h2>
        {a.credits.length > 0 ? (
          <ul>
            {a.credits.map((credit, index) => (
              <li key={`${credit.name}:${credit.type}:${index}`}>
                {credit.name} <span className="muted">({CREDIT_TEXT[credit.type] ?? credit.type.toLowerCase()})</span>
              </li>
            ))}
          </ul>
        ) : (
          <p>No one is credited by name.</p>
        )}
      </section>

      {a.revisions.length > 0 ? (
        <section aria-labelledby="history">
          <h2 id="history">History</h2>
          <ol className="history">
            {a.revisions.map((revision) => (
              <li key={revision.number}>
                <DateTime iso={revision.date} local={false} />: {revision.summary}
              </li>
            ))}
          </ol>
        </section>
      ) : null}

      <Downloads advisory={a} />
    </article>
  );
}
