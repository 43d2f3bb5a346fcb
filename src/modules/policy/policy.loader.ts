import { readFile } from 'node:fs/promises';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type YAMLError, type YAMLMap } from 'yaml';
import type { core } from 'zod';
import { durationSchema } from './duration.js';
import { KEY_ISSUE_PARAMS, policySchema, type Policy } from './policy.schema.js';

/** One thing wrong with a policy file, positioned so an editor can jump to it (line and column are 1-based). */
export type PolicyProblem = { file: string; line: number; column: number; path: string; message: string };
export type ParsePolicyResult = { ok: true; policy: Policy } | { ok: false; problems: PolicyProblem[] };

type Segment = string | number;
type Position = { line: number; column: number };
type RangedNode = { range?: [number, number, number] | null };

// Anchors and aliases can multiply a small file into a huge object ("billion laughs").
const MAX_ALIAS_COUNT = 100;

export function parsePolicy(text: string, file: string): ParsePolicyResult {
  const lineCounter = new LineCounter();
  // Duplicate keys are detected below, where the key name and its path are known.
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false });
  const at = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const problem = (offset: number, path: readonly Segment[], message: string): PolicyProblem => ({
    file,
    ...at(offset),
    path: formatPath(path),
    message,
  });

  // A document with syntax errors is only partly built, so later stages would report noise.
  if (doc.errors.length > 0) {
    return fail(doc.errors.map((error) => problem(error.pos[0], [], `invalid YAML: ${syntaxMessage(error)}`)));
  }
  const treeProblems = findTreeProblems(doc, problem, (offset) => at(offset).line);
  if (treeProblems.length > 0) return fail(treeProblems);

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    return fail([problem(0, [], `cannot expand YAML aliases: ${(error as Error).message}`)]);
  }

  const result = policySchema.safeParse(data, { error: describeIssue });
  if (result.success) return { ok: true, policy: deepFreeze(structuredClone(result.data)) };

  const problems: PolicyProblem[] = [];
  for (const issue of result.error.issues) {
    const path = issue.path.filter((segment): segment is Segment => typeof segment !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      const valid = validKeysAt(path);
      for (const key of issue.keys) {
        problems.push(problem(locate(doc, [...path, key], 'key'), [...path, key], unknownKeyMessage(key, valid)));
      }
      continue;
    }
    const atKey = issue.code === 'custom' && issue.params?.at === KEY_ISSUE_PARAMS.at;
    const value = valueAt(data, path);
    let message = issue.message;
    if (issue.code !== 'custom' && path.length > 0 && value === undefined) {
      message = `missing required key "${String(path.at(-1))}": ${message}`;
    } else if (message.startsWith('expected') && !message.includes(', got ')) {
      message = withGot(message, value);
    }
    problems.push(problem(locate(doc, path, atKey ? 'key' : 'value'), path, message));
  }
  return fail(problems);
}

/** yaml's wording, plus a hint for the mistakes people make most often in hand-written files. */
function syntaxMessage(error: YAMLError): string {
  if (error.code === 'MULTIPLE_DOCS') return 'a policy file holds one YAML document; remove the "---" separator';
  if (error.message.startsWith('Nested mappings')) return `${error.message}; put a value that contains ": " in quotes`;
  return error.message;
}

export async function loadPolicyFile(file: string): Promise<ParsePolicyResult> {
  let text: string;
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- the policy file is named by the operator (settings or CLI argument), never by a request
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT' ? 'policy file not found' : `cannot read policy file (${code ?? (error as Error).message})`;
    return fail([{ file, line: 1, column: 1, path: '', message }]);
  }
  return parsePolicy(text, file);
}

export function formatProblems(problems: readonly PolicyProblem[]): string {
  return problems
    .map(({ file, line, column, path, message }) => `${file}:${line}:${column}: ${path ? `${path}: ` : ''}${message}`)
    .join('\n');
}

function fail(problems: PolicyProblem[]): ParsePolicyResult {
  const sorted = [...problems].sort((a, b) => a.line - b.line || a.column - b.column);
  return { ok: false, problems: sorted };
}

