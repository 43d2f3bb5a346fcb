import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as openpgp from 'openpgp';
import { main, type Io } from '../../../cli/main.js';
import { formatProblems, loadPolicyFile } from '../policy.loader.js';
import type { ProjectPolicy } from '../policy.schema.js';
import { parseSecurityTxt, type SecurityTxtDiagnostic } from './securitytxt.parser.js';
import {
  readSigningKey,
  renderInstanceSecurityTxt,
  renderProjectSecurityTxt,
  securityTxtExpiry,
  serializeSecurityTxt,
  signSecurityTxt,
  type SecurityTxtFields,
} from './securitytxt.render.js';
import { isLanguageTag, validateSecurityTxt, validateSecurityTxtBytes, verifySecurityTxtSignature, type SecurityTxtResult } from './securitytxt.validator.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const CORPUS = path.join(path.resolve(REPO_ROOT, '../shared/corpus'), 'security-txt');
const NO_CORPUS = existsSync(CORPUS) ? false : `the shared corpus is not at ${CORPUS}`;
const pairs = (list: SecurityTxtDiagnostic[]) => list.map(({ code, line }) => ({ code, line }));
const DAY = 86_400_000;

// ---- ivan-podgurskiy/security-txt-parser conformance.json ----

type Expected = Partial<Record<keyof SecurityTxtResult, unknown>>;
type ParseCase = { name: string; input?: unknown; inputFile?: string; expected: Expected; expiresAt?: string; expiryPhases?: Record<string, Expected> };
type SerializeCase = { name: string; options: unknown; expected?: string; throws?: boolean };

/** Placeholders as the fixture's SOURCE.md defines them, relative to the moment of the run. */
function placeholders(now: Date): [string, string][] {
  const beyond = new Date(Date.UTC(now.getUTCFullYear() + 2, now.getUTCMonth(), now.getUTCDate(), now.getUTCHours(), now.getUTCMinutes(), now.getUTCSeconds(), now.getUTCMilliseconds())).toISOString();
  return [
    ['{{past}}', new Date(now.getTime() - DAY).toISOString()],
    ['{{within_one_year}}', new Date(now.getTime() + 30 * DAY).toISOString()],
    ['{{beyond_one_year_lower_z}}', beyond.replace(/Z$/, 'z')],
    ['{{beyond_one_year}}', beyond],
  ];
}

function materialize(value: unknown, symbols: [string, string][]): unknown {
  if (typeof value === 'string') return symbols.reduce((text, [symbol, date]) => text.replaceAll(symbol, date), value);
  if (Array.isArray(value)) return value.map((item) => materialize(item, symbols));
  if (value && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    if (Array.isArray(object.parts)) {
      return (object.parts as { text?: string; repeat?: string; count?: number }[])
        .map((part) => (part.text !== undefined ? (materialize(part.text, symbols) as string) : (materialize(part.repeat, symbols) as string).repeat(part.count!)))
        .join('');
    }
    if (typeof object.repeatArray === 'string') return Array.from({ length: object.count as number }, () => materialize(object.repeatArray, symbols));
    return Object.fromEntries(Object.entries(object).map(([key, item]) => [key, materialize(item, symbols)]));
  }
  return value;
}

/** Like toMatchObject: every key the fixture names must match; diagnostics compare as {code, line}. */
function assertMatches(result: SecurityTxtResult, expected: Expected, label: string): void {
  for (const [key, want] of Object.entries(expected)) {
    const got = result[key as keyof SecurityTxtResult];
    const comparable = key === 'errors' || key === 'recommendations' || key === 'notifications' ? pairs(got as SecurityTxtDiagnostic[]) : got;
    assert.deepEqual(comparable, want, `${label}: ${key}`);
  }
}

/**
 * Cases with an `expiresAt` (RFC examples and real-world snapshots) are checked at fixed moments:
 * `expected` at the snapshot date 2026-08-16 (when the fixture was written), and each expiry phase
 * at a moment that puts the file in that phase.
 */
const SNAPSHOT_NOW = new Date('2026-08-16T12:00:00Z');
const PHASE_OFFSETS: Record<string, number> = { beyondOneYear: -400 * DAY, withinOneYear: -30 * DAY, afterExpiry: DAY };

