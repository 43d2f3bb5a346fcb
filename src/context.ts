import type { Config } from './config/config.js';
import type { Clock } from './platform/clock.js';
import type { Database, Db } from './platform/db/database.js';
import type { PolicyRegistry } from './modules/policy/policy.registry.js';
import type { KeyLookup, MasterKey } from './platform/crypto/envelope.js';
import type { Metrics } from './platform/metrics.js';

/** What services need from the outside world, passed explicitly (tests build their own). */
export type AppContext = {
  config: Config;
  database: Database;
  db: Db;
  policies: PolicyRegistry;
  clock: Clock;
  /** Signs API access tokens. */
  sessionSecret: Uint8Array;
  /** Encrypts new records with `current`; decrypts with any key it knows (rotation). */
  keyring: { current: MasterKey; lookup: KeyLookup };
  /** Prometheus instruments, created by the app when metrics are on. */
  metrics?: Metrics;
};
