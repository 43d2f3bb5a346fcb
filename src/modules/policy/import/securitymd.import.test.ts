import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { checkVersionSupport } from '../../triage/versions.js';
import { formatProblems, parsePolicy, type ParsePolicyResult } from '../policy.loader.js';
import type { ProjectPolicy } from '../policy.schema.js';
import { importSecurityMd, PLACEHOLDER_EMAIL, type SecurityMdImport } from './securitymd.import.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const REFERENCE = path.resolve(repoRoot, '../shared/reference-policies');
const CORPUS = path.resolve(repoRoot, '../shared/corpus/security-md');

const REFERENCE_FILES = {
  pyufunc: '000_c75803650e0aa8c8.txt',
  pynomaly: '001_c9230c7050766156.txt',
  openperformance: '002_f1a49085e61becc4.txt',
  py10x: '003_f6faeba4d163b921.txt',
  pykour: '004_7aa519197701319f.txt',
} as const;

function importReference(name: keyof typeof REFERENCE_FILES): SecurityMdImport {
  return importSecurityMd(readFileSync(path.join(REFERENCE, REFERENCE_FILES[name]), 'utf8'));
}

function loaded(yaml: string): ProjectPolicy {
  const result = parsePolicy(yaml, 'draft.yaml');
  if (!result.ok) assert.fail(formatProblems(result.problems));
  assert.equal(result.policy.projects.length, 1);
  return result.policy.projects[0]!;
}

/** What a maintainer does with a draft that found no address: put one in. */
function withContact(yaml: string, email: string): string {
  assert.ok(yaml.includes(PLACEHOLDER_EMAIL), 'expected the placeholder contact');
  return yaml.replace(`"${PLACEHOLDER_EMAIL}"`, email);
}

/** A draft either loads, or its only problem is the placeholder contact (and it says so). */
function assertLoadsOrOnlyLacksContact(result: SecurityMdImport, parsed: ParsePolicyResult): void {
  if (parsed.ok) {
    assert.ok(Number(result.found.contacts) > 0);
    return;
  }
  assert.deepEqual(
    parsed.problems.map((problem) => problem.path),
    ['projects[0].contacts.primary.email'],
    formatProblems(parsed.problems),
  );
  assert.equal(result.found.contacts, 0);
  assert.equal(result.unmapped[0]?.line, 0);
  assert.match(result.unmapped[0]!.reason, /^NO CONTACT E-MAIL FOUND/);
  assert.match(result.policyYaml, /NO CONTACT E-MAIL ADDRESS WAS FOUND/);
}