describe('conformance.json (ivan-podgurskiy/security-txt-parser)', { skip: NO_CORPUS }, () => {
  const root = path.join(CORPUS, 'ivan-podgurskiy__security-txt-parser/test/fixtures');
  const fixture = NO_CORPUS ? { version: 1, parse: [], serialize: [] } : (JSON.parse(readFileSync(path.join(root, 'conformance.json'), 'utf8')) as { version: number; parse: ParseCase[]; serialize: SerializeCase[] });
  const now = new Date();
  const symbols = placeholders(now);

  it('has the 49 parse and 13 serialize cases', () => {
    assert.equal(fixture.version, 1);
    assert.equal(fixture.parse.length, 49);
    assert.equal(fixture.serialize.length, 13);
  });

  for (const testCase of fixture.parse) {
    it(`parse: ${testCase.name}`, () => {
      const input = testCase.inputFile !== undefined ? readFileSync(path.join(root, testCase.inputFile), 'utf8') : (materialize(testCase.input, symbols) as string);
      if (!testCase.expiresAt) {
        assertMatches(validateSecurityTxt(input, { now }), materialize(testCase.expected, symbols) as Expected, 'expected');
        return;
      }
      assertMatches(validateSecurityTxt(input, { now: SNAPSHOT_NOW }), testCase.expected, 'expected at the snapshot date');
      const expiresAt = Date.parse(testCase.expiresAt);
      for (const [phase, expected] of Object.entries(testCase.expiryPhases ?? {})) {
        assert.ok(phase in PHASE_OFFSETS, `unknown phase ${phase}`);
        assertMatches(validateSecurityTxt(input, { now: new Date(expiresAt + PHASE_OFFSETS[phase]!) }), expected, phase);
      }
    });
  }

  for (const testCase of fixture.serialize) {
    it(`serialize: ${testCase.name}`, () => {
      const options = materialize(testCase.options, symbols) as SecurityTxtFields;
      if (testCase.throws) assert.throws(() => serializeSecurityTxt(options, { now }), TypeError);
      else assert.equal(serializeSecurityTxt(options, { now }), materialize(testCase.expected, symbols));
    });
  }
});

// ---- eikendev/sectxt corpus and the securitytxt.org template ----

describe('eikendev/sectxt corpus', { skip: NO_CORPUS }, () => {
  const root = path.join(CORPUS, 'eikendev__sectxt/sectxtlib/resources/test');
  // Upstream's fixed "now"; its Expires values lie after it.
  const now = new Date('2023-01-01T08:19:03Z');
  const files = NO_CORPUS ? [] : ['valid_unsigned', 'valid_signed', 'gen_unsigned'].flatMap((dir) => readdirSync(path.join(root, dir)).map((name) => path.join(dir, name)));

  it('holds 108 files', () => assert.equal(files.length, 108));

  for (const file of files) {
    it(`accepts ${file}`, () => {
      const result = validateSecurityTxtBytes(readFileSync(path.join(root, file)), { now, lenientExpires: true });
      assert.deepEqual(result.errors, [], `${file}: ${JSON.stringify(pairs(result.errors))}`);
      assert.ok(result.contact.length > 0 && result.expires !== null);
      assert.equal(result.signed, file.startsWith('valid_signed'));
    });
  }

  it('accepts the space between date and time (www.gov.uk) only when asked to', () => {
    const strictFailures = files
      .map((file) => ({ file, result: validateSecurityTxtBytes(readFileSync(path.join(root, file)), { now }) }))
      .filter(({ result }) => !result.valid);
    assert.deepEqual(
      strictFailures.map(({ file, result }) => ({ file, errors: pairs(result.errors) })),
      [{ file: 'valid_unsigned/www_gov_uk.stxt', errors: [{ code: 'invalid_expires', line: 11 }] }],
    );
  });

  it('rejects the securitytxt.org template (a bare address, no Expires)', () => {
    const result = validateSecurityTxtBytes(readFileSync(path.join(CORPUS, 'securitytxt__security-txt/template/security.txt')), { now });
    assert.equal(result.valid, false);
    assert.deepEqual(pairs(result.errors), [
      { code: 'invalid_uri', line: 3 },
      { code: 'no_expires', line: null },
    ]);
  });
});

// ---- Rules beyond the conformance suite (DigitalTrustCenter codes, folding, encodings) ----

