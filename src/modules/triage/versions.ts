import pep440 from '@renovatebot/pep440';
import semver, { type Range, type SemVer } from 'semver';
import type { Ecosystem, ProjectPolicy } from '../policy/policy.schema.js';

/**
 * Which of a report's affected versions the policy promises to fix.
 *
 * Versions and patterns are read in the project's ecosystem: PEP 440 for PyPI, SemVer (npm range
 * syntax) for everything else. Patterns are written the way SECURITY.md tables write them
 * ("0.4.x", "< 0.3", ">= 1.2, < 2", "^2.0.0", "1.0.0 - 1.4.0"); commas mean "and", "||" means "or".
 */

export type VersionStatus = 'supported' | 'unsupported' | 'prerelease' | 'unknown';

type PolicyView = Pick<ProjectPolicy, 'ecosystem' | 'supportedVersions' | 'prereleases'>;

type Parsed = { kind: 'pep'; pep: PepVersion; text: string; prerelease: boolean } | { kind: 'sem'; sem: SemVer; text: string; prerelease: boolean };
type Compiled = { ok: true; matches: (version: Parsed) => boolean } | { ok: false; reason: string };

export function checkVersionSupport(project: PolicyView, versions: string[]): { version: string; status: VersionStatus }[] {
  const rules = project.supportedVersions.map((rule) => ({ rule, compiled: compilePattern(project.ecosystem, rule.versions) }));
  const statusOf = (version: string): VersionStatus => {
    const parsed = parseVersion(project.ecosystem, version);
    if (!parsed) return 'unknown';
    if (parsed.prerelease && !project.prereleases.fixesGuaranteed) return 'prerelease';
    // A rule that does not compile cannot vouch for anything: skip it rather than guess. Such rules
    // should never get this far: validateVersionPattern exists to refuse them when a policy is loaded.
    const decisive = rules.find(({ compiled }) => compiled.ok && compiled.matches(parsed));
    if (!decisive) return 'unknown';
    return decisive.rule.supported ? 'supported' : 'unsupported';
  };
  return versions.map((version) => ({ version, status: statusOf(version) }));
}

/** Null when `pattern` is usable in `ecosystem`, otherwise a short reason for the policy author. */
export function validateVersionPattern(ecosystem: Ecosystem, pattern: string): string | null {
  const compiled = compilePattern(ecosystem, pattern);
  return compiled.ok ? null : compiled.reason;
}

/**
 * Whether `version` falls in `pattern`. Pre-releases are matched like any other version (the
 * pre-release policy is applied by checkVersionSupport before matching). Null when either is invalid.
 */
export function matchesVersionPattern(ecosystem: Ecosystem, pattern: string, version: string): boolean | null {
  const compiled = compilePattern(ecosystem, pattern);
  const parsed = parseVersion(ecosystem, version);
  if (!compiled.ok || !parsed) return null;
  return compiled.matches(parsed);
}

export function isValidVersion(ecosystem: Ecosystem, version: string): boolean {
  return parseVersion(ecosystem, version) !== null;
}

/**
 * Sort order of two versions in `ecosystem`: negative, zero or positive. Throws a RangeError when
 * either is not a version of that ecosystem, because no order is right for an unparseable version and
 * a silent NaN would scramble Array.prototype.sort. Check with isValidVersion first.
 */
export function compareVersions(ecosystem: Ecosystem, a: string, b: string): number {
  const left = parseVersion(ecosystem, a);
  const right = parseVersion(ecosystem, b);
  if (!left) throw new RangeError(`not a valid ${ecosystem} version: "${a}"`);
  if (!right) throw new RangeError(`not a valid ${ecosystem} version: "${b}"`);
  if (left.kind === 'pep' && right.kind === 'pep') return Math.sign(pep440.compare(left.text, right.text));
  if (left.kind === 'sem' && right.kind === 'sem') return semver.compare(left.sem, right.sem);
  throw new RangeError('versions parsed by different schemes'); // unreachable: one ecosystem, one scheme
}

