import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDuration, type Duration } from '../../policy/duration.js';
import type { Timeline } from '../../policy/policy.schema.js';
import {
  MAX_STATUS_UPDATE_CYCLES,
  calendarOf,
  computeDeadlines,
  isDueSoon,
  isOverdue,
  nextDue,
  warningAt,
  type Deadline,
  type DeadlineFacts,
  type DeadlineKind,
  newReportFacts,
} from './deadlines.js';

function d(text: string): Duration {
  const parsed = parseDuration(text);
  assert.ok(parsed, text);
  return parsed;
}

const at = (iso: string): Date => new Date(iso);

/** The reference policy, in Berlin with Easter 2024 as holidays. */
const timeline: Timeline = {
  timezone: 'Europe/Berlin',
  weekend: ['sat', 'sun'],
  holidays: ['2024-03-29', '2024-04-01'],
  acknowledge: d('48 hours'),
  initialAssessment: d('5 business days'),
  detailedResponse: d('48 hours'),
  statusUpdate: d('7 days'),
  resolution: { critical: d('14 days') },
  warnBefore: d('12 hours'),
};
const calendar = calendarOf(timeline);
const bare: Timeline = { timezone: 'Europe/Berlin', weekend: ['sat', 'sun'], holidays: [], resolution: {}, warnBefore: d('12 hours') };

/** Received Monday 4 March 2024, 10:00 in Berlin; nothing has happened yet. */
function facts(overrides: Partial<DeadlineFacts> = {}): DeadlineFacts {
  return { ...newReportFacts(at('2024-03-04T10:00:00+01:00')), ...overrides };
}

function only(deadlines: Deadline[], kind: DeadlineKind): Deadline[] {
  return deadlines.filter((deadline) => deadline.kind === kind);
}

function one(deadlines: Deadline[], kind: DeadlineKind): Deadline {
  const found = only(deadlines, kind);
  assert.equal(found.length, 1, `one ${kind} deadline`);
  return found[0]!;
}

/** A deadline as comparable text: "dueAt metAt [paused]" in UTC. */
function show(deadline: Deadline): string {
  const paused = deadline.paused ? ' paused' : '';
  return `${deadline.dueAt?.toISOString() ?? '-'} ${deadline.metAt?.toISOString() ?? '-'}${paused}`;
}

function expected(dueAt: string, metAt: string | null, paused = false): string {
  return `${at(dueAt).toISOString()} ${metAt ? at(metAt).toISOString() : '-'}${paused ? ' paused' : ''}`;
}

describe('acknowledge', () => {
  it('is due 48 hours after receipt and met at the acknowledgement', () => {
    assert.equal(show(one(computeDeadlines(timeline, facts()), 'acknowledge')), expected('2024-03-06T10:00:00+01:00', null));
    const acknowledged = facts({ acknowledgedAt: at('2024-03-05T09:00:00+01:00') });
    assert.equal(
      show(one(computeDeadlines(timeline, acknowledged), 'acknowledge')),
      expected('2024-03-06T10:00:00+01:00', '2024-03-05T09:00:00+01:00'),
    );
  });
});

