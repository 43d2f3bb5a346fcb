import MarkdownIt, { type Token } from 'markdown-it';

/**
 * What a reporter would miss in a SECURITY.md: a private channel, response times, supported
 * versions, the disclosure and credit rules. The document is read through markdown-it's token stream
 * so that headings, tables, links (including bare URLs and addresses, via linkify) and code blocks are
 * told apart; only the wording inside a block is matched with patterns.
 */

export type LintSeverity = 'error' | 'warning' | 'info';
export type LintCode =
  | 'NO_PRIVATE_CHANNEL'
  | 'PUBLIC_ISSUE_CHANNEL'
  | 'POLICY_ELSEWHERE'
  | 'NO_RESPONSE_TIMELINES'
  | 'NO_SUPPORTED_VERSIONS'
  | 'NO_DISCLOSURE_POLICY'
  | 'NO_CREDIT_POLICY'
  | 'NO_ENCRYPTED_CHANNEL'
  | 'SECURITY_TXT_EXPIRED'
  | 'SECURITY_TXT_NO_EXPIRES'
  | 'SECURITY_TXT_BAD_EXPIRES';
export type LintFinding = { code: LintCode; severity: LintSeverity; message: string; line?: number };

export type LintChecks = {
  privateChannel: boolean;
  noPublicIssueChannel: boolean;
  responseTimelines: boolean;
  supportedVersions: boolean;
  disclosurePolicy: boolean;
  creditPolicy: boolean;
  encryptedChannel: boolean;
  securityTxtValid: boolean;
};
export type LintResult = { score: number; findings: LintFinding[]; checks: LintChecks };

/** Points per check, 100 in all. */
export const LINT_WEIGHTS: Record<keyof LintChecks, number> = {
  privateChannel: 35,
  noPublicIssueChannel: 5,
  responseTimelines: 15,
  supportedVersions: 15,
  disclosurePolicy: 15,
  creditPolicy: 5,
  encryptedChannel: 5,
  securityTxtValid: 5,
};
/** `embargo policy lint` exits 0 from this score up. */
export const LINT_PASS_SCORE = 50;
/** Without a private channel nobody can report safely, whatever else the document promises: it never passes. */
const SCORE_CAP_WITHOUT_CHANNEL = 40;

type BlockKind = 'heading' | 'paragraph' | 'table-header' | 'table-cell' | 'code' | 'html';
/** `linkedText` is the text with each link's target written in, so a sentence can be judged with its links. */
type Block = { kind: BlockKind; text: string; linkedText: string; hrefs: string[]; line: number; raw: string };

const markdown = new MarkdownIt({ html: true, linkify: true });

function inlineText(token: Token): { text: string; hrefs: string[]; textWithHrefs: string } {
  let text = '';
  let textWithHrefs = '';
  const hrefs: string[] = [];
  for (const child of token.children ?? []) {
    if (child.type === 'text' || child.type === 'code_inline') {
      text += child.content;
      textWithHrefs += child.content;
    } else if (child.type === 'softbreak' || child.type === 'hardbreak') {
      text += ' ';
      textWithHrefs += ' ';
    } else if (child.type === 'link_open') {
      const href = String(child.attrGet('href') ?? '');
      hrefs.push(href);
      textWithHrefs += ` ${href} `;
    } else if (child.type === 'image') {
      text += child.content;
    } else if (child.type === 'html_inline') {
      hrefs.push(...htmlHrefs(child.content));
    }
  }
  return { text, hrefs, textWithHrefs };
}

function htmlHrefs(html: string): string[] {
  return [...html.matchAll(/href\s*=\s*["']([^"']+)["']/gi)].map((match) => match[1]!);
}

/** The document as blocks with their visible text, links and first line (1-based). */
function readBlocks(source: string): Block[] {
  const tokens = markdown.parse(source, {});
  const blocks: Block[] = [];
  let inHead = false;
  let rowLine = 1;
  tokens.forEach((token, index) => {
    if (token.type === 'thead_open') inHead = true;
    if (token.type === 'thead_close') inHead = false;
    if (token.type === 'tr_open' && token.map) rowLine = token.map[0] + 1;
    if (token.type === 'fence' || token.type === 'code_block') {
      // A fence's content starts on the line after the opening ```.
      const line = (token.map?.[0] ?? 0) + (token.type === 'fence' ? 2 : 1);
      blocks.push({ kind: 'code', text: '', linkedText: '', hrefs: [], line, raw: token.content });
    } else if (token.type === 'html_block') {
      const text = token.content.replace(/<[^>]*>/g, ' ');
      blocks.push({ kind: 'html', text, linkedText: text, hrefs: htmlHrefs(token.content), line: (token.map?.[0] ?? 0) + 1, raw: token.content });
    } else if (token.type === 'inline') {
      const opener = tokens[index - 1]?.type;
      const kind: BlockKind = opener === 'heading_open' ? 'heading' : opener === 'th_open' || inHead ? 'table-header' : opener === 'td_open' ? 'table-cell' : 'paragraph';
      const line = token.map ? token.map[0] + 1 : rowLine;
      const { text, hrefs, textWithHrefs } = inlineText(token);
      blocks.push({ kind, text, linkedText: textWithHrefs, hrefs, line, raw: token.content });
    }
  });
  return blocks;
}