/**
 * A string whose order (plain JavaScript string comparison) is the version order of compareVersions,
 * so that versions parsed once (when an advisory is indexed) can be compared later without parsing
 * them again. Null when `version` is not a version of the ecosystem, or holds a number too large to
 * encode exactly (compare those with compareVersions). The encoding follows the libraries' own sort
 * keys: packaging's _cmpkey for PEP 440 (as @renovatebot/pep440 computes it), SemVer precedence for
 * the others. Stored keys depend on it: change it only with a reindex.
 */
export function versionSortKey(ecosystem: Ecosystem, version: string): string | null {
  const parsed = parseVersion(ecosystem, version);
  if (!parsed) return null;
  try {
    return parsed.kind === 'pep' ? pepSortKey(parsed.text) : semverSortKey(parsed.sem);
  } catch (error) {
    if (error instanceof KeyRangeError) return null;
    throw error;
  }
}

class KeyRangeError extends Error {}

/** A whole number as fixed-width length then digits: shorter numbers sort first, as smaller ones must. */
function keyNumber(value: number | string): string {
  // The libraries compare numbers as JavaScript numbers: beyond 2^53 their order is not exact, and no key could follow it.
  if (!Number.isSafeInteger(Number(value)) || Number(value) < 0) throw new KeyRangeError();
  const digits = String(Number(value));
  return String(digits.length).padStart(2, '0') + digits;
}

// Markers: 'a' sorts before 'b' before 'c'; '!' ends a text segment and sorts before every character
// a segment may hold, so that "ab" < "abc" as in the libraries' string comparison.
type PepParts = { epoch: number; release: number[]; pre?: [string, number] | null; post?: [string, number] | null; dev?: [string, number] | null; local?: (string | number)[] | null };

function pepSortKey(text: string): string {
  const parts = pep440.parse(text) as unknown as PepParts | null;
  if (!parts) throw new KeyRangeError();
  const release = [...parts.release];
  while (release.length > 0 && release.at(-1) === 0) release.pop();
  let key = keyNumber(parts.epoch) + release.map((part) => `b${keyNumber(part)}`).join('') + 'a';
  // 1.0.dev0 sorts before 1.0a0; a version without pre-release after those with one.
  if (!parts.pre && !parts.post && parts.dev) key += 'a';
  else if (!parts.pre) key += 'c';
  else key += `b${parts.pre[0]}!${keyNumber(parts.pre[1])}`;
  key += parts.post ? `b${keyNumber(parts.post[1])}` : 'a';
  key += parts.dev ? `a${keyNumber(parts.dev[1])}` : 'b';
  if (!parts.local) return `${key}a`;
  // Local segments: text before numbers, text in text order, numbers in number order, shorter first.
  return `${key}b${parts.local.map((part) => (typeof part === 'number' || !Number.isNaN(Number(part)) ? `bb${keyNumber(Number(part))}` : `ba${part}!`)).join('')}a`;
}

function semverSortKey(version: SemVer): string {
  const main = keyNumber(version.major) + keyNumber(version.minor) + keyNumber(version.patch);
  // A release sorts after its pre-releases; identifiers: numbers before text, shorter lists first.
  if (version.prerelease.length === 0) return `${main}b`;
  const ids = version.prerelease.map((id) => (/^[0-9]+$/.test(String(id)) ? `ba${keyNumber(String(id))}` : `bb${String(id)}!`));
  return `${main}a${ids.join('')}a`;
}

function parseVersion(ecosystem: Ecosystem, version: string): Parsed | null {
  const text = version.trim();
  if (!text) return null;
  if (ecosystem === 'PyPI') {
    const pep = explainPep(text);
    return pep ? { kind: 'pep', text, pep, prerelease: pep.is_prerelease } : null;
  }
  const sem = ecosystem === 'Maven' || ecosystem === 'generic' ? parseLenient(text) : parseSemver(text);
  return sem ? { kind: 'sem', text, sem, prerelease: sem.prerelease.length > 0 } : null;
}

function compilePattern(ecosystem: Ecosystem, pattern: string): Compiled {
  if (!pattern.trim()) return { ok: false, reason: 'empty version pattern' };
  return ecosystem === 'PyPI' ? compilePep(pattern) : compileSemver(pattern);
}

// ---------------------------------------------------------------------------------------------
// SemVer ecosystems (npm, crates.io, Go, Maven, generic)

