import { formatDuration } from '../duration.js';
import type { Unit } from './securitymd.blocks.js';
import { contentUnits, explain, innermostHeading, markMapped, severityWordsIn, type Duration, type ImportContext } from './securitymd.context.js';

/**
 * Response promises: "acknowledge within 48 hours", "initial assessment within 5 business days",
 * "a more detailed response within another 48 hours", "status update within 7 days", "resolve
 * critical vulnerabilities within 14 days", "made public within 90 days".
 */

const NUMBER_WORDS: Record<string, number> = {
  a: 1, an: 1, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10,
  eleven: 11, twelve: 12, fourteen: 14, fifteen: 15, twenty: 20, thirty: 30, sixty: 60, ninety: 90,
};
const NUMBER = `\\d+|${Object.keys(NUMBER_WORDS).join('|')}`;
// eslint-disable-next-line security/detect-non-literal-regexp -- built from constants in this file (NUMBER_WORDS), no input
const DURATION = new RegExp(
  `\\b(${NUMBER})(?:\\s*\\((\\d+)\\))?[\\s-]*(business[\\s-]days?|working[\\s-]days?|calendar[\\s-]days?|hours?|hrs?|h|days?|weeks?|months?)\\b`,
  'gi',
);
// eslint-disable-next-line security/detect-non-literal-regexp -- the source of the constant RegExp above
const HAS_DURATION = new RegExp(DURATION.source, 'i');

type Field = 'acknowledge' | 'initialAssessment' | 'detailedResponse' | 'statusUpdate' | 'resolution' | 'embargo';

const FIELD_NAMES: Record<Field, string> = {
  acknowledge: 'a first answer',
  initialAssessment: 'an assessment',
  detailedResponse: 'a detailed response',
  statusUpdate: 'progress updates',
  resolution: 'a fix',
  embargo: 'disclosure',
};

const NOT_A_PROMISE = /\bif you (?:do not|don't|have not|haven't|did not)|escalat|not received|\bahead of\b|\bprior to\b|\bago\b|\bbefore (?:the|our|a|its)\b|\bold\b|\bmsrv\b|\byears?\b/i;
const CLASSIFIERS: [Field, RegExp][] = [
  ['embargo', /made public|publicly disclos|must be (?:made )?public|publication within/i],
  ['detailedResponse', /detailed response|more detailed|follow[- ]up with|further response|next steps/i],
  ['initialAssessment', /assess|triage|evaluat|verdict|\bvalidat/i],
  ['statusUpdate', /status update|keep you (?:informed|updated|up to speed)|progress update|\bupdates? (?:every|at least)/i],
  ['acknowledge', /acknowledg|initial (?:response|reply)|first (?:answer|response|reply)|\brespon(?:d|se)|\breply\b|get back to you|confirm receipt|receipt|hear back/i],
  ['resolution', /resolv|resolution|\bfix(?:es|ed)?\b|\bpatch(?:es|ed)?\b|remediat/i],
  ['embargo', /made public|publicly disclos|\bdisclos|publication|\bpublish/i],
];

export function extractTimeline(context: ImportContext): void {
  for (const unit of contentUnits(context)) {
    if (unit.kind !== 'sentence') continue;
    const label = unit.index === 0 ? (unit.block.label ?? '') : '';
    if (!HAS_DURATION.test(unit.text)) {
      const field = classify(`${label} ${unit.text}`);
      if (field && field !== 'embargo' && /as soon as|promptly|keep you|\bwithin\b|timely|swiftly|quickly/i.test(unit.text)) {
        explain(context, unit, `speaks of ${FIELD_NAMES[field]} but gives no deadline; set timeline.${field} if there is one`);
      }
      continue;
    }
    for (const clause of clausesOf(unit.text)) {
      for (const match of clause.matchAll(DURATION)) {
        const duration = toDuration(match[2] ?? match[1]!, match[3]!);
        const phrase = match[0];
        if (NOT_A_PROMISE.test(clause)) {
          explain(context, unit, /escalat|if you|not received/i.test(clause) ? `escalation rule ("${phrase}"), not a promise to the reporter` : `"${phrase}" is not a response deadline`);
          continue;
        }
        if (!duration) {
          explain(context, unit, `"${phrase}": durations are written in hours, days, business days or weeks`);
          continue;
        }
        // A bare "Delay: 4 business days" takes its meaning from the heading above it ("Triage").
        const terse = label !== '' || unit.text.split(/\s+/).length <= 6;
        const field = classify(`${label} ${clause}`) ?? (terse ? classify(innermostHeading(unit.block)) : null);
        if (!field) {
          explain(context, unit, `"${phrase}" matches no timeline field (acknowledge, initialAssessment, detailedResponse, statusUpdate, resolution)`);
          continue;
        }
        const before = clause.slice(0, match.index);
        assign(context, unit, field, duration, { relative: /\b(?:another|additional|further)\s*$/i.test(before), clause: `${label} ${clause}` });
      }
    }
  }
  finishDetailedResponse(context);
}