type Sentence = { text: string; line: number };

function sentences(blocks: Block[], field: 'text' | 'linkedText' = 'text'): Sentence[] {
  return blocks
    .filter((block) => block.kind !== 'code' && block[field].trim() !== '')
    .flatMap((block) => block[field].split(/(?<=[.!?;])\s+/).map((text) => ({ text, line: block.line })));
}

type ChannelKind = 'email' | 'advisory' | 'platform' | 'issues' | 'link';

function classifyHref(href: string): ChannelKind | null {
  if (/^mailto:/i.test(href)) return 'email';
  if (!/^https?:\/\//i.test(href)) return null;
  if (/\/security\/advisories(\/new)?\/?$|\/security\/advisories\/new/i.test(href)) return 'advisory';
  if (/hackerone\.com|huntr\.(dev|com)|bugcrowd\.com|tidelift\.com\/(docs\/)?security|intigriti\.com|yeswehack\.com|immunefi\.com/i.test(href)) return 'platform';
  // eslint-disable-next-line security/detect-unsafe-regex -- linear: only optional literal groups around one .*
  if (/\/(-\/)?issues(\/new.*)?\/?$|\/issues\?/i.test(href)) return 'issues';
  return 'link';
}

// Addresses in code spans or written out ("security at python dot org") are not linkified.
/* eslint-disable security/detect-unsafe-regex -- every repeat is separated by whitespace, a literal "at"/"dot" or a ".", so none can backtrack exponentially; runs only in `embargo policy lint` */
const EMAIL_IN_TEXT = [
  /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/,
  /\b[\w.+-]+\s*(\[at\]|\(at\)|\{at\}|\\\[at\\\])\s*[\w-]+(\s*(\[dot\]|\(dot\)|\.)\s*[\w-]+)+/i,
  /\b[\w.+-]+\s+at\s+[\w-]+(\s+dot\s+[\w-]+)*\s+dot\s+(org|com|net|io|dev|edu|gov)\b/i,
];
/* eslint-enable security/detect-unsafe-regex */
const ADVISORY_CHANNEL = /security advisor(y|ies)|private (vulnerability|security) (report|disclos)|report a vulnerability|security tab/i;
const ADVISORY_VERB = /\b(submit|report|send|use|using|via|through|draft|open|create|file|button)\b/i;
const NEGATION = /\b(not|never|don'?t|do not|avoid|instead|rather than|no)\b/i;
// eslint-disable-next-line security/detect-non-literal-regexp -- joined from the constant strings below, no input
const PUBLIC_ISSUE = new RegExp(
  [
    String.raw`\b(open|file|create|submit|raise|post)(s|ing)?\s+(it\s+|them\s+)?(as\s+)?(an?\s+|the\s+)?(new\s+|public\s+|regular\s+|normal\s+|github\s+|gitlab\s+)*(issue|ticket|bug report)s?\b`,
    String.raw`\b(on|in|to|via|through|using)\s+(the\s+|our\s+)?(public\s+|regular\s+|normal\s+|github\s+|gitlab\s+)*(issue tracker|bug tracker|issues page)`,
    String.raw`\b(on|in|via|through|using)\s+(the\s+|our\s+)?(public\s+)?(github|gitlab)\s+issues\b`,
    String.raw`https?://\S+/(-/)?issues(/new\S*)?(\s|$)`,
  ].join('|'),
  'i',
);

const NUMBER_WORDS = 'few|several|couple of|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fourteen|fifteen|twenty|thirty|forty-five|sixty|ninety|a|an';
// eslint-disable-next-line security/detect-non-literal-regexp -- built from the constant NUMBER_WORDS, no input
const DURATION = new RegExp(String.raw`\b(\d{1,3}|${NUMBER_WORDS})[\s-]+((business|working|calendar)[\s-]+)?(hours?|days?|weeks?|months?)\b`, 'i');

function matchesAny(items: Sentence[], pattern: RegExp): Sentence | undefined {
  return items.find((item) => pattern.test(item.text));
}

function hasSupportedVersions(blocks: Block[], all: Sentence[]): boolean {
  const headings = blocks.filter((block) => block.kind === 'heading');
  if (headings.some((block) => /support/i.test(block.text) && /version|release/i.test(block.text))) return true;
  if (headings.some((block) => /^\W*(versions?|version support|maintained versions)\W*$/i.test(block.text.trim()))) return true;
  if (blocks.some((block) => block.kind === 'table-header' && /version|release|branch/i.test(block.text))) return true;
  return all.some(
    (item) =>
      /\b(latest|current|most recent|newest|last|stable|previous)\b.{0,40}\b(versions?|releases?|minor|major|branch(es)?|series|line)\b/i.test(item.text) &&
      /\b(support|fix|patch|maintain|receive|backport|update)/i.test(item.text),
  );
}

/** Reporter-side boilerplate ("we appreciate your responsible disclosure") says nothing about the project's own disclosure. */
function withoutBoilerplate(text: string): string {
  // eslint-disable-next-line security/detect-unsafe-regex -- the optional group starts with whitespace and a literal word, so it cannot backtrack exponentially
  return text.replace(/responsibl[ey]\s+disclos\w*(\s+(your|the|of|their|security)\s+\w+)?|disclos\w*\s+your\s+findings/gi, '');
}

function hasDisclosurePolicy(blocks: Block[], all: Sentence[]): boolean {
  if (blocks.some((block) => block.kind === 'heading' && /disclos|advisor|embargo|announce|publication/i.test(block.text))) return true;
  return all.some((item) => /disclos|embargo|advisor(y|ies)|\bCVEs?\b|\bGHSA\b|\bpublish|publicly announce|announcement/i.test(withoutBoilerplate(item.text)));
}

function hasCreditPolicy(blocks: Block[], all: Sentence[]): boolean {
  if (blocks.some((block) => block.kind === 'heading' && /acknowledg|credit|hall of fame|thanks|recognition/i.test(block.text))) return true;
  return all.some((item) =>
    /\bcredit(s|ed|ing)?\b(?!\s*card)|hall of fame|acknowledg\w*\s+(your|their|the|all)?\s*(contribution|research|reporter|finder|effort|work)|\bthank\w*\b.{0,80}\b(researcher|reporter|finder|contributor)s?\b/i.test(item.text),
  );
}

function hasEncryptedChannel(blocks: Block[], all: Sentence[]): boolean {
  if (blocks.some((block) => /-----BEGIN PGP PUBLIC KEY BLOCK-----/.test(block.raw))) return true;
  if (blocks.some((block) => block.hrefs.some((href) => /\.asc$|keys\.openpgp\.org|keybase\.io|\/pgp/i.test(href)))) return true;
  return all.some((item) => /\b(PGP|GPG|OpenPGP|GnuPG|S\/MIME)\b|\bencrypt(ed)?\s+(e-?mails?|messages?|reports?|communications?|channels?)/i.test(item.text));
}

const SECURITY_TXT_FIELD = /^\s*(Contact|Expires|Encryption|Policy|Canonical|Preferred-Languages|Acknowledgments|Hiring|CSAF)\s*:/i;

function lintEmbeddedSecurityTxt(blocks: Block[], now: Date): LintFinding[] {
  const findings: LintFinding[] = [];
  for (const block of blocks) {
    if (!block.raw) continue;
    const lines = block.raw.split('\n');
    const fields = lines.filter((line) => SECURITY_TXT_FIELD.test(line));
    if (!fields.some((line) => /^\s*Contact\s*:/i.test(line)) || fields.length < 2) continue;
    const index = lines.findIndex((line) => /^\s*Expires\s*:/i.test(line));
    if (index === -1) {
      findings.push({ code: 'SECURITY_TXT_NO_EXPIRES', severity: 'warning', line: block.line, message: 'The embedded security.txt has no Expires field (RFC 9116 requires one), so readers cannot tell whether it is still valid.' });
      continue;
    }
    const value = lines[index]!.replace(/^\s*Expires\s*:/i, '').trim();
    const expires = Date.parse(value);
    const line = block.line + index;
    if (Number.isNaN(expires)) {
      findings.push({ code: 'SECURITY_TXT_BAD_EXPIRES', severity: 'warning', line, message: `The embedded security.txt's Expires value "${value}" is not a date (RFC 9116 wants e.g. 2027-01-01T00:00:00Z).` });
    } else if (expires <= now.getTime()) {
      findings.push({ code: 'SECURITY_TXT_EXPIRED', severity: 'warning', line, message: `The embedded security.txt expired on ${new Date(expires).toISOString()}: its contacts may be stale.` });
    }
  }
  return findings;
}

export function lintSecurityMd(source: string, options: { now: Date }): LintResult {
  const blocks = readBlocks(source);
  const all = sentences(blocks);
  const findings: LintFinding[] = [];

  const kinds = new Set(blocks.flatMap((block) => block.hrefs.map(classifyHref)).filter((kind): kind is ChannelKind => kind !== null));
  if (all.some((item) => EMAIL_IN_TEXT.some((pattern) => pattern.test(item.text)))) kinds.add('email');
  // Bare URLs are links already (linkify); these are the ones in code spans.
  for (const item of all) for (const [url] of item.text.matchAll(/https?:\/\/[^\s`<>()]+/g)) kinds.add(classifyHref(url)!);
  if (all.some((item) => ADVISORY_CHANNEL.test(item.text) && ADVISORY_VERB.test(item.text) && !NEGATION.test(item.text))) kinds.add('advisory');
  const direct = kinds.has('email') || kinds.has('advisory') || kinds.has('platform');
  const privateChannel = direct || kinds.has('link');

  const invitation = sentences(blocks, 'linkedText').find((item) => PUBLIC_ISSUE.test(item.text) && !NEGATION.test(item.text));
  const noPublicIssueChannel = privateChannel || !invitation;
  if (!privateChannel) {
    findings.push({ code: 'NO_PRIVATE_CHANNEL', severity: 'error', message: 'No private way to report: the document gives no email address, advisory link or other contact link.' });
  } else if (!direct) {
    findings.push({ code: 'POLICY_ELSEWHERE', severity: 'info', message: 'The only contact is a link to another page; a reporter must follow it to learn where to write.' });
  }
  if (invitation) {
    findings.push(
      privateChannel
        ? { code: 'PUBLIC_ISSUE_CHANNEL', severity: 'info', line: invitation.line, message: 'The document invites public issues here; make sure it is only for problems that are safe to discuss in public.' }
        : { code: 'PUBLIC_ISSUE_CHANNEL', severity: 'error', line: invitation.line, message: 'The only channel is the public issue tracker: a vulnerability reported there is public before it is fixed.' },
    );
  }

  const responseTimelines = Boolean(matchesAny(all, DURATION));
  if (!responseTimelines) findings.push({ code: 'NO_RESPONSE_TIMELINES', severity: 'warning', message: 'No response timelines: a reporter cannot tell when to expect an answer or a fix (e.g. "We acknowledge your report within 48 hours").' });
  const supportedVersions = hasSupportedVersions(blocks, all);
  if (!supportedVersions) findings.push({ code: 'NO_SUPPORTED_VERSIONS', severity: 'warning', message: 'No supported versions: a reporter cannot tell whether the version they tested still gets security fixes.' });
  const disclosurePolicy = hasDisclosurePolicy(blocks, all);
  if (!disclosurePolicy) findings.push({ code: 'NO_DISCLOSURE_POLICY', severity: 'warning', message: 'No disclosure policy: nothing says when and how a vulnerability is made public (embargo, advisory, CVE).' });
  const creditPolicy = hasCreditPolicy(blocks, all);
  if (!creditPolicy) findings.push({ code: 'NO_CREDIT_POLICY', severity: 'info', message: 'No credit policy: a reporter cannot tell whether they will be credited.' });
  const encryptedChannel = hasEncryptedChannel(blocks, all);
  if (!encryptedChannel) findings.push({ code: 'NO_ENCRYPTED_CHANNEL', severity: 'info', message: 'No PGP key or other encrypted channel for sensitive details.' });
  const securityTxt = lintEmbeddedSecurityTxt(blocks, options.now);
  findings.push(...securityTxt);

  const checks: LintChecks = {
    privateChannel,
    noPublicIssueChannel,
    responseTimelines,
    supportedVersions,
    disclosurePolicy,
    creditPolicy,
    encryptedChannel,
    securityTxtValid: securityTxt.length === 0,
  };
  const points = (Object.keys(checks) as (keyof LintChecks)[]).reduce((sum, key) => sum + (checks[key] ? LINT_WEIGHTS[key] : 0), 0);
  const score = privateChannel ? points : Math.min(points, SCORE_CAP_WITHOUT_CHANNEL);
  const order: Record<LintSeverity, number> = { error: 0, warning: 1, info: 2 };
  findings.sort((a, b) => order[a.severity] - order[b.severity] || (a.line ?? 0) - (b.line ?? 0));
  return { score, findings, checks };
}
