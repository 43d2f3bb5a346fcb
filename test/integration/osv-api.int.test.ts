import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { validateOsv } from '../../src/modules/exports/osv.js';
import { ADVISORY_POLICY, LONG_SESSIONS, NO_CORPUS, completeAdvisory, createDraft, providerMetadataSchema, publish, readZip } from '../support/advisories.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * The OSV-compatible API answers like api.osv.dev over published advisories, comparing versions in
 * each ecosystem's own order: PEP 440 for PyPI, SemVer for npm and SEMVER ranges. Versions below are
 * chosen where text order and version order disagree (0.10 > 0.9, 2.10.0 > 2.3.1, 1.0rc1 < 1.0).
 */
describe('OSV-compatible API and sources', () => {
  let t: TestApp;
  let pypiId: string;
  let npmId: string;
  let draftId: string;

  before(async () => {
    t = await createTestApp({ policyFile: ADVISORY_POLICY, settings: LONG_SESSIONS });
    const alpha = await t.user('maintainer', 'alpha');
    const beta = await t.user('maintainer', 'beta');
    const pypi = await createDraft(t, alpha.token, 'alpha', completeAdvisory({
      title: 'PyPI ranges',
      affected: [
        {
          package: 'Alpha_Lib',
          ranges: [
            { type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '0.9.4' }] },
            { type: 'ECOSYSTEM', events: [{ introduced: '1.0rc1' }, { last_affected: '1.0.2' }] },
          ],
          versions: ['0.2.post1'],
        },
      ],
    }));
    pypiId = pypi.id;
    await publish(t, alpha.token, pypiId);
    t.clock.advance(60_000);
    const npm = await createDraft(t, beta.token, 'beta', {
      title: 'Prototype pollution in merge()',
      summary: 'merge() copies __proto__ keys.',
      affected: [{ package: '@acme/widgets', ranges: [{ type: 'SEMVER', events: [{ introduced: '2.0.0' }, { fixed: '2.3.1' }, { introduced: '3.0.0' }, { fixed: '3.0.2' }] }] }],
      patchedVersions: ['2.3.1', '3.0.2'],
    });
    npmId = npm.id;
    await publish(t, beta.token, npmId);
    // A draft naming the same package must never be answered.
    draftId = (await createDraft(t, alpha.token, 'alpha', completeAdvisory({ title: 'Still embargoed', affected: [{ package: 'alpha-lib', ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }] }] }))).id;
  });
  after(() => t.close());

  const query = async (body: object) => {
    const response = await t.app.inject({ method: 'POST', url: '/v1/query', payload: body });
    assert.equal(response.statusCode, 200, response.body);
    return ((response.json().vulns ?? []) as { id: string }[]).map((vuln) => vuln.id);
  };
  const pypi = (version: string) => query({ package: { name: 'alpha-lib', ecosystem: 'PyPI' }, version });
  const npm = (version: string) => query({ package: { name: '@acme/widgets', ecosystem: 'npm' }, version });

  it('answers PyPI queries in PEP 440 order', async () => {
    const affected = ['0.1', '0.9', '0.9.3', '0.9.4rc1', '0.2.post1', '1.0rc1', '1.0', '1.0.2rc1', '1.0.2'];
    const unaffected = ['0.9.4', '0.10', '0.10.0', '0.9.10', '1.0a1', '1.0.2.post0.dev1', '1.0.3', '1.1', '2.0'];
    for (const version of affected) assert.deepEqual(await pypi(version), [`x_${pypiId}`], `${version} is affected`);
    for (const version of unaffected) assert.deepEqual(await pypi(version), [], `${version} is not affected`);
    assert.deepEqual(await pypi('not a version'), []);
  });

  it('matches PyPI names as PEP 503 normalises them, and purls with or without version', async () => {
    assert.deepEqual(await query({ package: { name: 'ALPHA.lib', ecosystem: 'pypi' }, version: '0.9' }), [`x_${pypiId}`]);
    assert.deepEqual(await query({ package: { purl: 'pkg:pypi/alpha-lib@0.9' } }), [`x_${pypiId}`]);
    assert.deepEqual(await query({ package: { purl: 'pkg:pypi/alpha_lib' }, version: '0.10' }), []);
    const both = await t.app.inject({ method: 'POST', url: '/v1/query', payload: { package: { purl: 'pkg:pypi/alpha-lib@0.9' }, version: '0.9' } });
    assert.equal(both.statusCode, 400);
    const nameless = await t.app.inject({ method: 'POST', url: '/v1/query', payload: { version: '1.0' } });
    assert.equal(nameless.statusCode, 400);
    // Without a version: every advisory of the package, as OSV answers.
    assert.deepEqual(await query({ package: { name: 'alpha-lib', ecosystem: 'PyPI' } }), [`x_${pypiId}`]);
    assert.deepEqual(await query({ commit: 'a'.repeat(40) }), [], 'no GIT ranges here');
  });

  it('answers npm queries in SemVer order, scoped packages by purl too', async () => {
    for (const version of ['2.0.0', '2.3.0', '2.3.1-rc.1', '3.0.0', '3.0.1', '3.0.2-rc.1']) assert.deepEqual(await npm(version), [`x_${npmId}`], `${version} is affected`);
    for (const version of ['1.9.9', '2.0.0-beta.1', '2.3.1', '2.10.0', '3.0.2', '3.0.10', '10.0.0']) assert.deepEqual(await npm(version), [], `${version} is not affected`);
    assert.deepEqual(await query({ package: { purl: 'pkg:npm/%40acme/widgets@3.0.1' } }), [`x_${npmId}`]);
    assert.deepEqual(await query({ package: { purl: 'pkg:npm/@acme/widgets@3.0.1' } }), [`x_${npmId}`]);
    assert.deepEqual(await query({ package: { name: '@ACME/widgets', ecosystem: 'npm' }, version: '3.0.1' }), [], 'npm names are exact');
  });

  it('answers batches in order with ids and modified dates only', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/querybatch',
      payload: {
        queries: [
          { package: { name: 'alpha-lib', ecosystem: 'PyPI' }, version: '0.9' },
          { package: { name: 'alpha-lib', ecosystem: 'PyPI' }, version: '0.10' },
          { package: { purl: 'pkg:npm/%40acme/widgets@2.3.0' } },
          { package: { name: 'unknown', ecosystem: 'crates.io' }, version: '1.0.0' },
        ],
      },
    });
    assert.equal(response.statusCode, 200, response.body);
    const results = response.json().results;
    assert.equal(results.length, 4);
    assert.deepEqual(Object.keys(results[0].vulns[0]).sort(), ['id', 'modified']);
    assert.equal(results[0].vulns[0].id, `x_${pypiId}`);
    assert.deepEqual(results[1], {});
    assert.equal(results[2].vulns[0].id, `x_${npmId}`);
    assert.deepEqual(results[3], {});
    const tooMany = await t.app.inject({ method: 'POST', url: '/v1/querybatch', payload: { queries: Array.from({ length: 1001 }, () => ({ commit: 'a' })) } });
    assert.equal(tooMany.statusCode, 400);
  });

  it('answers the same for packages indexed before ranges and listed versions were (read from the document)', async () => {
    const queries = [
      ...['0.1', '0.9.4', '0.2.post1', '1.0', '1.0.3'].map((version) => ({ package: { name: 'alpha-lib', ecosystem: 'PyPI' }, version })),
      ...['2.0.0', '2.3.1', '3.0.1'].map((version) => ({ package: { name: '@acme/widgets', ecosystem: 'npm' }, version })),
      { package: { name: 'alpha-lib', ecosystem: 'PyPI' } },
    ];
    const batch = async () => (await t.app.inject({ method: 'POST', url: '/v1/querybatch', payload: { queries } })).json();
    const indexed = await batch();
    assert.ok(indexed.results.filter((result: { vulns?: unknown[] }) => result.vulns).length >= 6, JSON.stringify(indexed));
    type Row = { advisory_id: string; ecosystem: string; name_key: string; listed: unknown; ranges: unknown; osv_id: string; modified: string; published_at: Date };
    const saved = (await sql<Row>`select advisory_id, ecosystem, name_key, listed, ranges, osv_id, modified, published_at from advisory_packages`.execute(t.context.db)).rows;
    // The PyPI advisory's rows as an older version wrote them; the npm one's stay indexed: one batch reads both kinds.
    await sql`update advisory_packages set ranges = null, listed = null, osv_id = null, modified = null, published_at = null
      where advisory_id = (select id from advisories where public_id = ${pypiId})`.execute(t.context.db);
    try {
      assert.deepEqual(await batch(), indexed);
    } finally {
      // The other tests here read the index as publication wrote it.
      for (const row of saved) {
        await sql`update advisory_packages set listed = ${row.listed === null ? null : JSON.stringify(row.listed)}::jsonb, ranges = ${JSON.stringify(row.ranges)}::jsonb,
            osv_id = ${row.osv_id}, modified = ${row.modified}, published_at = ${row.published_at}
          where advisory_id = ${row.advisory_id} and ecosystem = ${row.ecosystem} and name_key = ${row.name_key}`.execute(t.context.db);
      }
    }
  });

  it('serves records by id, the index and per-ecosystem ZIPs, never drafts', async () => {
    const vuln = await t.app.inject({ method: 'GET', url: `/v1/vulns/x_${pypiId}` });
    assert.equal(vuln.statusCode, 200);
    assert.equal(vuln.json().affected[0].package.purl, 'pkg:pypi/alpha-lib');
    assert.equal((await t.app.inject({ method: 'GET', url: `/v1/vulns/${pypiId}` })).json().id, `x_${pypiId}`);
    assert.equal((await t.app.inject({ method: 'GET', url: `/v1/vulns/x_${draftId}` })).statusCode, 404);
    assert.equal((await t.app.inject({ method: 'GET', url: `/osv/x_${draftId}.json` })).statusCode, 404);
    const index = (await t.app.inject({ method: 'GET', url: '/osv/all.json' })).json() as { id: string; modified: string }[];
    assert.deepEqual(index.map((entry) => entry.id).sort(), [`x_${npmId}`, `x_${pypiId}`].sort());
    assert.ok(index.every((entry) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(entry.modified)));

    const zip = await t.app.inject({ method: 'GET', url: '/osv/PyPI/all.zip' });
    assert.equal(zip.headers['content-type'], 'application/zip');
    const entries = readZip(zip.rawPayload);
    assert.deepEqual([...entries.keys()], [`x_${pypiId}.json`]);
    assert.deepEqual([...readZip((await t.app.inject({ method: 'GET', url: '/osv/npm/all.zip' })).rawPayload).keys()], [`x_${npmId}.json`]);
    assert.equal((await t.app.inject({ method: 'GET', url: '/osv/Cobol/all.zip' })).statusCode, 404);
    // The system's unzip agrees, where there is one.
    const dir = mkdtempSync(path.join(tmpdir(), 'embargo-zip-'));
    try {
      writeFileSync(path.join(dir, 'all.zip'), zip.rawPayload);
      let output = '';
      try {
        output = execFileSync('unzip', ['-t', path.join(dir, 'all.zip')], { encoding: 'utf8' });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
      if (output) assert.match(output, /No errors detected/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('serves records that pass the OSV schema', { skip: NO_CORPUS }, async () => {
    for (const id of [pypiId, npmId]) {
      const record = (await t.app.inject({ method: 'GET', url: `/osv/x_${id}.json` })).json();
      assert.deepEqual(validateOsv(record).errors, []);
    }
  });

  it('publishes CSAF provider metadata that passes the provider schema', { skip: NO_CORPUS }, async () => {
    const response = await t.app.inject({ method: 'GET', url: '/.well-known/csaf/provider-metadata.json' });
    assert.equal(response.statusCode, 200);
    const validate = providerMetadataSchema();
    assert.ok(validate(response.json()), JSON.stringify(validate.errors));
    assert.equal(response.json().distributions[0].directory_url, 'http://127.0.0.1:8080/.well-known/csaf/white/');
    const listing = await t.app.inject({ method: 'GET', url: '/.well-known/csaf/white/' });
    assert.match(listing.body, /href="2026\/"/);
    const year = await t.app.inject({ method: 'GET', url: '/.well-known/csaf/white/2026/' });
    assert.match(year.body, new RegExp(`href="${pypiId.toLowerCase()}\\.json\\.sha512"`));
    assert.doesNotMatch(year.body, new RegExp(draftId.toLowerCase()));
    assert.equal((await t.app.inject({ method: 'GET', url: '/.well-known/csaf/white/2025/' })).statusCode, 404);
    assert.equal((await t.app.inject({ method: 'GET', url: `/.well-known/csaf/white/2025/${pypiId.toLowerCase()}.json` })).statusCode, 404, 'wrong year folder');
  });
});
