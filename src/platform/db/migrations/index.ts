import type { Migration, MigrationProvider } from 'kysely';
import * as initial from './20261123T0000_initial.js';

/** Every migration, by its timestamped name; new ones are appended, old ones never change. */
const MIGRATIONS: Record<string, Migration> = {
  '20261123T0000_initial': initial,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};
