import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadPolicyFile } from '../policy.loader.js';
import { policySchema, type ProjectPolicy } from '../policy.schema.js';
import { scoreSecurityPolicy } from './scorecard.js';
import { lintSecurityMd } from './securitymd.lint.js';
import { renderSecurityMd } from './securitymd.render.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const EXAMPLES = path.join(repoRoot, 'examples');
const PUBLIC_URL = 'https://desk.example.org';
const KEY = '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQINBGexample\n-----END PGP PUBLIC KEY BLOCK-----';

async function exampleProjects(): Promise<ProjectPolicy[]> {
  const projects: ProjectPolicy[] = [];
  for (const file of readdirSync(EXAMPLES).filter((name) => name.endsWith('.yaml'))) {
    const result = await loadPolicyFile(path.join(EXAMPLES, file));
    assert.ok(result.ok, `${file} should be a valid policy`);
    projects.push(...result.policy.projects);
  }
  return projects;
}

/** The smallest valid project, with overrides. */
function project(overrides: Record<string, unknown> = {}): ProjectPolicy {
  const policy = policySchema.parse({
    version: 1,
    projects: [{ slug: 'tiny', name: 'Tiny', contacts: { primary: { email: 'sec@tiny.example' } }, ecosystem: 'npm', ...overrides }],
  });
  return policy.projects[0]!;
}

const render = (policy: ProjectPolicy) => renderSecurityMd(policy, { publicUrl: PUBLIC_URL });

