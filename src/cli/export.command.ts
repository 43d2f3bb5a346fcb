/* eslint-disable security/detect-non-literal-fs-filename -- a CLI command: the directory is the operator's command-line argument */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createContext } from '../bootstrap.js';
import { loadConfig } from '../config/config.js';
import { reviveDocument } from '../modules/advisories/advisory.document.js';
import { exportDocument, type ExportFormat } from '../modules/advisories/advisory.export.js';
import { findPublicAdvisories } from '../modules/advisories/advisory.repository.js';
import { CveIdRequiredError } from '../modules/exports/export.errors.js';
import { AppError } from '../platform/errors.js';
import { getProjectOrThrow } from '../modules/reports/report.service.js';
import type { Command } from './main.js';

const FORMATS: ExportFormat[] = ['osv', 'cve5', 'csaf'];

export const exportCommand: Command = {
  name: 'export',
  summary: 'Write every published (and withdrawn) advisory as OSV, CVE JSON 5 or CSAF 2.0 files into DIR, each checked by its validator',
  usage: 'export --format osv|cve5|csaf [--project SLUG] [--progress-every N] DIR',
  options: {
    format: { type: 'string', description: 'osv, cve5 or csaf (required)' },
    project: { type: 'string', description: 'Only the advisories of this project' },
    'progress-every': { type: 'string', description: 'Print progress every N advisories (default 100)' },
  } as Command['options'],
  positionals: 1,
  async run({ positionals, values }, io) {
    const format = values.format as ExportFormat | undefined;
    if (!format || !FORMATS.includes(format)) {
      io.err(`embargo export: --format must be one of ${FORMATS.join(', ')}`);
      return 2;
    }
    const every = values['progress-every'] === undefined ? 100 : Number(values['progress-every']);
    if (!Number.isSafeInteger(every) || every < 1) {
      io.err('embargo export: --progress-every takes a positive whole number');
      return 2;
    }
    const project = typeof values.project === 'string' ? values.project : undefined;
    const dir = path.resolve(positionals[0]!);
    const context = await createContext(loadConfig(), { purpose: 'embargo export' });
    try {
      if (project) getProjectOrThrow(context, project);
      const rows = await findPublicAdvisories(context.db, project ? { project } : {});
      mkdirSync(dir, { recursive: true });
      io.out(`Exporting ${rows.length} advisor${rows.length === 1 ? 'y' : 'ies'} as ${format} into ${dir}...`);
      let written = 0;
      let skipped = 0;
      let failed = 0;
      for (const [index, row] of rows.entries()) {
        try {
          const exported = await exportDocument(context, reviveDocument(row.public_doc), format);
          const file = path.join(dir, path.basename(exported.fileName));
          writeFileSync(`${file}.partial`, `${JSON.stringify(exported.document, null, 2)}\n`);
          renameSync(`${file}.partial`, file);
          written += 1;
        } catch (error) {
          if (error instanceof CveIdRequiredError) {
            skipped += 1;
            io.err(`skipped: ${row.public_id} has no CVE id`);
          } else if (error instanceof AppError) {
            failed += 1;
            const problems = (error.details.problems as { path?: string; message: string }[] | undefined) ?? [];
            io.err(`failed: ${row.public_id}: ${error.message}${problems.map((problem) => `\n  ${problem.path ?? ''} ${problem.message}`).join('')}`);
          } else {
            throw error;
          }
        }
        if ((index + 1) % every === 0 || index + 1 === rows.length) io.out(`${index + 1}/${rows.length}: ${written} written, ${skipped} skipped, ${failed} failed`);
      }
      io.out(`Done: ${written} file(s) written to ${dir}, ${skipped} skipped, ${failed} failed.`);
      return failed > 0 ? 1 : 0;
    } finally {
      await context.database.close();
    }
  },
};
