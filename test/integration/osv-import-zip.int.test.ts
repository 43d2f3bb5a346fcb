import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { sql } from 'kysely';
import { stringify } from 'yaml';
import { importOsv, osvSourceFiles } from '../../src/modules/advisories/osv-import.service.js';
import { buildZip, readZip, ZipError } from '../../src/modules/advisories/zip.js';
import { runInProcess } from '../support/cli.js';
import { createTestApp, TEST_POLICY, type TestApp } from '../support/test-app.js';

/**
 * `embargo import osv ZIP`: archives made by Embargo's own writer, by Info-ZIP's `zip` and by Python's
 * zipfile (deflated and stored entries, data descriptors, ZIP64) import the same records; an archive
 * that is not one, or is damaged anywhere, is refused with a message saying so, and nothing is imported.
 */

const ZIP_MISSING = spawnSync('zip', ['-v']).status === 0 ? false : 'Info-ZIP zip is not installed (Debian package zip)';
const PYTHON_MISSING = spawnSync('python3', ['-c', 'import zipfile, zlib']).status === 0 ? false : 'python3 with zipfile and zlib is not installed';

type OsvFixture = ReturnType<typeof record>;

function record(id: string, name: string, fixed: string) {
  return {
    schema_version: '1.6.0',
    id,
    modified: '2024-05-01T10:00:00Z',
    published: '2024-04-01T10:00:00Z',
    aliases: [`CVE-2024-${id.slice(-4)}`],
    // Long and repetitive, so that every tool deflates it rather than storing it.
    details: `A flaw in ${name}. `.repeat(40).trim(),
    affected: [{ package: { ecosystem: 'PyPI', name }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }] }],
    references: [{ type: 'WEB', url: `https://example.org/${id}` }],
  };
}

const RECORDS: OsvFixture[] = [record('PYSEC-2024-0101', 'zip-alpha', '1.0.1'), record('PYSEC-2024-0102', 'zip-beta', '2.0.0'), record('PYSEC-2024-0103', 'zip-gamma', '0.3.0')];

/** The same tree for every tool: records in folders, as JSON and YAML, beside files that are not records. */
function writeTree(dir: string): void {
  mkdirSync(path.join(dir, 'PyPI', 'zip-alpha'), { recursive: true });
  writeFileSync(path.join(dir, 'PyPI', 'zip-alpha', `${RECORDS[0]!.id}.json`), JSON.stringify(RECORDS[0], null, 2));
  writeFileSync(path.join(dir, 'PyPI', `${RECORDS[1]!.id}.yaml`), stringify(RECORDS[1]));
  writeFileSync(path.join(dir, `${RECORDS[2]!.id}.json`), JSON.stringify(RECORDS[2]));
  writeFileSync(path.join(dir, 'README.md'), '# Not a record\n');
}

function treeEntries(): { name: string; data: Buffer; modified: Date }[] {
  const modified = new Date('2024-05-01T10:00:00Z');
  return [
    { name: `PyPI/zip-alpha/${RECORDS[0]!.id}.json`, data: Buffer.from(JSON.stringify(RECORDS[0], null, 2)), modified },
    { name: `PyPI/${RECORDS[1]!.id}.yaml`, data: Buffer.from(stringify(RECORDS[1])), modified },
    { name: `${RECORDS[2]!.id}.json`, data: Buffer.from(JSON.stringify(RECORDS[2])), modified },
    { name: 'README.md', data: Buffer.from('# Not a record\n'), modified },
  ];
}

/** Compression method and general-purpose flags of each entry, straight from the central directory. */
function centralHeaders(buffer: Buffer): { name: string; method: number; flags: number }[] {
  const end = buffer.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  let at = buffer.readUInt32LE(end + 16);
  const headers: { name: string; method: number; flags: number }[] = [];
  for (let index = 0; index < buffer.readUInt16LE(end + 10); index += 1) {
    const nameLength = buffer.readUInt16LE(at + 28);
    headers.push({ name: buffer.subarray(at + 46, at + 46 + nameLength).toString('utf8'), flags: buffer.readUInt16LE(at + 8), method: buffer.readUInt16LE(at + 10) });
    at += 46 + nameLength + buffer.readUInt16LE(at + 30) + buffer.readUInt16LE(at + 32);
  }
  return headers;
}

