import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDuration, type Duration } from '../../policy/duration.js';
import { addBusinessTime, addDuration, businessTimeBetween, extendForPause, type Calendar } from './business-time.js';

const HOUR = 3_600_000;
const berlin: Calendar = { timezone: 'Europe/Berlin', weekend: ['sat', 'sun'], holidays: [] };
// Good Friday and Easter Monday 2024, around the spring-forward Sunday (31 March).
const berlinEaster: Calendar = { ...berlin, holidays: ['2024-03-29', '2024-04-01'] };
const newYork: Calendar = { timezone: 'America/New_York', weekend: ['sat', 'sun'], holidays: [] };
const utc: Calendar = { timezone: 'UTC', weekend: ['sat', 'sun'], holidays: [] };

function duration(text: string): Duration {
  const parsed = parseDuration(text);
  assert.ok(parsed, text);
  return parsed;
}

/** Compares instants: the expected value is written with the offset the zone has at that moment. */
function assertInstant(actual: Date, expected: string): void {
  assert.equal(actual.toISOString(), new Date(expected).toISOString());
}

describe('addDuration: hours', () => {
  it('adds exact elapsed hours across spring forward (wall clock shows one hour more)', () => {
    assertInstant(addDuration(new Date('2024-03-30T12:00:00+01:00'), duration('48 hours'), berlin), '2024-04-01T13:00:00+02:00');
  });

  it('adds exact elapsed hours across fall back in New York', () => {
    assertInstant(addDuration(new Date('2024-11-02T12:00:00-04:00'), duration('24 hours'), newYork), '2024-11-03T11:00:00-05:00');
  });

  it('ignores weekends and holidays', () => {
    assertInstant(addDuration(new Date('2024-03-28T18:00:00+01:00'), duration('48 hours'), berlinEaster), '2024-03-30T18:00:00+01:00');
  });
});

describe('addDuration: days', () => {
  it('keeps the wall-clock time across spring forward in Berlin (23 real hours)', () => {
    const start = new Date('2024-03-30T12:00:00+01:00');
    const due = addDuration(start, duration('1 day'), berlin);
    assertInstant(due, '2024-03-31T12:00:00+02:00');
    assert.equal(due.getTime() - start.getTime(), 23 * HOUR);
  });

  it('keeps the wall-clock time across fall back in Berlin (25 real hours)', () => {
    const start = new Date('2024-10-26T12:00:00+02:00');
    const due = addDuration(start, duration('1 day'), berlin);
    assertInstant(due, '2024-10-27T12:00:00+01:00');
    assert.equal(due.getTime() - start.getTime(), 25 * HOUR);
  });

  it('keeps the wall-clock time across both New York transitions', () => {
    assertInstant(addDuration(new Date('2024-03-09T09:00:00-05:00'), duration('1 day'), newYork), '2024-03-10T09:00:00-04:00');
    assertInstant(addDuration(new Date('2024-11-02T09:00:00-04:00'), duration('1 day'), newYork), '2024-11-03T09:00:00-05:00');
  });

  it('counts "14 days" and "1 week" as calendar days, weekends and holidays included', () => {
    assertInstant(addDuration(new Date('2024-03-25T10:00:00+01:00'), duration('14 days'), berlinEaster), '2024-04-08T10:00:00+02:00');
    assertInstant(addDuration(new Date('2024-03-25T10:00:00+01:00'), duration('1 week'), berlinEaster), '2024-04-01T10:00:00+02:00');
  });

  it('moves a wall time that does not exist on the target day forward by the gap, without drifting later days', () => {
    const start = new Date('2024-03-30T02:30:00+01:00');
    assertInstant(addDuration(start, duration('1 day'), berlin), '2024-03-31T03:30:00+02:00');
    assertInstant(addDuration(start, duration('2 days'), berlin), '2024-04-01T02:30:00+02:00');
    assertInstant(addDuration(new Date('2024-03-09T02:30:00-05:00'), duration('1 day'), newYork), '2024-03-10T03:30:00-04:00');
  });

  it('resolves a wall time that happens twice to its first occurrence', () => {
    assertInstant(addDuration(new Date('2024-10-26T02:30:00+02:00'), duration('1 day'), berlin), '2024-10-27T02:30:00+02:00');
    assertInstant(addDuration(new Date('2024-10-28T02:30:00+01:00'), { amount: -1, unit: 'days' }, berlin), '2024-10-27T02:30:00+02:00');
    assertInstant(addDuration(new Date('2024-11-02T01:30:00-04:00'), duration('1 day'), newYork), '2024-11-03T01:30:00-04:00');
  });
});

