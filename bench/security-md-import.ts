import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { importSecurityMd } from '../src/modules/policy/import/securitymd.import.js';
import { parsePolicy } from '../src/modules/policy/policy.loader.js';
import { int, table } from './format.js';

/**
 * How much of real SECURITY.md files the importer understands: imports every file of the corpus
 * (../shared/corpus/security-md, or the directory given as first argument) and prints, per policy
 * field, in how many files it was found, plus totals. A report, not a gate: the exit code is non-zero
 * only when the corpus is missing or an import throws.
 *
 *   node --import tsx bench/security-md-import.ts [CORPUS_DIR]
 */

const DEFAULT_CORPUS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../shared/corpus/security-md');

/** Report rows in this order; fields the importer adds later are appended after them. */
const FIELDS: [key: string, label: string][] = [
  ['contacts', 'contacts (primary/backup e-mail)'],
  ['securityAddresses', 'other security addresses'],
  ['pgpKey', 'PGP key'],
  ['reportingChannels', 'reporting channels (GitHub, Tidelift, ...)'],
  ['instructions', 'report instructions'],
  ['projectName', 'project name'],
  ['projectUrl', 'project URL'],
  ['ecosystem', 'ecosystem (hinted, not assumed)'],
  ['supportedVersions', 'supported versions'],
  ['prereleases', 'pre-release policy'],
  ['acknowledge', 'acknowledge'],
  ['initialAssessment', 'assessment'],
  ['detailedResponse', 'detailed response'],
  ['statusUpdate', 'status update'],
  ['resolution', 'resolution'],
  ['embargoDays', 'embargo days'],
  ['severityLevels', 'severity levels'],
  ['requiredFields', 'required report fields'],
  ['attachmentsRefused', 'attachments refused'],
  ['scopeIn', 'scope: in'],
  ['scopeOut', 'scope: out'],
  ['thirdParty', 'third-party issues'],
  ['disclosureSteps', 'disclosure steps'],
  ['credit', 'credit'],
  ['hallOfFame', 'hall of fame'],
  ['cve', 'cve'],
  ['advisoryChannels', 'advisory channels'],
  ['publicIssuesForbidden', 'no public issues'],
  ['waitForFix', 'disclosure waits for fix'],
  ['releaseTypes', 'release types'],
];

export type SecurityMdImportReport = { files: number; text: string };

export function reportSecurityMdImport(corpusDir: string = DEFAULT_CORPUS): SecurityMdImportReport {
  const files = readdirSync(corpusDir)
    .filter((file) => file.endsWith('.md') && file !== 'SOURCE.md')
    .sort();
  const found = new Map<string, { files: number; items: number; numeric: boolean }>();
  let loads = 0;
  let placeholder = 0;
  let other = 0;
  let unmappedLines = 0;
  let mappedFields = 0;
  const started = performance.now();
  for (const file of files) {
    const result = importSecurityMd(readFileSync(path.join(corpusDir, file), 'utf8'));
    const parsed = parsePolicy(result.policyYaml, file);
    if (parsed.ok) loads += 1;
    else if (parsed.problems.every((problem) => problem.path === 'projects[0].contacts.primary.email')) placeholder += 1;
    else other += 1;
    unmappedLines += result.unmapped.filter((entry) => entry.line > 0).length;
    for (const [key, value] of Object.entries(result.found)) {
      const entry = found.get(key) ?? { files: 0, items: 0, numeric: typeof value === 'number' };
      if (value) {
        entry.files += 1;
        mappedFields += 1;
      }
      if (typeof value === 'number') entry.items += value;
      found.set(key, entry);
    }
  }
  const elapsed = performance.now() - started;

  const known = new Set(FIELDS.map(([key]) => key));
  const rows = [...FIELDS, ...[...found.keys()].filter((key) => !known.has(key)).map((key): [string, string] => [key, key])]
    .filter(([key]) => found.has(key))
    .map(([key, label]) => {
      const entry = found.get(key)!;
      const share = files.length === 0 ? 0 : (100 * entry.files) / files.length;
      return [label, `${entry.files}/${files.length}`, `${share.toFixed(0)}%`, entry.numeric ? int(entry.items) : '-'];
    });

  const lines = [
    `SECURITY.md import over ${files.length} files of ${corpusDir}`,
    '',
    table(['field', 'files', 'share', 'items'], rows),
    '',
    table(
      ['totals', 'value'],
      [
        ['files imported', int(files.length)],
        ['drafts that load as they are', int(loads)],
        ['drafts lacking only a contact e-mail', int(placeholder)],
        ['drafts with other problems', int(other)],
        ['fields found, all files', int(mappedFields)],
        ['fields found per file (mean)', files.length === 0 ? '-' : (mappedFields / files.length).toFixed(1)],
        ['unmapped lines, all files', int(unmappedLines)],
        ['unmapped lines per file (mean)', files.length === 0 ? '-' : (unmappedLines / files.length).toFixed(1)],
        ['time for all imports (ms)', elapsed.toFixed(0)],
      ],
    ),
  ];
  return { files: files.length, text: lines.join('\n') };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  try {
    const report = reportSecurityMdImport(process.argv[2] ? path.resolve(process.argv[2]) : DEFAULT_CORPUS);
    console.log(report.text);
    if (report.files === 0) process.exitCode = 1;
  } catch (error) {
    console.error(`security-md-import: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