const PYTHON_ZIP = `
import sys, zipfile, os
source, mode = sys.argv[1], sys.argv[2]
# To a pipe, zipfile cannot seek back: every entry then carries a data descriptor (flag bit 3).
target = sys.stdout.buffer if mode == 'stream' else open(sys.argv[3], 'wb')
with zipfile.ZipFile(target, 'w', compression=zipfile.ZIP_DEFLATED) as archive:
    for root, dirs, files in sorted(os.walk(source)):
        for file in sorted(files):
            full = os.path.join(root, file)
            name = os.path.relpath(full, source)
            # One entry stored, the others deflated.
            archive.write(full, name, compress_type=zipfile.ZIP_STORED if file == 'README.md' else zipfile.ZIP_DEFLATED)
    if mode == 'zip64':
        # More entries than a 16-bit count holds: the archive needs ZIP64 end records.
        for index in range(65_536):
            archive.writestr(f'padding/{index}.txt', b'')
`;

describe('embargo import osv from a ZIP archive', () => {
  let t: TestApp;
  let work: string;

  before(async () => {
    t = await createTestApp();
    work = mkdtempSync(path.join(tmpdir(), 'embargo-osv-zip-'));
    writeTree(path.join(work, 'tree'));
  });
  after(async () => {
    await t?.close();
    rmSync(work, { recursive: true, force: true });
  });
  beforeEach(async () => {
    // Each archive must create the records itself, not find them there from the previous one.
    await sql`truncate advisories cascade`.execute(t.context.db);
  });

  const advisoryCount = async () => (await sql<{ n: number }>`select count(*)::int as n from advisories`.execute(t.context.db)).rows[0]!.n;

  async function importArchive(file: string): Promise<void> {
    const files = osvSourceFiles(file);
    assert.deepEqual(files.map((entry) => path.basename(entry.name)).sort(), [`${RECORDS[0]!.id}.json`, `${RECORDS[1]!.id}.yaml`, `${RECORDS[2]!.id}.json`]);
    const result = await importOsv(t.context, files, { project: 'alpha' });
    assert.deepEqual([result.created, result.invalid], [3, 0], JSON.stringify(result.errors));
    for (const original of RECORDS) {
      const response = await t.app.inject({ method: 'GET', url: `/v1/vulns/${original.id}` });
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.json().id, original.id);
      assert.equal(response.json().details, original.details);
    }
    const affected = await t.app.inject({ method: 'POST', url: '/v1/query', payload: { package: { name: 'zip-beta', ecosystem: 'PyPI' }, version: '1.9' } });
    assert.deepEqual(affected.json().vulns.map((vuln: { id: string }) => vuln.id), [RECORDS[1]!.id]);
  }

  it("imports an archive made by Embargo's own ZIP writer", async () => {
    const file = path.join(work, 'embargo.zip');
    const archive = buildZip(treeEntries());
    writeFileSync(file, archive);
    assert.ok(centralHeaders(archive).some((header) => header.method === 8), 'the writer deflated something');
    await importArchive(file);
  });

  it('imports an archive made by Info-ZIP zip, deflated', { skip: ZIP_MISSING }, async () => {
    const file = path.join(work, 'info-zip.zip');
    execFileSync('zip', ['-q', '-r', '-X', file, '.'], { cwd: path.join(work, 'tree') });
    const headers = centralHeaders(readFileSync(file));
    assert.ok(headers.some((header) => header.name.endsWith('/')), 'zip -r writes folder entries');
    assert.ok(headers.filter((header) => /\.(json|yaml)$/.test(header.name)).every((header) => header.method === 8), JSON.stringify(headers));
    await importArchive(file);
  });

  it('imports archives made by Python zipfile: deflated and stored entries, data descriptors, ZIP64', { skip: PYTHON_MISSING }, async () => {
    const seekable = path.join(work, 'python.zip');
    execFileSync('python3', ['-c', PYTHON_ZIP, path.join(work, 'tree'), 'file', seekable]);
    const headers = centralHeaders(readFileSync(seekable));
    assert.deepEqual(headers.map((header) => header.method).sort(), [0, 8, 8, 8]);
    await importArchive(seekable);

    await sql`truncate advisories cascade`.execute(t.context.db);
    const streamed = path.join(work, 'python-streamed.zip');
    writeFileSync(streamed, execFileSync('python3', ['-c', PYTHON_ZIP, path.join(work, 'tree'), 'stream'], { maxBuffer: 16 * 1024 * 1024 }));
    assert.ok(centralHeaders(readFileSync(streamed)).every((header) => (header.flags & 0x0008) !== 0), 'every entry has a data descriptor');
    await importArchive(streamed);

    await sql`truncate advisories cascade`.execute(t.context.db);
    const zip64 = path.join(work, 'python-zip64.zip');
    execFileSync('python3', ['-c', PYTHON_ZIP, path.join(work, 'tree'), 'zip64', zip64]);
    const buffer = readFileSync(zip64);
    assert.ok(buffer.includes(Buffer.from([0x50, 0x4b, 0x06, 0x06])), 'the archive has a ZIP64 end of central directory record');
    assert.equal(readZip(buffer).length, 4 + 65_536);
    await importArchive(zip64);
  });

  it('refuses an archive that is not one, or is damaged, with a clear error, and imports nothing', async () => {
    const good = buildZip(treeEntries());
    const headers = centralHeaders(good);
    assert.ok(headers[0]!.method === 8);
    // Damage inside the first record's deflated data, after its 30-byte local header and name.
    const corrupt = Buffer.from(good);
    const dataStart = 30 + corrupt.readUInt16LE(26) + corrupt.readUInt16LE(28);
    for (let at = dataStart + 5; at < dataStart + 25; at += 1) corrupt[at] = corrupt[at]! ^ 0x5a;
    // A flipped byte in the last record's data: it still inflates (stored), but the CRC-32 disagrees.
    const stored = buildZip([...treeEntries().slice(0, 3), { name: 'PyPI/PYSEC-2024-0199.json', data: Buffer.from('{"id":"x"}'), modified: new Date() }]);
    const crcBad = Buffer.from(stored);
    const lastRecord = crcBad.indexOf(Buffer.from('{"id":"x"}'));
    assert.ok(lastRecord > 0, 'a tiny entry is stored, not deflated');
    crcBad[lastRecord + 2] = 'I'.charCodeAt(0);
    const cases: [string, Buffer, RegExp][] = [
      ['text.zip', Buffer.from('id: PYSEC-2024-0101\nmodified: 2024-05-01T10:00:00Z\n'), /not a ZIP archive/],
      ['empty.zip', Buffer.alloc(0), /not a ZIP archive/],
      ['truncated.zip', good.subarray(0, Math.floor(good.length / 2)), /not a ZIP archive/],
      ['cut-directory.zip', Buffer.concat([good.subarray(0, good.length - 22 - 40), good.subarray(good.length - 22)]), /damaged ZIP archive/],
      ['corrupt.zip', corrupt, /damaged ZIP archive: PyPI\/zip-alpha\/PYSEC-2024-0101\.json (does not inflate|fails its CRC-32 check|holds)/],
      ['crc.zip', crcBad, /damaged ZIP archive: PyPI\/PYSEC-2024-0199\.json fails its CRC-32 check/],
    ];
    for (const [name, bytes, message] of cases) {
      const file = path.join(work, name);
      writeFileSync(file, bytes);
      assert.throws(() => osvSourceFiles(file), (error: unknown) => error instanceof ZipError && message.test(error.message), name);
    }
    assert.equal(await advisoryCount(), 0);
  });
});