describe('assessment', () => {
  it('is due 5 business days after receipt and met when assessed', () => {
    const deadline = one(computeDeadlines(timeline, facts({ assessedAt: at('2024-03-07T16:00:00+01:00') })), 'assessment');
    assert.equal(show(deadline), expected('2024-03-11T10:00:00+01:00', '2024-03-07T16:00:00+01:00'));
  });

  it('skips Easter and keeps the wall time across spring forward; "within 1 week" counts calendar days', () => {
    const easter = facts({ receivedAt: at('2024-03-25T10:00:00+01:00') });
    assert.equal(show(one(computeDeadlines(timeline, easter), 'assessment')), expected('2024-04-03T10:00:00+02:00', null));
    const weekly = { ...timeline, initialAssessment: d('1 week') };
    assert.equal(show(one(computeDeadlines(weekly, easter), 'assessment')), expected('2024-04-01T10:00:00+02:00', null));
  });

  it('is extended by the business time of a closed pause', () => {
    const paused = facts({ pauses: [{ from: at('2024-03-06T10:00:00+01:00'), to: at('2024-03-08T10:00:00+01:00') }] });
    assert.equal(show(one(computeDeadlines(timeline, paused), 'assessment')), expected('2024-03-13T10:00:00+01:00', null));
  });

  it('is extended only by the working part of a pause over a weekend', () => {
    // Friday 18:00 to Monday 08:00: 6 + 8 business hours, added from Monday 10:00.
    const paused = facts({ pauses: [{ from: at('2024-03-08T18:00:00+01:00'), to: at('2024-03-11T08:00:00+01:00') }] });
    assert.equal(show(one(computeDeadlines(timeline, paused), 'assessment')), expected('2024-03-12T00:00:00+01:00', null));
  });

  it('is extended by the elapsed time of a pause for a calendar target', () => {
    const weekly = { ...timeline, initialAssessment: d('1 week') };
    const paused = facts({ pauses: [{ from: at('2024-03-08T10:00:00+01:00'), to: at('2024-03-11T10:00:00+01:00') }] });
    assert.equal(show(one(computeDeadlines(weekly, paused), 'assessment')), expected('2024-03-14T10:00:00+01:00', null));
  });

  it('is paused during an open pause, due as extended by the pauses that ended', () => {
    const paused = facts({
      pauses: [
        { from: at('2024-03-12T09:00:00+01:00'), to: null },
        { from: at('2024-03-06T10:00:00+01:00'), to: at('2024-03-08T10:00:00+01:00') },
      ],
    });
    const deadlines = computeDeadlines(timeline, paused);
    assert.equal(show(one(deadlines, 'assessment')), expected('2024-03-13T10:00:00+01:00', null, true));
    assert.equal(isOverdue(one(deadlines, 'assessment'), at('2024-05-01T00:00:00Z')), false);
    assert.deepEqual(paused.pauses[0]?.to, null, 'facts are not reordered');
  });

  it('is not extended by a pause that began after the deadline had passed', () => {
    const late = facts({ pauses: [{ from: at('2024-03-12T09:00:00+01:00'), to: null }] });
    const deadline = one(computeDeadlines(timeline, late), 'assessment');
    assert.equal(show(deadline), expected('2024-03-11T10:00:00+01:00', null));
    assert.equal(isOverdue(deadline, at('2024-03-12T10:00:00+01:00')), true);
  });

  it('ignores pauses after it was met and stops a pause at the assessment', () => {
    const afterMet = facts({
      assessedAt: at('2024-03-05T10:00:00+01:00'),
      pauses: [{ from: at('2024-03-06T10:00:00+01:00'), to: at('2024-03-08T10:00:00+01:00') }],
    });
    assert.equal(show(one(computeDeadlines(timeline, afterMet), 'assessment')), expected('2024-03-11T10:00:00+01:00', '2024-03-05T10:00:00+01:00'));
    const closedWhilePaused = facts({
      assessedAt: at('2024-03-07T10:00:00+01:00'),
      pauses: [{ from: at('2024-03-06T10:00:00+01:00'), to: null }],
    });
    assert.equal(
      show(one(computeDeadlines(timeline, closedWhilePaused), 'assessment')),
      expected('2024-03-12T10:00:00+01:00', '2024-03-07T10:00:00+01:00'),
    );
  });

  it('does not stop the clock twice for overlapping pauses', () => {
    const overlapping = facts({
      pauses: [
        { from: at('2024-03-06T10:00:00+01:00'), to: at('2024-03-07T10:00:00+01:00') },
        { from: at('2024-03-06T22:00:00+01:00'), to: at('2024-03-08T10:00:00+01:00') },
      ],
    });
    assert.equal(show(one(computeDeadlines(timeline, overlapping), 'assessment')), expected('2024-03-13T10:00:00+01:00', null));
  });
});

