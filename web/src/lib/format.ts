import type { Deadline, ReportState } from '../api/types';

export const STATE_LABELS: Record<ReportState, string> = {
  new: 'New',
  acknowledged: 'Acknowledged',
  needs_info: 'Needs information',
  triaged: 'Triaged',
  fix_in_progress: 'Fix in progress',
  fixed: 'Fixed',
  disclosed: 'Disclosed',
  invalid: 'Closed: invalid',
  duplicate: 'Closed: duplicate',
  out_of_scope: 'Closed: out of scope',
  not_applicable: 'Closed: not applicable',
  spam: 'Closed: spam',
  forwarded_upstream: 'Forwarded upstream',
};

/** What each state means to the person who reported. */
export const STATE_FOR_REPORTER: Record<ReportState, string> = {
  new: 'Received. Nobody has answered yet.',
  acknowledged: 'The team has seen your report and is looking at it.',
  needs_info: 'The team needs more information from you: please answer below.',
  triaged: 'The team confirmed the issue and rated it.',
  fix_in_progress: 'A fix is being prepared.',
  fixed: 'A fix is ready or released; disclosure follows.',
  disclosed: 'The vulnerability has been disclosed.',
  invalid: 'Closed: the team does not consider this a vulnerability.',
  duplicate: 'Closed: this was already reported.',
  out_of_scope: "Closed: this is outside the project's security scope.",
  not_applicable: 'Closed: this does not apply to the project.',
  spam: 'Closed as spam.',
  forwarded_upstream: 'Forwarded to the maintainers of the affected component.',
};

export const CLOSING_STATES: readonly ReportState[] = ['invalid', 'duplicate', 'out_of_scope', 'not_applicable', 'spam', 'forwarded_upstream'];
export const OPEN_STATES: readonly ReportState[] = ['new', 'acknowledged', 'needs_info', 'triaged', 'fix_in_progress', 'fixed'];

export const DEADLINE_LABELS: Record<Deadline['kind'], string> = {
  acknowledge: 'First answer (acknowledgement)',
  assessment: 'Assessment: accepted or not',
  detailed_response: 'Detailed response with next steps',
  status_update: 'Status update',
  resolution: 'Fix',
};

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

export function formatDateTime(iso: string | null): string {
  return iso ? dateTime.format(new Date(iso)) : '—';
}
export function formatDate(iso: string | null): string {
  return iso ? dateOnly.format(new Date(iso)) : '—';
}
export const localZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

/** "2026-03-10 13:00 UTC": the same text for every reader, wherever they are. */
export function formatUtc(iso: string): string {
  const text = new Date(iso).toISOString();
  return `${text.slice(0, 10)} ${text.slice(11, 16)} UTC`;
}

const zonedDateTime = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZoneName: 'short' });
const UTC_ZONES = new Set(['UTC', 'Etc/UTC', 'Etc/GMT', 'GMT', 'Etc/Universal', 'Etc/Zulu', 'UCT']);

/** The same instant in the reader's own time zone, with the zone named; null when that zone is UTC. */
export function formatLocalWithZone(iso: string): string | null {
  if (UTC_ZONES.has(localZone)) return null;
  return `${zonedDateTime.format(new Date(iso))} (${localZone})`;
}

/** "2 d 4 h", "3 h 10 min", "5 min": the two largest units. */
export function formatSpan(ms: number): string {
  const minutes = Math.max(0, Math.round(Math.abs(ms) / 60_000));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  if (days > 0) return hours > 0 ? `${days} d ${hours} h` : `${days} d`;
  if (hours > 0) return mins > 0 ? `${hours} h ${mins} min` : `${hours} h`;
  return `${mins} min`;
}

export function countdown(dueAt: string | null, now: number): { text: string; overdue: boolean } {
  if (!dueAt) return { text: 'no deadline running', overdue: false };
  const left = new Date(dueAt).getTime() - now;
  return left < 0 ? { text: `overdue by ${formatSpan(left)}`, overdue: true } : { text: `due in ${formatSpan(left)}`, overdue: false };
}

export type DeadlineOutcome = { label: string; tone: 'ok' | 'late' | 'overdue' | 'pending' | 'paused' };

export function deadlineOutcome(deadline: Deadline, now: number): DeadlineOutcome {
  if (deadline.metAt) {
    const late = deadline.dueAt !== null && new Date(deadline.metAt).getTime() > new Date(deadline.dueAt).getTime();
    return late ? { label: `Met late, ${formatDateTime(deadline.metAt)}`, tone: 'late' } : { label: `Met on time, ${formatDateTime(deadline.metAt)}`, tone: 'ok' };
  }
  if (deadline.paused) return { label: 'Paused while the team waits for information', tone: 'paused' };
  if (!deadline.dueAt) return { label: 'Not scheduled yet', tone: 'pending' };
  const left = new Date(deadline.dueAt).getTime() - now;
  return left < 0 || deadline.overdue ? { label: `Missed: overdue by ${formatSpan(left)}`, tone: 'overdue' } : { label: `Open: due in ${formatSpan(left)}`, tone: 'pending' };
}

export function hoursText(hours: number | null): string {
  if (hours === null) return '—';
  if (hours === 0) return '0';
  if (hours < 1) return `${Math.round(hours * 60)} min`;
  return hours >= 48 ? `${(hours / 24).toFixed(1)} d` : `${hours.toFixed(1)} h`;
}

export const FIELD_LABELS: Record<string, string> = {
  title: 'Title',
  description: 'Description',
  stepsToReproduce: 'Steps to reproduce',
  impact: 'Impact',
  affectedVersions: 'Affected versions',
  environment: 'Environment',
  proofOfConcept: 'Proof of concept',
  suggestedFix: 'Suggested fix',
  credit: 'Credit',
  contactEmail: 'Contact email',
  pgpPublicKey: 'Your OpenPGP public key',
};

export const PGP_MESSAGE = '-----BEGIN PGP MESSAGE-----';
export const isEncrypted = (text: string | null | undefined): boolean => typeof text === 'string' && text.trimStart().startsWith(PGP_MESSAGE);