function formatPath(path: readonly Segment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_][\w-]*$/.test(segment)) out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// YAML tree: duplicate keys, dangling aliases and positions

/** What yaml accepts but would silently lose or mangle when turned into data. */
function findTreeProblems(
  doc: Document,
  problem: (offset: number, path: readonly Segment[], message: string) => PolicyProblem,
  lineAt: (offset: number) => number,
): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  const visit = (node: unknown, path: Segment[]): void => {
    if (isAlias(node) && !node.resolve(doc)) {
      const message = `alias "*${node.source}" refers to no anchor "&${node.source}" above it`;
      problems.push(problem(startOf(node) ?? 0, path, message));
    }
    if (isSeq(node)) node.items.forEach((item, index) => visit(item, [...path, index]));
    if (!isMap(node)) return;
    const seen = new Map<string, number>();
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : null;
      const offset = startOf(pair.key) ?? startOf(node) ?? 0;
      if (key === null) {
        problems.push(problem(offset, path, 'expected a plain key (a word followed by a colon)'));
        continue;
      }
      // yaml keeps "__proto__" as an own property, but spreading or copying such an object later
      // would set its prototype; no policy key needs the name.
      if (key === '__proto__') {
        problems.push(problem(offset, [...path, key], 'key "__proto__" is not allowed'));
        continue;
      }
      const first = seen.get(key);
      if (first !== undefined) {
        problems.push(problem(offset, [...path, key], `duplicate key "${key}"; already set on line ${lineAt(first)}`));
      } else {
        seen.set(key, offset);
      }
      visit(pair.value, [...path, key]);
    }
  };
  visit(doc.contents, []);
  return problems;
}

/**
 * Offset of the node a zod path names. When the path runs out (a missing key) this is the key of
 * the mapping that should hold it, so the author lands where the key belongs.
 */
function locate(doc: Document, path: readonly Segment[], target: 'key' | 'value'): number {
  let node: unknown = doc.contents;
  let key: unknown = null;
  let depth = 0;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = findPair(node, segment);
      if (!pair) break;
      key = pair.key;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
      key = null;
      node = node.items[segment];
    } else {
      break;
    }
    depth += 1;
  }
  const keyStart = startOf(key);
  const nodeStart = startOf(node);
  if (depth === path.length && target === 'value') {
    // `name:` with nothing after it parses as an empty scalar placed after the colon; the key is clearer.
    const empty = isScalar(node) && node.source === '' && keyStart !== null;
    if (nodeStart !== null && !empty) return nodeStart;
  }
  return keyStart ?? nodeStart ?? startOf(doc.contents) ?? 0;
}

function findPair(map: YAMLMap, segment: Segment) {
  // Compare as text: zod reports object keys as strings even when YAML read them as numbers.
  return map.items.find((pair) => isScalar(pair.key) && String(pair.key.value) === String(segment));
}

function startOf(node: unknown): number | null {
  const range = (node as RangedNode | null)?.range;
  return range ? range[0] : null;
}

function valueAt(data: unknown, path: readonly Segment[]): unknown {
  let value = data;
  for (const segment of path) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, segment)) return undefined;
    value = (value as Record<Segment, unknown>)[segment];
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Messages

