import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { LINT_PASS_SCORE, lintSecurityMd, type LintCode } from './securitymd.lint.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const REFERENCE = path.resolve(repoRoot, '../shared/reference-policies');
const CORPUS = path.resolve(repoRoot, '../shared/corpus/security-md');
const NOW = new Date('2026-03-01T00:00:00Z');

const lint = (text: string) => lintSecurityMd(text, { now: NOW });
const codes = (text: string) => lint(text).findings.map((finding) => finding.code).sort();
const reference = (prefix: string) => readFileSync(path.join(REFERENCE, readdirSync(REFERENCE).find((name) => name.startsWith(prefix))!), 'utf8');
const corpus = (name: string) => readFileSync(path.join(CORPUS, name), 'utf8');

describe('lintSecurityMd on the reference policies', () => {
  const expected: Array<[string, string, LintCode[]]> = [
    ['000', 'pyufunc: one email, no timelines, no supported versions', ['NO_ENCRYPTED_CHANNEL', 'NO_RESPONSE_TIMELINES', 'NO_SUPPORTED_VERSIONS']],
    ['001', 'Pynomaly: complete but for an encrypted channel', ['NO_ENCRYPTED_CHANNEL']],
    ['002', 'OpenPerformance: PGP key on request, nothing missing', []],
    ['003', 'py10x: complete but for an encrypted channel', ['NO_ENCRYPTED_CHANNEL']],
    ['004', 'Pykour: "email the lead maintainer listed in the README" gives no address', ['NO_ENCRYPTED_CHANNEL', 'NO_PRIVATE_CHANNEL', 'NO_SUPPORTED_VERSIONS']],
  ];
  for (const [prefix, name, gaps] of expected) {
    it(name, () => assert.deepEqual(codes(reference(prefix)), gaps));
  }

  it('passes the four policies with a channel and fails Pykour', () => {
    assert.deepEqual(['000', '001', '002', '003', '004'].map((prefix) => lint(reference(prefix)).score >= LINT_PASS_SCORE), [true, true, true, true, false]);
    assert.equal(lint(reference('002')).score, 100);
    assert.equal(lint(reference('000')).score, 65);
  });
});

describe('lintSecurityMd on the corpus', () => {
  const files = readdirSync(CORPUS).filter((name) => name.endsWith('.md') && name !== 'SOURCE.md');

  it('reads every file without crashing and scores it within 0..100', () => {
    assert.ok(files.length >= 50);
    for (const file of files) {
      const text = corpus(file);
      const result = lint(text);
      assert.ok(Number.isInteger(result.score) && result.score >= 0 && result.score <= 100, `${file}: ${result.score}`);
      const lines = text.split('\n').length;
      for (const finding of result.findings) {
        assert.ok(['error', 'warning', 'info'].includes(finding.severity), file);
        assert.ok(finding.message.length > 0, file);
        if (finding.line !== undefined) assert.ok(finding.line >= 1 && finding.line <= lines, `${file}: line ${finding.line}`);
      }
    }
  });

  it('fails pointer files that only link to a policy elsewhere', () => {
    for (const file of ['etcd-io__etcd.md', 'helm__helm.md', 'prometheus__prometheus.md']) {
      const result = lint(corpus(file));
      assert.ok(result.findings.some((finding) => finding.code === 'POLICY_ELSEWHERE'), file);
      assert.ok(result.score < LINT_PASS_SCORE, `${file}: ${result.score}`);
    }
  });

  it('finds addresses that are not links: in code spans and written out', () => {
    assert.ok(lint(corpus('python-jsonschema__jsonschema.md')).checks.privateChannel);
    const pip = lint(corpus('pypa__pip.md'));
    assert.ok(!pip.findings.some((finding) => finding.code === 'POLICY_ELSEWHERE'), '"security at python dot org" is an address');
  });

  it('recognises GitHub private vulnerability reporting without a link', () => {
    assert.ok(lint(corpus('python__mypy.md')).checks.privateChannel);
    assert.ok(lint(corpus('tauri-apps__tauri.md')).checks.privateChannel);
  });

  it('sees the inline PGP key block and supported-version tables', () => {
    assert.ok(lint(corpus('twisted__twisted.md')).checks.encryptedChannel);
    assert.ok(lint(corpus('celery__celery.md')).checks.supportedVersions);
  });

  it('points at the line that invites public issues, as info when a private channel exists', () => {
    const finding = lint(corpus('mitmproxy__mitmproxy.md')).findings.find((item) => item.code === 'PUBLIC_ISSUE_CHANNEL');
    assert.deepEqual(finding && { severity: finding.severity, line: finding.line }, { severity: 'info', line: 13 });
    assert.ok(!codes(corpus('spf13__cobra.md')).includes('PUBLIC_ISSUE_CHANNEL'), '"DO NOT create a public GitHub issue" is no invitation');
  });
});

