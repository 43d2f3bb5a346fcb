import { z } from 'zod';
import type { Unit } from './securitymd.blocks.js';
import { contentUnits, escapeRegExp, explain, innermostHeading, markMapped, pushUnique, type ImportContext } from './securitymd.context.js';

/**
 * Who receives reports and how: e-mail contacts (with Primary/Backup labels and PGP keys), reporting
 * platforms (GitHub private reporting, Tidelift, HackerOne, huntr) kept as instructions, the ban on
 * public issues, and the project's name and repository.
 */

// eslint-disable-next-line security/detect-unsafe-regex -- no exponential backtracking (repeats are split by a literal "."); runs only in `embargo policy import` on the operator's SECURITY.md, never on request input
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
// "security at python dot org", written that way to keep harvesters off.
// eslint-disable-next-line security/detect-unsafe-regex -- each repeat must consume whitespace and a literal "dot", so it cannot backtrack exponentially; CLI import only
const OBFUSCATED = /\b([A-Za-z0-9._%+-]+)\s+(?:at|\[at\]|\(at\))\s+([A-Za-z0-9-]+(?:\s+(?:dot|\[dot\]|\(dot\))\s+[A-Za-z0-9-]+)+)\b/gi;
const emailSchema = z.email();

/** Sections that name people for other reasons: thanks, team rosters, history. */
const PEOPLE_SECTION = /hall of fame|acknowledg|thank|members|credits|contributors|history/i;
const ESCALATION = /escalat|if you (?:do not|don't|have not|haven't|did not) (?:receive|get|hear)|not received|for assistance/i;
const ESCALATION_SECTION = /escalation|secondary contact/i;
const REPORTING_CUE = /\breport|e-?mail|\bsend\b|\bwrite\b|contact|reach|handled via|\bmail\b|disclos|submit/i;
const REPORTING_SECTION = /report|contact|disclos|vulnerab|security polic|^security$/i;
const CONTACT_LABEL = /primary|backup|secondary|e-?mail|contact|security|alternat/i;

