import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { masterKeyFromBytes } from '../../src/platform/crypto/envelope.js';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config/config.js';
import type { AppContext } from '../../src/context.js';
import { loadPolicyOrThrow } from '../../src/bootstrap.js';
import { fixedClock } from '../../src/platform/clock.js';
import { migrateToLatest, type Database } from '../../src/platform/db/database.js';
import { buildApp, type ZodApp } from '../../src/platform/http/app.js';
import { ALL_PROJECTS, type Role } from '../../src/modules/access/actor.js';
import { addUser } from '../../src/modules/auth/user.service.js';
import { createTestDatabase } from './test-db.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const TEST_POLICY = path.join(REPO_ROOT, 'test/fixtures/policy.yaml');
export const TEST_PASSWORD = 'quiet-lantern-orbit-7731';

export type TestApp = {
  app: ZodApp;
  context: AppContext;
  clock: ReturnType<typeof fixedClock>;
  database: Database;
  /** Creates a team member and returns a bearer token for them. */
  user(role: Role, project?: string, email?: string): Promise<{ id: string; email: string; token: string }>;
  close(): Promise<void>;
};

let counter = 0;
export const TEST_MASTER_KEY = masterKeyFromBytes(randomBytes(32));

/** The real app on a fresh database, with a frozen clock and the test policy (two projects). */
export async function createTestApp(
  options: { policyFile?: string; now?: string; database?: Database; settings?: Parameters<typeof loadConfig>[1] } = {},
): Promise<TestApp> {
  const database = options.database ?? (await createTestDatabase());
  await migrateToLatest(database.db);
  const clock = fixedClock(options.now ?? '2026-03-02T09:00:00Z');
  const config = loadConfig({}, { policyFile: options.policyFile ?? TEST_POLICY, dataDir: path.join(REPO_ROOT, '.tmp/unused'), logLevel: 'silent',
    // Tests send bursts from one address; the limits themselves are tested with their own settings.
    rateLimitPerMinute: 1_000_000,
    intakeRateLimitPerMinute: 1_000_000,
    principalRateLimitPerMinute: 1_000_000,
    // A tiny stand-in for web/dist, so that page routes answer the same whether or not the app is built.
    webDist: path.join(REPO_ROOT, 'test/fixtures/web-dist'),
    ...options.settings,
  });
  const context: AppContext = {
    config,
    database,
    db: database.db,
    policies: await loadPolicyOrThrow(config.policyFile),
    clock,
    sessionSecret: new TextEncoder().encode('test-secret-test-secret-test-secret!'),
    keyring: { current: TEST_MASTER_KEY, lookup: [TEST_MASTER_KEY] },
  };
  const app = await buildApp(context, { logger: false });
  return {
    app,
    context,
    clock,
    database,
    async user(role, project = ALL_PROJECTS, email) {
      counter += 1;
      const address = email ?? `${role}-${project === ALL_PROJECTS ? 'all' : project}-${counter}@example.org`;
      await addUser(context, { email: address, role, projectSlug: project, displayName: null, password: TEST_PASSWORD });
      const response = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: address, password: TEST_PASSWORD } });
      if (response.statusCode !== 200) throw new Error(`login failed: ${response.body}`);
      const me = await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `Bearer ${response.json().accessToken}` } });
      return { id: me.json().id as string, email: address, token: response.json().accessToken as string };
    },
    async close() {
      await app.close();
      await database.close();
    },
  };
}

export function bearer(token: string) {
  return { authorization: `Bearer ${token}` };
}
