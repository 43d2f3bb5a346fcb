import { loadConfig } from '../config/config.js';
import { openConfiguredDatabase } from '../bootstrap.js';
import { migrateToLatest } from '../platform/db/database.js';
import type { Command } from './main.js';

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'Bring the database schema up to date (the server also does this at start-up)',
  usage: 'migrate',
  options: {},
  async run(_args, io) {
    const config = loadConfig();
    const database = await openConfiguredDatabase(config, 'embargo migrate');
    try {
      const applied = await migrateToLatest(database.db);
      io.out(applied.length ? `Applied ${applied.length} migration(s): ${applied.join(', ')}` : 'The database is up to date.');
      return 0;
    } finally {
      await database.close();
    }
  },
};
