import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { eventVersion, purlFor, sortEvents, type RangeEvent } from '../advisories/advisory.types.js';
import { ExportError } from './export.errors.js';
import { lintOsv, toOsv, validateOsv, type OsvRecord } from './osv.js';
import { DEFAULT_CORPUS_DIR } from './schema-validation.js';
import { buildNpmAdvisory, buildPypiAdvisory, buildWithdrawnAdvisory } from './test-support/advisory.factory.js';
import { assertGolden } from './test-support/golden.js';
import { advisoryFromOsv } from './test-support/osv-import.js';

const UPDATE_GOLDEN = process.env.UPDATE_GOLDEN === '1';
const NO_CORPUS = existsSync(DEFAULT_CORPUS_DIR) ? false : `reference corpus not found at ${DEFAULT_CORPUS_DIR}`;
const LINTER_DATA = path.join(DEFAULT_CORPUS_DIR, 'osv-schema/tools/osv-linter/testdata');
const PYPA = path.join(DEFAULT_CORPUS_DIR, 'pypa-advisory-database/vulns');

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}

describe('toOsv', () => {
  it('maps the PyPI advisory: aliases, CVSS 3.1 and 4.0, sorted events, no anonymous credit', () => {
    const record = toOsv(buildPypiAdvisory());
    assert.equal(record.id, 'x_EMB-2026-0001');
    assert.deepEqual(record.aliases, ['CVE-2026-31337', 'GHSA-4xq2-9m7c-wp3f']);
    assert.deepEqual(record.severity, [
      { type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N' },
      { type: 'CVSS_V4', score: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:P/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N' },
    ]);
    assert.deepEqual(record.affected?.[0]?.package, { ecosystem: 'PyPI', name: 'pynomaly', purl: 'pkg:pypi/pynomaly' });
    assert.deepEqual(record.affected?.[0]?.ranges, [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '0.4.3' }] }]);
    assert.deepEqual(
      record.credits?.map((credit) => credit.name),
      ['Jane Doe', 'Max Mustermann'],
    );
    assert.equal(record.withdrawn, undefined);
    assert.deepEqual(record.database_specific, { project: 'pynomaly', severity: 'medium', cwe_ids: ['CWE-79', 'CWE-352'] });
  });

  it('keeps the id as is once the prefix is registered with OSV', () => {
    assert.equal(toOsv(buildPypiAdvisory({ id: 'PYSEC-2026-12' }), { idPrefixRegistered: true }).id, 'PYSEC-2026-12');
  });

  it('orders SEMVER events of the scoped npm package by semver', () => {
    const record = toOsv(buildNpmAdvisory());
    assert.equal(record.affected?.[0]?.package?.purl, 'pkg:npm/%40acme/widgets');
    assert.deepEqual(record.affected?.[0]?.ranges?.[0]?.events, [{ introduced: '2.0.0' }, { fixed: '2.3.1' }, { introduced: '3.0.0' }, { fixed: '3.0.2' }]);
    assert.equal(record.severity?.length, 1);
  });

  it('marks a withdrawn advisory', () => {
    assert.equal(toOsv(buildWithdrawnAdvisory()).withdrawn, '2026-03-06T12:00:00Z');
  });

  it('refuses generic packages, which have no OSV ecosystem', () => {
    const advisory = buildPypiAdvisory();
    advisory.affected.push({ ecosystem: 'generic', package: 'libfoo', purl: purlFor('generic', 'libfoo'), ranges: [] });
    assert.throws(() => toOsv(advisory), (error) => error instanceof ExportError && error.reason === 'NOT_EXPRESSIBLE');
  });

  it('matches the golden files', () => {
    assertGolden('pypi-advisory.osv.json', toOsv(buildPypiAdvisory()), UPDATE_GOLDEN);
    assertGolden('npm-advisory.osv.json', toOsv(buildNpmAdvisory()), UPDATE_GOLDEN);
    assertGolden('withdrawn-advisory.osv.json', toOsv(buildWithdrawnAdvisory()), UPDATE_GOLDEN);
  });
});

