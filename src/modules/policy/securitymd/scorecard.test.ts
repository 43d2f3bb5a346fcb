import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { collectPolicyHits, scoreSecurityPolicy } from './scorecard.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const CORPUS = path.resolve(repoRoot, '../shared/corpus/security-md');

describe('collectPolicyHits (cases from upstream checks/raw/security_policy_test.go)', () => {
  const cases: Array<[string, string, Array<[string, string, number, number]>]> = [
    ['URL positive', 'See https://example.com for details.', [['url', 'https://example.com', 1, 4]]],
    ['URL negative', 'No links here.', []],
    ['email with @', 'Contact us at security@example.org.', [['email', 'security@example.org', 1, 14]]],
    ['email with [at]', 'Contact us at security[at]example.org.', [['email', 'security[at]example.org', 1, 14]]],
    ['email with escaped [at]', 'Contact us at security\\[at\\]example.org.', [['email', 'security\\[at\\]example.org', 1, 14]]],
    ['email negative', 'No email address here.', []],
    ['disclosure words', 'Please see our vulnerability disclosure policy.', [['text', 'vuln', 1, 15], ['text', 'disclos', 1, 29]]],
    ['number', 'Report issues to 1234.', [['text', '1234', 1, 17]]],
    ['disclosure negative', 'No relevant keywords or numbers here.', []],
    [
      'multi-line, all types',
      'Contact: sec@ex.com\nPolicy: https://foo.com\nID: 42 vuln Disclos',
      [['email', 'sec@ex.com', 1, 9], ['url', 'https://foo.com', 2, 8], ['text', '42', 3, 4], ['text', 'vuln', 3, 7], ['text', 'Disclos', 3, 12]],
    ],
  ];
  for (const [name, input, expected] of cases) {
    it(name, () => {
      const hits = collectPolicyHits(input).map((hit) => [hit.type, hit.match, hit.line, hit.offset]);
      // Upstream reports per line URLs, then emails, then text; the order within a type is positional.
      assert.deepEqual(hits, expected);
    });
  }

  it('counts a number only where it ends at a word boundary, as RE2 does', () => {
    assert.deepEqual(collectPolicyHits('v12345 and 2026-12-24').map((hit) => hit.match), ['2345', '2026', '12', '24']);
  });

  it('drops a carriage return at the end of a line', () => {
    assert.deepEqual(collectPolicyHits('see http://a.example/x\r\n').map((hit) => hit.match), ['http://a.example/x']);
  });
});

describe('scoreSecurityPolicy', () => {
  it('gives 0 to an empty file', () => {
    assert.equal(scoreSecurityPolicy('').score, 0);
  });

  it('gives 6 to a file that is only a link', () => {
    const result = scoreSecurityPolicy('https://www.bla.com');
    assert.deepEqual(result.probes, { containsLinks: true, containsText: false, containsVulnerabilityDisclosure: false });
    assert.equal(result.score, 6);
  });

  it('counts repeated links once when measuring the text around them', () => {
    // 3 x 19 bytes of the same URL + 2 spaces: unique linked content is 19 + 2, so there is "text".
    assert.equal(scoreSecurityPolicy('https://www.bla.com https://www.bla.com https://www.bla.com').probes.containsText, true);
    assert.equal(scoreSecurityPolicy('https://www.bla.com  ').probes.containsText, false);
  });

  it('needs two disclosure or timeline hits for the last point', () => {
    assert.equal(scoreSecurityPolicy('Email sec@example.org about a vulnerability, please.').score, 9);
    assert.equal(scoreSecurityPolicy('Email sec@example.org about a vulnerability within 48 hours.').score, 10);
  });

  it('scores one-line pointer files from the corpus below 10', () => {
    for (const file of ['etcd-io__etcd.md', 'helm__helm.md', 'prometheus__prometheus.md', 'wagtail__wagtail.md']) {
      const result = scoreSecurityPolicy(readFileSync(path.join(CORPUS, file), 'utf8'));
      assert.equal(result.score, 9, file);
      assert.equal(result.probes.containsVulnerabilityDisclosure, false, file);
    }
  });

  it('scores a policy without any link or address at 4 (text and disclosure only)', () => {
    assert.equal(scoreSecurityPolicy(readFileSync(path.join(CORPUS, 'python__mypy.md'), 'utf8')).score, 4);
  });
});
