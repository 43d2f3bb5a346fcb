import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { crc32, inflateRawSync } from 'node:zlib';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';
import { DEFAULT_CORPUS_DIR } from '../../src/modules/exports/schema-validation.js';
import { REPO_ROOT, bearer, type TestApp } from './test-app.js';

export const ADVISORY_POLICY = path.join(REPO_ROOT, 'test/fixtures/policy-advisories.yaml');
export const NO_CORPUS = existsSync(DEFAULT_CORPUS_DIR) ? false : `reference corpus not found at ${DEFAULT_CORPUS_DIR}`;
// The clock moves by days in these tests; sessions must outlive that.
export const LONG_SESSIONS = { accessTokenTtlSeconds: 90 * 86_400, sessionTtlSeconds: 90 * 86_400 };

export const PYPI_AFFECTED = [{ package: 'alpha', ranges: [{ type: 'ECOSYSTEM', events: [{ fixed: '0.4.3' }, { introduced: '0' }] }] }];

/** Everything publication needs, for an alpha advisory. */
export function completeAdvisory(overrides: Record<string, unknown> = {}) {
  return {
    title: 'Path traversal in alpha.load()',
    summary: 'load() follows "../" in archive member names, so a crafted archive writes outside the target directory.',
    details: '### Impact\nAny application that extracts untrusted archives with alpha.load().\n\n### Patches\nFixed in 0.4.3.',
    confidentialDetails: 'PoC: CONFIDENTIAL-POC-7f3a; reporter works at a competitor.',
    affected: PYPI_AFFECTED,
    patchedVersions: ['0.4.3'],
    cwes: ['CWE-22'],
    cvss31: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:N/I:H/A:N',
    severity: 'high',
    references: [{ type: 'FIX', url: 'https://github.com/example/alpha/commit/abc123' }],
    ...overrides,
  };
}

export async function createDraft(t: TestApp, token: string, project: string, body: object) {
  const response = await t.app.inject({ method: 'POST', url: `/api/v1/projects/${project}/advisories`, headers: bearer(token), payload: body });
  assert.equal(response.statusCode, 201, response.body);
  return response.json() as { id: string; [key: string]: unknown };
}

export async function publish(t: TestApp, token: string, id: string) {
  const response = await t.app.inject({ method: 'POST', url: `/api/v1/advisories/${id}/publish`, headers: bearer(token) });
  assert.equal(response.statusCode, 200, response.body);
  return response.json();
}

/**
 * A small XML 1.0 well-formedness check (no DTDs): balanced tags with one root, quoted attributes,
 * no stray "<" or "&" in text, only predefined or numeric entities.
 */
export function assertWellFormedXml(xml: string): void {
  const entity = /&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g;
  const checkText = (text: string, where: string) => {
    assert.ok(!text.replace(entity, '').includes('&'), `bare "&" in ${where}: ${text.slice(0, 80)}`);
    assert.ok(!text.includes('<'), `bare "<" in ${where}`);
  };
  let rest = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  const stack: string[] = [];
  let roots = 0;
  while (rest.length > 0) {
    const open = rest.indexOf('<');
    if (open === -1) {
      checkText(rest, 'text');
      assert.equal(rest.trim(), '', 'text after the root element');
      break;
    }
    const text = rest.slice(0, open);
    checkText(text, 'text');
    if (stack.length === 0) assert.equal(text.trim(), '', 'text outside the root element');
    const close = rest.indexOf('>', open);
    assert.ok(close > open, 'unterminated tag');
    const tag = rest.slice(open + 1, close);
    rest = rest.slice(close + 1);
    if (tag.startsWith('/')) {
      assert.equal(stack.pop(), tag.slice(1).trim(), 'mismatched closing tag');
      continue;
    }
    const selfClosing = tag.endsWith('/');
    const body = selfClosing ? tag.slice(0, -1) : tag;
    const match = /^([A-Za-z_][\w.:-]*)((?:\s+[A-Za-z_][\w.:-]*\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*$/.exec(body);
    assert.ok(match, `malformed tag <${tag}>`);
    for (const value of match[2]!.matchAll(/=\s*(?:"([^"]*)"|'([^']*)')/g)) checkText(value[1] ?? value[2] ?? '', `attribute of <${match[1]}>`);
    if (stack.length === 0) roots += 1;
    if (!selfClosing) stack.push(match[1]!);
  }
  assert.deepEqual(stack, [], 'unclosed elements');
  assert.equal(roots, 1, 'exactly one root element');
}

/** Reads a ZIP's central directory and every entry, checking sizes and CRC-32s. */
export function readZip(buffer: Buffer): Map<string, Buffer> {
  const end = buffer.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(end >= 0, 'no end of central directory record');
  const count = buffer.readUInt16LE(end + 10);
  let at = buffer.readUInt32LE(end + 16);
  const entries = new Map<string, Buffer>();
  for (let index = 0; index < count; index += 1) {
    assert.equal(buffer.readUInt32LE(at), 0x02014b50, 'central directory header');
    const method = buffer.readUInt16LE(at + 10);
    const crc = buffer.readUInt32LE(at + 16);
    const size = buffer.readUInt32LE(at + 20);
    const nameLength = buffer.readUInt16LE(at + 28);
    const local = buffer.readUInt32LE(at + 42);
    const name = buffer.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    assert.equal(buffer.readUInt32LE(local), 0x04034b50, 'local file header');
    const start = local + 30 + buffer.readUInt16LE(local + 26) + buffer.readUInt16LE(local + 28);
    const raw = buffer.subarray(start, start + size);
    const data = method === 8 ? inflateRawSync(raw) : Buffer.from(raw);
    assert.equal(crc32(data) >>> 0, crc, `CRC of ${name}`);
    entries.set(name, data);
    at += 46 + nameLength + buffer.readUInt16LE(at + 30) + buffer.readUInt16LE(at + 32);
  }
  return entries;
}

/** The CSAF provider-metadata schema from the corpus, with the CSAF schema (and its CVSS schemas) it refers to. */
export function providerMetadataSchema(): ValidateFunction {
  const dir = path.join(DEFAULT_CORPUS_DIR, 'csaf-2.0/csaf_2.0');
  const read = (file: string) => JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Record<string, unknown>;
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormatsPlugin.default(ajv);
  for (const version of ['2.0', '3.0', '3.1']) {
    // draft-04 CVSS schemas: registered without their $schema/$id, as in src/modules/exports/csaf.test.ts.
    const { $schema: _schema, $id: _id, id: _legacyId, ...schema } = read(`referenced_schema/first/cvss-v${version}.json`);
    ajv.addSchema(schema, `https://www.first.org/cvss/cvss-v${version}.json`);
  }
  ajv.addSchema(read('json_schema/csaf_json_schema.json'));
  return ajv.compile(read('json_schema/provider_json_schema.json'));
}
