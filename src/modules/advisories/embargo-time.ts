import { DateTime, IANAZone } from 'luxon';
import type { FieldProblem } from '../../platform/errors.js';

/**
 * Publication moments are given as a wall-clock time in an explicit IANA zone ("2026-03-10T14:00" in
 * "Europe/Berlin"), stored as a UTC instant with the zone beside it, and shown back with both, so
 * nobody has to guess whether "14:00" meant Berlin, UTC or the reader's own clock.
 */

const LOCAL = /^\d\d\d\d-\d\d-\d\dT\d\d:\d\d(?::\d\d)?$/;
const OFFSET = /(?:Z|[+-]\d\d:\d\d)$/;

export type EmbargoView = {
  /** The instant, UTC. */
  publishAt: string;
  timezone: string;
  /** The same instant as wall-clock time in the zone, with its offset. */
  local: string;
  /** For people: "Tue 10 Mar 2026, 14:00 CET (Europe/Berlin) = 13:00 UTC". */
  display: string;
};

export function parsePublishAt(at: string, zone: string): { ok: true; instant: Date } | { ok: false; problem: FieldProblem } {
  if (!IANAZone.isValidZone(zone)) {
    return { ok: false, problem: { field: 'embargo.timezone', code: 'invalid_timezone', message: `"${zone}" is not an IANA time zone such as "Europe/Berlin" or "UTC"` } };
  }
  if (OFFSET.test(at)) {
    const parsed = DateTime.fromISO(at, { setZone: true });
    return parsed.isValid && LOCAL.test(at.replace(OFFSET, '').replace(/\.\d+$/, '')) ? { ok: true, instant: parsed.toJSDate() } : invalid(at);
  }
  if (!LOCAL.test(at)) return invalid(at);
  const parsed = DateTime.fromISO(at, { zone });
  if (!parsed.isValid) return invalid(at);
  // Luxon moves a time that does not exist (the hour skipped when clocks go forward) silently.
  const format = at.length === 16 ? "yyyy-MM-dd'T'HH:mm" : "yyyy-MM-dd'T'HH:mm:ss";
  if (parsed.toFormat(format) !== at) {
    return { ok: false, problem: { field: 'embargo.publishAt', code: 'nonexistent_time', message: `${at} does not exist in ${zone} (the clocks skip it); pick another time` } };
  }
  return { ok: true, instant: parsed.toJSDate() };
}

function invalid(at: string): { ok: false; problem: FieldProblem } {
  return {
    ok: false,
    problem: { field: 'embargo.publishAt', code: 'invalid_datetime', message: `"${at}" is not a date-time such as "2026-03-10T14:00" (wall clock in the zone given) or "2026-03-10T13:00:00Z"` },
  };
}

export function presentEmbargo(instant: Date, zone: string): EmbargoView {
  const utc = DateTime.fromJSDate(instant, { zone: 'utc' });
  const local = utc.setZone(zone);
  const sameAsUtc = local.offset === 0;
  // Zone abbreviations depend on the locale ("CET" in en-GB, "PDT" in en-US); fall back to the offset.
  const abbreviation = ['en-GB', 'en-US'].map((locale) => local.toFormat('ZZZZ', { locale })).find((name) => /^[A-Z]{2,5}$/.test(name)) ?? `UTC${local.toFormat('ZZ')}`;
  const display = `${local.toFormat('ccc d LLL yyyy, HH:mm', { locale: 'en-GB' })} ${abbreviation} (${zone})${sameAsUtc ? '' : ` = ${utc.toFormat('HH:mm', { locale: 'en-GB' })} UTC${utc.day !== local.day ? ` on ${utc.toFormat('ccc d LLL', { locale: 'en-GB' })}` : ''}`}`;
  return {
    publishAt: instant.toISOString(),
    timezone: zone,
    local: local.toISO({ suppressMilliseconds: true }) ?? instant.toISOString(),
    display,
  };
}

/** The calendar year of an instant in a zone: ids are numbered per year as the project counts years. */
export function yearIn(instant: Date, zone: string): number {
  return DateTime.fromJSDate(instant, { zone }).year;
}
