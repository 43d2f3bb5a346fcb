import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { buildPypiAdvisory } from '../exports/test-support/advisory.factory.js';
import { normaliseAffected, publicationProblems, emptyContent } from './advisory.content.js';
import { describeRange } from './changelog.js';
import { parsePublishAt, presentEmbargo } from './embargo-time.js';
import { renderAtom, xmlEscape } from './feeds.js';
import { buildHallOfFame } from './hall-of-fame.js';
import { pathToDisclosed } from './publication.js';
import { buildZip } from './zip.js';

// Unit tests of the pure parts of advisories; the flows are tested through the app in test/integration.

describe('embargo time', () => {
  it('reads wall-clock time in the zone given, and instants with an offset', () => {
    const berlin = parsePublishAt('2026-03-10T14:00', 'Europe/Berlin');
    assert.ok(berlin.ok && berlin.instant.toISOString() === '2026-03-10T13:00:00.000Z');
    const summer = parsePublishAt('2026-07-10T14:00:30', 'Europe/Berlin');
    assert.ok(summer.ok && summer.instant.toISOString() === '2026-07-10T12:00:30.000Z');
    const offset = parsePublishAt('2026-03-10T13:00:00Z', 'America/New_York');
    assert.ok(offset.ok && offset.instant.toISOString() === '2026-03-10T13:00:00.000Z');
  });

  it('refuses unknown zones, times the clocks skip and other shapes', () => {
    const codes = [
      parsePublishAt('2026-03-10T14:00', 'Europe/Atlantis'),
      parsePublishAt('2026-03-29T02:30', 'Europe/Berlin'),
      parsePublishAt('10/03/2026 14:00', 'UTC'),
      parsePublishAt('2026-02-30T10:00', 'UTC'),
    ].map((result) => (result.ok ? 'ok' : result.problem.code));
    assert.deepEqual(codes, ['invalid_timezone', 'nonexistent_time', 'invalid_datetime', 'invalid_datetime']);
  });

  it('shows the moment in its zone and in UTC, with the date when they differ', () => {
    assert.equal(presentEmbargo(new Date('2026-03-10T13:00:00Z'), 'Europe/Berlin').display, 'Tue 10 Mar 2026, 14:00 CET (Europe/Berlin) = 13:00 UTC');
    assert.equal(presentEmbargo(new Date('2026-03-11T02:00:00Z'), 'America/Los_Angeles').display, 'Tue 10 Mar 2026, 19:00 PDT (America/Los_Angeles) = 02:00 UTC on Wed 11 Mar');
    assert.equal(presentEmbargo(new Date('2026-03-10T13:00:00Z'), 'UTC').local, '2026-03-10T13:00:00Z');
    assert.equal(presentEmbargo(new Date('2026-03-10T13:00:00Z'), 'Asia/Kolkata').display, 'Tue 10 Mar 2026, 18:30 UTC+05:30 (Asia/Kolkata) = 13:00 UTC');
  });
});

describe('affected packages', () => {
  it('sorts events in ecosystem order and fills purls', () => {
    const [entry] = normaliseAffected('PyPI', [{ package: 'Jw.Util', ranges: [{ type: 'ECOSYSTEM', events: [{ fixed: '0.10' }, { introduced: '0.9' }] }] }]);
    assert.equal(entry!.purl, 'pkg:pypi/jw-util');
    assert.deepEqual(entry!.ranges[0]!.events, [{ introduced: '0.9' }, { fixed: '0.10' }]);
  });

  it('names every problem at once', () => {
    assert.throws(
      () => normaliseAffected('npm', [{ package: 'x', ranges: [{ type: 'SEMVER', events: [{ introduced: '1.0.0' }, { fixed: '1.0.0' }, { last_affected: 'nope' }] }] }]),
      (error: { details: { fields: { code: string }[] } }) => {
        assert.deepEqual(error.details.fields.map((field) => field.code).sort(), ['duplicate_event', 'invalid_version', 'mixed_bounds']);
        return true;
      },
    );
  });

  it('knows what publication needs', () => {
    assert.deepEqual(publicationProblems(emptyContent('t')).map((problem) => problem.field), ['summary', 'affected']);
  });
});

