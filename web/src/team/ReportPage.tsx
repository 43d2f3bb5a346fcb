import { useState } from 'react';
import { api, ApiError } from '../api/client';
import type { TeamReport } from '../api/types';
import { DeadlineList } from '../components/Deadlines';
import { AttachmentsPanel } from '../components/Attachments';
import { ErrorNotice, Loading, Notice } from '../components/Notice';
import { ReplyBox, Thread } from '../components/Thread';
import { FIELD_LABELS, formatDateTime, isEncrypted, STATE_LABELS } from '../lib/format';
import { useApi, useNow } from '../lib/useApi';
import { Link, usePageTitle } from '../router';
import { AuditPanel } from './AuditPanel';
import { handlerName, useTeam } from './context';
import { CvssCalculator } from './CvssCalculator';
import { DeadlineTimeline } from './DeadlineTimeline';
import { DecryptPanel } from './DecryptPanel';
import { TransitionPanel } from './TransitionPanel';
import { TriageFields } from './TriageFields';

const TEXT_FIELDS = ['description', 'stepsToReproduce', 'impact', 'environment', 'proofOfConcept', 'suggestedFix'] as const;
const VERSION_STATUS: Record<string, string> = { supported: 'Supported', unsupported: 'Not supported', prerelease: 'Pre-release', unknown: 'Not covered by the policy' };

