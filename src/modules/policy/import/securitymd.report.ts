import type { ReportField } from '../policy.schema.js';
import { collapse, type Block } from './securitymd.blocks.js';
import { contentUnits, descendantsOf, explain, innermostHeading, itemText, listsOf, markMapped, pushUnique, type ImportContext } from './securitymd.context.js';

/** What a report must contain, what is in and out of scope, and where third-party issues go. */

const FIELD_PATTERNS: [ReportField, RegExp][] = [
  ['title', /\btitle\b/i],
  ['description', /\bdescri(?:be|ption)|\bsummary\b|what (?:the|is the) (?:vulnerability|bug|issue)|few sentences/i],
  ['stepsToReproduce', /reproduc|\bsteps\b/i],
  ['impact', /\bimpact\b|what an attacker|\bseverity\b/i],
  ['proofOfConcept', /proof[- ]of[- ]concept|\bpoc\b|\bexploit\b/i],
  ['environment', /environment|python version|\bos\b|operating system|\bplatform\b|dependencies|\bconfig\b/i],
  ['suggestedFix', /suggested (?:fix|mitigation)|mitigation|workaround|\bfix(?:es)?\b|\bpatch\b/i],
  ['affectedVersions', /affected [\w.-]*\s*versions?|versions? (?:of|affected)|version\(s\)|affected version|which versions?|version \/ commit/i],
  ['credit', /\bcredit/i],
  ['contactEmail', /how can we reach you|contact (?:details|information|e-?mail)/i],
];
const ASKS_FOR_DETAILS = /\binclude\b|what to (?:include|send)|must (?:include|follow|contain)|details|information|following questions|\bprovide\b|\bstructure\b/i;
const OPTIONAL = /if possible|helpful|ideally|optional|if you can|where possible|if known|if available/i;

export function fieldsIn(text: string): ReportField[] {
  return FIELD_PATTERNS.filter(([, pattern]) => pattern.test(text)).map(([field]) => field);
}

export function extractRequiredFields(context: ImportContext): void {
  const { draft } = context;
  const requireFields = (fields: ReportField[]) => fields.forEach((field) => pushUnique(draft.requiredFields, field));
  for (const items of listsOf(context)) {
    const first = items[0]!;
    const intro = first.list?.intro?.text ?? '';
    if (!ASKS_FOR_DETAILS.test(intro) && !/what to include|report must include|required information/i.test(innermostHeading(first))) continue;
    if (/\bscope\b|vulnerabilit(?:y|ies) (?:include|are)|triag/i.test(intro)) continue;
    const optional = OPTIONAL.test(intro);
    for (const item of items) {
      const fields = fieldsIn(itemText(item));
      if (fields.length === 0) {
        for (const unit of item.units) explain(context, unit, 'asked of reporters, but no report field matches it; say it in report.instructions');
        continue;
      }
      if (optional || OPTIONAL.test(item.text)) {
        for (const unit of item.units) explain(context, unit, `optional detail (${fields.join(', ')}); add it to report.requiredFields to require it`);
        continue;
      }
      requireFields(fields);
      markMapped(context, ...item.units);
    }
  }
  // "Copy this block into your submission and fill in every field", as a markdown template.
  for (const block of context.doc.blocks) {
    if (block.kind !== 'code' || !/^\s*#{1,6}\s/m.test(block.code)) continue;
    const previous = context.doc.blocks[block.index - 1];
    if (!previous || !/structure|template|fill in|must include|every field/i.test(previous.text)) continue;
    for (const heading of block.code.split('\n').filter((line) => /^\s*#{1,6}\s/.test(line))) {
      if (OPTIONAL.test(heading)) continue;
      requireFields(fieldsIn(heading.replace(/^\s*#+\s*/, '')));
    }
    markMapped(context, ...block.units);
  }
  for (const unit of contentUnits(context)) {
    if (unit.kind !== 'sentence' || unit.block.kind !== 'paragraph') continue;
    // eslint-disable-next-line security/detect-unsafe-regex -- linear: the optional group is a literal word and whitespace
    if (!/(?:please|must|should)\s+(?:also\s+)?(?:include|provide|describe|attach)|describe steps/i.test(unit.text) || OPTIONAL.test(unit.text)) continue;
    const fields = fieldsIn(unit.text.replace(/\bthe report\b|\byour report\b/gi, ''));
    if (fields.length === 0) continue;
    requireFields(fields);
    markMapped(context, unit);
  }
}

const OUT_OF_SCOPE = /out[- ]of[- ]scope|not in scope|non[- ]vulnerabilit|not (?:considered )?(?:a |as )?(?:security )?vulnerabilit|not (?:a |an )?[\w-]+ vulnerabilit|exclu|not (?:treated|considered) as/i;
const IN_SCOPE_INTRO = /in[- ]scope|applies to|constitutes a vulnerability|considered (?:a )?vulnerabilit|we treat as vulnerabilit/i;
const IN_SCOPE_HEADING = /^(?:acceptable |in )?scope\b|in[- ]scope|examples of vulnerabilit|constitutes a vulnerability/i;
const ITEM_OUT = /not (?:considered )?(?:a |as )?(?:security )?(?:vulnerabilit|bug)|ordinary bugs|out of scope|not in scope/i;

export function extractScope(context: ImportContext): void {
  const { draft } = context;
  for (const items of listsOf(context)) {
    const first = items[0]!;
    if ((first.list?.depth ?? 0) > 0) continue;
    const side = scopeSide(first);
    if (!side) continue;
    for (const item of items) {
      const nested = descendantsOf(context, item);
      const text = collapse([itemText(item), ...nested.map(itemText)].join(' '));
      const itemSide = ITEM_OUT.test(item.text) ? 'out' : side;
      pushUnique(itemSide === 'out' ? draft.scopeOut : draft.scopeIn, text);
      markMapped(context, ...item.units, ...nested.flatMap((block) => block.units));
    }
  }
}

function scopeSide(first: Block): 'in' | 'out' | null {
  const intro = first.list?.intro?.text ?? '';
  const heading = innermostHeading(first);
  if (OUT_OF_SCOPE.test(intro)) return 'out';
  if (IN_SCOPE_INTRO.test(intro)) return 'in';
  if (OUT_OF_SCOPE.test(heading)) return 'out';
  if (IN_SCOPE_HEADING.test(heading)) return 'in';
  return null;
}

const THIRD_PARTY = /third[- ]party|dependenc|upstream|vendored|\bmodule\b|that library/i;
const REPORT_ELSEWHERE = /report (?:it|them|these|the library's bug) (?:to|upstream)|report \w+ upstream|\bengage\b|maintaining that|do not report it here|to that (?:module|library|project)/i;

/** "If you discover a security issue in a third-party module ..., please report it to ... that module." */
export function extractThirdParty(context: ImportContext): void {
  for (const unit of contentUnits(context)) {
    if (unit.kind !== 'sentence' || context.draft.thirdParty !== null) continue;
    if (!REPORT_ELSEWHERE.test(unit.text)) continue;
    const paragraph = unit.block.units.filter((other) => THIRD_PARTY.test(other.text) || other === unit);
    if (!paragraph.some((other) => THIRD_PARTY.test(other.text))) continue;
    context.draft.thirdParty = paragraph.map((other) => other.display).join(' ');
    markMapped(context, ...paragraph);
  }
}
