import { z } from 'zod';

/**
 * A response target as policies write it: "48 hours", "5 business days", "1 week", "14 days".
 * Weeks are calendar weeks (7 calendar days); business days skip weekends and holidays.
 */
export type DurationUnit = 'hours' | 'days' | 'businessDays';
export type Duration = { amount: number; unit: DurationUnit };

const PATTERN = /^\s*(\d+)\s*(hours?|h|days?|d|calendar days?|business days?|working days?|weeks?|w)\s*$/i;

export function parseDuration(text: string): Duration | null {
  const match = PATTERN.exec(text);
  if (!match) return null;
  const amount = Number(match[1]);
  const word = match[2]!.toLowerCase();
  if (word.startsWith('business') || word.startsWith('working')) return { amount, unit: 'businessDays' };
  if (word.startsWith('h')) return { amount, unit: 'hours' };
  if (word.startsWith('w')) return { amount: amount * 7, unit: 'days' };
  return { amount, unit: 'days' };
}

export function formatDuration(duration: Duration): string {
  const { amount, unit } = duration;
  if (unit === 'hours') return `${amount} hour${amount === 1 ? '' : 's'}`;
  if (unit === 'businessDays') return `${amount} business day${amount === 1 ? '' : 's'}`;
  if (amount % 7 === 0 && amount > 0) return `${amount / 7} week${amount === 7 ? '' : 's'}`;
  return `${amount} day${amount === 1 ? '' : 's'}`;
}

export const durationSchema = z.string().transform((text, ctx): Duration => {
  const parsed = parseDuration(text);
  if (!parsed || parsed.amount <= 0) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a positive duration such as "48 hours", "5 business days", "14 days" or "1 week", got "${text}"`,
    });
    return z.NEVER;
  }
  return parsed;
});
