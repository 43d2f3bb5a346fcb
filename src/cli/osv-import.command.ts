/* eslint-disable security/detect-non-literal-fs-filename -- a CLI command: the path is the operator's command-line argument */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createContext } from '../bootstrap.js';
import { loadConfig } from '../config/config.js';
import { importOsv, osvSourceFiles } from '../modules/advisories/osv-import.service.js';
import type { Command } from './main.js';

export const osvImportCommand: Command = {
  name: 'import osv',
  summary: 'Import OSV advisories (JSON or YAML files in DIR, or a ZIP) as published advisories of source "imported" into a project',
  usage: 'import osv DIR|ZIP --project SLUG [--progress-every N]',
  options: {
    project: { type: 'string', description: 'The project (policy slug) the imported advisories belong to (required)' },
    'progress-every': { type: 'string', description: 'Print progress every N files (default 100)' },
  } as Command['options'],
  positionals: 1,
  async run({ positionals, values }, io) {
    const project = typeof values.project === 'string' ? values.project : '';
    if (!project) {
      io.err('embargo import osv: --project SLUG is required (the project the imported advisories belong to)');
      return 2;
    }
    const every = values['progress-every'] === undefined ? 100 : Number(values['progress-every']);
    if (!Number.isSafeInteger(every) || every < 1) {
      io.err('embargo import osv: --progress-every takes a positive whole number');
      return 2;
    }
    const location = path.resolve(positionals[0]!);
    if (!existsSync(location)) {
      io.err(`embargo import osv: ${location} does not exist`);
      return 1;
    }
    let files;
    try {
      files = osvSourceFiles(location);
    } catch (error) {
      io.err(`embargo import osv: ${location}: ${(error as Error).message}`);
      return 1;
    }
    const context = await createContext(loadConfig(), { purpose: 'embargo import osv' });
    try {
      io.out(`Importing ${files.length} OSV file(s) from ${location} into project ${project}...`);
      const result = await importOsv(context, files, {
        project,
        progressEvery: every,
        onProgress: (p) => io.out(`${p.done}/${p.total} files: ${p.created} created, ${p.updated} updated, ${p.unchanged} unchanged, ${p.invalid} invalid`),
      });
      for (const warning of result.warnings) io.err(`warning: ${warning.file}${warning.id ? ` (${warning.id})` : ''}: ${warning.problems.join('; ')}`);
      for (const error of result.errors) io.err(`skipped: ${error.file}${error.id ? ` (${error.id})` : ''}: ${error.problems.join('; ')}`);
      io.out(`Done: ${result.created} created, ${result.updated} updated, ${result.unchanged} unchanged, ${result.invalid} skipped as invalid, of ${result.total} file(s).`);
      return 0;
    } finally {
      await context.database.close();
    }
  },
};