describe('addDuration: business days', () => {
  const fiveBusinessDays = duration('5 business days');

  it('Monday 10:00 + 5 business days is the next Monday 10:00', () => {
    assertInstant(addDuration(new Date('2024-03-04T10:00:00+01:00'), fiveBusinessDays, berlin), '2024-03-11T10:00:00+01:00');
  });

  it('Friday 10:00 + 1 business day skips the weekend', () => {
    assertInstant(addDuration(new Date('2024-03-08T10:00:00+01:00'), duration('1 business day'), berlin), '2024-03-11T10:00:00+01:00');
  });

  it('a Saturday start counts from Monday 00:00: + 5 is the Monday 00:00 after (the end of Friday)', () => {
    assertInstant(addDuration(new Date('2024-03-09T10:00:00+01:00'), fiveBusinessDays, berlin), '2024-03-18T00:00:00+01:00');
  });

  it('a Sunday start counts from Monday 00:00', () => {
    assertInstant(addDuration(new Date('2024-03-10T23:59:00+01:00'), fiveBusinessDays, berlin), '2024-03-18T00:00:00+01:00');
    assertInstant(addDuration(new Date('2024-03-10T10:00:00+01:00'), { amount: 0, unit: 'businessDays' }, berlin), '2024-03-11T00:00:00+01:00');
  });

  it('skips holidays and a weekend, keeping the wall time across spring forward', () => {
    // Tue 26, Wed 27, Thu 28, (Good Friday, weekend, Easter Monday), Tue 2, Wed 3.
    assertInstant(addDuration(new Date('2024-03-25T10:00:00+01:00'), fiveBusinessDays, berlinEaster), '2024-04-03T10:00:00+02:00');
    assertInstant(addDuration(new Date('2024-03-28T10:00:00+01:00'), duration('1 business day'), berlinEaster), '2024-04-02T10:00:00+02:00');
  });

  it('a start on a holiday counts from 00:00 of the next business day', () => {
    assertInstant(addDuration(new Date('2024-03-29T10:00:00+01:00'), duration('1 business day'), berlinEaster), '2024-04-03T00:00:00+02:00');
  });

  it('keeps the wall time across fall back in Berlin', () => {
    assertInstant(addDuration(new Date('2024-10-25T09:00:00+02:00'), duration('1 business day'), berlin), '2024-10-28T09:00:00+01:00');
  });

  it('keeps the wall time across both New York transitions', () => {
    assertInstant(addDuration(new Date('2024-03-08T09:00:00-05:00'), duration('1 business day'), newYork), '2024-03-11T09:00:00-04:00');
    assertInstant(addDuration(new Date('2024-11-01T09:00:00-04:00'), duration('1 business day'), newYork), '2024-11-04T09:00:00-05:00');
  });

  it('moves a wall time that does not exist on the target day forward by the gap', () => {
    const everyDay: Calendar = { ...berlin, weekend: [] };
    assertInstant(addDuration(new Date('2024-03-30T02:30:00+01:00'), duration('1 business day'), everyDay), '2024-03-31T03:30:00+02:00');
  });

  it('judges the day in the calendar zone, not in UTC', () => {
    // Sunday 23:30 UTC is Monday 00:30 in Berlin.
    const start = new Date('2024-03-10T23:30:00Z');
    assertInstant(addDuration(start, duration('1 business day'), berlin), '2024-03-12T00:30:00+01:00');
    assertInstant(addDuration(start, duration('1 business day'), utc), '2024-03-12T00:00:00Z');
  });

  it('honours a Friday-Saturday weekend', () => {
    const calendar: Calendar = { timezone: 'Asia/Jerusalem', weekend: ['fri', 'sat'], holidays: [] };
    assertInstant(addDuration(new Date('2024-03-07T10:00:00+02:00'), duration('1 business day'), calendar), '2024-03-10T10:00:00+02:00');
  });

  it('counts backwards for negative amounts, symmetric with the forward rule', () => {
    const back = { amount: -1, unit: 'businessDays' } as const;
    assertInstant(addDuration(new Date('2024-03-11T10:00:00+01:00'), back, berlin), '2024-03-08T10:00:00+01:00');
    assertInstant(addDuration(new Date('2024-03-11T00:00:00+01:00'), back, berlin), '2024-03-08T00:00:00+01:00');
    assertInstant(addDuration(new Date('2024-03-10T10:00:00+01:00'), back, berlin), '2024-03-08T00:00:00+01:00');
    assertInstant(addDuration(new Date('2024-04-02T10:00:00+02:00'), back, berlinEaster), '2024-03-28T10:00:00+01:00');
  });
});

describe('addDuration: invalid input', () => {
  it('rejects an unknown zone, a calendar without business days, fractional days and invalid dates', () => {
    const start = new Date('2024-03-04T10:00:00Z');
    assert.throws(() => addDuration(start, duration('1 day'), { ...utc, timezone: 'Mars/Olympus' }), RangeError);
    const allWeekend: Calendar = { ...utc, weekend: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] };
    assert.throws(() => addDuration(start, duration('1 business day'), allWeekend), RangeError);
    assert.throws(() => addDuration(start, { amount: 1.5, unit: 'days' }, utc), RangeError);
    assert.throws(() => addDuration(new Date('nope'), duration('1 day'), utc), RangeError);
  });
});

