import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../api/client';
import type { PublicProject, TeamReport } from '../api/types';
import { ErrorNotice } from '../components/Notice';
import { useTeam } from './context';

/** Severity (the project's own levels), handler and backup handler. */
export function TriageFields({ report, project, onChanged }: { report: TeamReport; project: PublicProject | undefined; onChanged: (report: TeamReport) => void }) {
  const team = useTeam();
  const [severity, setSeverity] = useState(report.severity ?? '');
  const [handlerId, setHandlerId] = useState(report.handlerId ?? '');
  const [backupId, setBackupId] = useState(report.backupHandlerId ?? '');
  const [state, setState] = useState<{ busy: boolean; error: unknown; done: boolean }>({ busy: false, error: null, done: false });
  const canEdit = report.abilities.update === true;
  const handlers = team.handlersByProject[report.project] ?? [];
  const cvssSeverity = report.cvss40?.severity ?? report.cvss31?.severity ?? null;
  const suggested = cvssSeverity && project?.severityLevels.some((level) => level.id === cvssSeverity) ? cvssSeverity : null;

  async function submit(event: FormEvent) {
    event.preventDefault();
    const patch: Record<string, string | null> = {};
    if (severity !== (report.severity ?? '')) patch.severity = severity || null;
    if (handlerId !== (report.handlerId ?? '')) patch.handlerId = handlerId || null;
    if (backupId !== (report.backupHandlerId ?? '')) patch.backupHandlerId = backupId || null;
    if (Object.keys(patch).length === 0) {
      setState({ busy: false, error: null, done: true });
      return;
    }
    setState({ busy: true, error: null, done: false });
    try {
      onChanged(await api<TeamReport>(`/api/v1/reports/${report.id}`, { method: 'PATCH', body: patch }));
      setState({ busy: false, error: null, done: true });
    } catch (error) {
      setState({ busy: false, error: error instanceof ApiError && error.fields[0] ? new Error(`${error.message} (${error.fields[0].message})`) : error, done: false });
    }
  }

  const people = (label: string) => [
    { value: '', label },
    ...handlers.map((handler) => ({ value: handler.id, label: `${handler.displayName ?? handler.email}${handler.id === team.me.id ? ' (you)' : ''}` })),
  ];
  return (
    <form onSubmit={submit} className="triage-fields">
      <fieldset disabled={!canEdit} className="fieldset fieldset--plain">
        <legend className="visually-hidden">Severity and handlers</legend>
        <div className="field">
          <label htmlFor="triage-severity" className="field__label">
            Severity
          </label>
          {suggested && suggested !== severity ? (
            <p className="field__hint" id="triage-severity-hint">
              The CVSS score suggests “{suggested}”.{' '}
              <button type="button" className="button button--link" onClick={() => setSeverity(suggested)}>
                Use it
              </button>
            </p>
          ) : null}
          <select id="triage-severity" value={severity} onChange={(event) => setSeverity(event.target.value)}>
            <option value="">Not rated</option>
            {(project?.severityLevels ?? []).map((level) => (
              <option key={level.id} value={level.id}>
                {level.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="triage-handler" className="field__label">
            Handler
          </label>
          <select id="triage-handler" value={handlerId} onChange={(event) => setHandlerId(event.target.value)}>
            {people('Unassigned').map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="triage-backup" className="field__label">
            Backup handler
          </label>
          <select id="triage-backup" value={backupId} onChange={(event) => setBackupId(event.target.value)}>
            {people('None').map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </select>
        </div>
        {canEdit ? (
          <button type="submit" className="button button--primary" disabled={state.busy}>
            {state.busy ? 'Saving…' : 'Save severity and handlers'}
          </button>
        ) : (
          <p className="muted small">Your role on this project is read-only.</p>
        )}
      </fieldset>
      <ErrorNotice error={state.error} />
      {state.done ? (
        <p className="small" role="status">
          Saved.
        </p>
      ) : null}
    </form>
  );
}