/** Reporting platforms whose links mean "report here". */
const PLATFORMS: [RegExp, string][] = [
  [/github\.com\/[^/\s]+\/[^/\s]+\/security\/advisories\/new/i, 'GitHub private vulnerability reporting'],
  [/github\.com\/[^/\s]+\/[^/\s]+\/security(?:\/advisories)?\/?$/i, 'GitHub private vulnerability reporting'],
  [/tidelift\.com\/(?:docs\/)?security/i, 'Tidelift security contact'],
  [/hackerone\.com/i, 'HackerOne'],
  [/huntr\.(?:dev|com)/i, 'huntr'],
  [/bugcrowd\.com/i, 'Bugcrowd'],
  [/intigriti\.com/i, 'Intigriti'],
];
const PRIVATE_REPORTING = /report a vulnerability|private vulnerability (?:reporting|report|disclosure)|private security reporting|privately on github|github(?:'s)? (?:private )?vulnerability report|security advisor(?:y|ies)|security tab|draft (?:github )?security advisory/i;
const REPORT_VERB = /\b(?:report|submit|use|open|send|complete|refer)\b/i;

const PUBLIC_ISSUES = [
  // eslint-disable-next-line security/detect-unsafe-regex -- repeats are bounded ({0,3}, {0,60}); CLI import of the operator's SECURITY.md only
  /\b(?:do not|don't|dont|never|not|without|avoid)\b\W+(?:\w+\W+){0,3}?(?:create|creating|file|filing|open|opening|submit|submitting|report|reported|reporting|post|posting|use|send|mention)\b[^.!]{0,60}?\b(?:issues?|issue tracker|pull[- ]requests?|PRs?|discussions?|forum thread)\b/i,
  /public github issues are open for everyone/i,
  /\b(?:avoid|refrain from) public(?:ly)? discuss/i,
  /do not disclose this to anyone/i,
];

// eslint-disable-next-line security/detect-unsafe-regex -- only bounded repeats ({0,40}) and an optional literal; CLI import only
const ATTACHMENTS_REFUSED = /(?:avoid|without|no|not?\s+(?:send|include|use))\b[^.]{0,40}\battachments?\b|entirety of the report within the (?:e-?mail )?body/i;

type Role = 'primary' | 'backup' | 'cc' | 'any';

/** Addresses without case-insensitive repeats, first spelling kept. */
function distinct(emails: string[]): string[] {
  const seen = new Set<string>();
  return emails.filter((email) => !seen.has(email.toLowerCase()) && seen.add(email.toLowerCase()));
}

export function extractContacts(context: ImportContext): void {
  const units = contentUnits(context);
  const found: { email: string; role: Role }[] = [];
  for (const unit of units) {
    const emails = emailsIn(unit);
    if (emails.length === 0) {
      if (unit.kind === 'sentence' && /\b(?:e-?mail|write to|reach out to)\b/i.test(unit.text) && /\breport/i.test(unit.text) && unit.links.length === 0) {
        explain(context, unit, 'names a reporting channel but no address; put that address in contacts.primary');
      }
      continue;
    }
    const heading = innermostHeading(unit.block);
    if (unit.block.section.some((title) => PEOPLE_SECTION.test(title)) && !/contact/i.test(heading)) continue;
    if (ESCALATION.test(unit.text) || ESCALATION_SECTION.test(heading)) {
      explain(context, unit, `escalation address (${emails.join(', ')}), not the project's own contact; add it as backup if it should receive reports`);
      continue;
    }
    const label = unit.index === 0 ? (unit.block.label ?? '') : '';
    const intro = unit.block.list?.intro?.text ?? '';
    const reporting =
      REPORTING_CUE.test(unit.text) ||
      CONTACT_LABEL.test(label) ||
      /\breport|e-?mail|\bsend\b/i.test(intro) ||
      (REPORTING_SECTION.test(heading) && unit.block.kind !== 'item');
    if (!reporting) continue;
    emails.forEach((email, position) => {
      let role: Role = 'any';
      if (/primary/i.test(label)) role = 'primary';
      else if (/backup|secondary|alternat/i.test(label)) role = 'backup';
      // eslint-disable-next-line security/detect-non-literal-regexp -- the only variable part is passed through escapeRegExp
      else if (position > 0 && new RegExp(`\\bcc\\b[^@]{0,12}${escapeRegExp(email)}`, 'i').test(unit.text)) role = 'cc';
      found.push({ email, role });
    });
    context.reportingUnits.add(unit);
    markMapped(context, unit);
    addInstruction(context, unit);
  }

  // Labelled primary first, then addresses in the order the file gives them; a second plain address
  // ("tomer@... or auvipy@...") is the backup unless one is labelled so; cc'd addresses are extra.
  const { draft } = context;
  const byRole = (...roles: Role[]) => distinct(found.filter((entry) => roles.includes(entry.role)).map((entry) => entry.email));
  const primary = byRole('primary', 'any')[0] ?? byRole('backup', 'cc')[0];
  const same = (a: string | undefined, b: string | undefined) => a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
  const backup = byRole('backup').find((email) => !same(email, primary)) ?? byRole('any').find((email) => !same(email, primary));
  if (primary) draft.contacts.push({ email: primary });
  if (backup) draft.backup = { email: backup };
  for (const email of byRole('primary', 'any', 'backup', 'cc')) {
    if (!same(email, primary) && !same(email, backup)) draft.securityAddresses.push(email);
  }
  attachPgpKey(context);
}

/** Valid e-mail addresses in a unit's text and mailto links, in order. */
function emailsIn(unit: Unit): string[] {
  const out: string[] = [];
  const add = (email: string) => {
    const clean = email.replace(/^mailto:/i, '').replace(/\?.*$/, '').trim();
    if (emailSchema.safeParse(clean).success && !out.some((seen) => seen.toLowerCase() === clean.toLowerCase())) out.push(clean);
  };
  for (const href of unit.links) if (/^mailto:/i.test(href)) add(safeDecode(href));
  for (const match of unit.text.matchAll(EMAIL)) add(match[0]);
  for (const match of unit.text.matchAll(OBFUSCATED)) add(`${match[1]}@${match[2]!.replace(/\s+(?:dot|\[dot\]|\(dot\))\s+/gi, '.')}`);
  return out;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** An armored key in a code block belongs to the address named just before it, or to the primary contact. */
function attachPgpKey(context: ImportContext): void {
  const { units } = context.doc;
  units.forEach((unit, index) => {
    if (unit.kind !== 'code' || !unit.block.code.includes('-----BEGIN PGP PUBLIC KEY BLOCK-----')) return;
    const armored = /-----BEGIN PGP PUBLIC KEY BLOCK-----[\s\S]*?-----END PGP PUBLIC KEY BLOCK-----/.exec(unit.block.code);
    if (!armored) return;
    const before = units.slice(Math.max(0, index - 3), index).reverse();
    const named = before.flatMap((candidate) => emailsIn(candidate))[0]?.toLowerCase();
    const all = [...context.draft.contacts, ...(context.draft.backup ? [context.draft.backup] : [])];
    const owner = all.find((contact) => contact.email.toLowerCase() === named) ?? all[0];
    if (!owner) return;
    owner.pgpPublicKey = `${armored[0].trim()}\n`;
    markMapped(context, unit, ...before.filter((candidate) => /pgp|gpg/i.test(candidate.text)));
  });
}

/** Reporting platforms and the sentences that point to them; the sentences become report instructions. */
export function extractReportingChannels(context: ImportContext): void {
  for (const unit of contentUnits(context)) {
    if (unit.kind !== 'sentence' || ESCALATION.test(unit.text) || ESCALATION_SECTION.test(innermostHeading(unit.block))) continue;
    // "Advisories will be published on https://github.com/.../security/advisories" is not a way to report.
    if (/\b(?:publish(?:es|ed)?|announce[sd]?|notifications?|distributed)\b/i.test(unit.text)) continue;
    const urls = [...unit.links, ...(unit.text.match(/https?:\/\/[^\s)>\]]+/g) ?? [])];
    let channel = urls.flatMap((url) => PLATFORMS.filter(([pattern]) => pattern.test(url.replace(/[.,;]+$/, ''))).map(([, name]) => name))[0];
    if (!channel && PRIVATE_REPORTING.test(unit.text) && REPORT_VERB.test(unit.text)) {
      channel = 'GitHub private vulnerability reporting';
    }
    // A policy kept elsewhere ("please visit https://pypi.org/security/") is where reporters must go.
    const pointer = urls.some((url) => /security/i.test(url)) && /\b(?:see|read|visit|refer to|can be found|found here|found in)\b/i.test(unit.text);
    if (!channel && urls.length > 0 && (pointer || /how to report|report(?:ing)? (?:a )?vulnerabilit|submitting security|reporting process/i.test(unit.text))) {
      channel = 'Policy page';
    }
    if (!channel) continue;
    pushUnique(context.draft.reportingChannels, channel);
    context.reportingUnits.add(unit);
    markMapped(context, unit);
    addInstruction(context, unit);
  }
}

/** "DO NOT create a public issue", attachments refused; both also go into the instructions. */
export function extractReportingRules(context: ImportContext): void {
  for (const unit of context.doc.units) {
    if (PUBLIC_ISSUES.some((pattern) => pattern.test(unit.text)) && !/safety|non-sensitive|not considered (?:a )?(?:security )?vulnerabilit|feature request|normal bug/i.test(unit.text)) {
      context.draft.publicIssuesForbidden = true;
      markMapped(context, unit);
      addInstruction(context, unit);
    }
    if (unit.kind === 'sentence' && ATTACHMENTS_REFUSED.test(unit.text)) {
      context.draft.attachmentsRefused = true;
      markMapped(context, unit);
      addInstruction(context, unit);
    }
  }
}

export function addInstruction(context: ImportContext, unit: Unit): void {
  const text = unit.block.kind === 'heading' ? unit.display.replace(/^\d+\.\s*/, '') : unit.display;
  const sentence = /[.!?:]$/.test(text) ? text : `${text}.`;
  pushUnique(context.draft.instructions, sentence);
}

const NAME_PATTERNS = [
  /\bversions of (?:the )?([A-Za-z][\w.-]*[A-Za-z0-9])/g,
  /\b(?:in|within|for|of) the ([A-Za-z][\w.-]*[A-Za-z0-9]) project\b/g,
  /\bthe ([A-Za-z][\w.-]*[A-Za-z0-9]) (?:project|team|maintainers)\b/g,
  /\b([A-Za-z][\w.-]*[A-Za-z0-9])'s security\b/g,
  /\bsecurity (?:vulnerability|vulnerabilities|issues?|bugs?) (?:in|within) ([A-Za-z][\w.-]*[A-Za-z0-9])/g,
  /\bsecurity of ([A-Za-z][\w.-]*[A-Za-z0-9])/g,
  /\bvulnerabilit(?:y|ies) (?:in|within) ([A-Za-z][\w.-]*[A-Za-z0-9])\b(?![-'])/g,
];
const NOT_NAMES = new Set([
  'this', 'the', 'our', 'your', 'a', 'an', 'it', 'its', 'any', 'all', 'security', 'project', 'projects', 'github', 'software',
  'package', 'packages', 'code', 'source', 'python', 'node', 'go', 'rust', 'following', 'core', 'development', 'open', 'these',
  'that', 'such', 'each', 'other', 'older', 'new', 'latest', 'supported', 'maintainers', 'framework', 'application', 'library',
  'one', 'them', 'us', 'we', 'my', 'his', 'her', 'their', 'dependencies', 'dependency', 'user', 'users', 'web', 'production',
]);

/** The project's name as the file writes it, and its repository, when links point to one. */
export function guessProject(context: ImportContext): void {
  const votes = new Map<string, number>();
  const vote = (name: string, weight: number) => {
    if (!NOT_NAMES.has(name.toLowerCase()) && !/^\d/.test(name)) votes.set(name, (votes.get(name) ?? 0) + weight);
  };
  const title = context.doc.blocks.find((block) => block.kind === 'heading')?.text ?? '';
  const titled = /^(.+?)\s+security\b/i.exec(title);
  if (titled && titled[1]!.split(/\s+/).length <= 3 && !/\b(?:report\w*|a|an|the|our|vulnerabilit\w*|disclos\w*)\b/i.test(titled[1]!)) vote(titled[1]!.trim(), 3);
  for (const unit of context.doc.units) {
    for (const pattern of NAME_PATTERNS) for (const match of unit.text.matchAll(pattern)) vote(match[1]!, 1);
  }
  const repos = new Map<string, number>();
  for (const unit of context.doc.units) {
    const urls = [...unit.links, ...(unit.text.match(/https?:\/\/[^\s)>\]]+/g) ?? [])];
    for (const url of urls) {
      const match = /^https?:\/\/github\.com\/([\w.-]+)\/([\w.-]+?)(?:\.git)?(?:[/?#]|$)/i.exec(url);
      if (!match || /^(?:advisories|orgs|settings|features|sponsors|user-attachments|topics|apps|marketplace)$/i.test(match[1]!) || match[2] === '.github') continue;
      const key = `${match[1]}/${match[2]}`;
      // A link to the repository's own advisories says more than a link to another project.
      repos.set(key, (repos.get(key) ?? 0) + (/\/security\/advisories/i.test(url) ? 3 : 1));
    }
  }
  const repo = [...repos.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  if (repo) context.draft.url = `https://github.com/${repo}`;
  const best = [...votes.entries()].sort((a, b) => b[1] - a[1])[0];
  // One passing mention is weak evidence; the repository's own name is better then.
  if (best && (best[1] >= 2 || !repo)) context.draft.name = best[0];
  else if (repo) context.draft.name = repo.split('/')[1]!;
}