export function ReportPage({ id }: { id: string }) {
  const team = useTeam();
  const now = useNow(30_000);
  const report = useApi(`team-report:${id}`, (signal) => api<TeamReport>(`/api/v1/reports/${encodeURIComponent(id)}`, { signal }));
  const [plain, setPlain] = useState<Record<string, string>>({});
  const [cvssVersion, setCvssVersion] = useState<'3.1' | '4.0'>('4.0');
  const [auditVersion, setAuditVersion] = useState(0);
  usePageTitle(report.data ? report.data.title : 'Report');

  if (report.loading && !report.data) return <Loading what="the report" />;
  if (!report.data) {
    const missing = report.error instanceof ApiError && report.error.status === 404;
    return (
      <>
        <h1>Report not found</h1>
        {missing ? <p>There is no report with this id, or it belongs to a project you are not on.</p> : <ErrorNotice error={report.error} />}
        <p>
          <Link to="/team">Back to the inbox</Link>
        </p>
      </>
    );
  }
  const r = report.data;
  const project = team.projectBySlug(r.project);
  const changed = (updated: TeamReport) => {
    report.setData(updated);
    setAuditVersion((value) => value + 1);
  };
  const encrypted = Object.fromEntries(TEXT_FIELDS.filter((field) => isEncrypted(r[field]) && !plain[field]).map((field) => [field, r[field]!]));

  return (
    <div className="report-page">
      <p className="breadcrumb">
        <Link to="/team">Inbox</Link> / {project?.name ?? r.project}
      </p>
      <h1>{r.title}</h1>
      <p className="report-meta">
        <span className={`badge badge--state badge--${r.state}`}>{STATE_LABELS[r.state]}</span>
        <span>Severity: {r.severity ?? 'not rated'}</span>
        <span>Handler: {handlerName(team, r.handlerId)}</span>
        <span>Received {formatDateTime(r.receivedAt)}</span>
        <span className="mono small">{r.id}</span>
      </p>

      <div className="columns">
        <div className="columns__main">
          <section aria-labelledby="contents" className="panel">
            <h2 id="contents">Report</h2>
            {Object.keys(encrypted).length > 0 ? <DecryptPanel ciphertexts={encrypted} onDecrypted={(values) => setPlain((previous) => ({ ...previous, ...values }))} /> : null}
            <dl className="facts facts--stacked">
              {TEXT_FIELDS.map((field) => {
                const value = plain[field] ?? r[field];
                if (!value) return null;
                return (
                  <div key={field}>
                    <dt>
                      {FIELD_LABELS[field]}
                      {plain[field] ? <span className="badge badge--ok">decrypted here</span> : null}
                    </dt>
                    <dd className={`prewrap${field === 'proofOfConcept' || isEncrypted(value) ? ' mono' : ''}`}>{isEncrypted(value) ? 'Encrypted (decrypt above to read).' : value}</dd>
                  </div>
                );
              })}
              <div>
                <dt>Affected versions</dt>
                <dd>{r.affectedVersions.length > 0 ? r.affectedVersions.join(', ') : 'Not given'}</dd>
              </div>
              <div>
                <dt>Credit</dt>
                <dd>{r.credit ? (r.credit.type === 'anonymous' ? 'Anonymous' : `${r.credit.value ?? ''} (${r.credit.type})`) : 'No preference'}</dd>
              </div>
              <div>
                <dt>Reporter's email</dt>
                <dd>{r.contactEmail ?? 'Not given'}</dd>
              </div>
              <div>
                <dt>Received through</dt>
                <dd>{r.source}</dd>
              </div>
              {r.duplicateOf ? (
                <div>
                  <dt>Duplicate of</dt>
                  <dd>
                    <Link to={`/team/reports/${r.duplicateOf}`}>{r.duplicateOf}</Link>
                  </dd>
                </div>
              ) : null}
              {r.forwardedTo ? (
                <div>
                  <dt>Forwarded to</dt>
                  <dd>{r.forwardedTo}</dd>
                </div>
              ) : null}
            </dl>
          </section>

          <section aria-labelledby="thread" className="panel">
            <h2 id="thread">Thread and internal notes</h2>
            <Thread messages={r.messages} viewer="team" />
            {r.abilities.reply ? (
              <ReplyBox
                label="Message to the reporter, or internal note"
                allowInternal={r.abilities.addInternalNote === true}
                onSend={async (body, internal) => {
                  await api(`/api/v1/reports/${r.id}/messages`, { method: 'POST', body: { body, internal } });
                  report.reload();
                  setAuditVersion((value) => value + 1);
                }}
              />
            ) : (
              <p className="muted">Your role on this project cannot post.</p>
            )}
          </section>

          <section aria-labelledby="files" className="panel">
            <h2 id="files">Files</h2>
            <AttachmentsPanel reportId={r.id} viewer="team" />
          </section>
        </div>

        <div className="columns__side">
          <section aria-labelledby="state" className="panel">
            <h2 id="state">State</h2>
            <TransitionPanel report={r} onChanged={changed} />
          </section>

          <section aria-labelledby="triage" className="panel">
            <h2 id="triage">Severity and handlers</h2>
            <TriageFields key={r.revision} report={r} project={project} onChanged={changed} />
          </section>

          <section aria-labelledby="cvss" className="panel">
            <h2 id="cvss">CVSS</h2>
            <div className="tabs" role="group" aria-label="CVSS version">
              {(['4.0', '3.1'] as const).map((version) => (
                <button key={version} type="button" className={`button${cvssVersion === version ? ' button--selected' : ''}`} aria-pressed={cvssVersion === version} onClick={() => setCvssVersion(version)}>
                  CVSS {version}
                  {(version === '4.0' ? r.cvss40 : r.cvss31) ? ` (${(version === '4.0' ? r.cvss40 : r.cvss31)!.score.toFixed(1)})` : ''}
                </button>
              ))}
            </div>
            <CvssCalculator
              key={`${cvssVersion}:${r.revision}`}
              version={cvssVersion}
              saved={cvssVersion === '4.0' ? r.cvss40 : r.cvss31}
              canEdit={r.abilities.update === true}
              onSave={async (vector) => changed(await api<TeamReport>(`/api/v1/reports/${r.id}`, { method: 'PATCH', body: cvssVersion === '4.0' ? { cvss40: vector } : { cvss31: vector } }))}
            />
          </section>

          <section aria-labelledby="versions" className="panel">
            <h2 id="versions">Affected versions</h2>
            {r.versionSupport.length === 0 ? (
              <p>The reporter named no versions.</p>
            ) : (
              <table className="table table--compact">
                <caption className="visually-hidden">Affected versions against the supported versions</caption>
                <thead>
                  <tr>
                    <th scope="col">Version</th>
                    <th scope="col">Policy</th>
                  </tr>
                </thead>
                <tbody>
                  {r.versionSupport.map((item) => (
                    <tr key={item.version}>
                      <th scope="row">
                        <code>{item.version}</code>
                      </th>
                      <td>
                        <span className={`badge badge--${item.status === 'supported' ? 'ok' : item.status === 'unsupported' ? 'warn' : 'muted'}`}>{VERSION_STATUS[item.status]}</span>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {project && project.supportedVersions.length > 0 ? (
              <p className="small muted">
                Supported: {project.supportedVersions.filter((rule) => rule.supported).map((rule) => rule.versions).join(', ') || 'none'}. Not supported:{' '}
                {project.supportedVersions.filter((rule) => !rule.supported).map((rule) => rule.versions).join(', ') || 'none'}.
              </p>
            ) : null}
          </section>

          <section aria-labelledby="deadlines" className="panel">
            <h2 id="deadlines">Deadlines</h2>
            <DeadlineTimeline receivedAt={r.receivedAt} deadlines={r.deadlines} now={now} />
            <DeadlineList deadlines={r.deadlines} now={now} />
          </section>
        </div>
      </div>

      <section aria-labelledby="audit" className="panel">
        <h2 id="audit">Audit history</h2>
        {r.abilities.readInternal ? <AuditPanel id={r.id} version={auditVersion} /> : <Notice>The audit history is for the project team.</Notice>}
      </section>
    </div>
  );
}
