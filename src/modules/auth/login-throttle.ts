import { sql } from 'kysely';
import type { Executor } from '../../platform/db/database.js';
import { AppError } from '../../platform/errors.js';

/**
 * Guessing passwords gets slower with every failure: per account, and per client address so that
 * spraying one password across many accounts is slowed too. Unknown accounts are throttled exactly
 * like real ones, so the answers do not tell which accounts exist. Counters live in the database,
 * so every instance sees the same ones.
 */
const RULES = {
  account: { freeFailures: 5, baseLockMs: 30_000, maxLockMs: 15 * 60_000 },
  ip: { freeFailures: 20, baseLockMs: 60_000, maxLockMs: 60 * 60_000 },
} as const;
/** Failures older than this are forgotten. */
const WINDOW_MS = 60 * 60_000;

type Kind = keyof typeof RULES;
const keyOf = (kind: Kind, value: string) => `${kind}:${value.trim().toLowerCase()}`;

export async function assertNotThrottled(db: Executor, subjects: { email: string; ip: string }, now: Date): Promise<void> {
  const rows = await db
    .selectFrom('login_throttle')
    .select(['locked_until'])
    .where('key', 'in', [keyOf('account', subjects.email), keyOf('ip', subjects.ip)])
    .where('locked_until', '>', now)
    .execute();
  const until = Math.max(0, ...rows.map((row) => row.locked_until!.getTime()));
  if (until > now.getTime()) {
    const retryAfterSeconds = Math.ceil((until - now.getTime()) / 1000);
    throw new AppError('RATE_LIMITED', `Too many failed sign-ins; try again in ${retryAfterSeconds} s.`, { retryAfterSeconds });
  }
}

export async function recordLoginFailure(db: Executor, subjects: { email: string; ip: string }, now: Date): Promise<void> {
  for (const kind of ['account', 'ip'] as const) {
    const key = keyOf(kind, kind === 'account' ? subjects.email : subjects.ip);
    const windowStart = new Date(now.getTime() - WINDOW_MS);
    const row = await db
      .insertInto('login_throttle')
      .values({ key, failures: 1, last_failure_at: now, locked_until: null })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({
          failures: sql`case when login_throttle.last_failure_at < ${windowStart} then 1 else login_throttle.failures + 1 end`,
          last_failure_at: now,
        }),
      )
      .returning('failures')
      .executeTakeFirstOrThrow();
    const rule = RULES[kind];
    const over = row.failures - rule.freeFailures;
    if (over >= 0) {
      const lockMs = Math.min(rule.baseLockMs * 2 ** over, rule.maxLockMs);
      await db.updateTable('login_throttle').set({ locked_until: new Date(now.getTime() + lockMs) }).where('key', '=', key).execute();
    }
  }
}

export async function clearAccountFailures(db: Executor, email: string): Promise<void> {
  await db.deleteFrom('login_throttle').where('key', '=', keyOf('account', email)).execute();
}
