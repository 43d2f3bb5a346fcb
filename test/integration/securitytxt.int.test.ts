import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as openpgp from 'openpgp';
import { validateSecurityTxt, verifySecurityTxtSignature } from '../../src/modules/policy/securitytxt/securitytxt.validator.js';
import { createTestApp, TEST_POLICY, type TestApp } from '../support/test-app.js';
import { createTestDatabase } from '../support/test-db.js';

const PUBLIC_URL = 'https://desk.example';
const DAY = 86_400_000;
const GPG_MISSING = spawnSync('gpg', ['--version']).error ? 'gpg is not installed on this machine' : false;

// The desk sits behind a TLS-terminating proxy, as an https public URL implies.
const HTTPS_SETTINGS = { publicUrl: PUBLIC_URL, trustProxy: true };

function get(t: TestApp, url: string) {
  return t.app.inject({ method: 'GET', url, headers: { 'x-forwarded-proto': 'https' } });
}

function errorsOf(body: string, now: Date) {
  return validateSecurityTxt(body, { now }).errors.map(({ code, line }) => ({ code, line }));
}

describe('security.txt routes (unsigned, test policy)', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ settings: HTTPS_SETTINGS });
  });
  after(() => t.close());

  it('serves the desk-wide file at /.well-known/security.txt to anyone', async () => {
    const response = await get(t, '/.well-known/security.txt');
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['content-type'], 'text/plain; charset=utf-8');
    const now = t.clock.now();
    assert.deepEqual(errorsOf(response.body, now), []);
    const result = validateSecurityTxt(response.body, { now });
    assert.deepEqual(result.canonical, [`${PUBLIC_URL}/.well-known/security.txt`]);
    assert.deepEqual(result.contact.slice(0, 2), [`${PUBLIC_URL}/p/alpha`, `${PUBLIC_URL}/p/beta`]);
    assert.deepEqual(result.policy, [`${PUBLIC_URL}/p/alpha/SECURITY.md`, `${PUBLIC_URL}/p/beta/SECURITY.md`]);
  });

  it("serves a project's file with its own Canonical URL, and renews Expires as time passes", async () => {
    const response = await get(t, '/p/alpha/security.txt');
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['content-type'], 'text/plain; charset=utf-8');
    const result = validateSecurityTxt(response.body, { now: t.clock.now() });
    assert.deepEqual(result.errors, []);
    assert.deepEqual(result.canonical, [`${PUBLIC_URL}/p/alpha/security.txt`]);
    assert.deepEqual(result.contact, [`${PUBLIC_URL}/p/alpha`, 'mailto:security@alpha.example', 'mailto:backup@alpha.example']);
    assert.deepEqual(result.encryption, [], 'no contact of alpha has a key');
    assert.equal(result.expires, '2026-08-29T00:00:00Z');

    t.clock.advance(200 * DAY);
    const later = await get(t, '/p/alpha/security.txt');
    assert.deepEqual(errorsOf(later.body, t.clock.now()), []);
    assert.equal(validateSecurityTxt(later.body, { now: t.clock.now() }).expires, '2027-03-17T00:00:00Z');
    t.clock.advance(-200 * DAY);
  });

  it('answers 404 PROJECT_NOT_FOUND for unknown projects and 404 for a project without keys', async () => {
    for (const url of ['/p/nope/security.txt', '/p/nope/pgp-key.asc']) {
      const response = await get(t, url);
      assert.equal(response.statusCode, 404);
      assert.equal(response.json().error.code, 'PROJECT_NOT_FOUND');
    }
    const noKey = await get(t, '/p/alpha/pgp-key.asc');
    assert.equal(noKey.statusCode, 404);
    assert.equal(noKey.json().error.code, 'NOT_FOUND');
  });

  it('lists the routes in the OpenAPI document', async () => {
    const paths = Object.keys((await get(t, '/openapi.json')).json().paths);
    for (const route of ['/.well-known/security.txt', '/p/{project}/security.txt', '/p/{project}/pgp-key.asc']) assert.ok(paths.includes(route), route);
  });
});

