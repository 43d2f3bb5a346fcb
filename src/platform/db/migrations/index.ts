import type { Migration, MigrationProvider } from 'kysely';
import * as initial from './20261123T0000_initial.js';
import * as hardening from './20261124T0100_hardening.js';
import * as advisories from './20261124T0200_advisories.js';
import * as mail from './20261124T0300_mail.js';
import * as osvIndex from './20261125T0500_osv_index.js';
import * as imap from './20261125T0600_imap.js';

/** Every migration, by its timestamped name; new ones are appended, old ones never change. */
const MIGRATIONS: Record<string, Migration> = {
  '20261123T0000_initial': initial,
  '20261124T0100_hardening': hardening,
  '20261124T0200_advisories': advisories,
  '20261124T0300_mail': mail,
  '20261125T0500_osv_index': osvIndex,
  '20261125T0600_imap': imap,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};
