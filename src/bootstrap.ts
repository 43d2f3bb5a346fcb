import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Config } from './config/config.js';
import type { AppContext } from './context.js';
import { loadMasterKey, parseMasterKey } from './platform/crypto/envelope.js';
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
  /* eslint-disable security/detect-non-literal-fs-filename -- a fixed name inside the operator's data directory */
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' });
  }
  chmodSync(file, 0o600);
  return new TextEncoder().encode(readFileSync(file, 'utf8').trim());
  /* eslint-enable security/detect-non-literal-fs-filename */
}

export async function openConfiguredDatabase(config: Config, purpose: string): Promise<Database> {
  return config.databaseUrl
    ? openDatabase({ kind: 'postgres', url: config.databaseUrl, queryTimeoutMs: config.databaseQueryTimeoutMs })
    : openDatabase({ kind: 'pglite', dataDir: config.dataDir, purpose });
}

/**
 * The key that encrypts report contents: from the environment or a key file; in embedded mode it is
 * generated on first start into the data directory (mode 0600). Keys listed as previous still decrypt,
 * so a new key can be rolled in without losing old records.
 */
export function loadKeyring(config: Config): AppContext['keyring'] {
  let current;
  try {
    current = loadMasterKey({
      ...(config.masterKey ? { envValue: config.masterKey } : {}),
      ...(config.masterKeyFile ? { keyFile: config.masterKeyFile } : {}),
      dataDir: config.dataDir,
      generate: !config.databaseUrl,
    }).key;
  } catch (error) {
    throw new StartupError(`${(error as Error).message}
(EMBARGO_MASTER_KEY or EMBARGO_MASTER_KEY_FILE; with PostgreSQL every instance needs the same key.)`);
  }
  const all = [current, ...config.previousMasterKeys.map((value, index) => parseMasterKey(value, `EMBARGO_PREVIOUS_MASTER_KEYS[${index}]`))];
  return { current, lookup: all };
}

/** Everything a server or CLI command needs: database (migrated), policy, clock and secrets. */
export async function createContext(config: Config, options: { purpose: string; clock?: Clock; database?: Database }): Promise<AppContext> {
  const policies = await loadPolicyOrThrow(config.policyFile);
  const database = options.database ?? (await openConfiguredDatabase(config, options.purpose));
  try {
    await migrateToLatest(database.db);
    return { config, database, db: database.db, policies, clock: options.clock ?? systemClock, sessionSecret: loadSessionSecret(config), keyring: loadKeyring(config) };
  } catch (error) {
    if (!options.database) await database.close();
    throw error;
  }
}
