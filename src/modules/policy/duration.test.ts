import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { durationSchema, formatDuration, parseDuration, type Duration } from './duration.js';

describe('parseDuration', () => {
  const cases: Array<[string, Duration]> = [
    ['48 hours', { amount: 48, unit: 'hours' }],
    ['1 hour', { amount: 1, unit: 'hours' }],
    ['48h', { amount: 48, unit: 'hours' }],
    ['5 business days', { amount: 5, unit: 'businessDays' }],
    ['1 business day', { amount: 1, unit: 'businessDays' }],
    ['3 working days', { amount: 3, unit: 'businessDays' }],
    ['14 days', { amount: 14, unit: 'days' }],
    ['1 day', { amount: 1, unit: 'days' }],
    ['10 calendar days', { amount: 10, unit: 'days' }],
    ['3d', { amount: 3, unit: 'days' }],
    ['1 week', { amount: 7, unit: 'days' }],
    ['2 weeks', { amount: 14, unit: 'days' }],
    ['2w', { amount: 14, unit: 'days' }],
    ['  48 Hours ', { amount: 48, unit: 'hours' }],
    ['5 Business Days', { amount: 5, unit: 'businessDays' }],
  ];
  for (const [text, expected] of cases) {
    it(`reads "${text}"`, () => assert.deepEqual(parseDuration(text), expected));
  }

  for (const text of ['', 'soon', '48', 'hours', '1.5 days', '-1 day', '48 hours and 2 days', '2 months', 'a week']) {
    it(`rejects "${text}"`, () => assert.equal(parseDuration(text), null));
  }
});

describe('formatDuration', () => {
  const cases: Array<[Duration, string]> = [
    [{ amount: 48, unit: 'hours' }, '48 hours'],
    [{ amount: 1, unit: 'hours' }, '1 hour'],
    [{ amount: 5, unit: 'businessDays' }, '5 business days'],
    [{ amount: 1, unit: 'businessDays' }, '1 business day'],
    [{ amount: 1, unit: 'days' }, '1 day'],
    [{ amount: 14, unit: 'days' }, '2 weeks'],
    [{ amount: 7, unit: 'days' }, '1 week'],
    [{ amount: 10, unit: 'days' }, '10 days'],
    [{ amount: 0, unit: 'days' }, '0 days'],
  ];
  for (const [duration, expected] of cases) {
    it(`writes ${JSON.stringify(duration)} as "${expected}"`, () => assert.equal(formatDuration(duration), expected));
  }

  it('round-trips through parseDuration', () => {
    const durations: Duration[] = [
      { amount: 48, unit: 'hours' },
      { amount: 5, unit: 'businessDays' },
      { amount: 21, unit: 'days' },
      { amount: 9, unit: 'days' },
      { amount: 1, unit: 'days' },
    ];
    for (const duration of durations) assert.deepEqual(parseDuration(formatDuration(duration)), duration);
  });
});

describe('durationSchema', () => {
  it('turns policy text into a duration', () => {
    assert.deepEqual(durationSchema.parse('1 week'), { amount: 7, unit: 'days' });
  });

  it('rejects zero and unreadable durations with a message that shows an example', () => {
    for (const text of ['0 days', 'soon']) {
      const result = durationSchema.safeParse(text);
      assert.equal(result.success, false);
      assert.match(result.error?.issues[0]?.message ?? '', /expected a positive duration such as "48 hours"/);
    }
  });

  it('rejects numbers without a unit', () => {
    assert.equal(durationSchema.safeParse(48).success, false);
  });
});
