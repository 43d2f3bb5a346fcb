import type { Block } from './securitymd.blocks.js';
import {
  contentUnits,
  descendantsOf,
  explain,
  innermostHeading,
  isSeverityWord,
  isUnder,
  itemText,
  listsOf,
  markMapped,
  pushUnique,
  severityWordsIn,
  slugify,
  type ImportContext,
} from './securitymd.context.js';

/**
 * After the report: severity levels, the disclosure steps, credit, CVEs, where advisories are
 * published, whether disclosure waits for the fix, and which release carries a fix per severity.
 */

export function extractSeverityLevels(context: ImportContext): void {
  for (const items of listsOf(context)) {
    const labelled = items.filter((item) => item.label && item.rest);
    const inSection = isUnder(items[0]!, /severit|classif/i);
    const known = labelled.filter((item) => isSeverityWord(item.label!));
    const chosen = inSection && labelled.length >= 2 ? labelled : known.length >= 2 ? known : null;
    if (!chosen) continue;
    const seen = new Set<string>();
    for (const item of chosen) {
      const id = slugify(item.label!);
      if (!id || seen.has(id)) continue;
      seen.add(id);
      context.draft.severityLevels.push({ id, name: item.label!, definition: item.rest });
      markMapped(context, ...item.units);
    }
    return;
  }
  for (const block of context.doc.blocks) {
    if (block.kind !== 'table' || !/severity|level/i.test(block.header[0] ?? '')) continue;
    const definition = block.header.findIndex((cell, index) => index > 0 && /descri|defin|example|criteria|impact|meaning/i.test(cell));
    if (definition === -1) continue;
    for (const unit of block.units) {
      const name = unit.cells?.[0]?.trim() ?? '';
      const id = slugify(name);
      if (!id || context.draft.severityLevels.some((level) => level.id === id)) continue;
      const text = unit.cells?.[definition]?.trim();
      context.draft.severityLevels.push({ id, name, ...(text ? { definition: text } : {}) });
      markMapped(context, unit);
    }
    if (context.draft.severityLevels.length > 0) return;
  }
}

/** The best candidate list of process steps: under a disclosure heading, numbered, introduced as steps. */
export function extractDisclosureSteps(context: ImportContext): void {
  let best: { items: Block[]; score: number } | null = null;
  for (const items of listsOf(context)) {
    const first = items[0]!;
    if (items.length < 2 || (first.list?.depth ?? 0) > 0) continue;
    const heading = innermostHeading(first);
    const intro = first.list?.intro?.text ?? '';
    const introduced = /\bsteps?\b|process|procedure|following actions|\bwill:$|we'll then:$/i.test(intro);
    if (!first.list?.ordered && !introduced) continue;
    let score = /disclos/i.test(heading) ? 3 : /process|procedure|handling|management|coordinat|response/i.test(heading) ? 2 : 0;
    if (introduced) score += 2;
    if (first.list?.ordered) score += 1;
    if (score >= 3 && (!best || score > best.score)) best = { items, score };
  }
  if (!best) return;
  for (const item of best.items) {
    const nested = descendantsOf(context, item);
    const own = itemText(item);
    context.draft.steps.push(nested.length > 0 ? `${own} ${nested.map((block) => itemText(block).replace(/[.;]$/, '')).join('; ')}.` : own);
    markMapped(context, ...item.units, ...nested.flatMap((block) => block.units));
  }
}

const ANONYMOUS_BY_DEFAULT = /(?:not|never) (?:reveal|disclose|publish|share) your (?:identity|name)|only publici[sz]e your (?:involvement|name)|if you wish to be credited|opt[- ]in to (?:be )?credit/i;
const CREDIT = /\bcredit|acknowledge your contributions|publicly attributed|\bthank\w* (?:all |the )?(?:following )?security researchers|acknowledge security researchers/i;

export function extractCredit(context: ImportContext): void {
  const { draft } = context;
  for (const unit of context.doc.units) {
    const heading = innermostHeading(unit.block);
    if (/hall of fame/i.test(heading) || /hall of fame/i.test(unit.text)) {
      draft.hallOfFame = true;
      // The names listed in a hall of fame are the hall of fame.
      if (unit.kind !== 'heading') markMapped(context, unit);
    }
    if (unit.kind === 'heading') continue;
    if (ANONYMOUS_BY_DEFAULT.test(unit.text)) {
      draft.credit = 'anonymous';
      markMapped(context, unit);
    } else if (CREDIT.test(unit.text) && !/deserve credit/i.test(unit.text)) {
      if (draft.credit === null) draft.credit = 'credit';
      markMapped(context, unit);
    }
  }
}

const CVE_SIGNIFICANT = /\bsignificant|\bif (?:necessary|required|warranted|appropriate|needed|applicable)\b|\bwhen (?:warranted|necessary|required|appropriate|applicable)\b|where appropriate|if one is required/i;
// eslint-disable-next-line security/detect-unsafe-regex -- only bounded repeats ({0,30}, {0,60}) and optional literals; CLI import only
const CVE_ALWAYS = /\bCVEs?\b[^.]{0,60}\b(?:will be|is|are|gets?)\s+(?:requested|assigned|obtained|issued|reserved)\b|\b(?:we|team)\s+(?:will\s+)?(?:request|assign|obtain|issue|reserve)s?\b[^.]{0,30}\bCVE/i;
const CVE_NEVER = /\bwe (?:do not|don't|never|will not|won't) (?:request|assign|issue|file|obtain)\w*\b[^.]{0,15}\bCVEs?\b(?![^.]*\b(?:for|unless|if|when|without|until|before)\b)/i;

