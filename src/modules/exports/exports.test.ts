import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { purlFor, sortEvents, type AffectedPackage, type RangeEvent } from '../advisories/advisory.types.js';
import { AppError } from '../../platform/errors.js';
import { toCsaf } from './csaf.js';
import { validateCsaf } from './csaf.validate.js';
import { toCve5, validateCve5 } from './cve5.js';
import { cvss31Json, cvss40Json, cvss40Summary } from './cvss-json.js';
import { cweLabel, officialCweName } from './cwe.js';
import { toOsv, validateOsv } from './osv.js';
import { DEFAULT_CORPUS_DIR } from './schema-validation.js';
import { buildPypiAdvisory } from './test-support/advisory.factory.js';

const NO_CORPUS = existsSync(DEFAULT_CORPUS_DIR) ? false : `reference corpus not found at ${DEFAULT_CORPUS_DIR}`;

// Helpers shared by the three exporters; each format has its own test file (osv, cve5, csaf).

describe('purlFor', () => {
  it('builds versionless package URLs per ecosystem', () => {
    assert.equal(purlFor('PyPI', 'pynomaly'), 'pkg:pypi/pynomaly');
    assert.equal(purlFor('PyPI', 'jw.util'), 'pkg:pypi/jw-util');
    assert.equal(purlFor('PyPI', 'Products.PluggableAuthService'), 'pkg:pypi/products-pluggableauthservice');
    assert.equal(purlFor('PyPI', 'zope__interface'), 'pkg:pypi/zope-interface');
    assert.equal(purlFor('npm', 'left-pad'), 'pkg:npm/left-pad');
    assert.equal(purlFor('npm', '@acme/widgets'), 'pkg:npm/%40acme/widgets');
    assert.equal(purlFor('crates.io', 'serde_json'), 'pkg:cargo/serde_json');
    assert.equal(purlFor('Go', 'github.com/gorilla/websocket'), 'pkg:golang/github.com/gorilla/websocket');
    assert.equal(purlFor('Maven', 'org.apache.logging.log4j:log4j-core'), 'pkg:maven/org.apache.logging.log4j/log4j-core');
    assert.equal(purlFor('generic', 'libfoo'), 'pkg:generic/libfoo');
  });

  it('refuses a Maven name that is not groupId:artifactId', () => {
    assert.throws(() => purlFor('Maven', 'log4j-core'), RangeError);
    assert.throws(() => purlFor('Maven', 'a:b:c'), RangeError);
  });
});

describe('sortEvents', () => {
  const versions = (events: RangeEvent[]) => events.map((event) => Object.entries(event)[0]!.join(' '));

  it('orders PyPI events by PEP 440, with introduced 0 first', () => {
    const events: RangeEvent[] = [{ fixed: '1.0' }, { introduced: '1.0rc1' }, { fixed: '0.10' }, { introduced: '1.0.post1' }, { introduced: '0' }, { fixed: '0.9' }];
    assert.deepEqual(versions(sortEvents('PyPI', events)), ['introduced 0', 'fixed 0.9', 'fixed 0.10', 'introduced 1.0rc1', 'fixed 1.0', 'introduced 1.0.post1']);
  });

  it('orders npm events by semver, not by text', () => {
    const events: RangeEvent[] = [{ fixed: '10.0.0' }, { introduced: '2.0.0' }, { fixed: '2.0.0-rc.1' }, { last_affected: '9.1.0' }];
    assert.deepEqual(versions(sortEvents('npm', events)), ['fixed 2.0.0-rc.1', 'introduced 2.0.0', 'last_affected 9.1.0', 'fixed 10.0.0']);
  });

  it('uses semver for SEMVER ranges whatever the ecosystem, and keeps equal versions in their order', () => {
    const events: RangeEvent[] = [{ fixed: '1.2.0' }, { introduced: '1.2.0' }, { introduced: '1.10.0' }];
    assert.deepEqual(versions(sortEvents('PyPI', events, 'SEMVER')), ['fixed 1.2.0', 'introduced 1.2.0', 'introduced 1.10.0']);
  });

  it('throws on something that is not a version rather than guessing an order', () => {
    assert.throws(() => sortEvents('PyPI', [{ introduced: '0' }, { fixed: 'banana' }, { fixed: '1.0' }]), RangeError);
  });
});

