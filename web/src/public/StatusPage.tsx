import { useState } from 'react';
import { api, ApiError } from '../api/client';
import type { ReporterReport } from '../api/types';
import { AttachmentsPanel } from '../components/Attachments';
import { DeadlineList } from '../components/Deadlines';
import { ErrorNotice, Loading, Notice } from '../components/Notice';
import { ReplyBox, Thread } from '../components/Thread';
import { FIELD_LABELS, formatDateTime, isEncrypted, STATE_FOR_REPORTER, STATE_LABELS } from '../lib/format';
import { useApi, useNow } from '../lib/useApi';
import { usePageTitle } from '../router';

/** The token lives in the URL fragment: browsers never send fragments to servers or in Referer headers. */
function tokenFromFragment(): string {
  return decodeURIComponent(window.location.hash.replace(/^#/, '')).trim();
}

const CONTENT_FIELDS = ['description', 'stepsToReproduce', 'impact', 'environment', 'proofOfConcept', 'suggestedFix'] as const;

function KeepLink({ justSubmitted }: { justSubmitted: boolean }) {
  const [copied, setCopied] = useState<'no' | 'yes' | 'failed'>('no');
  const url = window.location.href;
  return (
    <Notice tone={justSubmitted ? 'success' : 'warning'} role={justSubmitted ? 'status' : undefined}>
      {justSubmitted ? <p className="notice__title">Thank you: your report was received.</p> : null}
      <p>
        <strong>Keep this page's link.</strong> It is the only way back to your report, and anyone who has it can read the report and answer in your name. Bookmark it or save it somewhere private. The private
        part after the # never leaves your browser except to open this report.
      </p>
      <div className="copy-row">
        <label htmlFor="status-link" className="visually-hidden">
          Private link to this report
        </label>
        <input id="status-link" className="mono" readOnly value={url} onFocus={(event) => event.target.select()} />
        <button
          type="button"
          className="button"
          onClick={() =>
            navigator.clipboard.writeText(url).then(
              () => setCopied('yes'),
              () => setCopied('failed'),
            )
          }
        >
          Copy link
        </button>
      </div>
      <p role="status" className="small">
        {copied === 'yes' ? 'Link copied.' : copied === 'failed' ? 'Copying failed: select the link and copy it yourself.' : ''}
      </p>
    </Notice>
  );
}

export function StatusPage({ id, justSubmitted }: { id: string; justSubmitted: boolean }) {
  const token = tokenFromFragment();
  const now = useNow();
  const report = useApi(token ? `report:${id}` : null, (signal) => api<ReporterReport>(`/api/v1/reports/${encodeURIComponent(id)}`, { token, signal }));
  usePageTitle(report.data ? `Your report: ${STATE_LABELS[report.data.state]}` : 'Your report');

  if (!token) {
    return (
      <>
        <h1>Your report</h1>
        <Notice tone="warning">
          <p>This link is missing its private part (after the #). Open the complete link you saved when you sent the report.</p>
        </Notice>
      </>
    );
  }
  if (report.loading && !report.data) return <Loading what="your report" />;
  if (!report.data) {
    const notFound = report.error instanceof ApiError && (report.error.status === 401 || report.error.status === 404);
    return (
      <>
        <h1>Your report</h1>
        {notFound ? (
          <Notice tone="error" role="alert">
            <p>This link does not open a report. Check that you copied the whole link, including the part after the #.</p>
          </Notice>
        ) : (
          <ErrorNotice error={report.error} />
        )}
      </>
    );
  }
  const r = report.data;
  return (
    <>
      <h1>Your report to {r.project}</h1>
      <KeepLink justSubmitted={justSubmitted} />
      <section aria-labelledby="status" className="panel">
        <h2 id="status">Status</h2>
        <p className="status-line">
          <span className={`badge badge--state badge--${r.state}`}>{STATE_LABELS[r.state]}</span> {STATE_FOR_REPORTER[r.state]}
        </p>
        <dl className="facts">
          <div>
            <dt>Title</dt>
            <dd>{r.title}</dd>
          </div>
          <div>
            <dt>Received</dt>
            <dd>{formatDateTime(r.receivedAt)}</dd>
          </div>
          <div>
            <dt>Last change</dt>
            <dd>{formatDateTime(r.updatedAt)}</dd>
          </div>
          {r.severity ? (
            <div>
              <dt>Severity</dt>
              <dd>{r.severity}</dd>
            </div>
          ) : null}
        </dl>
      </section>
      <section aria-labelledby="deadlines" className="panel">
        <h2 id="deadlines">What the team promised</h2>
        <DeadlineList deadlines={r.deadlines} now={now} />
      </section>
      <section aria-labelledby="thread" className="panel">
        <h2 id="thread">Messages</h2>
        <Thread messages={r.messages} viewer="reporter" />
        {r.abilities.reply ? (
          <ReplyBox
            label="Reply to the team"
            onSend={async (body) => {
              await api(`/api/v1/reports/${encodeURIComponent(id)}/messages`, { method: 'POST', token, body: { body, internal: false } });
              report.reload();
            }}
          />
        ) : null}
      </section>
      <section aria-labelledby="files" className="panel">
        <h2 id="files">Files</h2>
        <AttachmentsPanel reportId={id} token={token} viewer="reporter" />
      </section>
      <details className="details panel">
        <summary>What you sent</summary>
        <dl className="facts facts--stacked">
          {CONTENT_FIELDS.map((field) =>
            r[field] ? (
              <div key={field}>
                <dt>{FIELD_LABELS[field]}</dt>
                <dd className="prewrap">{isEncrypted(r[field]) ? 'Encrypted in your browser for the team.' : r[field]}</dd>
              </div>
            ) : null,
          )}
          {r.affectedVersions.length > 0 ? (
            <div>
              <dt>Affected versions</dt>
              <dd>{r.affectedVersions.join(', ')}</dd>
            </div>
          ) : null}
        </dl>
      </details>
    </>
  );
}