/** Clauses joined by "and will", "; " or ", and you will", so each duration is read with its own verb. */
function clausesOf(sentence: string): string[] {
  return sentence.split(/;\s+|,?\s+and\s+(?=(?:will|you|we|then|a|the|send|follow|provide|to)\b)|,\s+(?:then|after which)\s+/i);
}

function toDuration(count: string, unitWord: string): Duration | null {
  const amount = /^\d+$/.test(count) ? Number(count) : NUMBER_WORDS[count.toLowerCase()];
  const word = unitWord.toLowerCase();
  if (!amount || word.startsWith('month')) return null;
  const plural = amount === 1 ? '' : 's';
  if (word.startsWith('business') || word.startsWith('working')) return { amount, unit: 'businessDays', text: `${amount} business day${plural}` };
  if (word.startsWith('h')) return { amount, unit: 'hours', text: `${amount} hour${plural}` };
  if (word.startsWith('w')) return { amount: amount * 7, unit: 'days', text: `${amount} week${plural}` };
  return { amount, unit: 'days', text: `${amount} day${plural}` };
}

function classify(text: string): Field | null {
  return CLASSIFIERS.find(([, pattern]) => pattern.test(text))?.[0] ?? null;
}

function assign(context: ImportContext, unit: Unit, field: Field, duration: Duration, options: { relative: boolean; clause: string }): void {
  const { draft } = context;
  if (field === 'embargo') {
    const days = duration.unit === 'days' ? duration.amount : duration.unit === 'hours' && duration.amount % 24 === 0 ? duration.amount / 24 : null;
    if (days === null) {
      explain(context, unit, `disclosure after "${duration.text}": embargoDays counts calendar days`);
      return;
    }
    if (draft.embargoDays === null || draft.embargoDays === days) {
      draft.embargoDays = days;
      markMapped(context, unit);
    } else {
      explain(context, unit, `disclosure after ${days} days, but embargoDays is already ${draft.embargoDays}`);
    }
    return;
  }
  if (field === 'resolution') {
    const levels = severityWordsIn(context, options.clause);
    const keys = levels.length > 0 ? levels : ['*'];
    for (const key of keys) {
      const existing = draft.resolution.get(key);
      if (existing && !sameDuration(existing, duration)) {
        explain(context, unit, `resolution for ${key === '*' ? 'every level' : key} is already ${existing.text}`);
        return;
      }
      draft.resolution.set(key, duration);
    }
    markMapped(context, unit);
    return;
  }
  const existing = draft.timeline[field];
  if (existing) {
    if (sameDuration(existing, duration)) markMapped(context, unit);
    else explain(context, unit, `${field} is already ${existing.text} (from an earlier line)`);
    return;
  }
  if (field === 'detailedResponse') draft.timeline.detailedResponse = { ...duration, afterAcknowledge: options.relative };
  else draft.timeline[field] = duration;
  markMapped(context, unit);
}

/**
 * detailedResponse is counted from the acknowledgement. "Within another 48 hours" already is; "a more
 * detailed response within 10 days" (after an acknowledgement within 5) is counted from receipt, so
 * the acknowledgement time is taken off when both are in compatible units.
 */
function finishDetailedResponse(context: ImportContext): void {
  const { timeline } = context.draft;
  const detailed = timeline.detailedResponse;
  const ack = timeline.acknowledge;
  if (!detailed || detailed.afterAcknowledge || !ack) return;
  const hours = (duration: Duration) => (duration.unit === 'hours' ? duration.amount : duration.unit === 'days' ? duration.amount * 24 : null);
  let remaining: Omit<Duration, 'text'> | null = null;
  if (detailed.unit === ack.unit) remaining = { amount: detailed.amount - ack.amount, unit: ack.unit };
  else if (hours(detailed) !== null && hours(ack) !== null) {
    const left = hours(detailed)! - hours(ack)!;
    remaining = left % 24 === 0 && detailed.unit === 'days' ? { amount: left / 24, unit: 'days' } : { amount: left, unit: 'hours' };
  }
  if (remaining && remaining.amount > 0) timeline.detailedResponse = { ...remaining, text: formatDuration(remaining), afterAcknowledge: true };
}

function sameDuration(a: Duration, b: Duration): boolean {
  return a.amount === b.amount && a.unit === b.unit;
}
