import type { Ecosystem, ReportField } from '../policy.schema.js';
import type { Block, ParsedMarkdown, Unit } from './securitymd.blocks.js';

/**
 * What the extractors share: the parsed file, the draft they fill in, and the ledger of which units
 * they used. A unit nobody used ends up in `unmapped`, with the most specific reason an extractor
 * left on it ("not a PyPI version pattern", "escalation address") or a generic one.
 */

/** A duration, and how to write it the way the file did ("14 days", not "2 weeks"). */
export type Duration = { amount: number; unit: 'hours' | 'days' | 'businessDays'; text: string };

export type ContactDraft = { email: string; pgpPublicKey?: string };

export type Draft = {
  name: string | null;
  url: string | null;
  ecosystem: Ecosystem;
  contacts: ContactDraft[];
  backup: ContactDraft | null;
  securityAddresses: string[];
  instructions: string[];
  reportingChannels: string[];
  supportedVersions: { versions: string; supported: boolean; note?: string }[];
  prereleases: { fixesGuaranteed: boolean; note?: string } | null;
  timeline: {
    acknowledge?: Duration;
    initialAssessment?: Duration;
    detailedResponse?: Duration & { afterAcknowledge: boolean };
    statusUpdate?: Duration;
  };
  /** Level name as written ("critical") -> duration; "*" for every level. */
  resolution: Map<string, Duration>;
  embargoDays: number | null;
  requiredFields: ReportField[];
  attachmentsRefused: boolean;
  scopeIn: string[];
  scopeOut: string[];
  thirdParty: string | null;
  severityLevels: { id: string; name: string; definition?: string }[];
  steps: string[];
  credit: 'credit' | 'anonymous' | null;
  hallOfFame: boolean;
  cve: 'always' | 'significant' | 'never' | null;
  advisoryChannels: string[];
  publicIssuesForbidden: boolean;
  waitForFix: boolean;
  /** Level name as written -> release type. */
  releaseTypes: Map<string, 'patch' | 'minor' | 'major'>;
};

export type ImportContext = {
  doc: ParsedMarkdown;
  draft: Draft;
  mapped: Set<Unit>;
  reasons: Map<Unit, string>;
  /** Sentences that tell reporters where to report (not where advisories appear). */
  reportingUnits: Set<Unit>;
  /** Findings about the whole file rather than one line (line 0 in `unmapped`). */
  general: string[];
};

export function createContext(doc: ParsedMarkdown, ecosystem: Ecosystem): ImportContext {
  return {
    doc,
    mapped: new Set(),
    reasons: new Map(),
    reportingUnits: new Set(),
    general: [],
    draft: {
      name: null,
      url: null,
      ecosystem,
      contacts: [],
      backup: null,
      securityAddresses: [],
      instructions: [],
      reportingChannels: [],
      supportedVersions: [],
      prereleases: null,
      timeline: {},
      resolution: new Map(),
      embargoDays: null,
      requiredFields: [],
      attachmentsRefused: false,
      scopeIn: [],
      scopeOut: [],
      thirdParty: null,
      severityLevels: [],
      steps: [],
      credit: null,
      hallOfFame: false,
      cve: null,
      advisoryChannels: [],
      publicIssuesForbidden: false,
      waitForFix: false,
      releaseTypes: new Map(),
    },
  };
}

export function markMapped(context: ImportContext, ...units: Unit[]): void {
  for (const unit of units) context.mapped.add(unit);
}

/** Leaves a reason on a unit for the maintainer; the first specific reason wins. */
export function explain(context: ImportContext, unit: Unit, reason: string): void {
  if (!context.reasons.has(unit)) context.reasons.set(unit, reason);
}

/** Text units (sentences, rows, code), i.e. everything that can be unmapped; headings excluded. */
export function contentUnits(context: ImportContext): Unit[] {
  return context.doc.units.filter((unit) => unit.kind !== 'heading');
}

/** The heading right above a block ("" at the top of the file). */
export function innermostHeading(block: Block): string {
  return block.section.at(-1) ?? '';
}

/** Whether the block's own heading, or its list's introduction, matches. */
export function isUnder(block: Block, pattern: RegExp): boolean {
  return pattern.test(innermostHeading(block)) || (block.list?.intro ? pattern.test(block.list.intro.text) : false);
}

/** The items of every list, grouped by list, in document order; nested lists are separate groups. */
export function listsOf(context: ImportContext): Block[][] {
  const lists = new Map<number, Block[]>();
  for (const block of context.doc.blocks) {
    if (block.kind !== 'item' || !block.list) continue;
    const items = lists.get(block.list.id) ?? [];
    items.push(block);
    lists.set(block.list.id, items);
  }
  return [...lists.values()];
}

/**
 * The sentence that introduces a list or table ("please include:") goes with it: when any of its items
 * was used, the introduction was understood too.
 */
export function markIntroductions(context: ImportContext): void {
  const used = (block: Block) => block.units.some((unit) => context.mapped.has(unit));
  for (const items of listsOf(context)) {
    const intro = items[0]!.list?.intro;
    const last = intro?.units.at(-1);
    if (intro && intro.kind === 'paragraph' && last && items.some(used)) markMapped(context, last);
  }
  for (const block of context.doc.blocks) {
    const previous = context.doc.blocks[block.index - 1];
    const last = previous?.units.at(-1);
    if (block.kind === 'table' && previous?.kind === 'paragraph' && last && /:$/.test(last.text) && used(block)) markMapped(context, last);
  }
}

/** Nested items below an item, at any depth. */
export function descendantsOf(context: ImportContext, item: Block): Block[] {
  const children = context.doc.blocks.filter((block) => block.parent === item);
  return children.flatMap((child) => [child, ...descendantsOf(context, child)]);
}

/** "Critical", "Remote code execution" -> "Critical: Remote code execution". */
export function itemText(block: Block): string {
  return block.label ? `${block.label}: ${block.rest}` : block.text;
}

export function pushUnique<T>(list: T[], value: T): void {
  if (!list.includes(value)) list.push(value);
}

export function slugify(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '');
}

const SEVERITY_WORDS = ['critical', 'high', 'medium', 'moderate', 'low', 'informational', 'important', 'severe', 'minor', 'major', 'info'];

/** Severity level names a sentence mentions, in the order the file's levels (or the usual ones) are declared. */
export function severityWordsIn(context: ImportContext, text: string): string[] {
  const declared = context.draft.severityLevels.map((level) => level.name.toLowerCase());
  const candidates = declared.length > 0 ? declared : SEVERITY_WORDS.slice(0, 5);
  // eslint-disable-next-line security/detect-non-literal-regexp -- the only variable part is passed through escapeRegExp
  return candidates.filter((word) => new RegExp(`\\b${escapeRegExp(word)}\\b`, 'i').test(text));
}

export function isSeverityWord(word: string): boolean {
  return SEVERITY_WORDS.includes(word.trim().toLowerCase());
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
