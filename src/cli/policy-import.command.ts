import { readFile, writeFile } from 'node:fs/promises';
import { importSecurityMd } from '../modules/policy/import/securitymd.import.js';
import { ECOSYSTEMS, type Ecosystem } from '../modules/policy/policy.schema.js';
import type { Command } from './main.js';

// eslint-disable-next-line security/detect-unsafe-regex -- linear: anchored, the optional group runs at most once over a bounded {0,62} class
const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

export const policyImportCommand: Command = {
  name: 'policy import',
  summary: 'Draft a policy file from a SECURITY.md; what it could not map is listed on stderr',
  usage: 'policy import SECURITY.md [--project SLUG] [--name NAME] [--ecosystem E] [--out FILE [--force]]',
  options: {
    project: { type: 'string', description: 'Project slug (default: made from the project name)' },
    name: { type: 'string', description: 'Project name (default: as the file writes it)' },
    ecosystem: { type: 'string', description: `${ECOSYSTEMS.join(', ')} (default: guessed from the file, else PyPI)` },
    out: { type: 'string', description: 'Write the draft to FILE instead of standard output' },
    force: { type: 'boolean', description: 'With --out: overwrite FILE if it exists' },
  } as Command['options'],
  positionals: 1,
  async run({ values, positionals }, io) {
    const file = positionals[0]!;
    const fail = (message: string, code: number) => {
      io.err(`embargo policy import: ${message}`);
      return code;
    };
    const { project: slug, name, ecosystem, out, force } = values;
    if (ecosystem !== undefined && !ECOSYSTEMS.includes(ecosystem as Ecosystem)) {
      return fail(`--ecosystem must be one of ${ECOSYSTEMS.join(', ')}, got "${String(ecosystem)}"`, 2);
    }
    if (slug !== undefined && !SLUG.test(String(slug))) {
      return fail(`--project must be a slug (lower-case letters, digits and dashes, e.g. "my-lib"), got "${String(slug)}"`, 2);
    }
    if (force && out === undefined) return fail('--force only applies with --out', 2);

    let markdown: string;
    try {
      // eslint-disable-next-line security/detect-non-literal-fs-filename -- SECURITY.md is the command-line argument of the operator running the CLI
      markdown = await readFile(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return fail(`cannot read ${file} (${code === 'ENOENT' ? 'no such file' : (code ?? (error as Error).message)})`, 1);
    }

    const result = importSecurityMd(markdown, {
      ...(typeof slug === 'string' ? { slug } : {}),
      ...(typeof name === 'string' ? { name } : {}),
      ...(typeof ecosystem === 'string' ? { ecosystem: ecosystem as Ecosystem } : {}),
    });

    if (typeof out === 'string') {
      try {
        // "wx" refuses an existing file atomically, so a draft never silently replaces a finished policy.
        // eslint-disable-next-line security/detect-non-literal-fs-filename -- --out is chosen by the operator running the CLI; "wx" never replaces a file without --force
        await writeFile(out, result.policyYaml, { flag: force ? 'w' : 'wx' });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') return fail(`${out} already exists; pass --force to overwrite it`, 1);
        return fail(`cannot write ${out} (${code ?? (error as Error).message})`, 1);
      }
    } else {
      io.out(result.policyYaml.trimEnd());
    }

    for (const entry of result.unmapped) {
      io.err(entry.line === 0 ? `${file}: ${entry.reason}` : `${file}:${entry.line}: ${entry.text}\n    ${entry.reason}`);
    }
    const fields = Object.values(result.found).filter(Boolean).length;
    const lines = result.unmapped.filter((entry) => entry.line > 0).length;
    const where = typeof out === 'string' ? `written to ${out}` : 'printed above';
    io.err(`Draft ${where}: ${fields} field(s) found, ${lines} line(s) of ${file} not mapped. Review it, then run "embargo policy check".`);
    if (result.found.contacts === 0) io.err('The draft has no contact e-mail yet: it will not load until you add one.');
    return 0;
  },
};