/** Rewrites zod's generic messages; the schema's own messages take precedence over this map. */
function describeIssue(issue: core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type': {
      if ((issue.path ?? []).length === 0) {
        return withGot('expected a mapping with the keys "version" and "projects"', issue.input);
      }
      if (issue.inst === durationSchema.in) {
        return withGot('expected a duration such as "48 hours" or "5 business days"', issue.input);
      }
      const expected = EXPECTED_TYPE[issue.expected] ?? issue.expected;
      // YAML turns an unquoted 1.0 into the number 1, which is rarely what the author meant.
      if (issue.expected === 'string' && typeof issue.input === 'number') {
        return `expected text, got the number ${issue.input}; put it in quotes so YAML keeps it as written`;
      }
      return withGot(`expected ${expected}`, issue.input);
    }
    case 'invalid_value': {
      const allowed = issue.values.map((value) => JSON.stringify(value));
      const list = allowed.length === 1 ? allowed[0]! : `one of ${allowed.join(', ')}`;
      const near = typeof issue.input === 'string' ? closest(issue.input, issue.values.map(String)) : [];
      return withGot(`expected ${list}`, issue.input) + (near.length > 0 ? `; did you mean "${near[0]}"?` : '');
    }
    case 'too_small': {
      const minimum = Number(issue.minimum);
      if (issue.origin === 'array') return `expected at least ${minimum} item${minimum === 1 ? '' : 's'}`;
      if (issue.origin === 'string') {
        return minimum === 1 ? 'expected non-empty text' : `expected at least ${minimum} characters`;
      }
      return `expected a number ${issue.inclusive ? 'of at least' : 'greater than'} ${minimum}`;
    }
    case 'too_big':
      return `expected at most ${Number(issue.maximum)}`;
    case 'invalid_format': {
      const expected = FORMATS[issue.format] ?? `text in ${issue.format} format`;
      return withGot(`expected ${expected}`, issue.input);
    }
    default:
      return undefined;
  }
}

const EXPECTED_TYPE: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping of keys to values',
  record: 'a mapping of keys to values',
  array: 'a list',
};

const FORMATS: Record<string, string> = {
  email: 'an email address',
  url: 'a URL such as "https://example.org"',
};

function withGot(expected: string, input: unknown): string {
  return input === undefined ? expected : `${expected}, got ${describeValue(input)}`;
}

function describeValue(value: unknown): string {
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  return String(value);
}

function unknownKeyMessage(key: string, valid: readonly string[]): string {
  const near = closest(key, valid);
  if (near.length > 0) {
    return `key "${key}" is not recognised; did you mean ${near.map((name) => `"${name}"`).join(' or ')}?`;
  }
  return valid.length > 0
    ? `key "${key}" is not recognised; keys allowed here: ${valid.join(', ')}`
    : `key "${key}" is not recognised`;
}

/** Candidates a typo could have meant, best first: a small edit away, or the start of the word. */
function closest(word: string, candidates: readonly string[]): string[] {
  const lower = word.toLowerCase();
  return candidates
    .map((candidate) => {
      const other = candidate.toLowerCase();
      const distance = editDistance(lower, other);
      const close = distance <= Math.max(1, Math.min(3, Math.floor(candidate.length / 3)));
      const prefix = Math.min(lower.length, other.length) >= 3 && (other.startsWith(lower) || lower.startsWith(other));
      return { candidate, distance, match: close || prefix };
    })
    .filter(({ match }) => match)
    .sort((a, b) => a.distance - b.distance)
    .slice(0, 3)
    .map(({ candidate }) => candidate);
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}

// ---------------------------------------------------------------------------------------------
// Schema introspection: which keys an object accepts, for "did you mean" suggestions.

type SchemaNode = { _zod: { def: SchemaDef } };
type SchemaDef = {
  type: string;
  innerType?: SchemaNode;
  in?: SchemaNode;
  shape?: Record<string, SchemaNode>;
  element?: SchemaNode;
  valueType?: SchemaNode;
};

function validKeysAt(path: readonly Segment[]): string[] {
  let schema: SchemaNode | undefined = unwrap(policySchema as unknown as SchemaNode);
  for (const segment of path) {
    const def: SchemaDef = schema._zod.def;
    const next: SchemaNode | undefined =
      def.type === 'object' ? def.shape?.[String(segment)] : def.type === 'array' ? def.element : def.valueType;
    if (!next) return [];
    schema = unwrap(next);
  }
  return Object.keys(schema._zod.def.shape ?? {});
}

function unwrap(schema: SchemaNode): SchemaNode {
  let current = schema;
  for (;;) {
    const def = current._zod.def;
    const inner = def.innerType ?? (def.type === 'pipe' ? def.in : undefined);
    if (!inner) return current;
    current = inner;
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