describe('detailed_response', () => {
  const acknowledgedAt = at('2024-03-05T09:00:00+01:00');

  it('exists only once acknowledged, due 48 hours after the acknowledgement', () => {
    assert.deepEqual(only(computeDeadlines(timeline, facts()), 'detailed_response'), []);
    const deadline = one(computeDeadlines(timeline, facts({ acknowledgedAt })), 'detailed_response');
    assert.equal(show(deadline), expected('2024-03-07T09:00:00+01:00', null));
  });

  it('is met by the first team message at or after the acknowledgement', () => {
    const messages = [at('2024-03-05T08:00:00+01:00'), at('2024-03-06T15:00:00+01:00'), at('2024-03-07T15:00:00+01:00')];
    const deadline = one(computeDeadlines(timeline, facts({ acknowledgedAt, teamMessages: messages })), 'detailed_response');
    assert.equal(show(deadline), expected('2024-03-07T09:00:00+01:00', '2024-03-06T15:00:00+01:00'));
    const same = one(computeDeadlines(timeline, facts({ acknowledgedAt, teamMessages: [acknowledgedAt] })), 'detailed_response');
    assert.equal(show(same), expected('2024-03-07T09:00:00+01:00', '2024-03-05T09:00:00+01:00'));
  });

  it('is met by the assessment when that comes first', () => {
    const deadline = one(
      computeDeadlines(
        timeline,
        facts({ acknowledgedAt, assessedAt: at('2024-03-06T12:00:00+01:00'), teamMessages: [at('2024-03-06T15:00:00+01:00')] }),
      ),
      'detailed_response',
    );
    assert.equal(show(deadline), expected('2024-03-07T09:00:00+01:00', '2024-03-06T12:00:00+01:00'));
  });
});

describe('status_update', () => {
  const acknowledgedAt = at('2024-03-05T09:00:00+01:00');

  it('is due 7 days after the acknowledgement, or after receipt while unacknowledged', () => {
    assert.deepEqual(only(computeDeadlines(timeline, facts()), 'status_update').map(show), [expected('2024-03-11T10:00:00+01:00', null)]);
    assert.deepEqual(only(computeDeadlines(timeline, facts({ acknowledgedAt })), 'status_update').map(show), [
      expected('2024-03-12T09:00:00+01:00', null),
    ]);
  });

  it('starts a new cycle whenever news reaches the reporter, keeping met cycles', () => {
    const deadlines = computeDeadlines(
      timeline,
      facts({
        acknowledgedAt,
        // The acknowledgement transition starts cycle 1; it does not meet it.
        stateChanges: [acknowledgedAt, at('2024-03-20T10:00:00+01:00')],
        teamMessages: [at('2024-03-08T12:00:00+01:00')],
      }),
    );
    const cycles = only(deadlines, 'status_update');
    assert.deepEqual(
      cycles.map((cycle) => cycle.seq),
      [1, 2, 3],
    );
    assert.deepEqual(cycles.map(show), [
      expected('2024-03-12T09:00:00+01:00', '2024-03-08T12:00:00+01:00'),
      expected('2024-03-15T12:00:00+01:00', '2024-03-20T10:00:00+01:00'),
      expected('2024-03-27T10:00:00+01:00', null),
    ]);
  });

  it('counts news at the same instant once', () => {
    const news = at('2024-03-06T12:00:00+01:00');
    const cycles = only(computeDeadlines(timeline, facts({ acknowledgedAt, teamMessages: [news], stateChanges: [news] })), 'status_update');
    assert.equal(cycles.length, 2);
  });

  it('keeps the wall time across spring forward', () => {
    const cycles = only(computeDeadlines(timeline, facts({ acknowledgedAt: at('2024-03-28T10:00:00+01:00') })), 'status_update');
    assert.deepEqual(cycles.map(show), [expected('2024-04-04T10:00:00+02:00', null)]);
  });

  it('stops at closing: the open cycle is met then and later news is ignored', () => {
    const closedAt = at('2024-03-22T10:00:00+01:00');
    const cycles = only(
      computeDeadlines(
        timeline,
        facts({
          acknowledgedAt,
          closedAt,
          teamMessages: [at('2024-03-08T12:00:00+01:00'), at('2024-03-25T12:00:00+01:00')],
        }),
      ),
      'status_update',
    );
    assert.deepEqual(cycles.map(show), [
      expected('2024-03-12T09:00:00+01:00', '2024-03-08T12:00:00+01:00'),
      expected('2024-03-15T12:00:00+01:00', '2024-03-22T10:00:00+01:00'),
    ]);
  });

  it('has no cycle when the report is closed as it leaves "new"', () => {
    const closedAt = at('2024-03-04T11:00:00+01:00');
    const closed = facts({ acknowledgedAt: closedAt, assessedAt: closedAt, resolvedAt: closedAt, closedAt, stateChanges: [closedAt] });
    assert.deepEqual(only(computeDeadlines(timeline, closed), 'status_update'), []);
  });

  it(`emits only the last ${MAX_STATUS_UPDATE_CYCLES} cycles, numbered from the first`, () => {
    const start = at('2024-03-05T09:00:00+01:00').getTime();
    const teamMessages = Array.from({ length: 120 }, (_, index) => new Date(start + (index + 1) * 86_400_000));
    const cycles = only(computeDeadlines(timeline, facts({ acknowledgedAt, teamMessages })), 'status_update');
    assert.equal(cycles.length, MAX_STATUS_UPDATE_CYCLES);
    assert.equal(cycles[0]?.seq, 72);
    assert.equal(cycles.at(-1)?.seq, 121);
    assert.equal(cycles.at(-1)?.metAt, null);
    assert.equal(cycles.filter((cycle) => cycle.metAt === null).length, 1);
  });
});

