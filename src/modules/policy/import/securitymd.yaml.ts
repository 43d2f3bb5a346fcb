import { Document } from 'yaml';
import type { z } from 'zod';
import { DEFAULT_SEVERITY_LEVELS, type policySchema } from '../policy.schema.js';
import { contentUnits, slugify, type ImportContext } from './securitymd.context.js';

/** The draft as policy-file data, and as the YAML text a maintainer finishes. */

export type PolicyInput = z.input<typeof policySchema>;
export type ProjectInput = PolicyInput['projects'][number];
export type UnmappedLine = { line: number; text: string; reason: string };

/**
 * Not an address on purpose: a draft without a real contact must not load, or reports would be
 * promised to nobody. parsePolicy points at this line until the maintainer fills it in.
 */
export const PLACEHOLDER_EMAIL = 'TODO: the address that receives reports';

export function buildProject(context: ImportContext, options: { slug?: string; name?: string }): ProjectInput {
  const { draft } = context;
  const name = options.name ?? draft.name ?? options.slug ?? 'project';
  const slug = options.slug ?? (slugify(name) || 'project');
  const levels = draft.severityLevels.length > 0 ? draft.severityLevels : DEFAULT_SEVERITY_LEVELS;
  const levelId = (word: string): string | null => {
    const lower = word.toLowerCase();
    const level = levels.find((candidate) => candidate.name.toLowerCase() === lower || candidate.id === slugify(word));
    if (level) return level.id;
    return draft.severityLevels.length === 0 && lower === 'moderate' ? 'medium' : null;
  };

  const resolution: Record<string, string> = {};
  const everyLevel = draft.resolution.get('*');
  if (everyLevel) for (const level of levels) resolution[level.id] = everyLevel.text;
  for (const [word, duration] of draft.resolution) {
    const id = word === '*' ? null : levelId(word);
    if (id) resolution[id] = duration.text;
  }
  const releaseTypes: Record<string, 'patch' | 'minor' | 'major'> = {};
  for (const [word, type] of draft.releaseTypes) {
    const id = levelId(word);
    if (id) releaseTypes[id] = type;
  }

  const { acknowledge, initialAssessment, detailedResponse, statusUpdate } = draft.timeline;
  const timeline = compact({
    acknowledge: acknowledge?.text,
    initialAssessment: initialAssessment?.text,
    detailedResponse: detailedResponse?.text,
    statusUpdate: statusUpdate?.text,
    resolution: nonEmpty(resolution),
  });
  const report = compact({
    requiredFields: nonEmpty(draft.requiredFields),
    instructions: draft.instructions.length > 0 ? draft.instructions.join(' ') : undefined,
    attachments: draft.attachmentsRefused ? ('refused' as const) : undefined,
  });
  const scope = compact({ in: nonEmpty(draft.scopeIn), out: nonEmpty(draft.scopeOut), thirdParty: draft.thirdParty ?? undefined });
  const primary = draft.contacts[0] ?? { email: PLACEHOLDER_EMAIL };

  return compact({
    slug,
    name,
    url: draft.url ?? undefined,
    contacts: compact({
      primary,
      backup: draft.backup ?? undefined,
      securityAddresses: nonEmpty(draft.securityAddresses),
    }) as ProjectInput['contacts'],
    ecosystem: draft.ecosystem,
    supportedVersions: nonEmpty(draft.supportedVersions),
    prereleases: draft.prereleases ?? undefined,
    timeline: timeline && { timezone: 'UTC', ...timeline },
    report,
    scope,
    severityLevels: nonEmpty(draft.severityLevels),
    disclosure: {
      ...(draft.embargoDays !== null ? { embargoDays: draft.embargoDays } : {}),
      ...(draft.waitForFix ? { waitForFix: true } : {}),
      ...(draft.publicIssuesForbidden ? { publicIssuesAllowed: false } : {}),
      ...(draft.credit ? { credit: draft.credit } : {}),
      ...(draft.cve ? { cve: draft.cve } : {}),
      ...(draft.advisoryChannels.length > 0 ? { advisoryChannels: draft.advisoryChannels } : {}),
      ...(draft.steps.length > 0 ? { steps: draft.steps } : {}),
      hallOfFame: draft.hallOfFame,
    },
    releaseTypes: nonEmpty(releaseTypes),
  }) as ProjectInput;
}

/** Every unit no extractor used, with the most specific reason known; whole unmapped tables as one line. */
export function collectUnmapped(context: ImportContext): UnmappedLine[] {
  const out: UnmappedLine[] = context.general.map((reason) => ({ line: 0, text: '', reason }));
  const tables = new Set<number>();
  for (const unit of contentUnits(context)) {
    if (context.mapped.has(unit)) continue;
    const block = unit.block;
    if (unit.kind === 'row') {
      const untouched = block.units.every((row) => !context.mapped.has(row) && !context.reasons.has(row));
      if (untouched) {
        if (!tables.has(block.index)) {
          tables.add(block.index);
          out.push({ line: block.line, text: `table: ${block.header.join(' | ')} (${block.units.length} rows)`, reason: 'a table no policy field matches' });
        }
        continue;
      }
    }
    const reason = context.reasons.get(unit) ?? (unit.kind === 'code' ? 'code block no policy field matches' : 'no policy field matches this; keep it in notes if it matters');
    out.push({ line: unit.line, text: unit.kind === 'code' ? `code block starting "${unit.text}"` : unit.text, reason });
  }
  return out;
}

const COMMENT_WIDTH = 110;

export function renderPolicyYaml(policy: PolicyInput, unmapped: UnmappedLine[], placeholderContact: boolean): string {
  const header = [
    'DRAFT Embargo policy imported from SECURITY.md (embargo policy import).',
    'The importer reads prose with heuristics: compare every value with the original before use,',
    'then run "embargo policy check" on this file.',
  ];
  if (placeholderContact) {
    header.push('', '!!! NO CONTACT E-MAIL ADDRESS WAS FOUND: contacts.primary.email below is a placeholder. !!!', 'This file will not load until it holds the address that receives reports.');
  }
  const lines = unmapped.filter((entry) => entry.line > 0);
  const general = unmapped.filter((entry) => entry.line === 0 && !entry.reason.startsWith('NO CONTACT'));
  if (general.length > 0) header.push('', ...general.map((entry) => `Note: ${entry.reason}`));
  if (lines.length > 0) {
    header.push('', `Lines of SECURITY.md not mapped to any field (${lines.length}); move what matters into the fields or notes:`);
    for (const entry of lines) header.push(`  line ${entry.line}: ${truncate(entry.text, COMMENT_WIDTH)}`, `    -> ${truncate(entry.reason, COMMENT_WIDTH)}`);
  } else {
    header.push('', 'Every line of SECURITY.md was mapped to a field.');
  }
  const body = new Document(policy).toString({ lineWidth: 100 });
  return `${header.map((line) => (line ? `# ${line}` : '#')).join('\n')}\n\n${body}`;
}

function truncate(text: string, width: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > width ? `${flat.slice(0, width - 3)}...` : flat;
}

function nonEmpty<T>(value: T[] | Record<string, T>): typeof value | undefined {
  return (Array.isArray(value) ? value.length : Object.keys(value).length) > 0 ? value : undefined;
}

/** Drops undefined keys, so the YAML shows only what the file said; undefined when nothing is left. */
function compact<T extends Record<string, unknown>>(value: T): T | undefined {
  const entries = Object.entries(value).filter(([, entry]) => entry !== undefined);
  return entries.length > 0 ? (Object.fromEntries(entries) as T) : undefined;
}
