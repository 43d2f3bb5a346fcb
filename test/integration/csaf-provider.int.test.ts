import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as openpgp from 'openpgp';
import { ADVISORY_POLICY, LONG_SESSIONS, NO_CORPUS, completeAdvisory, createDraft, providerMetadataSchema, publish } from '../support/advisories.js';
import { createGpgHome, gpgAvailable, type GpgHome } from '../support/gpg.js';
import { bearer, createTestApp, type TestApp } from '../support/test-app.js';
import { createTestDatabase } from '../support/test-db.js';

/**
 * The CSAF provider with a signing key: every document has a detached OpenPGP signature that GnuPG
 * verifies, the public key is served and listed in provider-metadata.json (which passes the provider
 * schema of ../shared/corpus), and the role becomes csaf_trusted_provider. The ROLIE feed lists
 * exactly what the directory distribution lists: published (and withdrawn) advisories, never an
 * embargoed draft. The key here is made by gpg itself, so both sides of the interoperability are real.
 */

const PUBLIC_URL = 'https://desk.example';
// Documents are addressed by https URLs (ROLIE requires them); the team's own API calls in setup come over plain inject.
const HTTPS = { publicUrl: PUBLIC_URL, trustProxy: true, requireHttps: false };
const GPG_MISSING = gpgAvailable() ?? false;
const ROLIE_CATEGORY = { scheme: 'urn:ietf:params:rolie:category:information-type', term: 'csaf' };
const CSAF_SCHEMA = 'https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json';

type FeedLink = { rel: string; href: string };
type FeedEntry = { id: string; title: string; link: FeedLink[]; published: string; updated: string; content: { type: string; src: string }; format: { schema: string; version: string } };
type ProviderMetadata = {
  role: string;
  public_openpgp_keys?: { fingerprint: string; url: string }[];
  distributions: { directory_url?: string; rolie?: { feeds: { summary?: string; tlp_label: string; url: string }[] } }[];
};
type Feed = { feed: { id: string; title: string; link: FeedLink[]; category: { scheme: string; term: string }[]; updated: string; entry: FeedEntry[] } };

function get(t: TestApp, url: string) {
  return t.app.inject({ method: 'GET', url, headers: { 'x-forwarded-proto': 'https' } });
}

/** The path of a URL this instance serves. */
function local(url: string): string {
  assert.ok(url.startsWith(`${PUBLIC_URL}/`), url);
  return url.slice(PUBLIC_URL.length);
}

/** Checks a feed against the CSAF 2.0 ROLIE feed rules (the schema is not in the corpus: its constraints, field by field). */
function assertRolieFeed(body: Feed): void {
  const { feed } = body;
  assert.match(feed.id, /^[a-zA-Z0-9+\-_.]+$/);
  assert.ok(feed.title.length > 0);
  assert.equal(feed.link[0]!.rel, 'self');
  assert.match(feed.link[0]!.href, /^https:\/\/.+\.json$/);
  assert.deepEqual(feed.category[0], ROLIE_CATEGORY);
  assert.ok(!Number.isNaN(Date.parse(feed.updated)));
  assert.equal(new Set(feed.entry.map((entry) => JSON.stringify(entry))).size, feed.entry.length, 'entries are unique');
  for (const entry of feed.entry) {
    assert.match(entry.id, /^\S(.*\S)?$/);
    assert.ok(entry.title.length > 0);
    assert.equal(entry.link[0]!.rel, 'self');
    assert.match(entry.link[0]!.href, /^https:\/\/.+\.json$/);
    assert.ok(!Number.isNaN(Date.parse(entry.published)) && !Number.isNaN(Date.parse(entry.updated)));
    assert.equal(entry.content.type, 'application/json');
    assert.match(entry.content.src, /^https:\/\/.+\.json$/);
    assert.deepEqual(entry.format, { schema: CSAF_SCHEMA, version: '2.0' });
  }
}