describe('resolution', () => {
  it('exists only once a severity with a target is set', () => {
    assert.deepEqual(only(computeDeadlines(timeline, facts()), 'resolution'), []);
    assert.deepEqual(only(computeDeadlines(timeline, facts({ severity: 'high' })), 'resolution'), []);
    assert.deepEqual(only(computeDeadlines(timeline, facts({ severity: 'constructor' })), 'resolution'), []);
  });

  it('is due 14 calendar days after receipt for a critical report, met when resolved', () => {
    const resolvedAt = at('2024-03-15T12:00:00+01:00');
    const deadline = one(computeDeadlines(timeline, facts({ severity: 'critical', resolvedAt })), 'resolution');
    assert.equal(show(deadline), expected('2024-03-18T10:00:00+01:00', '2024-03-15T12:00:00+01:00'));
  });

  it('keeps the wall time across spring forward', () => {
    const deadline = one(computeDeadlines(timeline, facts({ receivedAt: at('2024-03-25T10:00:00+01:00'), severity: 'critical' })), 'resolution');
    assert.equal(show(deadline), expected('2024-04-08T10:00:00+02:00', null));
  });

  it('moves when the severity changes', () => {
    const tiered = { ...timeline, resolution: { critical: d('14 days'), high: d('30 days') } };
    const critical = one(computeDeadlines(tiered, facts({ severity: 'critical' })), 'resolution');
    const high = one(computeDeadlines(tiered, facts({ severity: 'high' })), 'resolution');
    assert.equal(show(critical), expected('2024-03-18T10:00:00+01:00', null));
    assert.equal(show(high), expected('2024-04-03T10:00:00+02:00', null));
  });
});

