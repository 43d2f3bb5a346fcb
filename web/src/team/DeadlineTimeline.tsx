import type { Deadline } from '../api/types';
import { DEADLINE_LABELS, deadlineOutcome, formatDate } from '../lib/format';

/** A picture of the deadlines between receipt and the last one; the list beside it says the same in words. */
export function DeadlineTimeline({ receivedAt, deadlines, now }: { receivedAt: string; deadlines: Deadline[]; now: number }) {
  const dated = deadlines.filter((deadline) => deadline.dueAt);
  if (dated.length === 0) return null;
  const start = new Date(receivedAt).getTime();
  const end = Math.max(now, ...dated.map((deadline) => new Date(deadline.dueAt!).getTime())) + 3_600_000;
  const width = 600;
  const x = (time: number) => 10 + ((time - start) / (end - start)) * (width - 20);
  return (
    <svg className="timeline" viewBox={`0 0 ${width} 58`} role="img" aria-label="Deadline timeline from receipt to the last deadline">
      <line x1={10} x2={width - 10} y1={24} y2={24} className="timeline__axis" />
      <line x1={x(now)} x2={x(now)} y1={13} y2={40} className="timeline__now" />
      <text x={x(now)} y={10} className="timeline__label" textAnchor="middle">
        now
      </text>
      <text x={10} y={54} className="timeline__label">
        received {formatDate(receivedAt)}
      </text>
      <text x={width - 10} y={54} className="timeline__label" textAnchor="end">
        {formatDate(new Date(end).toISOString())}
      </text>
      {dated.map((deadline) => {
        const outcome = deadlineOutcome(deadline, now);
        return (
          <circle key={`${deadline.kind}:${deadline.seq}`} cx={x(new Date(deadline.dueAt!).getTime())} cy={24} r={7} className={`timeline__dot timeline__dot--${outcome.tone}`}>
            <title>{`${DEADLINE_LABELS[deadline.kind]}: ${outcome.label}`}</title>
          </circle>
        );
      })}
    </svg>
  );
}