describe('importSecurityMd: reference policies', () => {
  it('pynomaly: timelines, supported versions, report fields and scope', () => {
    const result = importReference('pynomaly');
    const project = loaded(result.policyYaml);
    assert.equal(project.name, 'Pynomaly');
    assert.equal(project.contacts.primary.email, 'security@pynomaly.org');
    assert.deepEqual(project.timeline.acknowledge, { amount: 48, unit: 'hours' });
    assert.deepEqual(project.timeline.initialAssessment, { amount: 5, unit: 'businessDays' });
    assert.deepEqual(project.timeline.resolution, { critical: { amount: 14, unit: 'days' } });
    assert.deepEqual(project.supportedVersions, [
      { versions: '0.4.x', supported: true },
      { versions: '0.3.x', supported: true },
      { versions: '< 0.3', supported: false },
    ]);
    const statuses = checkVersionSupport(project, ['0.4.2', '0.3.0', '0.2.9']).map((entry) => entry.status);
    assert.deepEqual(statuses, ['supported', 'supported', 'unsupported']);
    assert.deepEqual(project.report.requiredFields, ['description', 'stepsToReproduce', 'impact', 'suggestedFix']);
    assert.equal(project.scope.in.length, 5);
    assert.equal(project.disclosure.hallOfFame, true);
  });

  it('openperformance: acknowledge 48 hours, status update 7 days, 1.0.x, CVEs for significant issues, no public issues', () => {
    const project = loaded(importReference('openperformance').policyYaml);
    assert.equal(project.contacts.primary.email, 'security@llamasearch.ai');
    assert.deepEqual(project.timeline.acknowledge, { amount: 48, unit: 'hours' });
    assert.deepEqual(project.timeline.statusUpdate, { amount: 7, unit: 'days' });
    assert.deepEqual(project.supportedVersions[0], { versions: '1.0.x', supported: true });
    assert.deepEqual(project.supportedVersions[1], { versions: '< 1.0', supported: false });
    assert.equal(project.disclosure.cve, 'significant');
    assert.equal(project.disclosure.publicIssuesAllowed, false);
    assert.equal(project.disclosure.waitForFix, true);
    assert.deepEqual(project.report.requiredFields, ['description', 'stepsToReproduce', 'impact', 'environment']);
  });

  it('py10x: primary and backup, severity levels, five disclosure steps, credit, release types', () => {
    const project = loaded(importReference('py10x').policyYaml);
    assert.equal(project.contacts.primary.email, 'security@10xconcepts.com');
    assert.equal(project.contacts.backup?.email, 'founders@10x-software.org');
    assert.deepEqual(project.timeline.acknowledge, { amount: 48, unit: 'hours' });
    assert.deepEqual(project.timeline.initialAssessment, { amount: 7, unit: 'days' });
    assert.deepEqual(project.severityLevels, [
      { id: 'critical', name: 'Critical', definition: 'Remote code execution, authentication bypass' },
      { id: 'high', name: 'High', definition: 'Data exposure, privilege escalation' },
      { id: 'medium', name: 'Medium', definition: 'Information disclosure, denial of service' },
      { id: 'low', name: 'Low', definition: 'Minor information leaks, cosmetic issues' },
    ]);
    assert.equal(project.disclosure.steps.length, 5);
    assert.match(project.disclosure.steps[0]!, /^Private Report: /);
    assert.match(project.disclosure.steps[4]!, /^Public Disclosure: /);
    assert.equal(project.disclosure.credit, 'credit');
    assert.deepEqual(project.releaseTypes, { critical: 'patch', high: 'patch', medium: 'minor' });
    assert.deepEqual(project.disclosure.advisoryChannels, ["The project's GitHub Security tab", 'The CHANGELOG.md file', 'Email to registered users (if applicable)']);
    assert.deepEqual(project.supportedVersions, [
      { versions: '0.1.x', supported: true },
      { versions: '< 0.1', supported: false },
    ]);
  });

  it('pykour: names no address, so the draft holds a placeholder; filled in, it holds the timelines and rules', () => {
    const result = importReference('pykour');
    const parsed = parsePolicy(result.policyYaml, 'draft.yaml');
    assertLoadsOrOnlyLacksContact(result, parsed);
    assert.equal(parsed.ok, false);
    const project = loaded(withContact(result.policyYaml, 'lead@pykour.example'));
    assert.deepEqual(project.timeline.acknowledge, { amount: 48, unit: 'hours' });
    assert.deepEqual(project.timeline.detailedResponse, { amount: 48, unit: 'hours' });
    assert.equal(project.prereleases.fixesGuaranteed, false);
    assert.match(project.prereleases.note ?? '', /not guaranteed that any fixes will be included/);
    assert.equal(project.report.attachments, 'refused');
    assert.match(project.report.instructions ?? '', /entirety of the report within the email body/);
    assert.match(project.scope.thirdParty ?? '', /third-party module/);
    assert.equal(project.disclosure.steps.length, 3);
    const line11 = result.unmapped.find((entry) => entry.line === 11);
    assert.match(line11?.reason ?? '', /no address/);
  });

  it('pyufunc: the mailto contact, and no timelines because it names no deadlines', () => {
    const project = loaded(importReference('pyufunc').policyYaml);
    assert.equal(project.contacts.primary.email, 'luoxiangyong01@gmail.com');
    assert.equal(project.contacts.backup, undefined);
    const { acknowledge, initialAssessment, detailedResponse, statusUpdate, resolution } = project.timeline;
    assert.deepEqual({ acknowledge, initialAssessment, detailedResponse, statusUpdate, resolution }, {
      acknowledge: undefined,
      initialAssessment: undefined,
      detailedResponse: undefined,
      statusUpdate: undefined,
      resolution: {},
    });
  });

  it('lists every unmapped line in the YAML header, and nothing it mapped', () => {
    const result = importReference('pynomaly');
    const lines = result.unmapped.filter((entry) => entry.line > 0);
    assert.ok(lines.length > 0);
    for (const entry of lines) assert.ok(result.policyYaml.includes(`#   line ${entry.line}: `), `line ${entry.line} missing from the header`);
    assert.ok(result.policyYaml.startsWith('# DRAFT Embargo policy imported from SECURITY.md'));
    assert.ok(!lines.some((entry) => /within 48 hours/.test(entry.text)));
    assert.ok(lines.some((entry) => entry.text === 'OWASP compliance measures'));
  });
});

