import type { Deadline } from '../api/types';
import { DEADLINE_LABELS, deadlineOutcome, formatDateTime, localZone } from '../lib/format';

const ICON: Record<string, string> = { ok: '✓', late: '!', overdue: '✗', pending: '○', paused: '‖' };

/** Each promised deadline, when it is due and whether it was kept: in words, not only colour. */
export function DeadlineList({ deadlines, now }: { deadlines: Deadline[]; now: number }) {
  if (deadlines.length === 0) return <p>No deadlines are running for this report.</p>;
  return (
    <>
      <ol className="deadlines">
        {deadlines.map((deadline) => {
          const outcome = deadlineOutcome(deadline, now);
          return (
            <li key={`${deadline.kind}:${deadline.seq}`} className={`deadline deadline--${outcome.tone}`}>
              <span className="deadline__icon" aria-hidden="true">
                {ICON[outcome.tone]}
              </span>
              <span className="deadline__body">
                <span className="deadline__kind">
                  {DEADLINE_LABELS[deadline.kind]}
                  {deadline.kind === 'status_update' && deadline.seq > 1 ? ` #${deadline.seq}` : ''}
                </span>
                <span className="deadline__due">Due {formatDateTime(deadline.dueAt)}</span>
                <span className="deadline__outcome">{outcome.label}</span>
              </span>
            </li>
          );
        })}
      </ol>
      <p className="muted small">Times are shown in your time zone ({localZone}).</p>
    </>
  );
}