describe('CVSS as FIRST JSON', () => {
  it('derives 3.1 temporal and environmental groups with their scores', () => {
    const json = cvss31Json('CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N/E:P/RL:O/CR:H/MAV:L');
    assert.equal(json.baseScore, 6.1);
    assert.equal(json.baseSeverity, 'MEDIUM');
    assert.equal(json.exploitCodeMaturity, 'PROOF_OF_CONCEPT');
    assert.equal(json.remediationLevel, 'OFFICIAL_FIX');
    assert.equal(json.temporalScore, 5.5);
    assert.equal(json.temporalSeverity, 'MEDIUM');
    assert.equal(json.confidentialityRequirement, 'HIGH');
    assert.equal(json.modifiedAttackVector, 'LOCAL');
    assert.equal(typeof json.environmentalScore, 'number');
    assert.equal(json.reportConfidence, undefined);
  });

  it('scores 4.0 as CVSS-B and names the full score in the summary', () => {
    const json = cvss40Json('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N/E:P');
    assert.equal(json.baseScore, 8.7);
    assert.equal(json.exploitMaturity, 'PROOF_OF_CONCEPT');
    assert.equal(cvss40Summary('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N/E:P'), 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N/E:P (CVSS-BT 7.7, HIGH)');
  });

  it('canonicalises the vector and refuses an invalid one', () => {
    assert.equal(cvss31Json('CVSS:3.1/C:L/AV:N/AC:L/PR:N/UI:R/S:C/I:L/A:N/E:X').vectorString, 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N');
    assert.throws(() => cvss40Json('CVSS:4.0/AV:N'), (error) => error instanceof AppError && error.code === 'INVALID_CVSS_VECTOR');
  });
});

describe('CWE names', () => {
  it('come from the catalogue the CSAF validator checks against', () => {
    assert.equal(officialCweName('CWE-352'), 'Cross-Site Request Forgery (CSRF)');
    assert.equal(officialCweName('CWE-999999'), null);
    assert.equal(cweLabel({ id: 'CWE-999999', name: 'Made up' }), 'CWE-999999: Made up');
    assert.equal(cweLabel({ id: 'CWE-999999' }), 'CWE-999999');
  });
});

describe('the other ecosystems', () => {
  const packages: AffectedPackage[] = [
    { ecosystem: 'crates.io', package: 'tiny-http', purl: purlFor('crates.io', 'tiny-http'), ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '0.12.1' }] }] },
    { ecosystem: 'Go', package: 'github.com/acme/proxy', purl: purlFor('Go', 'github.com/acme/proxy'), ranges: [{ type: 'SEMVER', events: [{ introduced: '1.2.0' }, { fixed: '1.4.7' }] }] },
    {
      ecosystem: 'Maven',
      package: 'org.acme:acme-core',
      purl: purlFor('Maven', 'org.acme:acme-core'),
      ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '2.0' }, { last_affected: '2.3.1' }] }],
    },
    { ecosystem: 'generic', package: 'acme-appliance', purl: purlFor('generic', 'acme-appliance'), ranges: [], versions: ['7.1', '7.2'] },
  ];

  it('export to CSAF without mandatory-test errors (purls, version ranges, last_affected)', async () => {
    const document = toCsaf(buildPypiAdvisory({ affected: packages }));
    assert.deepEqual((await validateCsaf(document)).errors, []);
    assert.equal(document.document.tracking.status, 'interim', 'Maven and the appliance have no fixed version');
  });

  it('export to CVE JSON 5 records that validate', { skip: NO_CORPUS }, () => {
    const record = toCve5(buildPypiAdvisory({ affected: packages }), { assignerOrgId: '8254265b-2729-46b6-b9e3-3dfca2d5bfca', assignerShortName: 'embargo' });
    assert.deepEqual(validateCve5(record).errors, []);
  });

  it('export to OSV except the generic package, which OSV cannot name', { skip: NO_CORPUS }, () => {
    const record = toOsv(buildPypiAdvisory({ affected: packages.filter((entry) => entry.ecosystem !== 'generic') }));
    assert.deepEqual(validateOsv(record).errors, []);
  });
});
