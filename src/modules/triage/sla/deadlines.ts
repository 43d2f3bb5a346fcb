import type { Duration } from '../../policy/duration.js';
import type { Timeline } from '../../policy/policy.schema.js';
import { addDuration, extendForPause, type Calendar } from './business-time.js';

/**
 * The response deadlines a report is owed under its policy's timeline, derived from recorded facts
 * only: the same facts always give the same deadlines, so they can be recomputed after any change
 * (severity set, pause ended, message sent) instead of being kept in step by hand.
 */

export type DeadlineKind = 'acknowledge' | 'assessment' | 'detailed_response' | 'status_update' | 'resolution';

export type DeadlineFacts = {
  receivedAt: Date;
  /** First transition out of 'new'. */
  acknowledgedAt: Date | null;
  /** Reached 'triaged' or a closing outcome. */
  assessedAt: Date | null;
  /** Reached 'fixed'/'disclosed' or a closing outcome. */
  resolvedAt: Date | null;
  /** Terminal state: no more recurring status updates. */
  closedAt: Date | null;
  /** A severity level id, or null while unset. */
  severity: string | null;
  /** 'needs_info' intervals; `to` is null while still paused. */
  pauses: { from: Date; to: Date | null }[];
  /** Team messages visible to the reporter (not internal notes). */
  teamMessages: Date[];
  /** State transitions (visible to the reporter). */
  stateChanges: Date[];
};

/**
 * `seq` is 1 for one-off deadlines and counts status-update cycles from 1, so (kind, seq) names a
 * deadline stably across recomputations. A deadline is met on time when `metAt <= dueAt`.
 */
export type Deadline = { kind: DeadlineKind; seq: number; dueAt: Date | null; metAt: Date | null; paused: boolean };

/** Only the latest status-update cycles are emitted; older ones are long settled. */
export const MAX_STATUS_UPDATE_CYCLES = 50;

const KIND_ORDER: readonly DeadlineKind[] = ['acknowledge', 'assessment', 'detailed_response', 'status_update', 'resolution'];

export function calendarOf(timeline: Timeline): Calendar {
  return { timezone: timeline.timezone, weekend: timeline.weekend, holidays: timeline.holidays };
}

/** The facts of a report that has just arrived: nothing has happened to it yet. */
export function newReportFacts(receivedAt: Date): DeadlineFacts {
  return { receivedAt, acknowledgedAt: null, assessedAt: null, resolvedAt: null, closedAt: null, severity: null, pauses: [], teamMessages: [], stateChanges: [] };
}

export function computeDeadlines(timeline: Timeline, facts: DeadlineFacts): Deadline[] {
  const calendar = calendarOf(timeline);
  const deadlines: Deadline[] = [];
  if (timeline.acknowledge) {
    deadlines.push(oneOff('acknowledge', addDuration(facts.receivedAt, timeline.acknowledge, calendar), facts.acknowledgedAt));
  }
  if (timeline.initialAssessment) {
    deadlines.push(assessmentDeadline(timeline.initialAssessment, facts, calendar));
  }
  if (timeline.detailedResponse && facts.acknowledgedAt) {
    const acknowledgedAt = facts.acknowledgedAt;
    const firstMessage = earliest(facts.teamMessages.filter((at) => at.getTime() >= acknowledgedAt.getTime()));
    const metAt = earliest([firstMessage, facts.assessedAt]);
    deadlines.push(oneOff('detailed_response', addDuration(acknowledgedAt, timeline.detailedResponse, calendar), metAt));
  }
  if (timeline.statusUpdate) {
    deadlines.push(...statusUpdateDeadlines(timeline.statusUpdate, facts, calendar));
  }
  // hasOwn: a severity id such as "constructor" must not find Object.prototype members.
  const resolution =
    facts.severity !== null && Object.hasOwn(timeline.resolution, facts.severity)
      ? timeline.resolution[facts.severity]
      : undefined;
  if (resolution) {
    deadlines.push(oneOff('resolution', addDuration(facts.receivedAt, resolution, calendar), facts.resolvedAt));
  }
  return deadlines.sort(compareDeadlines);
}

function oneOff(kind: DeadlineKind, dueAt: Date, metAt: Date | null): Deadline {
  return { kind, seq: 1, dueAt, metAt, paused: false };
}

/**
 * The assessment clock stops while the team waits for the reporter. A pause that begins after the
 * deadline has already passed does not extend it: asking for information cannot rescue a missed
 * deadline. While a pause is open, `dueAt` is the deadline extended by the pauses that have ended and
 * `paused` is true; the open pause's length is only known when it ends.
 */
function assessmentDeadline(target: Duration, facts: DeadlineFacts, calendar: Calendar): Deadline {
  const metAt = facts.assessedAt;
  let dueAt = addDuration(facts.receivedAt, target, calendar);
  for (const pause of normalizePauses(facts.pauses, facts.receivedAt, metAt)) {
    if (pause.from.getTime() > dueAt.getTime()) break;
    if (pause.to === null) return { kind: 'assessment', seq: 1, dueAt, metAt, paused: true };
    dueAt = extendForPause(dueAt, { from: pause.from, to: pause.to }, target.unit, calendar);
  }
  return oneOff('assessment', dueAt, metAt);
}