// Loose parsing only for single versions typed by people ("v1.2.3", "= 1.2.3", "1.2.3beta"): it
// either yields one version or fails. Ranges are parsed strictly because node-semver's loose mode
// silently drops comparators it cannot read (">= 1.2, < 2" would become "<2.0.0-0").
const LOOSE = { loose: true } as const;
// Pre-releases reach matching only when the policy guarantees fixes for them; with this option
// node-semver counts 1.1.0-rc.1 as part of "1.1.x" (its lower bound becomes 1.1.0-0), like PEP 440.
const RANGE_OPTIONS = { includePrerelease: true } as const;

function parseSemver(text: string): SemVer | null {
  // Go module versions carry a mandatory "v"; node-semver accepts it anyway.
  return semver.parse(text, LOOSE);
}

// Maven and hand-numbered projects write "1.2", "1.0-SNAPSHOT", "2.0.0.Final", "1.0.0-M1". Only
// qualifiers whose meaning is certain are accepted; their normalised names sort in Maven's order
// (alpha < beta < milestone < rc < snapshot < release). A fourth number ("1.2.3.4") is refused rather
// than dropped as semver.coerce would, since dropping it would make 1.2.3.4 equal to 1.2.3.
// eslint-disable-next-line security/detect-unsafe-regex -- linear: anchored, numbers are separated by literal dots and letters and digits cannot overlap
const LENIENT_VERSION = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:[-.]?([a-z]+)[-.]?(\d+)?)?$/i;
const QUALIFIERS: Record<string, string | null> = {
  alpha: 'alpha', a: 'alpha', beta: 'beta', b: 'beta', milestone: 'milestone', m: 'milestone',
  rc: 'rc', cr: 'rc', snapshot: 'snapshot', final: null, ga: null, release: null,
};

function parseLenient(text: string): SemVer | null {
  const match = LENIENT_VERSION.exec(text);
  if (!match) return parseSemver(text);
  const [, major, minor = '0', patch = '0', word, number] = match;
  const core = `${major}.${minor}.${patch}`;
  if (!word) return semver.parse(core);
  const qualifier = QUALIFIERS[word.toLowerCase()];
  if (qualifier === undefined) return parseSemver(text);
  if (qualifier === null) return number === undefined ? semver.parse(core) : null;
  return semver.parse(`${core}-${qualifier}${number === undefined ? '' : `.${number}`}`);
}

function compileSemver(pattern: string): Compiled {
  let range: Range;
  try {
    range = new semver.Range(pattern.replaceAll(',', ' '), RANGE_OPTIONS);
  } catch {
    return { ok: false, reason: 'not a semver range or X.Y.x pattern' };
  }
  return { ok: true, matches: (version) => version.kind === 'sem' && range.test(version.sem) };
}

// ---------------------------------------------------------------------------------------------
// PyPI (PEP 440)
//
// @renovatebot/pep440 parses and orders versions correctly (all 4,186 pypa/packaging order pairs),
// but its specifier matching disagrees with pypa/packaging on 20 of the 188 reference cases: "==2.0.*"
// does not match "2" (no zero padding) and "<"/">" reject any candidate sharing the release segment
// (so ">1.0a1" rejects 1.0a2). Containment is therefore computed here from the library's parse and
// order, following packaging's range definitions.

/** What `explain` really returns; the published typings declare post/dev as arrays. */
type PepVersion = {
  epoch: number;
  release: number[];
  pre: [string, number] | null;
  post: number | null;
  dev: number | null;
  local: string | null;
  public: string;
  is_prerelease: boolean;
};

type PepOperator = '===' | '~=' | '==' | '!=' | '<=' | '>=' | '<' | '>';
type PepSpec = { op: PepOperator; version: string; wildcard: boolean; parsed: PepVersion | null };

function explainPep(text: string): PepVersion | null {
  return pep440.explain(text) as unknown as PepVersion | null;
}

const PEP_CLAUSE = /^(===|~=|==|!=|<=|>=|<|>)\s*(\S+)$/;
// eslint-disable-next-line security/detect-unsafe-regex -- linear: anchored, each repeat starts with a literal dot
const RELEASE_ONLY = /^v?\d+(?:\.\d+)*$/i;
// eslint-disable-next-line security/detect-unsafe-regex -- linear: anchored, each repeat starts with a literal dot and digits cannot match [xX*]
const LINE = /^v?(\d+(?:\.\d+)*)(?:\.[xX*])+$/;
const PEP_REASON = 'not a PEP 440 specifier or X.Y.x pattern';