describe('importSecurityMd: corpus of real SECURITY.md files', () => {
  const files = readdirSync(CORPUS).filter((file) => file.endsWith('.md') && file !== 'SOURCE.md').sort();
  it('holds the 56 files', () => assert.equal(files.length, 56));

  for (const file of files) {
    it(`${file} imports to a draft that loads or only lacks a contact`, () => {
      const markdown = readFileSync(path.join(CORPUS, file), 'utf8');
      const result = importSecurityMd(markdown);
      assertLoadsOrOnlyLacksContact(result, parsePolicy(result.policyYaml, file));
      // Each unmapped line points at the line its text starts on.
      const source = markdown.split('\n');
      for (const entry of result.unmapped) {
        if (entry.line === 0 || /^(?:table|code block)/.test(entry.text)) continue;
        const word = /[\p{L}\p{N}]+/u.exec(entry.text)?.[0] ?? '';
        assert.ok(source[entry.line - 1]?.includes(word), `${file}:${entry.line} does not contain "${word}" (${entry.text})`);
      }
    });
  }

  const corpus = (file: string) => importSecurityMd(readFileSync(path.join(CORPUS, file), 'utf8'));
  const project = (file: string) => loaded(corpus(file).policyYaml);
  const filled = (file: string) => loaded(withContact(corpus(file).policyYaml, 'security@example.org'));

  it('celery: two addresses become primary and backup; the version table is read', () => {
    const celery = project('celery__celery.md');
    assert.equal(celery.contacts.primary.email, 'tomer.nosrati@gmail.com');
    assert.equal(celery.contacts.backup?.email, 'auvipy@gmail.com');
    assert.deepEqual(celery.supportedVersions.map((rule) => [rule.versions, rule.supported]), [
      ['5.4.x', true], ['5.3.x', false], ['5.2.x', false], ['5.1.x', false], ['< 5.0', false],
    ]);
  });

  it('pip: an address written as "security at python dot org"', () => {
    assert.equal(project('pypa__pip.md').contacts.primary.email, 'security@python.org');
  });

  it('twisted: the armored PGP key goes with the address it is given for', () => {
    const twisted = project('twisted__twisted.md');
    assert.equal(twisted.contacts.primary.email, 'security@twistedmatrix.com');
    assert.match(twisted.contacts.primary.pgpPublicKey ?? '', /^-----BEGIN PGP PUBLIC KEY BLOCK-----[\s\S]+-----END PGP PUBLIC KEY BLOCK-----\n$/);
  });

  it('vue: the people in the hall of fame are not contacts', () => {
    const vue = project('vuejs__core.md');
    assert.equal(vue.contacts.primary.email, 'security@vuejs.org');
    assert.equal(vue.contacts.backup, undefined);
    assert.deepEqual(vue.contacts.securityAddresses, []);
    assert.equal(vue.disclosure.hallOfFame, true);
  });

  it('lodash: an escalation address is not taken for the project contact', () => {
    const result = corpus('lodash__lodash.md');
    assert.equal(result.found.contacts, 0);
    assert.ok(result.unmapped.some((entry) => /escalation address \(security@lists\.openjsf\.org\)/.test(entry.reason)));
    assert.ok(!result.unmapped.some((entry) => entry.reason.startsWith('"6 business days"')));
  });

  it('ossf: "within an additional three (3) business days" is counted after the acknowledgement', () => {
    const ossf = filled('ossf__osv-schema.md');
    assert.deepEqual(ossf.timeline.acknowledge, { amount: 3, unit: 'businessDays' });
    assert.deepEqual(ossf.timeline.detailedResponse, { amount: 3, unit: 'businessDays' });
    assert.equal(ossf.disclosure.steps.length, 4);
  });

  it('undici: "a more detailed response within 10 days" after "acknowledged within 5 days" leaves 5', () => {
    const undici = filled('nodejs__undici.md');
    assert.deepEqual(undici.timeline.acknowledge, { amount: 5, unit: 'days' });
    assert.deepEqual(undici.timeline.detailedResponse, { amount: 5, unit: 'days' });
    assert.equal(undici.ecosystem, 'npm');
  });

  it('requests: a fix for any vulnerability within two weeks covers every level; credit only with permission', () => {
    const requests = filled('psf__requests.md');
    assert.deepEqual(requests.timeline.acknowledge, { amount: 2, unit: 'days' });
    for (const level of ['critical', 'high', 'medium', 'low']) assert.deepEqual(requests.timeline.resolution[level], { amount: 14, unit: 'days' });
    assert.equal(requests.disclosure.credit, 'anonymous');
    assert.equal(requests.disclosure.cve, 'significant');
    assert.equal(requests.url, 'https://github.com/psf/requests');
  });

  it('fastify: publication within 90 days becomes embargoDays; the triage delay the assessment', () => {
    const fastify = filled('fastify__fastify.md');
    assert.equal(fastify.disclosure.embargoDays, 90);
    assert.deepEqual(fastify.timeline.initialAssessment, { amount: 4, unit: 'businessDays' });
    assert.equal(fastify.disclosure.cve, 'always');
    assert.ok(fastify.scope.out.length >= 10);
  });

  it('caddy: "2.latest" is refused as a version pattern, with the reason', () => {
    const result = corpus('caddyserver__caddy.md');
    assert.equal(result.found.supportedVersions, 0);
    assert.ok(result.unmapped.some((entry) => entry.text.startsWith('2.latest') && /not a Go version pattern/.test(entry.reason)));
    assert.equal(filled('caddyserver__caddy.md').disclosure.credit, 'anonymous');
  });
});

