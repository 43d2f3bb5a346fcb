import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { convertOsvRecord, importOsv, osvSourceFiles, parseOsvFile, type OsvImportResult } from '../../src/modules/advisories/osv-import.service.js';
import { validateOsv, type OsvRecord } from '../../src/modules/exports/osv.js';
import { DEFAULT_CORPUS_DIR } from '../../src/modules/exports/schema-validation.js';
import { isValidVersion } from '../../src/modules/triage/versions.js';
import { runInProcess } from '../support/cli.js';
import { createTestApp, TEST_POLICY, type TestApp } from '../support/test-app.js';

/**
 * The PyPI advisory database (../shared/corpus/pypa-advisory-database, see its SOURCE.md) imported
 * through the service into a fresh database, then checked through the real OSV API: every version an
 * advisory lists is reported affected by it, and every `fixed` version of its ECOSYSTEM ranges is not.
 *
 * Corpus quirks excluded from the check, computed from the records themselves (not a hand-kept list):
 * - withdrawn records (10): OSV leaves withdrawn advisories out of query answers, as this API does;
 * - a `fixed` event that is not a PEP 440 version (PYSEC-2019-125, steam, "fixed: 2019-09-12"): the
 *   importer drops that range with a warning, since it cannot be ordered (the advisory is imported and
 *   readable by id, but no version matches it);
 * - a `fixed` version that the same record also lists as affected (in `versions`, or as the
 *   `introduced`/`last_affected` bound of another of its ranges for the same package): the record
 *   contradicts itself, and OSV's rule (a listed version is affected) wins.
 */
const VULNS = path.join(DEFAULT_CORPUS_DIR, 'pypa-advisory-database/vulns');
const NO_PYPA = existsSync(VULNS) ? false : `PyPI advisory corpus not found at ${VULNS}`;
const BATCH = 1_000;

type Query = { package: { name: string; ecosystem: string }; version: string };
type Check = { query: Query; id: string; expectAffected: boolean };

