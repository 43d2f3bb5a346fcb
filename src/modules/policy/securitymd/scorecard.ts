/**
 * OpenSSF Scorecard's Security-Policy check, re-implemented so that a rendered SECURITY.md can be
 * proven to score 10/10 without running Scorecard. Upstream (github.com/ossf/scorecard):
 *
 * - checks/raw/security_policy.go, `collectPolicyHits`: scans the file line by line
 *   (bufio.ScanLines) with three regular expressions and records every match:
 *     URL    (http|https)://[a-zA-Z0-9./?=_%:-]*
 *     email  \b[A-Za-z0-9._%+-]+(@|\\?\[at\\?\])[A-Za-z0-9.-]+\.[A-Za-z]{2,6}\b
 *     text   (?i)(\b*[0-9]{1,4}\b|(Disclos|Vuln))      (numbers as timelines, "disclosure", "vulnerability")
 *   and the file size in bytes.
 * - probes/securityPolicyContainsLinks: unique URLs + unique emails > 0.
 * - probes/securityPolicyContainsText: size > 1 and size > (length of the unique URLs and emails
 *   + 2 per unique URL/email), i.e. there is prose beyond the links.
 * - probes/securityPolicyContainsVulnerabilityDisclosure: more than one text hit (not de-duplicated).
 * - checks/evaluation/security_policy.go: a present file scores links 6 + text 3 + disclosure 1.
 *
 * Scorecard looks for the file itself (SECURITY.md, .github/SECURITY.md, docs/SECURITY.md, ...);
 * here the document is given, so it is always "present".
 */

// Go's RE2 and JavaScript agree on these patterns: both pick the leftmost match and prefer the
// earlier alternative, and `\b` is ASCII in both (no `u` flag here on purpose).
const URL_PATTERN = /(http|https):\/\/[a-zA-Z0-9./?=_%:-]*/g;
const EMAIL_PATTERN = /\b[A-Za-z0-9._%+-]+(@|\\?\[at\\?\])[A-Za-z0-9.-]+\.[A-Za-z]{2,6}\b/g;
// Upstream writes `\b*`, a repeated zero-width assertion that RE2 accepts and that matches nothing
// more than the empty string; JavaScript rejects the quantifier, so it is left out.
const TEXT_PATTERN = /([0-9]{1,4}\b|(Disclos|Vuln))/gi;

export type ScorecardHitType = 'url' | 'email' | 'text';
export type ScorecardHit = { type: ScorecardHitType; match: string; line: number; offset: number };

export type ScorecardResult = {
  /** 0..10, as Scorecard's Security-Policy check would give for this file. */
  score: number;
  probes: { containsLinks: boolean; containsText: boolean; containsVulnerabilityDisclosure: boolean };
  hits: ScorecardHit[];
};

/** Upstream's `collectPolicyHits`: every match of the three patterns, line by line. */
export function collectPolicyHits(content: string): ScorecardHit[] {
  const hits: ScorecardHit[] = [];
  // bufio.ScanLines splits on \n and drops one trailing \r; an empty last line yields no token.
  const lines = content.split('\n');
  if (lines.at(-1) === '') lines.pop();
  lines.forEach((raw, index) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.length === 0) return;
    for (const [type, pattern] of [
      ['url', URL_PATTERN],
      ['email', EMAIL_PATTERN],
      ['text', TEXT_PATTERN],
    ] as const) {
      for (const match of line.matchAll(pattern)) {
        // Offsets are bytes upstream; they are informative only and never scored.
        hits.push({ type, match: match[0], line: index + 1, offset: Buffer.byteLength(line.slice(0, match.index)) });
      }
    }
  });
  return hits;
}

function unique(hits: ScorecardHit[], type: ScorecardHitType): string[] {
  return [...new Set(hits.filter((hit) => hit.type === type).map((hit) => hit.match))];
}

export function scoreSecurityPolicy(content: string): ScorecardResult {
  const hits = collectPolicyHits(content);
  const fileSize = Buffer.byteLength(content, 'utf8');
  const urls = unique(hits, 'url');
  const emails = unique(hits, 'email');
  const linkedContentLength = [...urls, ...emails].reduce((sum, value) => sum + Buffer.byteLength(value), 0);
  const textHits = hits.filter((hit) => hit.type === 'text').length;

  const containsLinks = urls.length + emails.length > 0;
  // "each piece of linked content will likely contain a space before and after" (hence the 2).
  const containsText = fileSize > 1 && fileSize > linkedContentLength + (urls.length + emails.length) * 2;
  const containsVulnerabilityDisclosure = textHits > 1;
  const score = (containsLinks ? 6 : 0) + (containsText ? 3 : 0) + (containsVulnerabilityDisclosure ? 1 : 0);
  return { score, probes: { containsLinks, containsText, containsVulnerabilityDisclosure }, hits };
}
