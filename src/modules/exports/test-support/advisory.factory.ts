import { purlFor, type AdvisoryDocument, type CvssAssessment } from '../../advisories/advisory.types.js';
import { scoreCvss, type CvssVersion } from '../../triage/cvss.js';

/**
 * Realistic advisories for exporter tests. Every builder returns a fresh object, so a test may mutate
 * what it gets; `overrides` replace top-level fields.
 */

export function cvss(version: CvssVersion, vector: string): CvssAssessment {
  const result = scoreCvss(version, vector);
  if (!result.ok) throw new Error(`test vector rejected: ${result.reason}`);
  return { vector: result.vector, score: result.score, severity: result.severity };
}

const PUBLISHER: AdvisoryDocument['publisher'] = {
  name: 'Pynomaly Security',
  namespace: 'https://security.pynomaly.example',
  contactEmail: 'security@pynomaly.example',
  category: 'vendor',
};

/** PyPI package, ECOSYSTEM range introduced 0 / fixed 0.4.3, CVSS 3.1 + 4.0, two CWEs, one anonymous credit. */
export function buildPypiAdvisory(overrides: Partial<AdvisoryDocument> = {}): AdvisoryDocument {
  return {
    id: 'EMB-2026-0001',
    cveId: 'CVE-2026-31337',
    aliases: ['GHSA-4xq2-9m7c-wp3f'],
    project: { slug: 'pynomaly', name: 'Pynomaly', url: 'https://github.com/pynomaly/pynomaly', ecosystem: 'PyPI' },
    title: 'Stored cross-site scripting in the Pynomaly dashboard',
    summary: 'Detector names are rendered without escaping in the dashboard, so a user who can create detectors can run script in the browser of anyone who views them.',
    details: [
      '### Impact',
      'The dashboard renders `detector.name` as HTML. A user allowed to create detectors can store a name such as',
      '`<img src=x onerror=alert(1)>` and run script in the session of every user who opens the detector list,',
      'including administrators. State-changing API calls accept the session cookie without a CSRF token.',
      '',
      '### Patches',
      'Fixed in 0.4.3: names are escaped and API calls require the CSRF header.',
      '',
      '### Workarounds',
      'Restrict detector creation to trusted users.',
    ].join('\n'),
    affected: [
      {
        ecosystem: 'PyPI',
        package: 'pynomaly',
        purl: purlFor('PyPI', 'pynomaly'),
        ranges: [{ type: 'ECOSYSTEM', events: [{ fixed: '0.4.3' }, { introduced: '0' }] }],
        versions: ['0.4.0', '0.4.1', '0.4.2'],
      },
    ],
    patchedVersions: ['0.4.3'],
    cwes: [{ id: 'CWE-79' }, { id: 'CWE-352', name: 'Cross-Site Request Forgery (CSRF)' }],
    cvss31: cvss('3.1', 'CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N'),
    cvss40: cvss('4.0', 'CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:P/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N'),
    severity: 'medium',
    references: [
      { type: 'ADVISORY', url: 'https://security.pynomaly.example/advisories/EMB-2026-0001' },
      { type: 'FIX', url: 'https://github.com/pynomaly/pynomaly/commit/5f1c0a9e7b2d4c6f8a1b3d5e7f9a0c2e4b6d8f0a' },
      { type: 'PACKAGE', url: 'https://pypi.org/project/pynomaly/' },
    ],
    credits: [
      { name: 'Jane Doe', type: 'FINDER', contact: ['https://github.com/janedoe'] },
      // Asked to stay anonymous: recorded, never exported.
      { name: null, type: 'REPORTER' },
      { name: 'Max Mustermann', type: 'REMEDIATION_DEVELOPER' },
    ],
    publishedAt: new Date('2026-03-02T14:00:00Z'),
    modifiedAt: new Date('2026-03-04T09:30:00Z'),
    withdrawnAt: null,
    revisions: [
      { number: 1, date: new Date('2026-03-02T14:00:00Z'), summary: 'Initial public release.' },
      { number: 2, date: new Date('2026-03-04T09:30:00Z'), summary: 'Added the CVSS 4.0 assessment.' },
    ],
    publisher: { ...PUBLISHER },
    ...overrides,
  };
}

/** npm scoped package with a SEMVER range over two release lines; CVSS 3.1 only. */
export function buildNpmAdvisory(overrides: Partial<AdvisoryDocument> = {}): AdvisoryDocument {
  return buildPypiAdvisory({
    id: 'EMB-2026-0007',
    cveId: 'CVE-2026-40001',
    aliases: [],
    project: { slug: 'widgets', name: 'Acme Widgets', url: 'https://github.com/acme/widgets', ecosystem: 'npm' },
    title: 'Prototype pollution in @acme/widgets merge()',
    summary: 'merge() copies `__proto__` keys from untrusted input, letting an attacker add properties to every object.',
    details: 'Calling `merge({}, JSON.parse(input))` with `{"__proto__": {"isAdmin": true}}` pollutes `Object.prototype`.',
    affected: [
      {
        ecosystem: 'npm',
        package: '@acme/widgets',
        purl: purlFor('npm', '@acme/widgets'),
        ranges: [{ type: 'SEMVER', events: [{ introduced: '3.0.0' }, { fixed: '2.3.1' }, { fixed: '3.0.2' }, { introduced: '2.0.0' }] }],
      },
    ],
    patchedVersions: ['2.3.1', '3.0.2'],
    cwes: [{ id: 'CWE-1321' }],
    cvss31: cvss('3.1', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N'),
    cvss40: null,
    severity: 'high',
    references: [{ type: 'FIX', url: 'https://github.com/acme/widgets/pull/412' }],
    credits: [{ name: 'Erika Example', type: 'REPORTER' }],
    publisher: { name: 'Acme Security', namespace: 'https://security.acme.example', contactEmail: 'security@acme.example', category: 'vendor' },
    publishedAt: new Date('2026-04-10T08:00:00Z'),
    modifiedAt: new Date('2026-04-10T08:00:00Z'),
    revisions: [{ number: 1, date: new Date('2026-04-10T08:00:00Z'), summary: 'Initial public release.' }],
    ...overrides,
  });
}

/** The PyPI advisory, withdrawn two days after a third revision said so. */
export function buildWithdrawnAdvisory(overrides: Partial<AdvisoryDocument> = {}): AdvisoryDocument {
  const base = buildPypiAdvisory();
  return {
    ...base,
    id: 'EMB-2026-0002',
    cveId: 'CVE-2026-31338',
    aliases: [],
    withdrawnAt: new Date('2026-03-06T12:00:00Z'),
    modifiedAt: new Date('2026-03-06T12:00:00Z'),
    revisions: [...base.revisions, { number: 3, date: new Date('2026-03-06T12:00:00Z'), summary: 'Withdrawn: the behaviour is documented and intended.' }],
    ...overrides,
  };
}