describe('embargo import osv: the PyPI advisory database', { skip: NO_PYPA }, () => {
  let t: TestApp;
  let result: OsvImportResult;
  const records = new Map<string, OsvRecord>();
  const quirks: string[] = [];

  before(async () => {
    t = await createTestApp();
    const files = osvSourceFiles(VULNS);
    const started = Date.now();
    result = await importOsv(t.context, files, { project: 'alpha', progressEvery: 500 });
    console.log(`imported ${result.created} of ${result.total} files in ${Date.now() - started} ms`);
    for (const file of files) {
      const record = parseOsvFile(file.name, file.read()) as OsvRecord;
      // Schema-valid, as SOURCE.md counts them (the linter's offline findings aside).
      if (validateOsv(record).errors.every((issue) => issue.rule !== 'schema')) records.set(record.id, record);
    }
  });
  after(() => t?.close());

  it('imports all 2,654 schema-valid advisories and reports the 7 invalid ones', () => {
    assert.equal(result.total, 2_661);
    assert.equal(records.size, 2_654);
    assert.equal(result.created, 2_654, JSON.stringify(result.errors.filter((error) => records.has(error.id ?? '')).slice(0, 5)));
    assert.equal(result.invalid, 7);
    assert.deepEqual(
      result.errors.map((error) => error.id).sort(),
      [...new Set(readdirSync(VULNS).filter((dir) => !dir.startsWith('.')).flatMap((dir) => readdirSync(path.join(VULNS, dir)).map((file) => file.replace(/\.yaml$/, ''))))].filter((id) => !records.has(id)).sort(),
    );
  });

  it('reports every listed version affected and every fixed version not, through POST /v1/querybatch', async () => {
    const checks: Check[] = [];
    for (const record of records.values()) {
      if (record.withdrawn) continue;
      for (const entry of record.affected ?? []) {
        if (!entry.package) continue;
        const pkg = { name: entry.package.name, ecosystem: entry.package.ecosystem };
        const listed = new Set(entry.versions ?? []);
        for (const version of listed) checks.push({ query: { package: pkg, version }, id: record.id, expectAffected: true });
        const ranges = (entry.ranges ?? []).filter((range) => range.type === 'ECOSYSTEM');
        const bounds = new Set(ranges.flatMap((range) => range.events.flatMap((event) => ('introduced' in event ? [event.introduced] : 'last_affected' in event ? [event.last_affected] : []))));
        for (const range of ranges) {
          for (const event of range.events) {
            if (!('fixed' in event)) continue;
            if (!isValidVersion('PyPI', event.fixed)) quirks.push(`${record.id}: fixed "${event.fixed}" is not a PEP 440 version`);
            else if (listed.has(event.fixed) || bounds.has(event.fixed)) quirks.push(`${record.id}: ${pkg.name} ${event.fixed} is both fixed and listed as affected`);
            else checks.push({ query: { package: pkg, version: event.fixed }, id: record.id, expectAffected: false });
          }
        }
      }
    }
    // One query per distinct package@version answers every advisory checked at it (django versions are
    // listed by hundreds of advisories); sorted by package, so that each batch reads few packages.
    const byQuery = new Map<string, { query: Query; checks: Check[] }>();
    for (const check of checks) {
      const key = `${check.query.package.name.toLowerCase().replace(/[-_.]+/g, '-')}@${check.query.version}`;
      const entry = byQuery.get(key) ?? { query: check.query, checks: [] };
      entry.checks.push(check);
      byQuery.set(key, entry);
    }
    const queries = [...byQuery.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, entry]) => entry);
    const failures: string[] = [];
    const started = Date.now();
    for (let offset = 0; offset < queries.length; offset += BATCH) {
      const batch = queries.slice(offset, offset + BATCH);
      const response = await t.app.inject({ method: 'POST', url: '/v1/querybatch', payload: { queries: batch.map((entry) => entry.query) } });
      assert.equal(response.statusCode, 200, response.body);
      const results = response.json().results as { vulns?: { id: string }[]; next_page_token?: string }[];
      batch.forEach((entry, index) => {
        assert.equal(results[index]!.next_page_token, undefined);
        // Imported advisories keep their own ids: no "x_" escape.
        const ids = new Set((results[index]!.vulns ?? []).map((vuln) => vuln.id));
        for (const check of entry.checks) {
          if (ids.has(check.id) !== check.expectAffected) {
            failures.push(`${check.id}: ${check.query.package.name} ${check.query.version} should ${check.expectAffected ? '' : 'not '}be affected`);
          }
        }
      });
    }
    console.log(`${checks.length} checks in ${queries.length} queries, ${Math.ceil(queries.length / BATCH)} batches, ${Date.now() - started} ms; excluded quirks:\n  ${quirks.join('\n  ')}`);
    assert.ok(checks.filter((check) => check.expectAffected).length > 130_000);
    assert.deepEqual(failures.slice(0, 20), [], `${failures.length} failures`);
  });

  it('serves every imported advisory under its original id, with its aliases and related ids', async () => {
    const index = (await t.app.inject({ method: 'GET', url: '/osv/all.json' })).json() as { id: string; modified: string }[];
    assert.deepEqual(index.map((entry) => entry.id).sort(), [...records.keys()].sort());
    const withRelated = [...records.values()].filter((record) => record.related?.length);
    assert.ok(withRelated.length > 0, 'the corpus has records with related ids');
    const sample = [...withRelated, ...[...records.values()].filter((_, index) => index % 250 === 0)];
    for (const original of sample) {
      for (const url of [`/v1/vulns/${original.id}`, `/osv/${original.id}.json`]) {
        const response = await t.app.inject({ method: 'GET', url });
        assert.equal(response.statusCode, 200, `${url}: ${response.body}`);
        const served = response.json() as OsvRecord;
        assert.equal(served.id, original.id, url);
        assert.deepEqual([...(served.aliases ?? [])].sort(), [...new Set(original.aliases ?? [])].sort(), `${url} aliases`);
        assert.deepEqual(served.related, original.related?.length ? original.related : undefined, `${url} related`);
      }
    }
    const first = withRelated.find((record) => !record.withdrawn);
    const single = await t.app.inject({ method: 'POST', url: '/v1/query', payload: { package: { name: first!.affected![0]!.package!.name, ecosystem: 'PyPI' } } });
    assert.ok((single.json().vulns as OsvRecord[]).some((vuln) => vuln.id === first!.id && vuln.related !== undefined));
  });

  it('round-trips export -> import for a sample', async () => {
    const sample = [...records.keys()].sort().filter((_, index) => index % 100 === 0);
    const exported: OsvRecord[] = [];
    for (const id of sample) {
      const response = await t.app.inject({ method: 'GET', url: `/api/v1/advisories/${id}/export?format=osv` });
      assert.equal(response.statusCode, 200, response.body);
      exported.push(response.json() as OsvRecord);
    }
    for (const record of exported) {
      assert.deepEqual(validateOsv(record).errors.filter((issue) => issue.rule === 'schema'), []);
      assert.ok(records.has(record.id), `${record.id} is exported under its original id`);
      const original = convertOsvRecord(records.get(record.id)!);
      const again = convertOsvRecord(record);
      assert.equal(again.id, original.id);
      assert.equal(again.sourceId, original.sourceId);
      assert.deepEqual(again.content.related, original.content.related);
      assert.deepEqual(again.content.affected, original.content.affected);
      assert.deepEqual([again.content.cveId, ...again.content.aliases].sort(), [original.content.cveId, ...original.content.aliases].sort());
      assert.equal(again.content.details, original.content.details);
      assert.equal(again.content.title, original.content.title);
      assert.deepEqual(again.content.references, original.content.references);
      assert.deepEqual([again.publishedAt, again.modifiedAt, again.withdrawnAt], [original.publishedAt, original.modifiedAt, original.withdrawnAt]);
    }
    const asFiles = (list: OsvRecord[]) => list.map((record) => ({ name: `${record.id}.json`, read: () => JSON.stringify(record) }));
    const same = await importOsv(t.context, asFiles(exported), { project: 'alpha' });
    assert.deepEqual([same.created, same.updated, same.unchanged, same.invalid], [0, 0, exported.length, 0]);

    // A newer `modified` updates the advisory with a new revision; the project must stay the same.
    const newer = { ...exported[0]!, modified: '2030-01-01T00:00:00Z', details: `${exported[0]!.details}\n\nUpdated.` };
    const updated = await importOsv(t.context, asFiles([newer]), { project: 'alpha' });
    assert.deepEqual([updated.created, updated.updated, updated.unchanged], [0, 1, 0]);
    const vuln = await t.app.inject({ method: 'GET', url: `/v1/vulns/${newer.id}` });
    assert.equal(vuln.json().modified, '2030-01-01T00:00:00Z');
    assert.match(vuln.json().details, /Updated\.$/);
    const elsewhere = await importOsv(t.context, asFiles([{ ...newer, modified: '2031-01-01T00:00:00Z' }]), { project: 'beta' });
    assert.equal(elsewhere.invalid, 1);
    assert.match(elsewhere.errors[0]!.problems[0]!, /imported into project "alpha"/);
  });
});