export function extractCve(context: ImportContext): void {
  for (const unit of contentUnits(context)) {
    if (!/\bCVEs?\b/.test(unit.text) || /\bno CVEs?\b/i.test(unit.text)) continue;
    const decision = CVE_NEVER.test(unit.text)
      ? 'never'
      : CVE_SIGNIFICANT.test(unit.text) && /request|assign|obtain|retrieve|issue|file/i.test(unit.text)
        ? 'significant'
        : CVE_ALWAYS.test(unit.text)
          ? 'always'
          : null;
    if (!decision) continue;
    if (context.draft.cve === null) context.draft.cve = decision;
    if (context.draft.cve === decision) markMapped(context, unit);
    else explain(context, unit, `says CVEs "${decision}", but an earlier line said "${context.draft.cve}"`);
  }
}

const CHANNELS: [string, RegExp][] = [
  ['GitHub Security Advisories', /github(?:'s)? security (?:tab|advisor)|security advisor(?:y|ies) (?:will be published )?(?:on|via|through) github|advisories (?:will be )?(?:published )?on github|github advisor|github\.com\/[^/\s]+\/[^/\s]+\/security\/advisories\/?(?:\s|$)/i],
  ['CHANGELOG', /changelog/i],
  ['RSS feed', /\brss\b|atom feed/i],
  ['Mailing list', /mailing lists?|announce(?:ment)? list/i],
  ['GitHub release notes', /release notes|github releases?/i],
  ['RustSec advisory database', /rustsec/i],
  ['Email notifications', /e-?mail (?:notifications?|to registered|announcements?)/i],
  ['Twitter', /\btweets?\b|twitter/i],
  ['The #announcements channel', /#announcements/i],
];
const PUBLICATION = /advisor|announce|notif|\bpublish|publici[sz]e|distributed/i;
const REPORTING = /report(?:ing)? (?:it|a|the|security|vulnerab|them)|\breports? (?:via|using)\b|report using|vulnerability report|\bdraft\b|button|\bprivately\b|private vulnerab/i;

export function extractAdvisoryChannels(context: ImportContext): void {
  const { draft } = context;
  for (const items of listsOf(context)) {
    const first = items[0]!;
    if (!isUnder(first, /advisor|notification|announce|publish/i) || items.some((item) => item.units.some((unit) => context.mapped.has(unit)))) continue;
    for (const item of items) {
      const text = itemText(item).replace(/^(?:in|via|on|through)\s+/i, '');
      pushUnique(draft.advisoryChannels, text.charAt(0).toUpperCase() + text.slice(1).replace(/\.$/, ''));
      markMapped(context, ...item.units);
    }
  }
  for (const unit of contentUnits(context)) {
    if (unit.kind !== 'sentence' || context.reportingUnits.has(unit) || !PUBLICATION.test(unit.text) || REPORTING.test(unit.text)) continue;
    if (!/secur|vulnerab|advisor|\bcve|\bfix|patch/i.test(unit.text)) continue;
    const text = `${unit.text} ${unit.links.join(' ')}`;
    let matched = false;
    for (const [name, pattern] of CHANNELS) {
      if (!pattern.test(text)) continue;
      matched = true;
      if (!draft.advisoryChannels.some((channel) => pattern.test(channel))) draft.advisoryChannels.push(name);
    }
    if (matched) markMapped(context, unit);
  }
}

const WAIT_FOR_FIX = /(?:disclos|publish|public)\w*\b[^.]{0,60}\b(?:after|once|until|when)\b[^.]{0,40}\b(?:fix|patch)(?:es)?\b|private until a fix/i;

export function extractWaitForFix(context: ImportContext): void {
  for (const unit of contentUnits(context)) {
    if (unit.kind !== 'sentence' || !WAIT_FOR_FIX.test(unit.text)) continue;
    context.draft.waitForFix = true;
    markMapped(context, unit);
  }
}

/** "Patch releases (e.g., 0.1.2.1) for critical and high severity issues". */
export function extractReleaseTypes(context: ImportContext): void {
  for (const unit of contentUnits(context)) {
    const match = /\b(patch|minor|major)(?: version)? releases?\b/i.exec(unit.text);
    if (!match || unit.kind !== 'sentence') continue;
    const type = match[1]!.toLowerCase() as 'patch' | 'minor' | 'major';
    const levels = severityWordsIn(context, unit.text);
    if (levels.length === 0) {
      if (/\bfor\b/i.test(unit.text)) explain(context, unit, `${type} releases, but for no severity level`);
      continue;
    }
    for (const level of levels) if (!context.draft.releaseTypes.has(level)) context.draft.releaseTypes.set(level, type);
    markMapped(context, unit);
  }
}