describe('validateOsv: official schema and offline linter checks', { skip: NO_CORPUS }, () => {
  it('accepts every export of the factories', () => {
    for (const advisory of [buildPypiAdvisory(), buildNpmAdvisory(), buildWithdrawnAdvisory()]) {
      assert.deepEqual(validateOsv(toOsv(advisory)), { valid: true, errors: [] }, advisory.id);
    }
  });

  it('rejects an id whose prefix is not a registered OSV database', () => {
    const result = validateOsv(toOsv(buildPypiAdvisory(), { idPrefixRegistered: true }));
    assert.equal(result.valid, false);
    assert.ok(result.errors.some((issue) => issue.path === '/id' && issue.rule === 'schema'));
  });

  it('accepts the valid linter records and the GHSA converter outputs', () => {
    const valid = readdirSync(LINTER_DATA).filter((file) => !/^(nointroduced|nondistinct|nopackage)-/.test(file));
    assert.equal(valid.length, 9);
    const ghsaDir = path.join(DEFAULT_CORPUS_DIR, 'osv-schema/tools/ghsa/testdata');
    const ghsa = readdirSync(ghsaDir).filter((file) => file.endsWith('.osv.json'));
    const findings: string[] = [];
    for (const file of [...valid.map((name) => path.join(LINTER_DATA, name)), ...ghsa.map((name) => path.join(ghsaDir, name))]) {
      for (const issue of validateOsv(readJson(file)).errors) findings.push(`${path.basename(file)} ${issue.rule}`);
    }
    // Real Red Hat and SUSE records without affected data: schema-valid, but REC:001 (in the linter's
    // "fatal" collection) flags them, as the linter itself would.
    assert.deepEqual(findings, ['RHSA-2022_0216.json REC:001', 'SUSE-FU-2022_0444-1.json REC:001']);
  });

  it('rejects the deliberately broken linter records it can judge offline', () => {
    const noIntroduced = validateOsv(readJson(path.join(LINTER_DATA, 'nointroduced-CVE-2023-41045.json')));
    assert.ok(noIntroduced.errors.some((issue) => issue.rule === 'schema'), 'RNG:001 is also a schema violation (events must contain introduced)');
    assert.ok(noIntroduced.errors.some((issue) => issue.rule === 'RNG:001'));
    const nonDistinct = validateOsv(readJson(path.join(LINTER_DATA, 'nondistinct-CVE-2018-5407.json')));
    assert.deepEqual(
      nonDistinct.errors.map((issue) => `${issue.rule} ${issue.message}`),
      ['RNG:002 overlapping event: "e818b74be2170fbe957a07b0da4401c2b694b3b8"'],
    );
  });

  it('cannot see PKG:001/PKG:002 (package missing from the registry) without the network', () => {
    // "Gradi0" does not exist on PyPI; only the linter's online checks can tell.
    assert.deepEqual(validateOsv(readJson(path.join(LINTER_DATA, 'nopackage-GHSA-9v2f-6vcg-3hgv.json'))).errors, []);
  });

  it('lints duplicate aliases and records without affected data', () => {
    const issues = lintOsv({ id: 'PYSEC-1', aliases: ['CVE-1', 'CVE-1', 'PYSEC-1'], affected: [] });
    assert.deepEqual(issues.map((issue) => issue.rule).sort(), ['REC:001', 'REC:002', 'REC:002']);
    assert.deepEqual(lintOsv({ id: 'PYSEC-1', withdrawn: '2024-01-01T00:00:00Z' }), []);
  });
});

describe('corpus: PyPI advisory database round trip', { skip: NO_CORPUS }, () => {
  // A deterministic sample: every 40th advisory in path order, plus records chosen for a reason.
  const chosen = ['accesscontrol/PYSEC-2021-335.yaml', 'jw.util/PYSEC-2020-341.yaml'];
  const sample = (): string[] => {
    const files = readdirSync(PYPA)
      .filter((dir) => !dir.startsWith('.'))
      .sort()
      .flatMap((dir) => readdirSync(path.join(PYPA, dir)).sort().map((file) => `${dir}/${file}`));
    return [...new Set([...chosen, ...files.filter((_, index) => index % 40 === 0)])];
  };
  const publisher = { name: 'Test', namespace: 'https://embargo.example', contactEmail: 'security@embargo.example', category: 'other' as const };

  it('keeps id, aliases, packages and ECOSYSTEM ranges, and the result validates', () => {
    const files = sample();
    assert.ok(files.length > 60);
    for (const file of files) {
      const original = parseYaml(readFileSync(path.join(PYPA, file), 'utf8')) as OsvRecord;
      const exported = toOsv(advisoryFromOsv(original, publisher), { idPrefixRegistered: true });
      assert.equal(exported.id, original.id, file);
      assert.deepEqual([...(exported.aliases ?? [])].sort(), [...(original.aliases ?? [])].sort(), file);
      // AdvisoryDocument holds Dates, so microseconds ("08.989778Z") come back as milliseconds.
      assert.equal(Date.parse(exported.modified), Date.parse(original.modified), file);
      const originalAffected = original.affected ?? [];
      assert.equal(exported.affected?.length, originalAffected.length, file);
      originalAffected.forEach((entry, index) => {
        const out = exported.affected![index]!;
        assert.equal(out.package?.name, entry.package?.name, file);
        assert.deepEqual(out.versions, entry.versions?.length ? entry.versions : undefined, file);
        const ranges = (entry.ranges ?? []).filter((range) => range.type === 'ECOSYSTEM');
        assert.equal(out.ranges?.length, ranges.length, file);
        ranges.forEach((range, rangeIndex) => {
          const events = out.ranges![rangeIndex]!.events;
          const key = (event: object): string => JSON.stringify(event);
          assert.deepEqual(events.map(key).sort(), range.events.map(key).sort(), `${file}: same events`);
          const versions = events.map((event) => ('limit' in event ? event.limit : eventVersion(event)));
          const sorted = sortEvents('PyPI', events.filter((event): event is RangeEvent => !('limit' in event))).map(eventVersion);
          assert.deepEqual(versions, sorted, `${file}: events in PEP 440 order`);
        });
      });
      const problems = validateOsv(exported).errors.filter((issue) => issue.rule !== 'RNG:002');
      assert.deepEqual(problems, [], file);
    }
  });

  it('derives the purl the database publishes from the package name', () => {
    for (const file of sample()) {
      const original = parseYaml(readFileSync(path.join(PYPA, file), 'utf8')) as OsvRecord;
      for (const entry of original.affected ?? []) {
        if (entry.package?.purl) assert.equal(purlFor('PyPI', entry.package.name), entry.package.purl, file);
      }
    }
  });

  it('flags the real records whose events repeat a version (RNG:002)', () => {
    const original = parseYaml(readFileSync(path.join(PYPA, 'pyspark/PYSEC-2022-236.yaml'), 'utf8')) as OsvRecord;
    assert.deepEqual(
      validateOsv(original).errors.map((issue) => issue.message),
      ['overlapping event: "3.1.1"'],
    );
  });
});