/**
 * Sorted, merged, non-empty pauses inside [receivedAt, metAt): overlapping intervals in the facts must
 * not stop the clock twice, and the clock cannot be stopped once the deadline is met.
 */
function normalizePauses(
  pauses: DeadlineFacts['pauses'],
  receivedAt: Date,
  metAt: Date | null,
): { from: Date; to: Date | null }[] {
  const start = receivedAt.getTime();
  const stop = metAt?.getTime() ?? Infinity;
  const clipped = pauses
    .map((pause) => ({
      from: Math.max(pause.from.getTime(), start),
      to: Math.min(pause.to?.getTime() ?? Infinity, stop),
    }))
    .filter((pause) => pause.to > pause.from)
    .sort((a, b) => a.from - b.from);
  const merged: { from: number; to: number }[] = [];
  for (const pause of clipped) {
    const last = merged.at(-1);
    if (last && pause.from <= last.to) last.to = Math.max(last.to, pause.to);
    else merged.push({ ...pause });
  }
  return merged.map((pause) => ({
    from: new Date(pause.from),
    to: Number.isFinite(pause.to) ? new Date(pause.to) : null,
  }));
}

/**
 * "Status update within 7 days": the reporter never waits longer than the target without news. Each
 * cycle starts when the previous one was met; any visible team message or state change strictly after
 * the cycle's start meets it (the acknowledgement transition itself does not). No cycle starts at or
 * after closing, and a cycle still open at closing is met then. The clock does not pause while waiting
 * for the reporter: the reporter is still owed news of progress.
 */
function statusUpdateDeadlines(target: Duration, facts: DeadlineFacts, calendar: Calendar): Deadline[] {
  const events = [...facts.teamMessages, ...facts.stateChanges].map((at) => at.getTime()).sort((a, b) => a - b);
  const closedAt = facts.closedAt?.getTime() ?? Infinity;
  let start = (facts.acknowledgedAt ?? facts.receivedAt).getTime();
  const cycles: Deadline[] = [];
  let next = 0;
  for (let seq = 1; start < closedAt; seq += 1) {
    while (next < events.length && events[next]! <= start) next += 1;
    const event = events[next];
    const met = event !== undefined && event < closedAt ? event : closedAt;
    const dueAt = addDuration(new Date(start), target, calendar);
    cycles.push({ kind: 'status_update', seq, dueAt, metAt: Number.isFinite(met) ? new Date(met) : null, paused: false });
    if (cycles.length > MAX_STATUS_UPDATE_CYCLES) cycles.shift();
    if (!Number.isFinite(met) || met === closedAt) break;
    start = met;
  }
  return cycles;
}

function earliest(dates: readonly (Date | null)[]): Date | null {
  let found: Date | null = null;
  for (const date of dates) {
    if (date && (!found || date.getTime() < found.getTime())) found = date;
  }
  return found;
}

function compareDeadlines(a: Deadline, b: Deadline): number {
  const byDue = (a.dueAt?.getTime() ?? Infinity) - (b.dueAt?.getTime() ?? Infinity);
  if (byDue !== 0 && !Number.isNaN(byDue)) return byDue;
  return KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || a.seq - b.seq;
}

function isPending(deadline: Deadline): deadline is Deadline & { dueAt: Date } {
  return deadline.dueAt !== null && deadline.metAt === null && !deadline.paused;
}

/** The earliest due instant among deadlines still running (unmet and not paused); what a sweep waits for. */
export function nextDue(deadlines: readonly Deadline[]): Date | null {
  return earliest(deadlines.filter(isPending).map((deadline) => deadline.dueAt));
}

/**
 * Unmet, running and strictly past due: meeting a deadline at exactly `dueAt` is on time. A met
 * deadline is never overdue (it may have been met late: compare `metAt` with `dueAt`), nor is a paused one.
 */
export function isOverdue(deadline: Deadline, now: Date): boolean {
  return isPending(deadline) && now.getTime() > deadline.dueAt.getTime();
}

/** `dueAt` minus `warnBefore`, with the same arithmetic as targets (business days count back over weekends). */
export function warningAt(deadline: Deadline, warnBefore: Duration, calendar: Calendar): Date | null {
  if (!deadline.dueAt) return null;
  return addDuration(deadline.dueAt, { amount: -warnBefore.amount, unit: warnBefore.unit }, calendar);
}

/** From the warning instant up to and including `dueAt`; once overdue it is `isOverdue` instead, never both. */
export function isDueSoon(deadline: Deadline, now: Date, warnBefore: Duration, calendar: Calendar): boolean {
  if (!isPending(deadline) || isOverdue(deadline, now)) return false;
  const warning = warningAt(deadline, warnBefore, calendar);
  return warning !== null && now.getTime() >= warning.getTime();
}