describe('lintSecurityMd rules', () => {
  it('flags a public issue tracker as the only channel, with its line', () => {
    const result = lint('# Security\n\nFound a vulnerability? Please open an issue on our\n[tracker](https://github.com/o/r/issues/new).\n');
    const finding = result.findings.find((item) => item.code === 'PUBLIC_ISSUE_CHANNEL');
    assert.deepEqual(finding && { severity: finding.severity, line: finding.line }, { severity: 'error', line: 3 });
    assert.ok(result.findings.some((item) => item.code === 'NO_PRIVATE_CHANNEL'));
    assert.equal(result.checks.noPublicIssueChannel, false);
    assert.ok(result.score < LINT_PASS_SCORE);
  });

  it('caps a document without a private channel below the pass score whatever else it says', () => {
    const text = [
      '# Security', '', '## Supported Versions', '', '| Version | Supported |', '| --- | --- |', '| 1.x | yes |', '',
      'We acknowledge reports within 48 hours and publish an advisory with a CVE. We credit reporters. Use PGP.', '',
      'Please write to the maintainer.',
    ].join('\n');
    const result = lint(text);
    assert.deepEqual(codes(text), ['NO_PRIVATE_CHANNEL']);
    assert.ok(result.score < LINT_PASS_SCORE);
  });

  it('finds supported versions in a table header or a heading, not in any mention of a version', () => {
    assert.ok(lint('| Release | Status |\n| --- | --- |\n| 2 | ok |\n').checks.supportedVersions);
    assert.ok(lint('## Supported versions\n\nThe 2.x line.\n').checks.supportedVersions);
    assert.ok(lint('Only the latest release receives security fixes.\n').checks.supportedVersions);
    assert.ok(!lint('Please tell us which version you used.\n\n## Pre-release Versions\n\nAlpha releases are unstable.\n').checks.supportedVersions);
  });

  it('ignores reporter-side boilerplate when looking for a disclosure policy', () => {
    assert.ok(!lint('We appreciate your efforts to responsibly disclose your findings. Mail sec@x.example.\n').checks.disclosurePolicy);
    assert.ok(lint('We publish an advisory once a fix is out. Mail sec@x.example.\n').checks.disclosurePolicy);
  });

  it('does not read a product feature list as an encrypted channel', () => {
    assert.ok(!lint('## Security Features\n\n- Data encryption at rest and in transit\n').checks.encryptedChannel);
    assert.ok(lint('You may send encrypted email; our key is at https://x.example/key.asc\n').checks.encryptedChannel);
  });

  it('reports an embedded security.txt that has expired, on the Expires line', () => {
    const text = ['# Security', '', 'Our security.txt:', '', '```', 'Contact: mailto:sec@x.example', 'Expires: 2025-12-31T23:00:00Z', '```', ''].join('\n');
    const finding = lint(text).findings.find((item) => item.code === 'SECURITY_TXT_EXPIRED');
    assert.deepEqual(finding && { severity: finding.severity, line: finding.line }, { severity: 'warning', line: 7 });
    assert.equal(lint(text).checks.securityTxtValid, false);
    assert.ok(!codes(text.replace('2025-12-31', '2027-12-31')).includes('SECURITY_TXT_EXPIRED'));
    assert.ok(codes(text.replace('Expires: 2025-12-31T23:00:00Z', 'Policy: https://x.example/p')).includes('SECURITY_TXT_NO_EXPIRES'));
    assert.ok(codes(text.replace('2025-12-31T23:00:00Z', 'someday')).includes('SECURITY_TXT_BAD_EXPIRES'));
  });

  it('lists everything for an empty document', () => {
    const result = lint('');
    assert.equal(result.score, 10, 'only "no public-issue channel" and "no expired security.txt" hold');
    assert.deepEqual(codes(''), ['NO_CREDIT_POLICY', 'NO_DISCLOSURE_POLICY', 'NO_ENCRYPTED_CHANNEL', 'NO_PRIVATE_CHANNEL', 'NO_RESPONSE_TIMELINES', 'NO_SUPPORTED_VERSIONS']);
  });
});
