import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, describe, it } from 'node:test';
import { hashToken } from '../../src/platform/crypto/tokens.js';
import { cleanUpCli, environment, serve, stop } from '../support/cli.js';
import { bearer, createTestApp } from '../support/test-app.js';
import { createTestDatabase, TEST_DB_KIND } from '../support/test-db.js';

/**
 * The proof behind "a stolen disk or database dump reveals no vulnerability": everything a reporter
 * writes is submitted with a unique random marker per field, then every byte the database keeps is
 * searched for those markers. A positive control (the access token hash, stored in clear by design)
 * shows that the search does see the data, so an absent marker means encrypted, not unflushed.
 *
 * The values are kept small on purpose: PostgreSQL compresses only values of about 2 kB and more, so a
 * clear copy of any of them would be stored as is and found.
 */

const run = randomBytes(6).toString('hex');
const marker = (field: string) => `zq${run}${field}xj`;
const MARKERS = {
  title: marker('title'),
  description: marker('description'),
  steps: marker('steps'),
  impact: marker('impact'),
  version: marker('version'),
  email: marker('email'),
  message: marker('message'),
};
const report = {
  title: `RCE in login ${MARKERS.title}`,
  description: `The parser trusts input ${MARKERS.description}`,
  stepsToReproduce: `1. send ${MARKERS.steps}`,
  impact: `Full takeover ${MARKERS.impact}`,
  affectedVersions: [`1.0.0-${MARKERS.version}`],
  contactEmail: `${MARKERS.email}@example.net`,
};
const reply = `Here is the exploit ${MARKERS.message}`;

/** Each marker in every encoding a careless copy could plausibly be stored in. */
function needles(): { name: string; bytes: Buffer }[] {
  return Object.entries(MARKERS).flatMap(([field, text]) => [
    { name: `${field} (UTF-8)`, bytes: Buffer.from(text, 'utf8') },
    { name: `${field} (UTF-16LE)`, bytes: Buffer.from(text, 'utf16le') },
    { name: `${field} (base64)`, bytes: Buffer.from(Buffer.from(text, 'utf8').toString('base64').replace(/=+$/, ''), 'utf8') },
    { name: `${field} (base64url)`, bytes: Buffer.from(Buffer.from(text, 'utf8').toString('base64url'), 'utf8') },
  ]);
}

function assertNoMarkers(haystacks: { name: string; bytes: Buffer }[], where: string): void {
  const found: string[] = [];
  for (const haystack of haystacks) {
    for (const needle of needles()) if (haystack.bytes.includes(needle.bytes)) found.push(`${needle.name} in ${haystack.name}`);
  }
  assert.deepEqual(found, [], `report contents stored in clear in ${where}`);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
}

// ---- The embedded database: the real server on a data directory, then the files themselves ----

describe('encryption at rest', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'embargo-at-rest-'));
  after(async () => {
    await cleanUpCli();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('leaves no report content in any file of the embedded database', async () => {
    // Info level, so that request logs are written too: they must not carry the contents either.
    const server = await serve(environment(dataDir, { EMBARGO_LOG_LEVEL: 'info' }));
    let stopped = false;
    try {
      const submitted = await fetch(`${server.url}/api/v1/projects/demo/reports`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(report),
      });
      assert.equal(submitted.status, 201, await submitted.clone().text());
      const { id, accessToken } = (await submitted.json()) as { id: string; accessToken: string };
      const posted = await fetch(`${server.url}/api/v1/reports/${id}/messages`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(accessToken) }, body: JSON.stringify({ body: reply }) });
      assert.equal(posted.status, 201, await posted.text());
      // Read back through the app: the markers are really there, just not in clear.
      const view = (await (await fetch(`${server.url}/api/v1/reports/${id}`, { headers: bearer(accessToken) })).json()) as { title: string; messages: { body: string }[] };
      assert.equal(view.title, report.title);
      assert.deepEqual(view.messages.map((message) => message.body), [reply]);

      const result = await stop(server);
      stopped = true;
      const output = `${result.stdout}\n${result.stderr}`;
      assert.equal(result.code, 0, output);
      assertNoMarkers([{ name: 'the server output (logs)', bytes: Buffer.from(output, 'utf8') }], 'the logs');

      const files = filesUnder(dataDir);
      assert.ok(files.some((file) => file.includes(`${path.sep}pgdata${path.sep}`)), 'the database lives in the data directory');
      const contents = files.map((file) => ({ name: path.relative(dataDir, file), bytes: readFileSync(file) }));
      const control = Buffer.from(hashToken(accessToken), 'utf8');
      assert.ok(contents.some((file) => file.bytes.includes(control)), 'positive control: a value stored in clear is found, so the data is on disk');
      assertNoMarkers(contents, `the data directory ${dataDir}`);
    } finally {
      if (!stopped) await stop(server);
    }
  });

  it('leaves no report content in a pg_dump of the PostgreSQL database', { skip: TEST_DB_KIND !== 'postgres' && 'set EMBARGO_TEST_DB=postgres to run' }, async (t) => {
    const version = await promisify(execFile)('pg_dump', ['--version']).catch((error: NodeJS.ErrnoException) => error);
    if (version instanceof Error) {
      t.skip(version.code === 'ENOENT' ? 'pg_dump is not installed' : `pg_dump does not run: ${version.message}`);
      return;
    }
    const database = await createTestDatabase();
    const app = await createTestApp({ database });
    t.after(() => app.close());
    const submitted = await app.app.inject({ method: 'POST', url: '/api/v1/projects/alpha/reports', payload: report });
    assert.equal(submitted.statusCode, 201, submitted.body);
    const { id, accessToken } = submitted.json() as { id: string; accessToken: string };
    const posted = await app.app.inject({ method: 'POST', url: `/api/v1/reports/${id}/messages`, headers: bearer(accessToken), payload: { body: reply } });
    assert.equal(posted.statusCode, 201, posted.body);

    const dump = await new Promise<Buffer>((resolve, reject) => {
      execFile('pg_dump', ['--dbname', database.url!, '--no-owner'], { encoding: 'buffer', maxBuffer: 512 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (error) reject(new Error(`pg_dump failed: ${error.message}\n${stderr.toString('utf8')}`));
        else resolve(stdout);
      });
    });
    assert.ok(dump.includes(Buffer.from(hashToken(accessToken), 'utf8')), 'positive control: the dump holds the report row');
    assertNoMarkers([{ name: 'pg_dump', bytes: dump }], 'the database dump');
  });
});
