import { IANAZone } from 'luxon';
import type { Duration, DurationUnit } from '../../policy/duration.js';
import type { Weekday } from '../../policy/policy.schema.js';

/**
 * Zoned calendar arithmetic for response deadlines. Pure: every instant is passed in.
 *
 * Days are judged in the calendar's zone: a report received on Sunday 23:30 UTC is received on a
 * Monday in Berlin. Instants are plain `Date`s; wall-clock times only exist inside this module.
 *
 * A wall time that does not exist on the target day (spring-forward gap, e.g. 02:30 in Berlin on the
 * last Sunday of March) moves forward by the length of the gap (03:30), as Temporal's "compatible"
 * disambiguation does. A wall time that happens twice (fall-back) resolves to its first occurrence,
 * so a deadline is never later than the policy promised.
 */
export type Calendar = { timezone: string; weekend: readonly Weekday[]; holidays: readonly string[] };

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
const WEEKDAY_BY_UTC_DAY: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/**
 * A calendar ready for arithmetic. "Local" values are the zone's wall-clock time written as if it were
 * UTC milliseconds; a "day" is a whole number of days since 1970-01-01 in that wall-clock time.
 */
type ZonedCalendar = {
  toLocal(instant: number): number;
  fromLocal(local: number): number;
  isBusinessDay(day: number): boolean;
  startOfDay(day: number): number;
};

function zoned(calendar: Calendar): ZonedCalendar {
  const zone = IANAZone.create(calendar.timezone);
  if (!zone.isValid) throw new RangeError(`unknown time zone "${calendar.timezone}"`);
  const weekend = new Set(calendar.weekend);
  // Without a single working weekday, counting business days would never end.
  if (WEEKDAY_BY_UTC_DAY.every((weekday) => weekend.has(weekday))) {
    throw new RangeError('the calendar has no business days: every weekday is in the weekend');
  }
  const holidays = new Set(calendar.holidays);
  const toLocal = (instant: number): number => instant + zone.offset(instant) * MINUTE_MS;
  const fromLocal = (local: number): number => {
    // Offsets a day either side bracket any transition near this wall time.
    const offsetBefore = zone.offset(local - DAY_MS);
    const offsetAfter = zone.offset(local + DAY_MS);
    const candidates = [local - offsetBefore * MINUTE_MS, local - offsetAfter * MINUTE_MS].filter(
      (instant) => toLocal(instant) === local,
    );
    if (candidates.length > 0) return Math.min(...candidates);
    // In a gap: reading the wall time with the pre-transition offset lands just as far past the gap.
    return local - offsetBefore * MINUTE_MS;
  };
  return {
    toLocal,
    fromLocal,
    isBusinessDay(day) {
      const date = new Date(day * DAY_MS);
      return !weekend.has(WEEKDAY_BY_UTC_DAY[date.getUTCDay()]!) && !holidays.has(date.toISOString().slice(0, 10));
    },
    startOfDay: (day) => fromLocal(day * DAY_MS),
  };
}

function instantOf(date: Date, name: string): number {
  const time = date.getTime();
  if (Number.isNaN(time)) throw new RangeError(`${name} is not a valid date`);
  return time;
}

function splitLocal(local: number): { day: number; timeOfDay: number } {
  const day = Math.floor(local / DAY_MS);
  return { day, timeOfDay: local - day * DAY_MS };
}

/**
 * `start` plus a policy duration. A negative amount goes backwards (used for warnings before a deadline).
 * - hours: exact elapsed time, so "48 hours" is 48 real hours even across a DST change.
 * - days: calendar days in the zone at the same wall-clock time (a DST change does not shift it by an hour).
 * - businessDays: business days in the zone at the same wall-clock time. A start outside business days
 *   counts from 00:00 of the next business day, so Saturday 10:00 + 5 is the Monday 00:00 after next
 *   (the end of Friday) and Monday 10:00 + 5 is the next Monday 10:00.
 */
export function addDuration(start: Date, duration: Duration, calendar: Calendar): Date {
  const instant = instantOf(start, 'start');
  const { amount, unit } = duration;
  if (unit === 'hours') {
    if (!Number.isFinite(amount)) throw new RangeError(`invalid amount of hours: ${amount}`);
    return new Date(instant + amount * HOUR_MS);
  }
  if (!Number.isInteger(amount)) throw new RangeError(`${unit} need a whole amount, got ${amount}`);
  const zone = zoned(calendar);
  let { day, timeOfDay } = splitLocal(zone.toLocal(instant));
  if (unit === 'days') return new Date(zone.fromLocal((day + amount) * DAY_MS + timeOfDay));

  if (!zone.isBusinessDay(day)) {
    // Backwards this is also right: the next business day's 00:00 is the same business instant as the
    // end of the previous one.
    do day += 1;
    while (!zone.isBusinessDay(day));
    timeOfDay = 0;
  }
  const step = Math.sign(amount);
  for (let remaining = Math.abs(amount); remaining > 0; ) {
    day += step;
    if (zone.isBusinessDay(day)) remaining -= 1;
  }
  return new Date(zone.fromLocal(day * DAY_MS + timeOfDay));
}

/** Milliseconds of business-day time in [a, b); 0 when b is not after a. Days really last 23 or 25 h at DST. */
export function businessTimeBetween(a: Date, b: Date, calendar: Calendar): number {
  const from = instantOf(a, 'a');
  const to = instantOf(b, 'b');
  if (to <= from) return 0;
  const zone = zoned(calendar);
  let total = 0;
  for (let day = splitLocal(zone.toLocal(from)).day; zone.startOfDay(day) < to; day += 1) {
    if (!zone.isBusinessDay(day)) continue;
    const start = Math.max(from, zone.startOfDay(day));
    const end = Math.min(to, zone.startOfDay(day + 1));
    if (end > start) total += end - start;
  }
  return total;
}

/**
 * The earliest instant at which `ms` of business time has elapsed since `start`. Running out exactly at
 * the end of a Friday gives Saturday 00:00, not Monday 00:00: the same business instant, reported early.
 */
export function addBusinessTime(start: Date, ms: number, calendar: Calendar): Date {
  let cursor = instantOf(start, 'start');
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`business time must be a non-negative number, got ${ms}`);
  if (ms === 0) return new Date(cursor);
  const zone = zoned(calendar);
  let remaining = ms;
  for (let day = splitLocal(zone.toLocal(cursor)).day; ; day += 1) {
    const end = zone.startOfDay(day + 1);
    if (zone.isBusinessDay(day)) {
      if (remaining <= end - cursor) return new Date(cursor + remaining);
      remaining -= end - cursor;
    }
    cursor = end;
  }
}

/**
 * The deadline after a paused clock: later by the paused time. Business-day targets only lose the
 * business time that passed during the pause (a pause over a weekend costs nothing); other targets
 * lose the elapsed time.
 */
export function extendForPause(
  due: Date,
  pause: { from: Date; to: Date },
  unit: DurationUnit,
  calendar: Calendar,
): Date {
  const dueAt = instantOf(due, 'due');
  const from = instantOf(pause.from, 'pause.from');
  const to = instantOf(pause.to, 'pause.to');
  if (to <= from) return new Date(dueAt);
  if (unit === 'businessDays') return addBusinessTime(due, businessTimeBetween(pause.from, pause.to, calendar), calendar);
  return new Date(dueAt + (to - from));
}
