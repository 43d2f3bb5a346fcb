import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../api/client';
import type { ReportState, TeamReport } from '../api/types';
import { ErrorNotice } from '../components/Notice';
import { CLOSING_STATES, STATE_LABELS } from '../lib/format';

const VERB: Partial<Record<ReportState, string>> = {
  acknowledged: 'Acknowledge',
  needs_info: 'Ask for information',
  triaged: 'Mark triaged',
  fix_in_progress: 'Start fix',
  fixed: 'Mark fixed',
  disclosed: 'Mark disclosed',
};

/** The moves the API offers for this report (allowedTransitions): the page never decides them itself. */
export function TransitionPanel({ report, onChanged }: { report: TeamReport; onChanged: (report: TeamReport) => void }) {
  const [target, setTarget] = useState<ReportState | null>(null);
  const [reason, setReason] = useState('');
  const [duplicateOf, setDuplicateOf] = useState('');
  const [forwardedTo, setForwardedTo] = useState('');
  const [state, setState] = useState<{ busy: boolean; error: unknown }>({ busy: false, error: null });
  if (report.allowedTransitions.length === 0) {
    return <p className="muted">{report.abilities.transition ? 'This report is in a final state.' : 'Your role on this project cannot change its state.'}</p>;
  }
  const progress = report.allowedTransitions.filter((to) => !CLOSING_STATES.includes(to));
  const closing = report.allowedTransitions.filter((to) => CLOSING_STATES.includes(to));
  const needsReason = target !== null && CLOSING_STATES.includes(target);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!target) return;
    if (needsReason && !reason.trim()) {
      setState({ busy: false, error: new Error('Closing a report needs a reason the reporter can read.') });
      return;
    }
    setState({ busy: true, error: null });
    try {
      const body = {
        to: target,
        ...(reason.trim() ? { reason: reason.trim() } : {}),
        ...(target === 'duplicate' ? { duplicateOf: duplicateOf.trim() } : {}),
        ...(target === 'forwarded_upstream' ? { forwardedTo: forwardedTo.trim() } : {}),
      };
      const updated = await api<TeamReport>(`/api/v1/reports/${report.id}/transitions`, { method: 'POST', body });
      setTarget(null);
      setReason('');
      setState({ busy: false, error: null });
      onChanged(updated);
    } catch (error) {
      const message = error instanceof ApiError && error.fields.length > 0 ? error.fields.map((field) => `${field.field}: ${field.message}`).join('; ') : null;
      setState({ busy: false, error: message ? new Error(message) : error });
    }
  }

  return (
    <div className="transitions">
      <div className="button-row" role="group" aria-label="Move the report forward">
        {progress.map((to) => (
          <button key={to} type="button" className={`button${target === to ? ' button--selected' : ''}`} aria-pressed={target === to} onClick={() => setTarget(to)}>
            {VERB[to] ?? STATE_LABELS[to]}
          </button>
        ))}
      </div>
      {closing.length > 0 ? (
        <div className="field field--inline">
          <label htmlFor="close-as">Close as</label>
          <select id="close-as" value={target && CLOSING_STATES.includes(target) ? target : ''} onChange={(event) => setTarget((event.target.value || null) as ReportState | null)}>
            <option value="">Choose an outcome…</option>
            {closing.map((to) => (
              <option key={to} value={to}>
                {STATE_LABELS[to]}
              </option>
            ))}
          </select>
        </div>
      ) : null}
      {target ? (
        <form onSubmit={submit} className="transition-form">
          <p>
            Move from <strong>{STATE_LABELS[report.state]}</strong> to <strong>{STATE_LABELS[target]}</strong>.
          </p>
          <div className="field">
            <label htmlFor="transition-reason" className="field__label">
              Reason{needsReason ? ' (required, the reporter can read it)' : ' (optional, kept in the audit history)'}
            </label>
            <textarea id="transition-reason" rows={3} value={reason} onChange={(event) => setReason(event.target.value)} />
          </div>
          {target === 'duplicate' ? (
            <div className="field">
              <label htmlFor="transition-duplicate" className="field__label">
                Id of the report this duplicates
              </label>
              <input id="transition-duplicate" className="mono" value={duplicateOf} onChange={(event) => setDuplicateOf(event.target.value)} />
            </div>
          ) : null}
          {target === 'forwarded_upstream' ? (
            <div className="field">
              <label htmlFor="transition-forwarded" className="field__label">
                Forwarded to (project, maintainer or URL)
              </label>
              <input id="transition-forwarded" value={forwardedTo} onChange={(event) => setForwardedTo(event.target.value)} />
            </div>
          ) : null}
          <ErrorNotice error={state.error} />
          <div className="button-row">
            <button type="submit" className="button button--primary" disabled={state.busy}>
              {state.busy ? 'Saving…' : `Confirm: ${STATE_LABELS[target]}`}
            </button>
            <button type="button" className="button button--link" onClick={() => setTarget(null)}>
              Cancel
            </button>
          </div>
        </form>
      ) : null}
    </div>
  );
}
