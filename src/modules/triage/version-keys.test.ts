import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_CORPUS_DIR } from '../exports/schema-validation.js';
import type { Ecosystem } from '../policy/policy.schema.js';
import { compareVersions, isValidVersion, versionSortKey } from './versions.js';

/**
 * versionSortKey must order versions exactly as compareVersions does: the OSV query index stores
 * these keys and compares them instead of the versions. Checked on the reference orders of
 * pypa/packaging and node-semver and on every version the PyPI advisory database names.
 */

const PEP = path.join(DEFAULT_CORPUS_DIR, 'pep440-packaging');
const SEMVER = path.join(DEFAULT_CORPUS_DIR, 'semver-node/fixtures');
const PYPA = path.join(DEFAULT_CORPUS_DIR, 'pypa-advisory-database/vulns');

const sign = (value: number) => Math.sign(value);
function keyCompare(ecosystem: Ecosystem, a: string, b: string): number {
  const left = versionSortKey(ecosystem, a);
  const right = versionSortKey(ecosystem, b);
  assert.ok(left !== null && right !== null, `keys for "${a}" and "${b}"`);
  return left < right ? -1 : left > right ? 1 : 0;
}

/** Every pair of a list, ordered by keys and by compareVersions alike. */
function assertSameOrder(ecosystem: Ecosystem, versions: string[]): number {
  const valid = [...new Set(versions)].filter((version) => isValidVersion(ecosystem, version));
  const sorted = [...valid].sort((a, b) => compareVersions(ecosystem, a, b));
  let checked = 0;
  // Neighbours in version order decide the whole order: keys must rise exactly where versions do.
  for (let index = 1; index < sorted.length; index += 1) {
    const [a, b] = [sorted[index - 1]!, sorted[index]!];
    assert.equal(keyCompare(ecosystem, a, b), sign(compareVersions(ecosystem, a, b)), `${ecosystem} "${a}" vs "${b}"`);
    checked += 1;
  }
  return checked;
}

describe('versionSortKey', () => {
  it('is null for what is not a version, and for numbers too large to order exactly', () => {
    assert.equal(versionSortKey('PyPI', 'not a version'), null);
    assert.equal(versionSortKey('npm', '1.2'), null);
    assert.equal(versionSortKey('PyPI', '1.99999999999999999999'), null);
    assert.notEqual(versionSortKey('PyPI', '2019.9.12'), null);
  });

  it('orders hand-picked PEP 440, SemVer and Maven versions as compareVersions does', () => {
    assertSameOrder('PyPI', ['1.0', '1.0.0', '1.0.0.0', '1.0rc1', '1.0c2', '1.0a1', '1.0b1.post1', '1.0.dev1', '1.0a1.dev2', '1.0.post1', '1.0-1', '1.0+local.1', '1.0+local.a', '1.0+2', '1!0.1', '0.10', '0.9', '2.0.0.post0.dev1', '1.0+abc', '1.0+abcd', '1.0+ab.1']);
    assertSameOrder('npm', ['1.0.0', '1.0.0-rc.1', '1.0.0-rc.10', '1.0.0-rc.2', '1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-1', '1.0.0-1.a', '10.0.0', '2.3.1', 'v2.3.1', '1.0.0+build.5']);
    assertSameOrder('Maven', ['1.0', '1.0-SNAPSHOT', '1.0-alpha-1', '1.0-beta', '1.0-M1', '1.0-RC1', '1.0.Final', '2.0.0', '1.2.3']);
    assert.equal(keyCompare('PyPI', '1.0', '1.0.0'), 0);
    assert.equal(keyCompare('npm', '1.0.0+a', '1.0.0+b'), 0);
  });

  it('follows the pypa/packaging version order', (t) => {
    if (!existsSync(PEP)) return t.skip(`corpus not found at ${PEP}`);
    const cases = JSON.parse(readFileSync(path.join(PEP, 'version_cases.json'), 'utf8')) as { sorted_versions: string[] };
    for (let index = 1; index < cases.sorted_versions.length; index += 1) {
      const [a, b] = [cases.sorted_versions[index - 1]!, cases.sorted_versions[index]!];
      assert.equal(keyCompare('PyPI', a, b), sign(compareVersions('PyPI', a, b)), `"${a}" vs "${b}"`);
    }
    const pairs = readFileSync(path.join(PEP, 'version_order_pairs.csv'), 'utf8').trim().split('\n').slice(1);
    for (const line of pairs) {
      const [lower, higher] = line.split(',') as [string, string];
      assert.equal(keyCompare('PyPI', lower, higher), -1, `${lower} < ${higher}`);
    }
    assert.ok(pairs.length > 4_000);
  });

  it('follows the node-semver comparison and equality fixtures', (t) => {
    if (!existsSync(SEMVER)) return t.skip(`corpus not found at ${SEMVER}`);
    const comparisons = JSON.parse(readFileSync(path.join(SEMVER, 'comparisons.json'), 'utf8')) as [string, string, unknown?][];
    let checked = 0;
    for (const [greater, lesser] of comparisons) {
      if (!isValidVersion('npm', greater) || !isValidVersion('npm', lesser)) continue;
      assert.equal(keyCompare('npm', greater, lesser), sign(compareVersions('npm', greater, lesser)), `${greater} vs ${lesser}`);
      checked += 1;
    }
    const equality = JSON.parse(readFileSync(path.join(SEMVER, 'equality.json'), 'utf8')) as [string, string, unknown?][];
    for (const [a, b] of equality) {
      if (!isValidVersion('npm', a) || !isValidVersion('npm', b)) continue;
      assert.equal(keyCompare('npm', a, b), sign(compareVersions('npm', a, b)), `${a} vs ${b}`);
      checked += 1;
    }
    assert.ok(checked > 50, `${checked} fixtures checked`);
  });

  it('orders every version the PyPI advisory database names as compareVersions does', (t) => {
    if (!existsSync(PYPA)) return t.skip(`corpus not found at ${PYPA}`);
    const versions: string[] = [];
    for (const dir of readdirSync(PYPA).filter((name) => !name.startsWith('.'))) {
      for (const file of readdirSync(path.join(PYPA, dir))) {
        const record = parseYaml(readFileSync(path.join(PYPA, dir, file), 'utf8')) as { affected?: { versions?: string[]; ranges?: { events: Record<string, string>[] }[] }[] };
        for (const entry of record.affected ?? []) {
          versions.push(...(entry.versions ?? []).map(String));
          for (const range of entry.ranges ?? []) versions.push(...range.events.flatMap((event) => Object.values(event).map(String)));
        }
      }
    }
    assert.ok(assertSameOrder('PyPI', versions) > 10_000);
  });
});
