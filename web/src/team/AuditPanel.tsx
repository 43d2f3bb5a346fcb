import { api } from '../api/client';
import type { AuditItem } from '../api/types';
import { ErrorNotice, Loading } from '../components/Notice';
import { formatDateTime, STATE_LABELS } from '../lib/format';
import { useApi } from '../lib/useApi';

const COLUMN_NAMES: Record<string, string> = {
  severity: 'severity',
  cvss31_vector: 'CVSS 3.1',
  cvss40_vector: 'CVSS 4.0',
  handler_id: 'handler',
  backup_handler_id: 'backup handler',
};

function describe(item: AuditItem): string {
  const data = item.data;
  switch (item.action) {
    case 'report.received':
      return `Report received (${String(data.source ?? 'api')})`;
    case 'report.transitioned': {
      const from = STATE_LABELS[data.from as keyof typeof STATE_LABELS] ?? String(data.from ?? '');
      const to = STATE_LABELS[data.to as keyof typeof STATE_LABELS] ?? String(data.to ?? '');
      return `State: ${from} → ${to}`;
    }
    case 'report.updated':
      return `Updated ${Object.keys((data.changes as Record<string, unknown> | undefined) ?? {})
        .filter((column) => !column.endsWith('_score'))
        .map((column) => COLUMN_NAMES[column] ?? column)
        .join(', ')}`;
    case 'report.message_posted':
      return 'Message posted';
    case 'report.note_added':
      return 'Internal note added';
    default:
      return item.action;
  }
}

/** Who did what, when and why: the report's own tamper-evident audit stream. */
export function AuditPanel({ id, version }: { id: string; version: number }) {
  const audit = useApi(`audit:${id}:${version}`, (signal) => api<{ items: AuditItem[] }>(`/api/v1/reports/${encodeURIComponent(id)}/audit`, { signal }));
  if (audit.loading && !audit.data) return <Loading what="the audit history" />;
  if (!audit.data) return <ErrorNotice error={audit.error} />;
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label="Audit history table">
      <table className="table table--compact">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Who</th>
            <th scope="col">What</th>
            <th scope="col">Reason</th>
            <th scope="col">Sealed</th>
          </tr>
        </thead>
        <tbody>
          {audit.data.items.map((item) => (
            <tr key={item.seq}>
              <td>
                <time dateTime={item.occurredAt}>{formatDateTime(item.occurredAt)}</time>
              </td>
              <td>{item.actorName ?? item.actorType}</td>
              <td>
                {describe(item)}
                {item.action === 'report.updated' ? <code className="small block">{JSON.stringify(item.data.changes)}</code> : null}
              </td>
              <td>{item.reason ?? ''}</td>
              <td>{item.sealed ? 'Yes' : 'Not yet'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