describe('embargo import osv / export (CLI)', () => {
  const record = (id: string, name: string, fixed: string) => ({
    schema_version: '1.6.0',
    id,
    modified: '2024-05-01T10:00:00Z',
    published: '2024-04-01T10:00:00Z',
    aliases: [`CVE-2024-${id.slice(-4)}`],
    details: `A flaw in ${name}.`,
    affected: [{ package: { ecosystem: 'PyPI', name }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }], versions: ['1.0.0'] }],
    references: [{ type: 'WEB', url: `https://example.org/${id}` }],
  });

  const run = runInProcess;

  it('imports 3 files (YAML and JSON) idempotently and exports them as OSV', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'embargo-osv-import-'));
    try {
      const input = path.join(dir, 'in');
      const env = { EMBARGO_DATA_DIR: path.join(dir, 'data'), EMBARGO_CONFIG: TEST_POLICY };
      mkdirSync(path.join(input, 'alpha'), { recursive: true });
      writeFileSync(path.join(input, 'alpha', 'PYSEC-2024-0001.yaml'), stringify(record('PYSEC-2024-0001', 'alpha', '1.0.1')));
      writeFileSync(path.join(input, 'alpha', 'PYSEC-2024-0002.yml'), stringify(record('PYSEC-2024-0002', 'alpha', '1.2.0')));
      writeFileSync(path.join(input, 'GHSA-aaaa-bbbb-cccc.json'), JSON.stringify({ ...record('GHSA-aaaa-bbbb-cccc', 'other-pkg', '2.0'), aliases: [] }));

      const first = await run(['import', 'osv', input, '--project', 'alpha', '--progress-every', '2'], env);
      assert.equal(first.code, 0, first.err);
      assert.match(first.out, /2\/3 files: 2 created/);
      assert.match(first.out, /Done: 3 created, 0 updated, 0 unchanged, 0 skipped as invalid, of 3 file\(s\)\./);
      const second = await run(['import', 'osv', input, '--project', 'alpha'], env);
      assert.match(second.out, /Done: 0 created, 0 updated, 3 unchanged/);

      const missing = await run(['import', 'osv', input], env);
      assert.equal(missing.code, 2);
      assert.match(missing.err, /--project SLUG is required/);

      const out = path.join(dir, 'out');
      const exported = await run(['export', '--format', 'osv', '--project', 'alpha', out], env);
      assert.equal(exported.code, 0, exported.err);
      assert.match(exported.out, /3\/3: 3 written/);
      const written = readdirSync(out).sort();
      // Imported advisories keep their own ids in exports too.
      assert.deepEqual(written, ['GHSA-aaaa-bbbb-cccc.json', 'PYSEC-2024-0001.json', 'PYSEC-2024-0002.json']);
      const one = JSON.parse(readFileSync(path.join(out, 'PYSEC-2024-0001.json'), 'utf8')) as OsvRecord;
      assert.equal(one.id, 'PYSEC-2024-0001');
      assert.equal(validateOsv(one).valid, true);
      assert.deepEqual(one.aliases, ['CVE-2024-0001']);
      assert.equal(one.published, '2024-04-01T10:00:00Z');

      const cve = await run(['export', '--format', 'cve5', out], env);
      // The test policy names no CNA: nothing is written, the GHSA record (no CVE id) is skipped.
      assert.equal(cve.code, 1);
      assert.match(cve.out, /Done: 0 file\(s\) written to .*, 1 skipped, 2 failed\./);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
