import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { AppError } from '../../platform/errors.js';
import { cveServicesBody, toCve5, validateCnaContainer, validateCve5, type CnaPublishedContainer, type Cve5Record } from './cve5.js';
import { CveIdRequiredError, ExportError } from './export.errors.js';
import { DEFAULT_CORPUS_DIR } from './schema-validation.js';
import { buildNpmAdvisory, buildPypiAdvisory, buildWithdrawnAdvisory, cvss } from './test-support/advisory.factory.js';
import { assertGolden } from './test-support/golden.js';

const UPDATE_GOLDEN = process.env.UPDATE_GOLDEN === '1';
const NO_CORPUS = existsSync(DEFAULT_CORPUS_DIR) ? false : `reference corpus not found at ${DEFAULT_CORPUS_DIR}`;
const CVE_DIR = path.join(DEFAULT_CORPUS_DIR, 'cve-json-5');
const ASSIGNER = { assignerOrgId: '8254265b-2729-46b6-b9e3-3dfca2d5bfca', assignerShortName: 'embargo' };

function published(record: Cve5Record): CnaPublishedContainer {
  assert.equal(record.cveMetadata.state, 'PUBLISHED');
  return record.containers.cna as CnaPublishedContainer;
}

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8'));
}

describe('toCve5', () => {
  it('refuses an advisory without a CVE id, with a typed error', () => {
    assert.throws(
      () => toCve5(buildPypiAdvisory({ cveId: null }), ASSIGNER),
      (error) => error instanceof CveIdRequiredError && error.reason === 'CVE_ID_REQUIRED' && error.status === 409 && /reserved first/.test(error.message),
    );
  });

  it('describes affected versions as version/lessThan ranges in the ecosystem version type', () => {
    const cna = published(toCve5(buildPypiAdvisory(), ASSIGNER));
    assert.deepEqual(cna.affected, [
      {
        vendor: 'Pynomaly',
        product: 'pynomaly',
        collectionURL: 'https://pypi.python.org',
        packageName: 'pynomaly',
        defaultStatus: 'unaffected',
        versions: [{ version: '0', status: 'affected', versionType: 'python', lessThan: '0.4.3' }],
      },
    ]);
    const npm = published(toCve5(buildNpmAdvisory(), ASSIGNER));
    assert.deepEqual(npm.affected[0]?.versions, [
      { version: '2.0.0', status: 'affected', versionType: 'semver', lessThan: '2.3.1' },
      { version: '3.0.0', status: 'affected', versionType: 'semver', lessThan: '3.0.2' },
    ]);
  });

  it('keeps open-ended and last_affected ranges', () => {
    const advisory = buildNpmAdvisory();
    advisory.affected[0]!.ranges = [{ type: 'SEMVER', events: [{ introduced: '1.0.0' }, { last_affected: '1.2.0' }, { introduced: '4.0.0' }] }];
    assert.deepEqual(published(toCve5(advisory, ASSIGNER)).affected[0]?.versions, [
      { version: '1.0.0', status: 'affected', versionType: 'semver', lessThanOrEqual: '1.2.0' },
      { version: '4.0.0', status: 'affected', versionType: 'semver', lessThan: '*' },
    ]);
  });

  it('carries markdown as supporting media, CWEs with their official names, and credits with CVE roles', () => {
    const cna = published(toCve5(buildPypiAdvisory(), ASSIGNER));
    assert.equal(cna.descriptions[0]?.supportingMedia?.[0]?.type, 'text/markdown');
    assert.match(cna.descriptions[0]?.supportingMedia?.[0]?.value ?? '', /### Patches/);
    assert.deepEqual(cna.problemTypes?.[0]?.descriptions.map((item) => item.description), [
      "CWE-79: Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')",
      'CWE-352: Cross-Site Request Forgery (CSRF)',
    ]);
    // The anonymous reporter is left out.
    assert.deepEqual(cna.credits, [
      { lang: 'en', value: 'Jane Doe', type: 'finder' },
      { lang: 'en', value: 'Max Mustermann', type: 'remediation developer' },
    ]);
    assert.deepEqual(cna.references[0], { url: 'https://security.pynomaly.example/advisories/EMB-2026-0001', tags: ['vendor-advisory'] });
  });

  it('derives every CVSS field from the vector', () => {
    const [v4, v3] = published(toCve5(buildPypiAdvisory(), ASSIGNER)).metrics as { cvssV4_0?: object; cvssV3_1?: object }[];
    assert.deepEqual(v3?.cvssV3_1, {
      version: '3.1',
      vectorString: 'CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N',
      baseScore: 5.4,
      baseSeverity: 'MEDIUM',
      attackVector: 'NETWORK',
      attackComplexity: 'LOW',
      privilegesRequired: 'LOW',
      userInteraction: 'REQUIRED',
      scope: 'CHANGED',
      confidentialityImpact: 'LOW',
      integrityImpact: 'LOW',
      availabilityImpact: 'NONE',
    });
    assert.equal((v4?.cvssV4_0 as { attackRequirements?: string }).attackRequirements, 'NONE');
  });

  it('refuses an invalid CVSS vector rather than inventing fields', () => {
    const advisory = buildPypiAdvisory({ cvss31: { vector: 'CVSS:3.1/AV:N', score: 9.9, severity: 'critical' } });
    assert.throws(() => toCve5(advisory, ASSIGNER), (error) => error instanceof AppError && error.code === 'INVALID_CVSS_VECTOR');
  });

  it('refuses an advisory without references (the CNA rules require one)', () => {
    assert.throws(() => toCve5(buildPypiAdvisory({ references: [] }), ASSIGNER), ExportError);
  });

  it('turns a withdrawn advisory into a REJECTED record', () => {
    const record = toCve5(buildWithdrawnAdvisory(), ASSIGNER);
    assert.equal(record.cveMetadata.state, 'REJECTED');
    assert.deepEqual(Object.keys(record.containers.cna), ['providerMetadata', 'rejectedReasons']);
    assert.deepEqual(cveServicesBody(record), { cnaContainer: record.containers.cna });
  });

  it('matches the golden files', () => {
    assertGolden('pypi-advisory.cve5.json', toCve5(buildPypiAdvisory(), ASSIGNER), UPDATE_GOLDEN);
    assertGolden('npm-advisory.cve5.json', toCve5(buildNpmAdvisory(), ASSIGNER), UPDATE_GOLDEN);
    assertGolden('withdrawn-advisory.cve5.json', toCve5(buildWithdrawnAdvisory(), ASSIGNER), UPDATE_GOLDEN);
  });
});

describe('validateCve5: CVE Record Format 5.1.1 schema', { skip: NO_CORPUS }, () => {
  it('accepts every export of the factories, record and CNA container', () => {
    for (const advisory of [buildPypiAdvisory(), buildNpmAdvisory(), buildWithdrawnAdvisory()]) {
      assert.deepEqual(validateCve5(toCve5(advisory, ASSIGNER)), { valid: true, errors: [] }, advisory.id);
    }
  });

  it('accepts temporal, environmental, threat and supplemental CVSS metrics', () => {
    const advisory = buildPypiAdvisory({
      cvss31: cvss('3.1', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O/RC:C/CR:H/MAV:A/MPR:L'),
      cvss40: cvss('4.0', 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:P/CR:H/MSI:S/S:P/AU:Y/U:Amber'),
    });
    const record = toCve5(advisory, ASSIGNER);
    assert.deepEqual(validateCve5(record).errors, []);
    const [v4, v3] = published(record).metrics as Record<string, Record<string, unknown>>[];
    assert.equal(v3?.cvssV3_1?.temporalSeverity !== undefined && v3?.cvssV3_1?.environmentalScore !== undefined, true);
    assert.equal(v4?.cvssV4_0?.modifiedSubIntegrityImpact, 'SAFETY');
    // CVSS-B: the base metrics alone (the full vector scores lower with E:P).
    assert.equal(v4?.cvssV4_0?.baseScore, 9.3);
    assert.equal(v4?.cvssV4_0?.threatScore, undefined);
    assert.equal(v4?.cvssV4_0?.providerUrgency, 'AMBER');
  });

  it('reports a broken record with paths', () => {
    const record = toCve5(buildPypiAdvisory(), ASSIGNER) as unknown as { containers: { cna: Record<string, unknown> } };
    delete record.containers.cna.affected;
    const result = validateCve5(record);
    assert.equal(result.valid, false);
    assert.ok(result.errors.some((issue) => issue.path === '/containers/cna' && /affected/.test(issue.message)));
  });

  it('accepts the official basic and advanced example records and their CNA containers', () => {
    for (const name of ['basic', 'advanced']) {
      assert.deepEqual(validateCve5(readJson(path.join(CVE_DIR, `cvelib/tests/data/CVEv5_${name}-example.json`))).errors, [], name);
      assert.deepEqual(validateCnaContainer(readJson(path.join(CVE_DIR, `cvelib/tests/data/container-${name}-example.json`))).errors, [], name);
    }
  });

  it('accepts the real published records of the cvelist test data', () => {
    const root = path.join(CVE_DIR, 'golang-vulndb-cvelist-testdata/cves');
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.json'));
    assert.equal(files.length, 15);
    for (const file of files) assert.deepEqual(validateCve5(readJson(path.join(root, file))).errors, [], file);
  });

  it('agrees with the observed results for the CVE Services fixtures', () => {
    const dir = path.join(CVE_DIR, 'cve-services/test/schemas/5.0');
    const observed: Record<string, boolean> = {
      'CVE-2017-4024_published.json': true,
      'CVE-2017-4024_fail.json': false,
      'CVE-2017-4024_fail_cveMetadata.json': false,
      'CVE-2017-4024_published_bad_datePublic.json': false,
      'CVE-2017-4024_published_fail.json': false,
      'CVE-2017-4024_rejected_fail.json': false,
      'CVE-2017-4024_reserved_fail.json': false,
      'CVE-2017-5833_reserved.json': false,
      'CVE-2017-5835_rejected.json': false,
      'CVE-2017-4024_version_fail.json': false,
    };
    for (const [file, valid] of Object.entries(observed)) assert.equal(validateCve5(readJson(path.join(dir, file))).valid, valid, file);
    const fail = validateCve5(readJson(path.join(dir, 'CVE-2017-4024_fail.json')));
    assert.ok(fail.errors.some((issue) => issue.message === 'must NOT have additional properties (dataFormat)'));
    const version = validateCve5(readJson(path.join(dir, 'CVE-2017-4024_version_fail.json')));
    assert.ok(version.errors.some((issue) => issue.path === '/dataVersion'));
  });

  it('checks CNA containers as CVE Services receives them', () => {
    const dir = path.join(CVE_DIR, 'cve-services/test/schemas/cna-container');
    const body = (file: string) => readJson(path.join(dir, file)) as { cnaContainer?: Record<string, unknown> };
    assert.equal(validateCnaContainer(body('cna-container_fail.json').cnaContainer).valid, false);
    assert.equal(validateCnaContainer(body('cna-container-missing-container.json').cnaContainer).valid, false);
    // CVE Services fills providerMetadata itself, so its passing fixture omits it; the sub-schema
    // requires it, and with it the container passes.
    const pass = body('cna-container_pass.json').cnaContainer!;
    assert.deepEqual(validateCnaContainer(pass).errors.map((issue) => issue.message), ["must have required property 'providerMetadata'"]);
    assert.equal(validateCnaContainer({ ...pass, providerMetadata: { orgId: ASSIGNER.assignerOrgId } }).valid, true);
  });
});