function compilePep(pattern: string): Compiled {
  const alternatives: PepSpec[][] = [];
  for (const alternative of pattern.split('||')) {
    // Commas separate clauses as in PEP 440; ">=1.2 <2" (npm habit) is split before each operator.
    const clauses = alternative.split(',').flatMap((part) => part.trim().split(/\s+(?=[<>=!~^])/));
    const specs: PepSpec[] = [];
    for (const clause of clauses) {
      const translated = clause ? translatePepClause(clause) : null;
      if (!translated) return { ok: false, reason: `${PEP_REASON}: "${clause}"` };
      specs.push(...translated);
    }
    alternatives.push(specs);
  }
  return {
    ok: true,
    matches: (version) =>
      version.kind === 'pep' && alternatives.some((specs) => specs.every((spec) => pepContains(spec, version.text, version.pep))),
  };
}

/** One SECURITY.md clause as PEP 440 specifiers (all must hold); null when it is neither. */
function translatePepClause(clause: string): PepSpec[] | null {
  const operator = PEP_CLAUSE.exec(clause);
  if (operator) {
    const op = operator[1] as PepOperator;
    const version = operator[2]!;
    const spec = pepSpec(op, version);
    if (spec) return [spec];
    // "< 0.3.x" and ">= 0.3.x" mean the same without the ".x"; other operators would be ambiguous.
    const line = LINE.exec(version);
    const bounded = line && (op === '<' || op === '>=') ? pepSpec(op, line[1]!) : null;
    return bounded ? [bounded] : null;
  }
  if (/^[xX*]$/.test(clause)) return [];
  const line = LINE.exec(clause);
  if (line) return single(pepSpec('==', `${line[1]}.*`));
  const hyphen = /^(\S+)\s+-\s+(\S+)$/.exec(clause);
  if (hyphen) return translateHyphen(hyphen[1]!, hyphen[2]!);
  const npm = /^([~^])\s*(\S+)$/.exec(clause);
  if (npm) return translateNpmOperator(npm[1]!, npm[2]!);
  const bare = explainPep(clause);
  if (!bare) return null;
  // A bare "0.4" names a release line, as it does in npm ranges; a full "1.2.3" or "0.1.2.1" is exact.
  const isLine = RELEASE_ONLY.test(clause) && bare.release.length < 3;
  return single(pepSpec('==', isLine ? `${releaseText(bare)}.*` : clause));
}

/** npm's "~1.2" (same minor) and "^1.2.3" (same left-most non-zero part), over PEP 440 releases. */
function translateNpmOperator(kind: string, version: string): PepSpec[] | null {
  const parsed = RELEASE_ONLY.test(version) ? explainPep(version) : null;
  if (!parsed) return null;
  const release = parsed.release;
  let keep = Math.min(release.length, 2);
  if (kind === '^') {
    const firstNonZero = release.findIndex((part) => part !== 0);
    keep = firstNonZero === -1 ? release.length : firstNonZero + 1;
  }
  if (kind === '~' && release.length === 1) return single(pepSpec('==', `${release[0]}.*`));
  return both(pepSpec('>=', version), pepSpec('==', `${release.slice(0, keep).join('.')}.*`));
}

/** npm's inclusive "A - B"; a partial upper bound covers its whole line ("1.0 - 1.4" includes 1.4.9). */
function translateHyphen(low: string, high: string): PepSpec[] | null {
  const upper = RELEASE_ONLY.test(high) ? explainPep(high) : null;
  if (!RELEASE_ONLY.test(low) || !upper) return null;
  if (upper.release.length >= 3) return both(pepSpec('>=', low), pepSpec('<=', high));
  return both(pepSpec('>=', low), pepSpec('<', releaseText(upper, 1)));
}

