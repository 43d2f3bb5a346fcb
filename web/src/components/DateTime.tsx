import { formatLocalWithZone, formatUtc } from '../lib/format';

/**
 * A published instant, unambiguous for everyone: the date and time in UTC (what the advisory, its
 * feeds and exports say), then the same moment in the reader's own time zone, named.
 */
export function DateTime({ iso, local = true }: { iso: string; local?: boolean }) {
  const inZone = local ? formatLocalWithZone(iso) : null;
  return (
    <>
      <time dateTime={iso}>{formatUtc(iso)}</time>
      {inZone ? <span className="block muted small">Your time: {inZone}</span> : null}
    </>
  );
}