describe('security.txt grammar details', () => {
  const now = new Date('2026-03-02T09:00:00Z');
  const head = 'Contact: mailto:security@example.org\nExpires: 2026-06-01T00:00:00Z\nEncryption: https://example.org/key.asc\n';
  const errorsOf = (text: string) => pairs(validateSecurityTxt(text, { now }).errors);

  it('names whitespace before the colon, a missing space after it and an empty name', () => {
    assert.deepEqual(errorsOf(`${head}Policy : https://example.org/p\nHiring:https://example.org/j\n: value\n`), [
      { code: 'prec_ws', line: 4 },
      { code: 'no_space', line: 5 },
      { code: 'empty_key', line: 6 },
    ]);
  });

  it('unfolds indented continuation lines of extension fields only', () => {
    const result = validateSecurityTxt(`${head}X-Note: first\n\tsecond\nPolicy: https://example.org/p\n more\n`, { now });
    assert.equal(result.fields[3]?.value, 'first\tsecond');
    assert.deepEqual(pairs(result.errors), [{ code: 'invalid_line', line: 7 }]);
  });

  it('rejects data after the signature, control characters in comments and bytes that are not UTF-8', () => {
    const signed = `-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n${head}Canonical: https://example.org/.well-known/security.txt\n-----BEGIN PGP SIGNATURE-----\n\nabc\n-----END PGP SIGNATURE-----\n\nContact: https://evil.example/\n`;
    assert.deepEqual(errorsOf(signed), [{ code: 'data_after_sig', line: 13 }]);
    assert.deepEqual(errorsOf(`# bell\x07\n${head}`), [{ code: 'invalid_line', line: 1 }]);
    const latin1 = validateSecurityTxtBytes(Buffer.from(`${head}# caf\xe9\n`, 'latin1'), { now });
    assert.deepEqual(pairs(latin1.errors), [{ code: 'utf8', line: null }]);
  });

  it('keeps the DigitalTrustCenter name beside each code', () => {
    const [missing] = validateSecurityTxt('Contact: https://example.org/\n', { now }).errors;
    assert.deepEqual({ code: missing?.code, dtcCode: missing?.dtcCode, level: missing?.level }, { code: 'no_expires', dtcCode: 'no_expire', level: 'error' });
    assert.equal(parseSecurityTxt('Contact: x\n').fields[0]?.line, 1);
    assert.ok(isLanguageTag('de-CH-1901') && !isLanguageTag('de-1901-1901') && !isLanguageTag('en_US'));
  });
});

// ---- Rendering from the policy ----

const EXAMPLES = path.join(REPO_ROOT, 'examples');
const NOW = new Date('2026-03-02T09:00:00Z');
const HTTPS = 'https://security.example.org';

async function examplePolicies(): Promise<{ file: string; projects: ProjectPolicy[] }[]> {
  const files = readdirSync(EXAMPLES).filter((name) => name.endsWith('.yaml'));
  return Promise.all(
    files.map(async (file) => {
      const result = await loadPolicyFile(path.join(EXAMPLES, file));
      if (!result.ok) assert.fail(formatProblems(result.problems));
      return { file, projects: result.policy.projects };
    }),
  );
}

async function exampleProjects(file = 'embargo.yaml'): Promise<ProjectPolicy[]> {
  const found = (await examplePolicies()).find((policy) => policy.file === file);
  assert.ok(found, file);
  return found.projects;
}

async function generateKey(name: string) {
  return openpgp.generateKey({ userIDs: [{ name, email: `${name.toLowerCase()}@example.org` }], format: 'object' });
}

describe('security.txt rendered from the policy', () => {
  it('is valid for every example policy, per project and desk-wide, over https and plain http', async () => {
    const policies = await examplePolicies();
    assert.ok(policies.length >= 6);
    for (const { file, projects } of policies) {
      for (const publicUrl of [HTTPS, 'http://127.0.0.1:8080']) {
        const texts = [...projects.map((project) => renderProjectSecurityTxt(project, { publicUrl, now: NOW })), renderInstanceSecurityTxt(projects, { publicUrl, now: NOW })];
        for (const text of texts) {
          const result = validateSecurityTxt(text, { now: NOW });
          assert.deepEqual(pairs(result.errors), [], `${file} at ${publicUrl}:\n${text}`);
          assert.ok(!result.recommendations.some((entry) => entry.code === 'long_expiry'));
          assert.equal(result.canonical.length > 0, publicUrl === HTTPS);
        }
      }
    }
  });

  it('lists the form, the addresses and the project pages, and points to the key when a contact has one', async () => {
    const projects = await exampleProjects();
    const project = structuredClone(projects[0]!);
    project.contacts.primary.pgpPublicKey = (await generateKey('Ada')).publicKey.armor();
    project.preferredLanguages = ['en', 'de'];
    const result = validateSecurityTxt(renderProjectSecurityTxt(project, { publicUrl: HTTPS, now: NOW }), { now: NOW });
    const base = `${HTTPS}/p/${project.slug}`;
    assert.deepEqual(result.contact, [base, 'mailto:security@example.org', 'mailto:ada@example.org', 'mailto:grace@example.org']);
    assert.deepEqual(
      { encryption: result.encryption, acknowledgments: result.acknowledgments, policy: result.policy, canonical: result.canonical, csaf: result.csaf, languages: result.preferredLanguages },
      { encryption: [`${base}/pgp-key.asc`], acknowledgments: [`${base}/hall-of-fame`], policy: [`${base}/SECURITY.md`], canonical: [`${base}/security.txt`], csaf: [`${HTTPS}/.well-known/csaf/provider-metadata.json`], languages: ['en', 'de'] },
    );
    assert.deepEqual(pairs(result.recommendations), [{ code: 'not_signed', line: null }]);
  });

  it('renews Expires by itself: 180 days after the start of the day, whatever the day', () => {
    for (const now of [NOW, new Date('2027-02-28T23:59:59Z'), new Date('2030-12-31T00:00:00Z')]) {
      const expires = securityTxtExpiry(now);
      assert.equal(expires.toISOString(), new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 180)).toISOString());
    }
  });

  it('falls back to forms and policies, then forms only, when a desk-wide file would exceed the size limits', async () => {
    const projects = await exampleProjects();
    for (const [count, policies] of [[200, 200], [500, 0]] as const) {
      const many = Array.from({ length: count }, (_, index) => ({ ...projects[0]!, slug: `project-${index}` }));
      const result = validateSecurityTxt(renderInstanceSecurityTxt(many, { publicUrl: HTTPS, now: NOW }), { now: NOW });
      assert.deepEqual(pairs(result.errors), []);
      assert.deepEqual([result.contact.length, result.policy.length, result.acknowledgments.length], [count, policies, 0]);
    }
  });
});