describe('embargo import osv ZIP (CLI)', () => {
  const run = runInProcess;

  it('says what is wrong with a damaged archive and imports none of it; the intact archive then imports all', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'embargo-osv-zip-cli-'));
    try {
      const env = { EMBARGO_DATA_DIR: path.join(dir, 'data'), EMBARGO_CONFIG: TEST_POLICY };
      const good = buildZip(treeEntries());
      // The last record's data is damaged: the first two are intact, and must not be imported either.
      const damaged = Buffer.from(good);
      const entries = readZip(good);
      assert.equal(entries[2]!.name, `${RECORDS[2]!.id}.json`);
      const third = damaged.indexOf(Buffer.from(entries[2]!.name)) + entries[2]!.name.length;
      for (let at = third + 3; at < third + 20; at += 1) damaged[at] = damaged[at]! ^ 0xff;
      writeFileSync(path.join(dir, 'damaged.zip'), damaged);
      writeFileSync(path.join(dir, 'good.zip'), good);

      const refused = await run(['import', 'osv', path.join(dir, 'damaged.zip'), '--project', 'alpha'], env);
      assert.equal(refused.code, 1);
      assert.match(refused.err, new RegExp(`damaged\\.zip: damaged ZIP archive: ${RECORDS[2]!.id}\\.json`));
      assert.doesNotMatch(refused.out, /created/);

      const imported = await run(['import', 'osv', path.join(dir, 'good.zip'), '--project', 'alpha'], env);
      assert.equal(imported.code, 0, imported.err);
      assert.match(imported.out, /Done: 3 created, 0 updated, 0 unchanged, 0 skipped as invalid, of 3 file\(s\)\./);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