describe('publication', () => {
  it('walks linked reports to disclosed through legal transitions, never reopening closed ones', () => {
    assert.deepEqual(pathToDisclosed('fixed'), ['disclosed']);
    assert.deepEqual(pathToDisclosed('fix_in_progress'), ['fixed', 'disclosed']);
    assert.deepEqual(pathToDisclosed('triaged'), ['fixed', 'disclosed']);
    assert.deepEqual(pathToDisclosed('needs_info'), ['triaged', 'fixed', 'disclosed']);
    assert.deepEqual(pathToDisclosed('disclosed'), []);
    assert.deepEqual(pathToDisclosed('duplicate'), []);
  });
});

describe('public renderings', () => {
  it('escapes XML and drops characters XML forbids', () => {
    assert.equal(xmlEscape('a<b>&"c\'\u0001\uD800'), 'a&lt;b&gt;&amp;&quot;c&apos;');
    const atom = renderAtom({
      id: 'https://x.example/advisories',
      title: 'T',
      subtitle: 'S',
      selfUrl: 'https://x.example/advisories.atom',
      siteUrl: 'https://x.example/advisories',
      emptyUpdated: new Date(0),
      entries: [{ doc: buildPypiAdvisory({ title: '<b>x</b> & y' }), url: 'https://x.example/a?b=1&c=2' }],
    });
    assert.ok(atom.includes('<title type="text">EMB-2026-0001 (CVE-2026-31337): &lt;b&gt;x&lt;/b&gt; &amp; y</title>'));
    assert.ok(atom.includes('href="https://x.example/a?b=1&amp;c=2"'));
    assert.ok(atom.includes('<updated>2026-03-04T09:30:00Z</updated>'));
  });

  it('describes ranges for people', () => {
    const entry = buildPypiAdvisory().affected[0]!;
    assert.deepEqual(describeRange(entry, { type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '0.4.3' }] }), ['< 0.4.3']);
    assert.deepEqual(describeRange(entry, { type: 'ECOSYSTEM', events: [{ introduced: '1.0' }, { last_affected: '1.2' }, { introduced: '2.0' }] }), ['>= 1.0, <= 1.2', '>= 2.0']);
    assert.deepEqual(describeRange(entry, { type: 'ECOSYSTEM', events: [{ introduced: '0' }] }), ['all versions']);
  });

  it('builds the hall of fame newest first, counting anonymous reporters without naming them', () => {
    const older = buildPypiAdvisory({ id: 'A-1', publishedAt: new Date('2026-01-01T00:00:00Z'), credits: [{ name: 'Jane', type: 'FINDER' }, { name: null, type: 'REPORTER' }] });
    const newer = buildPypiAdvisory({ id: 'A-2', credits: [{ name: 'Max', type: 'REPORTER' }, { name: 'Jane', type: 'FINDER' }, { name: 'Dev', type: 'REMEDIATION_DEVELOPER' }] });
    const withdrawn = buildPypiAdvisory({ id: 'A-3', withdrawnAt: new Date(), credits: [{ name: 'Gone', type: 'FINDER' }] });
    const fame = buildHallOfFame('p', [newer, withdrawn, older].map((doc) => ({ doc, url: `https://x.example/${doc.id}` })));
    assert.deepEqual(fame.entries.map((entry) => [entry.name, entry.advisories.map((advisory) => advisory.id)]), [['Max', ['A-2']], ['Jane', ['A-2', 'A-1']]]);
    assert.equal(fame.anonymousCount, 1);
  });
});

describe('zip', () => {
  it('writes archives that unzip reads back', () => {
    const entries = [
      { name: 'x_EMB-2026-0001.json', data: Buffer.from(JSON.stringify({ id: 'x_EMB-2026-0001', pad: 'a'.repeat(2_000) })), modified: new Date('2026-03-10T13:00:00Z') },
      { name: 'tiny.json', data: Buffer.from('{}'), modified: new Date('1970-01-01T00:00:00Z') },
    ];
    const zip = buildZip(entries);
    // First entry: deflated (it compresses); second: stored (it would not).
    assert.equal(zip.readUInt16LE(8), 8);
    const nameLength = zip.readUInt16LE(26);
    const inflated = inflateRawSync(zip.subarray(30 + nameLength, 30 + nameLength + zip.readUInt32LE(18)));
    assert.deepEqual(inflated, entries[0]!.data);
    const dir = mkdtempSync(path.join(tmpdir(), 'embargo-zip-'));
    try {
      writeFileSync(path.join(dir, 'a.zip'), zip);
      let listing = '';
      try {
        listing = execFileSync('unzip', ['-l', path.join(dir, 'a.zip')], { encoding: 'utf8' });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
      if (listing) assert.match(listing, /(?:2026-03-10|03-10-2026) 13:00\s+x_EMB-2026-0001\.json/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