describe('businessTimeBetween', () => {
  it('counts only business days: Friday noon to Monday noon is 24 hours', () => {
    assert.equal(businessTimeBetween(new Date('2024-03-08T12:00:00+01:00'), new Date('2024-03-11T12:00:00+01:00'), berlin), 24 * HOUR);
  });

  it('skips holidays', () => {
    // Thursday noon to Tuesday noon over Easter: half of Thursday and half of Tuesday.
    const a = new Date('2024-03-28T12:00:00+01:00');
    const b = new Date('2024-04-02T12:00:00+02:00');
    assert.equal(businessTimeBetween(a, b, berlinEaster), 24 * HOUR);
  });

  it('counts a DST day with its real length', () => {
    const everyDay: Calendar = { ...berlin, weekend: [] };
    const a = new Date('2024-03-31T00:00:00+01:00');
    const b = new Date('2024-04-01T00:00:00+02:00');
    assert.equal(businessTimeBetween(a, b, everyDay), 23 * HOUR);
    assert.equal(businessTimeBetween(new Date('2024-10-27T00:00:00+02:00'), new Date('2024-10-28T00:00:00+01:00'), { ...everyDay }), 25 * HOUR);
  });

  it('is zero within a weekend and when b is not after a', () => {
    assert.equal(businessTimeBetween(new Date('2024-03-09T01:00:00+01:00'), new Date('2024-03-10T23:00:00+01:00'), berlin), 0);
    const a = new Date('2024-03-05T10:00:00Z');
    assert.equal(businessTimeBetween(a, a, utc), 0);
    assert.equal(businessTimeBetween(a, new Date('2024-03-04T10:00:00Z'), utc), 0);
  });
});

describe('addBusinessTime', () => {
  it('walks over the weekend', () => {
    assertInstant(addBusinessTime(new Date('2024-03-08T20:00:00+01:00'), 8 * HOUR, berlin), '2024-03-11T04:00:00+01:00');
  });

  it('starts on Monday 00:00 from a Saturday', () => {
    assertInstant(addBusinessTime(new Date('2024-03-09T15:00:00+01:00'), HOUR, berlin), '2024-03-11T01:00:00+01:00');
  });

  it('returns the earliest instant: running out at the end of Friday gives Saturday 00:00', () => {
    assertInstant(addBusinessTime(new Date('2024-03-08T20:00:00+01:00'), 4 * HOUR, berlin), '2024-03-09T00:00:00+01:00');
  });

  it('walks over holidays and a DST change', () => {
    assertInstant(addBusinessTime(new Date('2024-03-28T20:00:00+01:00'), 6 * HOUR, berlinEaster), '2024-04-02T02:00:00+02:00');
  });

  it('returns the start for zero and rejects negative time', () => {
    assertInstant(addBusinessTime(new Date('2024-03-09T15:00:00+01:00'), 0, berlin), '2024-03-09T15:00:00+01:00');
    assert.throws(() => addBusinessTime(new Date('2024-03-09T15:00:00Z'), -1, berlin), RangeError);
  });

  it('is the inverse of businessTimeBetween', () => {
    const start = new Date('2024-03-27T17:45:00+01:00');
    for (const ms of [1, HOUR, 30 * HOUR, 100 * HOUR, 1000 * HOUR]) {
      assert.equal(businessTimeBetween(start, addBusinessTime(start, ms, berlinEaster), berlinEaster), ms);
    }
  });
});

describe('extendForPause', () => {
  const due = new Date('2024-03-13T10:00:00+01:00');

  it('adds the elapsed time for hours and days targets, weekends included', () => {
    const pause = { from: new Date('2024-03-08T10:00:00+01:00'), to: new Date('2024-03-11T10:00:00+01:00') };
    assertInstant(extendForPause(due, pause, 'hours', berlin), '2024-03-16T10:00:00+01:00');
    assertInstant(extendForPause(due, pause, 'days', berlin), '2024-03-16T10:00:00+01:00');
  });

  it('adds only the business time of the pause for business-day targets', () => {
    const pause = { from: new Date('2024-03-08T12:00:00+01:00'), to: new Date('2024-03-11T12:00:00+01:00') };
    assertInstant(extendForPause(due, pause, 'businessDays', berlin), '2024-03-14T10:00:00+01:00');
  });

  it('a pause over a weekend costs a business-day target nothing', () => {
    const pause = { from: new Date('2024-03-09T09:00:00+01:00'), to: new Date('2024-03-10T18:00:00+01:00') };
    assertInstant(extendForPause(due, pause, 'businessDays', berlin), '2024-03-13T10:00:00+01:00');
  });

  it('adds the business time from the due date, skipping its weekend', () => {
    const friday = new Date('2024-03-15T16:00:00+01:00');
    const pause = { from: new Date('2024-03-12T09:00:00+01:00'), to: new Date('2024-03-12T21:00:00+01:00') };
    assertInstant(extendForPause(friday, pause, 'businessDays', berlin), '2024-03-18T04:00:00+01:00');
  });

  it('ignores an empty or inverted pause', () => {
    const at = new Date('2024-03-12T09:00:00+01:00');
    assertInstant(extendForPause(due, { from: at, to: at }, 'hours', berlin), '2024-03-13T10:00:00+01:00');
    assertInstant(extendForPause(due, { from: due, to: at }, 'businessDays', berlin), '2024-03-13T10:00:00+01:00');
  });
});
