import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Config } from './config/config.js';
import type { AppContext } from './context.js';
import { systemClock, type Clock } from './platform/clock.js';
import { migrateToLatest, openDatabase, type Database } from './platform/db/database.js';
import { formatProblems, loadPolicyFile } from './modules/policy/policy.loader.js';
import { createPolicyRegistry, type PolicyRegistry } from './modules/policy/policy.registry.js';

export class StartupError extends Error {
  override name = 'StartupError';
}

export async function loadPolicyOrThrow(file: string): Promise<PolicyRegistry> {
  const result = await loadPolicyFile(file);
  if (!result.ok) {
    throw new StartupError(`The policy file ${file} has problems:\n${formatProblems(result.problems)}\nFix them (check with: embargo policy check ${file}) and start again.`);
  }
  return createPolicyRegistry(result.policy);
}

/**
 * The secret that signs API access tokens: from config when several servers share a database,
 * otherwise generated once into the data directory, readable by this user only.
 */
export function loadSessionSecret(config: Config): Uint8Array {
  if (config.sessionSecret) return new TextEncoder().encode(config.sessionSecret);
  const file = path.join(config.dataDir, 'secrets', 'session.key');
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' });
  }
  chmodSync(file, 0o600);
  return new TextEncoder().encode(readFileSync(file, 'utf8').trim());
}

export async function openConfiguredDatabase(config: Config, purpose: string): Promise<Database> {
  return config.databaseUrl
    ? openDatabase({ kind: 'postgres', url: config.databaseUrl })
    : openDatabase({ kind: 'pglite', dataDir: config.dataDir, purpose });
}

/** Everything a server or CLI command needs: database (migrated), policy, clock and secrets. */
export async function createContext(config: Config, options: { purpose: string; clock?: Clock; database?: Database }): Promise<AppContext> {
  const policies = await loadPolicyOrThrow(config.policyFile);
  const database = options.database ?? (await openConfiguredDatabase(config, options.purpose));
  try {
    await migrateToLatest(database.db);
    return { config, database, db: database.db, policies, clock: options.clock ?? systemClock, sessionSecret: loadSessionSecret(config) };
  } catch (error) {
    if (!options.database) await database.close();
    throw error;
  }
}