const GPG_MISSING = spawnSync('gpg', ['--version']).error ? 'gpg is not installed on this machine' : false;

describe('OpenPGP signing', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'embargo-securitytxt-'));
  after(() => rmSync(work, { recursive: true, force: true }));

  it('signs so that the validator and openpgp accept the file, and catches tampering and wrong keys', async () => {
    const { privateKey, publicKey } = await generateKey('Signer');
    const projects = await exampleProjects();
    const signed = await signSecurityTxt(renderProjectSecurityTxt(projects[0]!, { publicUrl: HTTPS, now: NOW }), privateKey);
    const result = validateSecurityTxt(signed, { now: NOW });
    assert.equal(result.signed, true);
    // The example's contacts have no key: only the Encryption recommendation remains.
    assert.deepEqual([...pairs(result.errors), ...pairs(result.recommendations)], [{ code: 'no_encryption', line: null }]);
    assert.deepEqual(await verifySecurityTxtSignature(signed, publicKey.armor()), []);
    const tampered = signed.replace('mailto:', 'mailto:x');
    assert.deepEqual(pairs(await verifySecurityTxtSignature(tampered, publicKey.armor())), [{ code: 'pgp_signature_error', line: null }]);
    const other = await generateKey('Other');
    assert.deepEqual(pairs(await verifySecurityTxtSignature(signed, other.publicKey.armor())), [{ code: 'pgp_signature_error', line: null }]);
  });

  it('produces files gpg --verify accepts', { skip: GPG_MISSING }, async () => {
    const { privateKey, publicKey } = await generateKey('Signer');
    const projects = await exampleProjects();
    const signed = await signSecurityTxt(renderInstanceSecurityTxt(projects, { publicUrl: HTTPS, now: NOW }), privateKey);
    writeFileSync(path.join(work, 'signed.txt'), signed);
    writeFileSync(path.join(work, 'tampered.txt'), signed.replace('Expires: 2', 'Expires: 3'));
    writeFileSync(path.join(work, 'public.asc'), publicKey.armor());
    const home = mkdtempSync(path.join(work, 'gnupg-'));
    const gpg = (args: string[]) => spawnSync('gpg', ['--homedir', home, '--batch', '--no-tty', ...args], { encoding: 'utf8' });
    assert.equal(gpg(['--import', path.join(work, 'public.asc')]).status, 0);
    const verified = gpg(['--verify', path.join(work, 'signed.txt')]);
    assert.equal(verified.status, 0, verified.stderr);
    assert.match(verified.stderr, /Good signature/);
    assert.notEqual(gpg(['--verify', path.join(work, 'tampered.txt')]).status, 0);
  });

  it('reads the signing key file, refusing a missing, passphrase-protected or v6 one', async () => {
    const { privateKey } = await generateKey('Signer');
    writeFileSync(path.join(work, 'plain.asc'), privateKey.armor());
    assert.equal((await readSigningKey(path.join(work, 'plain.asc'))).getFingerprint(), privateKey.getFingerprint());
    const locked = await openpgp.encryptKey({ privateKey, passphrase: 'secret' });
    writeFileSync(path.join(work, 'locked.asc'), locked.armor());
    await assert.rejects(readSigningKey(path.join(work, 'locked.asc')), { name: 'ConfigError', message: /passphrase/ });
    await assert.rejects(readSigningKey(path.join(work, 'missing.asc')), { name: 'ConfigError', message: /cannot read/ });
    const v6 = await openpgp.generateKey({ userIDs: [{ email: 'v6@example.org' }], format: 'object', config: { v6Keys: true } });
    writeFileSync(path.join(work, 'v6.asc'), v6.privateKey.armor());
    await assert.rejects(readSigningKey(path.join(work, 'v6.asc')), { name: 'ConfigError', message: /version 4/ });
  });
});

