/* eslint-disable security/detect-non-literal-fs-filename -- a CLI command: every path is the operator's command-line argument or their data directory */
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config/config.js';
import { migrateToLatest, openDatabase } from '../platform/db/database.js';
import type { Command, Io } from './main.js';

/** The configuration, or null (with the reason printed) when the database is not the embedded one. */
function embeddedConfig(io: Io) {
  const config = loadConfig();
  if (!config.databaseUrl) return config;
  io.err('On PostgreSQL use pg_dump and pg_restore (see the README); `embargo backup` and `restore` are for the embedded database.');
  return null;
}

export const backupCommand: Command = {
  name: 'backup',
  summary: 'Write a consistent snapshot of the embedded database to FILE (the master key is NOT included: back it up separately)',
  usage: 'backup FILE',
  options: {},
  positionals: 1,
  async run({ positionals }, io) {
    const config = embeddedConfig(io);
    if (!config) return 1;
    const file = path.resolve(positionals[0]!);
    const database = await openDatabase({ kind: 'pglite', dataDir: config.dataDir, purpose: 'embargo backup' });
    try {
      const snapshot = await database.snapshot!();
      // Written beside the target and renamed, so a crash never leaves a truncated backup under its name.
      writeFileSync(`${file}.partial`, snapshot, { mode: 0o600 });
      renameSync(`${file}.partial`, file);
      io.out(`Wrote ${file} (${snapshot.length} bytes). Keep ${path.join(config.dataDir, 'secrets', 'master.key')} (or your EMBARGO_MASTER_KEY) safe as well: the backup cannot be read without it.`);
      return 0;
    } finally {
      await database.close();
    }
  },
};

export const restoreCommand: Command = {
  name: 'restore',
  summary: 'Restore the embedded database from a backup FILE into an empty data directory (--force replaces the database)',
  usage: 'restore FILE [--force]',
  options: { force: { type: 'boolean', description: 'Move the current database aside (pgdata.replaced-<time>) and restore over it' } } as Command['options'],
  positionals: 1,
  async run({ positionals, values }, io) {
    const config = embeddedConfig(io);
    if (!config) return 1;
    const file = path.resolve(positionals[0]!);
    if (!existsSync(file)) {
      io.err(`embargo restore: ${file} does not exist`);
      return 1;
    }
    const pgdata = path.join(config.dataDir, 'pgdata');
    if (existsSync(pgdata) && readdirSync(pgdata).length > 0) {
      if (!values.force) {
        io.err(`embargo restore: ${pgdata} already holds a database. Use --force to move it aside and restore over it.`);
        return 1;
      }
      const aside = `${pgdata}.replaced-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      renameSync(pgdata, aside);
      io.out(`Moved the current database to ${aside}.`);
    }
    const database = await openDatabase({ kind: 'pglite', dataDir: config.dataDir, purpose: 'embargo restore', restoreFrom: readFileSync(file) });
    try {
      const applied = await migrateToLatest(database.db);
      io.out(`Restored ${file} into ${config.dataDir}${applied.length ? `; applied ${applied.length} newer migration(s)` : ''}.`);
      io.out('Start Embargo with the same master key the backup was taken with.');
      return 0;
    } finally {
      await database.close();
    }
  },
};