function pepSpec(op: PepOperator, version: string): PepSpec | null {
  if (op === '===') return { op, version, wildcard: false, parsed: null };
  if (version.endsWith('.*')) {
    const base = version.slice(0, -2);
    // eslint-disable-next-line security/detect-unsafe-regex -- linear: anchored, each repeat starts with a literal dot
    const parsed = /^v?(?:\d+!)?\d+(?:\.\d+)*$/i.test(base) ? explainPep(base) : null;
    return parsed && (op === '==' || op === '!=') ? { op, version: base, wildcard: true, parsed } : null;
  }
  const parsed = explainPep(version);
  if (!parsed) return null;
  if (parsed.local !== null && op !== '==' && op !== '!=') return null;
  if (op === '~=' && parsed.release.length < 2) return null;
  return { op, version, wildcard: false, parsed };
}

function pepContains(spec: PepSpec, text: string, candidate: PepVersion): boolean {
  const v = spec.parsed;
  if (!v) return text.toLowerCase() === spec.version.toLowerCase();
  const cmp = (other: string): number => pep440.compare(text, other);
  if (spec.wildcard) {
    const inside = cmp(pepText(v, { dev: 0 })) >= 0 && cmp(pepText(v, { dev: 0, bump: v.release.length })) < 0;
    return spec.op === '==' ? inside : !inside;
  }
  switch (spec.op) {
    case '>=':
      return cmp(spec.version) >= 0;
    case '<=':
      return pep440.compare(candidate.public, spec.version) <= 0;
    case '==':
    case '!=': {
      // A specifier without a local label matches every local build of that version.
      const equal = v.local === null ? pep440.compare(candidate.public, spec.version) === 0 : cmp(spec.version) === 0;
      return spec.op === '==' ? equal : !equal;
    }
    case '~=':
      return cmp(spec.version) >= 0 && cmp(pepText(v, { dev: 0, bump: v.release.length - 1 })) < 0;
    case '<':
      // "<V" excludes V's own pre-releases unless V is one: "< 0.3" does not cover 0.3.0rc1.
      return cmp(v.is_prerelease ? spec.version : pepText(v, { dev: 0, keepSuffix: true })) < 0;
    case '>':
      // ">V" excludes V's post-releases and local builds unless V is itself a dev or post release.
      if (v.dev !== null) return cmp(pepText(v, { dev: v.dev + 1, keepSuffix: true })) >= 0;
      if (v.post !== null) return cmp(pepText(v, { dev: 0, post: v.post + 1, keepSuffix: true })) >= 0;
      return cmp(spec.version) > 0 && !(sameRelease(candidate, v) && samePre(candidate, v) && (candidate.dev === null || candidate.post !== null));
    case '===':
      return false;
  }
}

/**
 * Builds a boundary version: the release (first `bump` parts, last one incremented) plus, with
 * keepSuffix, the pre and post parts of `v`, then the given dev number. Local labels never appear.
 */
function pepText(v: PepVersion, options: { dev: number; bump?: number; post?: number; keepSuffix?: boolean }): string {
  let text = options.bump === undefined ? releaseText(v) : releaseText({ ...v, release: v.release.slice(0, options.bump) }, 1);
  if (v.epoch) text = `${v.epoch}!${text}`;
  if (options.keepSuffix && v.pre) text += `${v.pre[0]}${v.pre[1]}`;
  const post = options.post ?? (options.keepSuffix ? v.post : null);
  if (post !== null) text += `.post${post}`;
  return `${text}.dev${options.dev}`;
}

function releaseText(v: Pick<PepVersion, 'release'>, increment = 0): string {
  const release = [...v.release];
  const last = release.length - 1;
  release[last] = (release[last] ?? 0) + increment;
  return release.join('.');
}

function sameRelease(a: PepVersion, b: PepVersion): boolean {
  const trim = (release: number[]) => release.join('.').replace(/(?:\.0)+$/, '');
  return a.epoch === b.epoch && trim(a.release) === trim(b.release);
}

function samePre(a: PepVersion, b: PepVersion): boolean {
  return a.pre?.[0] === b.pre?.[0] && a.pre?.[1] === b.pre?.[1];
}

function single(spec: PepSpec | null): PepSpec[] | null {
  return spec ? [spec] : null;
}

function both(a: PepSpec | null, b: PepSpec | null): PepSpec[] | null {
  return a && b ? [a, b] : null;
}