describe('security.txt on a plain-http desk', () => {
  it('leaves out web links and stays valid', async () => {
    const t = await createTestApp();
    try {
      const response = await get(t, '/p/beta/security.txt');
      assert.equal(response.statusCode, 200);
      const result = validateSecurityTxt(response.body, { now: t.clock.now() });
      assert.deepEqual(result.errors, []);
      assert.deepEqual(result.contact, ['mailto:security@beta.example']);
      assert.deepEqual([result.canonical, result.policy], [[], []]);
    } finally {
      await t.close();
    }
  });
});

describe('signed security.txt and published keys', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'embargo-securitytxt-int-'));
  let t: TestApp;
  let signer: { privateKey: openpgp.PrivateKey; publicKey: openpgp.PublicKey };
  let contactKey: string;

  before(async () => {
    signer = await openpgp.generateKey({ userIDs: [{ name: 'Desk', email: 'desk@example.org' }], format: 'object' });
    contactKey = (await openpgp.generateKey({ userIDs: [{ name: 'Alpha', email: 'security@alpha.example' }], format: 'object' })).publicKey.armor();
    writeFileSync(path.join(work, 'signing.asc'), signer.privateKey.armor());
    // The test policy, with a key on alpha's primary contact.
    const indented = contactKey.trim().split('\n').map((line) => `          ${line}`).join('\n');
    const policy = readFileSync(TEST_POLICY, 'utf8').replace(
      'primary: { email: security@alpha.example }',
      `primary:\n        email: security@alpha.example\n        pgpPublicKey: |\n${indented}`,
    );
    assert.notEqual(policy, readFileSync(TEST_POLICY, 'utf8'));
    writeFileSync(path.join(work, 'policy.yaml'), policy);
    t = await createTestApp({ policyFile: path.join(work, 'policy.yaml'), settings: { ...HTTPS_SETTINGS, securityTxtSigningKey: path.join(work, 'signing.asc') } });
  });
  after(async () => {
    await t.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('serves the contact key as application/pgp-keys and points Encryption at it', async () => {
    const key = await get(t, '/p/alpha/pgp-key.asc');
    assert.equal(key.statusCode, 200);
    assert.equal(key.headers['content-type'], 'application/pgp-keys');
    const [read] = await openpgp.readKeys({ armoredKeys: key.body });
    assert.equal(read?.getFingerprint(), (await openpgp.readKey({ armoredKey: contactKey })).getFingerprint());
    const file = await get(t, '/p/alpha/security.txt');
    assert.deepEqual(validateSecurityTxt(file.body, { now: t.clock.now() }).encryption, [`${PUBLIC_URL}/p/alpha/pgp-key.asc`]);
  });

  it('signs every file with the configured key, so that it verifies', async () => {
    for (const url of ['/.well-known/security.txt', '/p/alpha/security.txt', '/p/beta/security.txt']) {
      const response = await get(t, url);
      assert.equal(response.statusCode, 200);
      const result = validateSecurityTxt(response.body, { now: t.clock.now() });
      assert.equal(result.signed, true, url);
      assert.deepEqual(result.errors, [], url);
      assert.ok(!result.recommendations.some((entry) => entry.code === 'not_signed' || entry.code === 'no_canonical'));
      assert.deepEqual(await verifySecurityTxtSignature(response.body, signer.publicKey.armor()), [], url);
    }
  });

  it('serves files gpg --verify accepts', { skip: GPG_MISSING }, async () => {
    const response = await get(t, '/p/alpha/security.txt');
    writeFileSync(path.join(work, 'served.txt'), response.body);
    writeFileSync(path.join(work, 'signer.asc'), signer.publicKey.armor());
    const home = mkdtempSync(path.join(work, 'gnupg-'));
    const gpg = (args: string[]) => spawnSync('gpg', ['--homedir', home, '--batch', '--no-tty', ...args], { encoding: 'utf8' });
    assert.equal(gpg(['--import', path.join(work, 'signer.asc')]).status, 0);
    const verified = gpg(['--verify', path.join(work, 'served.txt')]);
    assert.equal(verified.status, 0, verified.stderr);
  });

  it('refuses to start with an unreadable signing key', async () => {
    const database = await createTestDatabase();
    try {
      await assert.rejects(
        createTestApp({ database, settings: { securityTxtSigningKey: path.join(work, 'missing.asc') } }),
        { name: 'ConfigError', message: /EMBARGO_SECURITY_TXT_SIGNING_KEY.*cannot read/ },
      );
    } finally {
      await database.close();
    }
  });
});