describe('renderSecurityMd', () => {
  it('scores 10/10 on the Scorecard Security-Policy rule for every example policy', async () => {
    const projects = await exampleProjects();
    assert.ok(projects.length >= 6);
    for (const policy of projects) {
      const result = scoreSecurityPolicy(render(policy));
      assert.equal(result.score, 10, `${policy.slug}: ${JSON.stringify(result.probes)}`);
    }
  });

  it('scores 10/10 even for the smallest policy', () => {
    assert.equal(scoreSecurityPolicy(render(project())).score, 10);
  });

  it('passes its own lint with nothing a reporter would miss beyond what the policy leaves out', async () => {
    for (const policy of await exampleProjects()) {
      const result = lintSecurityMd(render(policy), { now: new Date('2026-03-01T00:00:00Z') });
      const codes = result.findings.map((finding) => finding.code);
      assert.ok(!codes.includes('NO_PRIVATE_CHANNEL') && !codes.includes('PUBLIC_ISSUE_CHANNEL'), `${policy.slug}: ${codes.join(', ')}`);
      assert.ok(!codes.includes('NO_DISCLOSURE_POLICY') && !codes.includes('NO_CREDIT_POLICY'), `${policy.slug}: ${codes.join(', ')}`);
      assert.equal(codes.includes('NO_SUPPORTED_VERSIONS'), policy.supportedVersions.length === 0, policy.slug);
      assert.ok(result.score >= 80, `${policy.slug}: ${result.score}`);
    }
  });

  it('renders the demo policy in plain words', async () => {
    const demo = (await exampleProjects()).find((policy) => policy.slug === 'demo')!;
    const text = render(demo);
    assert.match(text, /^# Security Policy for quillcsv\n/);
    assert.ok(text.includes('| Version | Supported | Notes |'));
    assert.ok(text.includes('| 2.1.x | ✅ |  |'));
    assert.ok(text.includes('| 2.0.x | ✅ | Security fixes only, until 2027-01-01. |'));
    assert.ok(text.includes('| < 2.0 | ❌ |  |'));
    assert.ok(text.includes('a fix is not guaranteed to be included in the next pre-release'));
    assert.ok(text.includes('<https://desk.example.org/p/demo>'));
    assert.ok(text.includes('[security@example.org](mailto:security@example.org)'));
    assert.ok(text.includes('write to Grace Example, [grace@example.org](mailto:grace@example.org)'));
    assert.ok(text.includes('**Please do not report security vulnerabilities through public issues'));
    assert.ok(!text.includes('pgp-key.asc'), 'no contact has a key');
    assert.ok(text.includes('- The steps to reproduce it\n- Its impact: what an attacker could do with it\n- The affected versions'));
    assert.ok(text.includes('It helps if you also include:\n\n- Your environment'));
    assert.ok(text.includes('- We acknowledge your report within 48 hours.'));
    assert.ok(text.includes('within 5 business days of receiving it'));
    assert.ok(text.includes('within another 3 business days after the acknowledgement'));
    assert.ok(text.includes('you hear from us at least every 2 weeks'));
    assert.ok(text.includes('within: Critical: 1 week; High: 30 days; Medium: 60 days.'));
    assert.ok(text.includes('Business days are counted in the Europe/Berlin time zone, excluding weekends and public holidays. Holidays we observe: 2026-12-24, 2026-12-25.'));
    assert.ok(text.includes('- The documentation website'));
    assert.ok(text.includes('**Third-party modules:** Issues in dependencies should be reported to their maintainers'));
    assert.ok(text.includes('- **Critical**: Code execution'));
    assert.ok(text.includes('published only after a fix is available'));
    assert.ok(text.includes('1. Confirm the issue and determine the affected versions.'));
    assert.ok(text.includes('We request CVE identifiers for significant vulnerabilities.'));
    assert.ok(text.includes('- GitHub Security Advisories'));
    assert.ok(text.includes('unless you ask to stay anonymous'));
    assert.ok(text.includes('<https://desk.example.org/p/demo/hall-of-fame>'));
    assert.ok(text.includes('- A patch release for Critical and High severity vulnerabilities'));
    assert.ok(text.includes('- A minor release for Medium and Low severity vulnerabilities'));
    assert.match(text, /_This file is generated by Embargo from the security policy of quillcsv: change the policy, not this file\. The current version is always at <https:\/\/desk\.example\.org\/p\/demo\/SECURITY\.md>\._\n$/);
  });

  it('links the PGP key when a contact has one', () => {
    const text = render(project({ contacts: { primary: { email: 'sec@tiny.example' }, backup: { email: 'b@tiny.example', pgpPublicKey: KEY } } }));
    assert.ok(text.includes('encrypt your message with our PGP key: <https://desk.example.org/p/tiny/pgp-key.asc>'));
    assert.ok(!text.includes('BEGIN PGP'), 'the key itself is served separately');
  });

  it('says public issues are accepted only when the policy allows them', () => {
    const text = render(project({ disclosure: { publicIssuesAllowed: true } }));
    assert.ok(text.includes('Public issues are accepted'));
    assert.ok(!text.includes('Please do not report'));
  });

  it('says what is missing instead of inventing promises', () => {
    const text = render(project());
    assert.ok(!text.includes('## Supported Versions'));
    assert.ok(text.includes('## Pre-release Versions'));
    assert.ok(text.includes('This policy does not set response deadlines'));
    assert.ok(!text.includes('Business days'));
    assert.ok(!text.includes('## Scope') && !text.includes('## Security Releases') && !text.includes('## Further Notes'));
    assert.ok(text.includes('We rate each confirmed vulnerability as Critical, High, Medium or Low.'));
    assert.ok(text.includes('until 90 days after we received your report if no fix is out by then'));
  });

  it('names reporters only on request when the policy is anonymous by default, and drops the hall of fame', () => {
    const text = render(project({ disclosure: { credit: 'anonymous', hallOfFame: false, cve: 'never' } }));
    assert.ok(text.includes('We do not name reporters, unless you ask to be credited.'));
    assert.ok(!text.includes('hall-of-fame'));
    assert.ok(text.includes('We do not request CVE identifiers.'));
  });

  it('keeps policy text from breaking the versions table', () => {
    const text = render(project({ supportedVersions: [{ versions: '>=1.0,<2', supported: true, note: 'LTS | until\n2027' }] }));
    assert.ok(text.includes('| >=1.0,<2 | ✅ | LTS \\| until 2027 |'));
  });

  it('mentions a non-standard weekend', () => {
    const text = render(project({ timeline: { timezone: 'Asia/Dubai', weekend: ['sat', 'sun', 'fri'], acknowledge: '2 business days' } }));
    assert.ok(text.includes('counted in the Asia/Dubai time zone, excluding weekends and public holidays (our weekend: Saturday, Sunday and Friday).'));
  });
});