describe('importSecurityMd: options and edge cases', () => {
  const sample = [
    '# Security',
    '',
    '| Version | Supported |',
    '| ------- | --------- |',
    '| 1.2.x   | Yes       |',
    '| < 1.2   | No        |',
    '',
    'Email security@example.org. We acknowledge reports within 2 business days and will follow up with a',
    'more detailed response within another 3 business days.',
    '',
    'If you do not receive an acknowledgement within 10 days, escalate to escalation@example.net.',
  ].join('\n');

  it('slug, name and ecosystem options win over what the file suggests', () => {
    const result = importSecurityMd(sample, { slug: 'my-lib', name: 'My Lib', ecosystem: 'npm' });
    const project = loaded(result.policyYaml);
    assert.equal(project.slug, 'my-lib');
    assert.equal(project.name, 'My Lib');
    assert.equal(project.ecosystem, 'npm');
    assert.deepEqual(project.supportedVersions.map((rule) => rule.supported), [true, false]);
    assert.deepEqual(project.timeline.acknowledge, { amount: 2, unit: 'businessDays' });
    assert.deepEqual(project.timeline.detailedResponse, { amount: 3, unit: 'businessDays' });
    assert.equal(project.contacts.primary.email, 'security@example.org');
    assert.equal(project.contacts.backup, undefined);
    // The draft object is the YAML file's content before validation.
    assert.deepEqual(result.policy, parseYaml(result.policyYaml));
  });

  it('without hints the ecosystem is PyPI, and the draft says it assumed so', () => {
    const result = importSecurityMd(sample);
    assert.equal(loaded(result.policyYaml).ecosystem, 'PyPI');
    assert.equal(result.found.ecosystem, false);
    assert.ok(result.unmapped.some((entry) => entry.line === 0 && /PyPI assumed/.test(entry.reason)));
  });

  it('the ecosystem is guessed from hints such as cargo or go.mod', () => {
    assert.equal(loaded(importSecurityMd(`${sample}\n\nInstall with \`cargo add demo\`; see crates.io.`).policyYaml).ecosystem, 'crates.io');
    assert.equal(loaded(importSecurityMd(`${sample}\n\nAdd it to your go.mod with go get.`).policyYaml).ecosystem, 'Go');
  });

  it('an empty or odd file imports to a placeholder draft without throwing', () => {
    for (const markdown of ['', '\uFEFF', '| a |\n| - |\n| b |', '```\nunterminated', '<div>html only</div>', '- \n- ']) {
      const result = importSecurityMd(markdown);
      assertLoadsOrOnlyLacksContact(result, parsePolicy(result.policyYaml, 'draft.yaml'));
    }
  });

  it('severity levels from a table; a fix deadline for a named level; release types by level', () => {
    const markdown = [
      'Report to sec@example.org.',
      '',
      '| Severity | Description |',
      '| -------- | ----------- |',
      '| Important | Remote code execution |',
      '| Moderate | Denial of service |',
      '',
      'We aim to fix important issues within 10 days.',
      '',
      'Fixes for moderate issues ship in minor releases.',
    ].join('\n');
    const project = loaded(importSecurityMd(markdown).policyYaml);
    assert.deepEqual(project.severityLevels, [
      { id: 'important', name: 'Important', definition: 'Remote code execution' },
      { id: 'moderate', name: 'Moderate', definition: 'Denial of service' },
    ]);
    assert.deepEqual(project.timeline.resolution, { important: { amount: 10, unit: 'days' } });
    assert.deepEqual(project.releaseTypes, { moderate: 'minor' });
  });

  it('text that reads like YAML stays text in the draft', () => {
    const markdown = 'Report to sec@example.org.\n\n## Scope\n\nThis policy applies to:\n\n- "quoted": yes\n- #not-a-comment\n- *: anchors & aliases';
    const project = loaded(importSecurityMd(markdown).policyYaml);
    assert.deepEqual(project.scope.in, ['"quoted": yes', '#not-a-comment', '*: anchors & aliases']);
  });
});
