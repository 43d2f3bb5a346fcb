import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { loadPolicyOrThrow } from '../src/bootstrap.js';
import { loadConfig } from '../src/config/config.js';
import type { AppContext } from '../src/context.js';
import { systemClock } from '../src/platform/clock.js';
import { masterKeyFromBytes } from '../src/platform/crypto/envelope.js';
import { openDatabase } from '../src/platform/db/database.js';
import { BENCH_POLICY, REPO_ROOT } from './settings.js';

/** The app's context as production builds it, on the bench database: real clock, the test policy (alpha, beta). */
export async function createBenchContext(url: string, poolSize: number): Promise<AppContext> {
  // Explicit settings only: the bench must not pick up an operator's EMBARGO_* environment.
  const config = loadConfig({}, {
    policyFile: BENCH_POLICY,
    dataDir: path.join(REPO_ROOT, '.tmp/bench-unused'),
    logLevel: 'silent',
    // All load comes from one address: the per-client limits stay installed (their cost is part of
    // the measurement) but high enough never to answer 429.
    rateLimitPerMinute: 1_000_000_000,
    intakeRateLimitPerMinute: 1_000_000_000,
    principalRateLimitPerMinute: 1_000_000_000,
  });
  const policies = await loadPolicyOrThrow(config.policyFile);
  const database = await openDatabase({ kind: 'postgres', url, poolSize });
  const master = masterKeyFromBytes(randomBytes(32));
  return { config, database, db: database.db, policies, clock: systemClock, sessionSecret: randomBytes(32), keyring: { current: master, lookup: [master] } };
}