describe('computeDeadlines', () => {
  it('produces no deadline for a target the timeline lacks', () => {
    const everything = facts({ acknowledgedAt: at('2024-03-05T09:00:00+01:00'), severity: 'critical' });
    assert.deepEqual(computeDeadlines(bare, everything), []);
    const ackOnly = computeDeadlines({ ...bare, acknowledge: d('48 hours') }, everything);
    assert.deepEqual(
      ackOnly.map((deadline) => deadline.kind),
      ['acknowledge'],
    );
  });

  it('sorts by due date, then kind', () => {
    const deadlines = computeDeadlines(timeline, facts({ acknowledgedAt: at('2024-03-05T09:00:00+01:00'), severity: 'critical' }));
    assert.deepEqual(
      deadlines.map((deadline) => deadline.kind),
      ['acknowledge', 'detailed_response', 'assessment', 'status_update', 'resolution'],
    );
    const tied = { ...bare, timezone: 'UTC', statusUpdate: d('2 days'), acknowledge: d('48 hours') };
    assert.deepEqual(
      computeDeadlines(tied, facts()).map((deadline) => deadline.kind),
      ['acknowledge', 'status_update'],
    );
  });

  it('is deterministic from the facts', () => {
    const input = facts({ acknowledgedAt: at('2024-03-05T09:00:00+01:00'), teamMessages: [at('2024-03-08T12:00:00+01:00')] });
    assert.deepEqual(computeDeadlines(timeline, input), computeDeadlines(timeline, input));
  });
});

describe('nextDue, isOverdue, warningAt, isDueSoon', () => {
  const due = at('2024-03-11T10:00:00+01:00');
  const running: Deadline = { kind: 'assessment', seq: 1, dueAt: due, metAt: null, paused: false };

  it('nextDue is the earliest running deadline', () => {
    const deadlines: Deadline[] = [
      { kind: 'acknowledge', seq: 1, dueAt: at('2024-03-06T10:00:00+01:00'), metAt: at('2024-03-05T10:00:00+01:00'), paused: false },
      { ...running, dueAt: at('2024-03-07T10:00:00+01:00'), paused: true },
      running,
      { kind: 'resolution', seq: 1, dueAt: at('2024-03-18T10:00:00+01:00'), metAt: null, paused: false },
    ];
    assert.equal(nextDue(deadlines)?.toISOString(), due.toISOString());
    assert.equal(nextDue([]), null);
  });

  it('isOverdue only strictly after the due instant, and never when met or paused', () => {
    assert.equal(isOverdue(running, due), false);
    assert.equal(isOverdue(running, new Date(due.getTime() + 1)), true);
    assert.equal(isOverdue({ ...running, metAt: at('2024-03-12T10:00:00+01:00') }, at('2024-03-13T10:00:00+01:00')), false);
    assert.equal(isOverdue({ ...running, paused: true }, at('2024-03-13T10:00:00+01:00')), false);
  });

  it('warningAt uses the warning duration arithmetic', () => {
    assert.equal(warningAt(running, d('12 hours'), calendar)?.toISOString(), at('2024-03-10T22:00:00+01:00').toISOString());
    assert.equal(warningAt(running, d('1 business day'), calendar)?.toISOString(), at('2024-03-08T10:00:00+01:00').toISOString());
    const afterSpringForward = { ...running, dueAt: at('2024-04-01T10:00:00+02:00') };
    assert.equal(warningAt(afterSpringForward, d('2 days'), calendar)?.toISOString(), at('2024-03-30T10:00:00+01:00').toISOString());
    assert.equal(warningAt(afterSpringForward, d('48 hours'), calendar)?.toISOString(), at('2024-03-30T09:00:00+01:00').toISOString());
    assert.equal(warningAt({ ...running, dueAt: null }, d('12 hours'), calendar), null);
  });

  it('isDueSoon from the warning instant until due, then overdue instead', () => {
    const warn = d('1 business day');
    assert.equal(isDueSoon(running, at('2024-03-08T09:59:59+01:00'), warn, calendar), false);
    assert.equal(isDueSoon(running, at('2024-03-08T10:00:00+01:00'), warn, calendar), true);
    assert.equal(isDueSoon(running, due, warn, calendar), true);
    assert.equal(isDueSoon(running, new Date(due.getTime() + 1), warn, calendar), false);
    assert.equal(isDueSoon({ ...running, metAt: at('2024-03-09T10:00:00+01:00') }, at('2024-03-10T10:00:00+01:00'), warn, calendar), false);
    assert.equal(isDueSoon({ ...running, paused: true }, at('2024-03-10T10:00:00+01:00'), warn, calendar), false);
  });
});