describe('CSAF trusted provider: signatures, public key and ROLIE feed', { skip: GPG_MISSING }, () => {
  let t: TestApp;
  let gpg: GpgHome;
  let work: string;
  let fingerprint: string;
  const published: string[] = [];
  let withdrawn: string;
  let embargoed: string;

  before(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'embargo-csaf-'));
    gpg = createGpgHome('Embargo CSAF signing', 'csaf@desk.example');
    writeFileSync(path.join(work, 'csaf-signing.asc'), gpg.secretKey);
    fingerprint = (await openpgp.readKey({ armoredKey: gpg.publicKey })).getFingerprint().toUpperCase();
    t = await createTestApp({ policyFile: ADVISORY_POLICY, settings: { ...LONG_SESSIONS, ...HTTPS, csafSigningKeyFile: path.join(work, 'csaf-signing.asc') } });
    const alpha = await t.user('maintainer', 'alpha');
    const beta = await t.user('maintainer', 'beta');
    for (const [token, project, title] of [[alpha.token, 'alpha', 'Path traversal in alpha.load()'], [beta.token, 'beta', 'Prototype pollution in merge()']] as const) {
      const body = project === 'alpha' ? completeAdvisory({ title }) : { title, summary: 'merge() copies __proto__ keys.', affected: [{ package: '@acme/widgets', ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '2.3.1' }] }] }] };
      const id = (await createDraft(t, token, project, body)).id;
      await publish(t, token, id);
      published.push(id);
      t.clock.advance(60_000);
    }
    withdrawn = (await createDraft(t, alpha.token, 'alpha', completeAdvisory({ title: 'Withdrawn later' }))).id;
    await publish(t, alpha.token, withdrawn);
    const withdraw = await t.app.inject({ method: 'POST', url: `/api/v1/advisories/${withdrawn}/withdraw`, headers: bearer(alpha.token), payload: { reason: 'Not a vulnerability after all.' } });
    assert.equal(withdraw.statusCode, 200, withdraw.body);
    // Scheduled for later: embargoed, on no public surface.
    embargoed = (await createDraft(t, alpha.token, 'alpha', completeAdvisory({ title: 'Still embargoed', embargo: { publishAt: '2030-01-01T00:00', timezone: 'UTC' } }))).id;
  });
  after(async () => {
    await t?.close();
    gpg?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('declares csaf_trusted_provider with the public key, and passes the provider-metadata schema', { skip: NO_CORPUS }, async () => {
    const response = await get(t, '/.well-known/csaf/provider-metadata.json');
    assert.equal(response.statusCode, 200);
    const metadata = response.json() as ProviderMetadata;
    const validate = providerMetadataSchema();
    assert.ok(validate(metadata), JSON.stringify(validate.errors));
    assert.equal(metadata.role, 'csaf_trusted_provider');
    assert.deepEqual(metadata.public_openpgp_keys, [{ fingerprint, url: `${PUBLIC_URL}/.well-known/csaf/openpgp/${fingerprint}.asc` }]);
    assert.deepEqual(metadata.distributions, [
      {
        directory_url: `${PUBLIC_URL}/.well-known/csaf/white/`,
        rolie: { feeds: [{ summary: metadata.distributions[0]!.rolie!.feeds[0]!.summary, tlp_label: 'WHITE', url: `${PUBLIC_URL}/.well-known/csaf/white/feed-tlp-white.json` }] },
      },
    ]);

    const key = await get(t, local(metadata.public_openpgp_keys![0]!.url));
    assert.equal(key.statusCode, 200);
    assert.equal(key.headers['content-type'], 'application/pgp-keys');
    const served = await openpgp.readKey({ armoredKey: key.body });
    assert.equal(served.getFingerprint().toUpperCase(), fingerprint);
    assert.equal(served.isPrivate(), false, 'only the public half is served');
    assert.equal((await get(t, `/.well-known/csaf/openpgp/${'0'.repeat(40)}.asc`)).statusCode, 404);
  });

  it('serves a signature beside every document that gpg --verify accepts, and that fails for changed bytes', async () => {
    const index = (await get(t, '/.well-known/csaf/white/index.txt')).body.trim().split('\n');
    assert.equal(index.length, 3);
    for (const file of index) {
      const document = await get(t, `/.well-known/csaf/white/${file}`);
      assert.equal(document.statusCode, 200, document.body);
      const signature = await get(t, `/.well-known/csaf/white/${file}.asc`);
      assert.equal(signature.statusCode, 200);
      assert.equal(signature.headers['content-type'], 'application/pgp-signature');
      assert.match(signature.body, /^-----BEGIN PGP SIGNATURE-----/);
      const base = path.join(work, path.basename(file));
      writeFileSync(base, document.rawPayload);
      writeFileSync(`${base}.asc`, signature.body);
      const verified = spawnSync('gpg', ['--homedir', gpg.dir, '--batch', '--no-tty', '--verify', `${base}.asc`, base], { encoding: 'utf8' });
      assert.equal(verified.status, 0, verified.stderr);
      assert.match(verified.stderr, new RegExp(fingerprint.slice(-16)));
      writeFileSync(base, Buffer.concat([document.rawPayload, Buffer.from(' ')]));
      const tampered = spawnSync('gpg', ['--homedir', gpg.dir, '--batch', '--no-tty', '--verify', `${base}.asc`, base], { encoding: 'utf8' });
      assert.notEqual(tampered.status, 0, 'a changed document must not verify');
    }
    const year = await get(t, `/.well-known/csaf/white/${index[0]!.split('/')[0]}/`);
    assert.match(year.body, /\.json\.asc"/);
    assert.equal((await get(t, `/.well-known/csaf/white/2026/${embargoed.toLowerCase()}.json.asc`)).statusCode, 404, 'no signature for an embargoed draft');
  });

  it('lists exactly the public advisories in the ROLIE feed, with hash and signature links that resolve', async () => {
    const response = await get(t, '/.well-known/csaf/white/feed-tlp-white.json');
    assert.equal(response.statusCode, 200);
    const feed = response.json() as Feed;
    assertRolieFeed(feed);
    assert.equal(feed.feed.link[0]!.href, `${PUBLIC_URL}/.well-known/csaf/white/feed-tlp-white.json`);
    assert.deepEqual(feed.feed.entry.map((entry) => entry.id).sort(), [...published, withdrawn].sort());
    assert.ok(!response.body.includes(embargoed) && !response.body.includes('Still embargoed'), 'the embargoed draft is nowhere in the feed');
    // The same documents as the directory distribution.
    const index = (await get(t, '/.well-known/csaf/white/index.txt')).body.trim().split('\n');
    assert.deepEqual(feed.feed.entry.map((entry) => local(entry.content.src).replace('/.well-known/csaf/white/', '')).sort(), [...index].sort());
    for (const entry of feed.feed.entry) {
      assert.deepEqual(entry.link.map((link) => link.rel), ['self', 'hash', 'hash', 'signature']);
      for (const link of entry.link) assert.equal((await get(t, local(link.href))).statusCode, 200, link.href);
    }
    assert.equal(feed.feed.updated, feed.feed.entry.map((entry) => entry.updated).sort().at(-1));
  });
});

describe('CSAF provider without a signing key', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ policyFile: ADVISORY_POLICY, settings: { ...LONG_SESSIONS, ...HTTPS } });
    const alpha = await t.user('maintainer', 'alpha');
    await publish(t, alpha.token, (await createDraft(t, alpha.token, 'alpha', completeAdvisory())).id);
  });
  after(() => t?.close());

  it('declares csaf_provider, lists no key, serves no signatures and links none from the feed', async () => {
    const metadata = (await get(t, '/.well-known/csaf/provider-metadata.json')).json() as ProviderMetadata;
    assert.equal(metadata.role, 'csaf_provider');
    assert.equal(metadata.public_openpgp_keys, undefined);
    const [file] = (await get(t, '/.well-known/csaf/white/index.txt')).body.trim().split('\n');
    assert.equal((await get(t, `/.well-known/csaf/white/${file}`)).statusCode, 200);
    assert.equal((await get(t, `/.well-known/csaf/white/${file}.asc`)).statusCode, 404);
    const feed = (await get(t, '/.well-known/csaf/white/feed-tlp-white.json')).json() as Feed;
    assertRolieFeed(feed);
    assert.deepEqual(feed.feed.entry[0]!.link.map((link) => link.rel), ['self', 'hash', 'hash']);
  });

  it('refuses to start with a CSAF signing key it cannot read, naming the setting', async () => {
    const database = await createTestDatabase();
    try {
      await assert.rejects(createTestApp({ database, settings: { csafSigningKeyFile: path.join(tmpdir(), 'no-such-csaf-key.asc') } }), {
        name: 'ConfigError',
        message: /EMBARGO_CSAF_SIGNING_KEY_FILE.*cannot read/,
      });
    } finally {
      await database.close();
    }
  });
});