// ---- embargo securitytxt check ----

function capture(): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (text) => void stdout.push(text), err: (text) => void stderr.push(text), readStdin: async () => '' };
}

describe('embargo securitytxt check', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'embargo-securitytxt-cli-'));
  after(() => rmSync(work, { recursive: true, force: true }));

  it('prints each diagnostic with its line and exits 0 for a valid file, 1 for an invalid one', async () => {
    const valid = path.join(work, 'valid.txt');
    writeFileSync(valid, 'Contact: mailto:security@example.org\nExpires: 2026-06-01T00:00:00Z\nX-Team: red\n');
    const ok = capture();
    assert.equal(await main(['securitytxt', 'check', valid, '--now', '2026-03-02T09:00:00Z'], ok), 0, ok.stderr.join('\n'));
    assert.deepEqual(ok.stdout.slice(0, -1), [
      "file: recommendation no_encryption: 'Encryption' field should be present when 'Contact' field contains an email address.",
      'file: recommendation not_signed: security.txt should be digitally signed.',
      'line 3: notification unknown_field: security.txt contains an unknown field, either a custom field which may not be widely supported, or a typo in a standardised field name. Field "X-Team".',
    ]);
    assert.match(ok.stdout.at(-1)!, /valid\.txt: valid, 2 recommendation\(s\), 1 notification\(s\)\.$/);

    const expired = capture();
    assert.equal(await main(['securitytxt', 'check', valid, '--now', '2026-07-01T00:00:00Z'], expired), 1);
    assert.match(expired.stdout[0]!, /^line 2: error expired: /);
  });

  it('verifies the signature with --key, and reports unreadable input and bad options with exit 2', async () => {
    const { privateKey, publicKey } = await generateKey('Signer');
    const projects = await exampleProjects();
    writeFileSync(path.join(work, 'signed.txt'), await signSecurityTxt(renderProjectSecurityTxt(projects[0]!, { publicUrl: HTTPS, now: NOW }), privateKey));
    writeFileSync(path.join(work, 'key.asc'), publicKey.armor());
    const io = capture();
    assert.equal(await main(['securitytxt', 'check', path.join(work, 'signed.txt'), '--now', '2026-03-02T09:00:00Z', '--key', path.join(work, 'key.asc')], io), 0, io.stdout.join('\n'));
    assert.match(io.stdout.at(-1)!, /valid, signature verified, 1 recommendation\(s\)/);
    const missing = capture();
    assert.equal(await main(['securitytxt', 'check', path.join(work, 'nope.txt')], missing), 2);
    assert.match(missing.stderr[0]!, /cannot read/);
    const badNow = capture();
    assert.equal(await main(['securitytxt', 'check', path.join(work, 'signed.txt'), '--now', 'tomorrow'], badNow), 2);
  });

  it('checks how a fetched file was served (scheme, location, media type, Canonical)', async () => {
    const { checkRetrieval } = await import('./securitytxt.validator.js');
    const codes = (retrieval: Parameters<typeof checkRetrieval>[0], canonical: string[] = []) => checkRetrieval(retrieval, { canonical }).map((entry) => entry.code);
    const url = 'https://example.org/.well-known/security.txt';
    assert.deepEqual(codes({ requestedUrl: url, finalUrl: url, contentType: 'text/plain; charset=utf-8' }, [url]), []);
    assert.deepEqual(codes({ requestedUrl: 'http://example.org/security.txt', finalUrl: 'http://example.org/security.txt', contentType: 'text/html; charset=iso-8859-1' }, [url]), [
      'invalid_uri_scheme',
      'location',
      'invalid_media',
      'invalid_charset',
      'no_canonical_match',
    ]);
    assert.deepEqual(codes({ requestedUrl: url, finalUrl: url, contentType: null }), ['no_content_type']);
  });
});
