import { validateVersionPattern } from '../../triage/versions.js';
import type { Ecosystem } from '../policy.schema.js';
import { collapse, type ParsedMarkdown, type Unit } from './securitymd.blocks.js';
import { contentUnits, explain, innermostHeading, markMapped, type ImportContext } from './securitymd.context.js';

/** The supported-versions table, the pre-release promise, and which ecosystem the project lives in. */

const YES = /✅|✔|☑|🟢|:white_check_mark:|:heavy_check_mark:|:ballot_box_with_check:|:green_circle:|^\s*(?:yes|y|supported|true|active|maintained|lts)\b/i;
const NO = /❌|✖|✗|⛔|🔴|:x:|:no_entry(?:_sign)?:|:heavy_multiplication_x:|:negative_squared_cross_mark:|:red_circle:|^\s*(?:no|n|unsupported|not supported|false|eol|end[- ]of[- ]life|deprecated)\b/i;
// eslint-disable-next-line security/detect-non-literal-regexp -- built from the two constant RegExps above
const MARKERS = new RegExp(`${YES.source}|${NO.source}`, 'gi');

const HINTS: [Ecosystem, RegExp][] = [
  ['PyPI', /\bpypi\b|pip install|\bpython\b|pyproject|setup\.py|\bpep \d+|\bdjango\b|\bwheel\b/gi],
  ['npm', /\bnpm\b|node\.js|\bnodejs\b|package\.json|javascript|typescript|openjs|\byarn\b/gi],
  ['crates.io', /crates\.io|\bcargo\b|\brust\b|rustsec|\bcrate\b/gi],
  ['Go', /go\.mod|\bgolang\b|\bgo modules?\b|pkg\.go\.dev|\bgo (?:code|ecosystem|cli|standard library|version)\b|go's standard library/gi],
  ['Maven', /\bmaven\b|\bgradle\b|\bjava\b|pom\.xml/gi],
];

/** The ecosystem the file hints at most (PyPI, npm, cargo, go.mod ...); null when it hints at none. */
export function guessEcosystem(doc: ParsedMarkdown): Ecosystem | null {
  const text = doc.blocks.map((block) => `${block.text} ${block.code}`).join('\n');
  const links = doc.units.flatMap((unit) => unit.links).join(' ');
  let best: { ecosystem: Ecosystem; score: number } | null = null;
  for (const [ecosystem, pattern] of HINTS) {
    const score = (text.match(pattern) ?? []).length + (links.match(pattern) ?? []).length;
    if (score > 0 && (!best || score > best.score)) best = { ecosystem, score };
  }
  return best?.ecosystem ?? null;
}

export function extractSupportedVersions(context: ImportContext): void {
  const { draft } = context;
  for (const block of context.doc.blocks) {
    if (block.kind !== 'table' || block.units.length === 0) continue;
    const columns = versionColumns(block.header, block.units.map((unit) => unit.cells ?? []));
    if (!columns) continue;
    for (const unit of block.units) {
      const cells = unit.cells ?? [];
      const pattern = normalisePattern(cells[columns.version] ?? '');
      const status = cells[columns.status] ?? '';
      const supported = NO.test(status) ? false : YES.test(status) ? true : null;
      if (supported === null) {
        explain(context, unit, `cannot tell whether "${status}" means supported or not; use ✅ or ❌`);
        continue;
      }
      const problem = pattern ? validateVersionPattern(draft.ecosystem, pattern) : 'empty';
      if (problem) {
        explain(context, unit, `"${pattern}" is not a ${draft.ecosystem} version pattern; write it like "2.1.x", "< 2.0" or ">= 1.4"`);
        continue;
      }
      const note = collapse(status.replace(MARKERS, ' ').replace(/^[\s,;:-]+|[\s,;:-]+$/g, ''));
      draft.supportedVersions.push({ versions: pattern, supported, ...(note ? { note } : {}) });
      markMapped(context, unit);
    }
  }
}

/** Which column holds versions and which the support status; null when the table is not a version table. */
function versionColumns(header: string[], rows: string[][]): { version: number; status: number } | null {
  const version = header.findIndex((cell) => /version|release|branch/i.test(cell));
  if (version === -1) return null;
  const byName = header.findIndex((cell, index) => index !== version && /support|status|maintained|security|fix|patch/i.test(cell));
  if (byName !== -1) return { version, status: byName };
  // Tables such as "| Version | |" whose second column holds only marks.
  const byMarks = header.findIndex((_, index) => index !== version && rows.length > 0 && rows.every((row) => YES.test(row[index] ?? '') || NO.test(row[index] ?? '')));
  return byMarks === -1 ? null : { version, status: byMarks };
}

/** "v2.1.x", "`< 0.3`", "2.x.x " as a pattern the version matcher reads. */
function normalisePattern(cell: string): string {
  return collapse(cell.replace(/[`*]/g, ''))
    .replace(/^(<=|>=|<|>|=|~|\^)\s*/, '$1 ')
    .replace(/^= /, '== ')
    .replace(/\s*,\s*/g, ', ');
}

const PRERELEASE = /pre-?releases?|\balpha\b|\bbeta\b|release candidates?|\brc\b|nightl/i;
const NO_GUARANTEE = /not guaranteed|no guarantee|not be (?:fixed|patched)|may not (?:receive|get|include|be fixed)|do not (?:receive|get) (?:security )?(?:fixes|updates)|are not supported|not (?:eligible|covered)/i;

/** "it is not guaranteed that any fixes will be included in the next pre-release" -> fixesGuaranteed: false. */
export function extractPrereleases(context: ImportContext): void {
  const related: Unit[] = [];
  let decided = false;
  for (const unit of contentUnits(context)) {
    if (unit.kind !== 'sentence') continue;
    const inSection = PRERELEASE.test(innermostHeading(unit.block));
    if (!inSection && !PRERELEASE.test(unit.text)) continue;
    const onlyStable = /\bonly\b[^.]*\bnon-?pre-?release\b[^.]*\bsupported\b|\bnon-?pre-?release\b[^.]*\bonly\b[^.]*\bsupported\b/i.test(unit.text);
    if (NO_GUARANTEE.test(unit.text) || onlyStable) {
      decided = true;
      related.push(unit);
    } else if (inSection) {
      related.push(unit);
    }
  }
  // A pre-release section without a decision stays for the maintainer to read.
  if (!decided) return;
  context.draft.prereleases = { fixesGuaranteed: false, note: related.map((unit) => unit.display).join(' ') };
  markMapped(context, ...related);
}
