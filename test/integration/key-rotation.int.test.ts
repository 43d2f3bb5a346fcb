import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { ENCRYPTED_COLUMNS } from '../../src/platform/crypto/encrypted-columns.js';
import { decryptFieldText, envelopeKeyId, masterKeyFromBytes, parseMasterKey, type MasterKey } from '../../src/platform/crypto/envelope.js';
import { totpCode } from '../../src/modules/auth/totp.js';
import { replaceValue } from '../../src/modules/keys/key-rotation.repository.js';
import { rotateMasterKey, type RotationResult } from '../../src/modules/keys/key-rotation.service.js';
import { assertExit, cleanUpCli, environment, run, serve, stop } from '../support/cli.js';
import { bearer, createTestApp, TEST_MASTER_KEY, type TestApp } from '../support/test-app.js';

/**
 * Master key rotation through the real app: data written by the app under the old key(s), rotated
 * to a new key, must then be readable by the app with only the new key.
 */

const intake = (n: number) => ({ title: `Rotation report ${n}`, description: `Description ${n}`, stepsToReproduce: `Steps ${n}`, contactEmail: `finder${n}@example.net` });

type Snapshot = Map<string, string>;
const POPULATED = ['reports.content_enc', 'messages.body_enc', 'user_totp.secret_enc'];

/**
 * Per-column values for the columns this test fills; every other registered column (other features
 * add their own) must show one and the same value, given as `others`.
 */
function byColumn<T>(entries: [string, T][]): Record<string, T> {
  const result: Record<string, T> = {};
  const others = entries.filter(([column]) => !POPULATED.includes(column)).map(([, value]) => value);
  for (const [column, value] of entries) if (POPULATED.includes(column)) result[column] = value;
  if (others.length > 0) {
    for (const value of others) assert.deepEqual(value, others[0]);
    result.others = others[0]!;
  }
  return result;
}

describe('master key rotation', () => {
  let t: TestApp;
  let admin: { id: string; token: string };
  const older = masterKeyFromBytes(randomBytes(32));
  const newKey = masterKeyFromBytes(randomBytes(32));
  const reports: { id: string; accessToken: string; n: number }[] = [];
  const totpSecrets = new Map<string, { secret: string; token: string }>();
  let corruptId: string;
  let total: number;

  /** What the app is configured with; the routes read context.keyring on every request. */
  function useKeys(current: MasterKey, lookup: MasterKey[]) {
    t.context.keyring = { current, lookup };
  }

  async function snapshot(): Promise<Snapshot> {
    const values: Snapshot = new Map();
    for (const column of ENCRYPTED_COLUMNS) {
      const rows = await sql<{ id: string; value: string }>`select ${sql.ref(column.idColumn)}::text as id, ${sql.ref(column.column)} as value from ${sql.table(column.table)}`.execute(t.context.db);
      for (const row of rows.rows) values.set(`${column.table}.${column.column}:${row.id}`, row.value);
    }
    return values;
  }

  const keyIds = (values: Snapshot) => [...values.values()].map((value) => envelopeKeyId(value));
  const rotationContext = () => ({ ...t.context, keyring: { current: TEST_MASTER_KEY, lookup: [TEST_MASTER_KEY, older] } });

  async function systemAudit() {
    return t.context.db.selectFrom('audit_events').select(['action', 'actor_type', 'data']).where('stream', '=', 'system').orderBy('seq').execute();
  }

  before(async () => {
    t = await createTestApp();
    admin = await t.user('admin');
    // One report written while an even older key was current: rotation must also move values under previous keys.
    for (let n = 0; n < 6; n += 1) {
      useKeys(n === 0 ? older : TEST_MASTER_KEY, [TEST_MASTER_KEY, older]);
      const response = await t.app.inject({ method: 'POST', url: '/api/v1/projects/alpha/reports', payload: intake(n) });
      assert.equal(response.statusCode, 201, response.body);
      reports.push({ ...(response.json() as { id: string; accessToken: string }), n });
      const reply = await t.app.inject({ method: 'POST', url: `/api/v1/reports/${reports[n]!.id}/messages`, headers: bearer(reports[n]!.accessToken), payload: { body: `Reporter message ${n}` } });
      assert.equal(reply.statusCode, 201, reply.body);
    }
    useKeys(TEST_MASTER_KEY, [TEST_MASTER_KEY, older]);
    const note = await t.app.inject({ method: 'POST', url: `/api/v1/reports/${reports[1]!.id}/messages`, headers: bearer(admin.token), payload: { body: 'Internal note', internal: true } });
    assert.equal(note.statusCode, 201, note.body);
    for (const role of ['maintainer', 'viewer'] as const) {
      const user = await t.user(role);
      const setup = await t.app.inject({ method: 'POST', url: '/api/v1/auth/2fa/setup', headers: bearer(user.token) });
      assert.equal(setup.statusCode, 200, setup.body);
      totpSecrets.set(user.id, { secret: setup.json().secret, token: user.token });
    }
    // A value that does not authenticate where it is (copied from another row): rotation must report
    // it, leave it alone and carry on.
    const corrupt = await t.app.inject({ method: 'POST', url: '/api/v1/projects/alpha/reports', payload: intake(99) });
    corruptId = corrupt.json().id;
    const source = await t.context.db.selectFrom('reports').select('content_enc').where('id', '=', reports[2]!.id).executeTakeFirstOrThrow();
    await t.context.db.updateTable('reports').set({ content_enc: source.content_enc }).where('id', '=', corruptId).execute();
    total = (await snapshot()).size;
    assert.equal(total, 7 + 7 + 2);
  });
  after(() => t.close());

  it('knows every encrypted column of the schema', async () => {
    const rows = await sql<{ table_name: string; column_name: string }>`
      select table_name, column_name from information_schema.columns
      where table_schema = current_schema() and column_name like '%\\_enc'`.execute(t.context.db);
    const inSchema = rows.rows.map((row) => `${row.table_name}.${row.column_name}`).sort();
    const registered = ENCRYPTED_COLUMNS.map((column) => `${column.table}.${column.column}`).sort();
    assert.deepEqual(registered, inSchema, 'add every encrypted column to src/platform/crypto/encrypted-columns.ts');
  });

  it('stops after a batch when asked, and a second run continues where it stopped', async () => {
    const controller = new AbortController();
    const seen: string[] = [];
    const first = await rotateMasterKey(rotationContext(), newKey, {
      batchSize: 2,
      signal: controller.signal,
      onProgress: (progress) => {
        seen.push(`${progress.column} ${progress.rewrapped}/${progress.pending}`);
        controller.abort();
      },
    });
    assert.equal(first.completed, false);
    // Ids are random: the value that cannot be decrypted may fall into the first batch.
    assert.equal(first.rewrapped + first.failures.length, 2);
    assert.deepEqual(seen, [`reports.content_enc ${first.rewrapped}/7`]);
    const midway = keyIds(await snapshot());
    assert.equal(midway.filter((id) => id === newKey.id).length, first.rewrapped, 'the first batch was committed');
    assert.equal(midway.length, total);

    // Meanwhile an instance that knows both keys reads everything.
    useKeys(newKey, [newKey, TEST_MASTER_KEY, older]);
    for (const report of reports) {
      const view = await t.app.inject({ method: 'GET', url: `/api/v1/reports/${report.id}`, headers: bearer(admin.token) });
      assert.equal(view.statusCode, 200, view.body);
    }

    const progress: string[] = [];
    const second = await rotateMasterKey(rotationContext(), newKey, { batchSize: 2, onProgress: (p) => progress.push(`${p.column} ${p.rewrapped}/${p.pending}${p.done ? ' done' : ''}`) });
    assert.equal(second.completed, true);
    assert.equal(second.rewrapped, total - first.rewrapped - 1);
    // A value that failed is tried again by every run (it is not under the new key), and fails again.
    assert.deepEqual(second.failures, [{ column: 'reports.content_enc', id: corruptId, reason: 'authentication_failed' }]);
    assert.deepEqual(
      byColumn(second.columns.map((c) => [c.column, [c.pending, c.rewrapped, c.failed, c.done]])),
      { 'reports.content_enc': [7 - first.rewrapped, 6 - first.rewrapped, 1, true], 'messages.body_enc': [7, 7, 0, true], 'user_totp.secret_enc': [2, 2, 0, true], others: [0, 0, 0, true] },
    );
    assert.ok(progress.includes('user_totp.secret_enc 2/2 done'), progress.join('\n'));
    assert.ok(progress.includes('messages.body_enc 4/7'), progress.join('\n'));

    const values = await snapshot();
    for (const [where, value] of values) {
      if (where === `reports.content_enc:${corruptId}`) assert.equal(envelopeKeyId(value), TEST_MASTER_KEY.id, 'a value that fails is left as it was');
      else assert.equal(envelopeKeyId(value), newKey.id, where);
    }
    const audit = await systemAudit();
    assert.deepEqual(audit.map((row) => row.action), ['keys.rotation_started', 'keys.rotation_interrupted', 'keys.rotation_started', 'keys.rotation_finished']);
    assert.ok(audit.every((row) => row.actor_type === 'cli'));
    const started = audit[2]!.data as Record<string, unknown>;
    assert.equal(started.newKeyId, newKey.id);
    assert.deepEqual(byColumn(Object.entries(started.pending as Record<string, number>)), { 'reports.content_enc': 7 - first.rewrapped, 'messages.body_enc': 7, 'user_totp.secret_enc': 2, others: 0 });
    const finished = audit[3]!.data as { rewrapped: number; failed: number; failures: unknown[] };
    assert.equal(finished.rewrapped, total - first.rewrapped - 1);
    assert.equal(finished.failed, 1);
    assert.deepEqual(finished.failures, [{ column: 'reports.content_enc', id: corruptId, reason: 'authentication_failed' }]);
    const auditText = JSON.stringify(audit);
    for (const key of [newKey, TEST_MASTER_KEY, older]) {
      assert.ok(!auditText.includes(key.key.toString('base64')) && !auditText.includes(key.key.toString('hex')), 'no key material in the audit log');
    }
  });

  it('leaves everything readable by the app with only the new key', async () => {
    useKeys(newKey, [newKey]);
    for (const report of reports) {
      const view = await t.app.inject({ method: 'GET', url: `/api/v1/reports/${report.id}`, headers: bearer(admin.token) });
      assert.equal(view.statusCode, 200, view.body);
      const body = view.json();
      assert.equal(body.title, `Rotation report ${report.n}`);
      assert.equal(body.contactEmail, `finder${report.n}@example.net`);
      assert.ok(body.messages.some((message: { body: string }) => message.body === `Reporter message ${report.n}`));
      const asReporter = await t.app.inject({ method: 'GET', url: `/api/v1/reports/${report.id}`, headers: bearer(report.accessToken) });
      assert.equal(asReporter.json().description, `Description ${report.n}`);
    }
    const noted = await t.app.inject({ method: 'GET', url: `/api/v1/reports/${reports[1]!.id}`, headers: bearer(admin.token) });
    assert.ok(noted.json().messages.some((message: { body: string; internal: boolean }) => message.internal && message.body === 'Internal note'));

    // Two-factor secrets: enrolment completes with a code from the secret stored under the old key.
    for (const [userId, { secret, token }] of totpSecrets) {
      const row = await t.context.db.selectFrom('user_totp').select('secret_enc').where('user_id', '=', userId).executeTakeFirstOrThrow();
      assert.equal(decryptFieldText([newKey], row.secret_enc, { table: 'user_totp', column: 'secret_enc', id: userId }), secret);
      const confirm = await t.app.inject({ method: 'POST', url: '/api/v1/auth/2fa/confirm', headers: bearer(token), payload: { code: totpCode(secret, t.clock.now()) } });
      assert.equal(confirm.statusCode, 200, confirm.body);
    }

    // New writes use the new key.
    const fresh = await t.app.inject({ method: 'POST', url: '/api/v1/projects/alpha/reports', payload: intake(7) });
    const row = await t.context.db.selectFrom('reports').select('content_enc').where('id', '=', fresh.json().id).executeTakeFirstOrThrow();
    assert.equal(envelopeKeyId(row.content_enc), newKey.id);
  });

  it('changes nothing when run again', async () => {
    const before = await snapshot();
    const rerun: RotationResult = await rotateMasterKey({ ...t.context, keyring: { current: newKey, lookup: [newKey, TEST_MASTER_KEY, older] } }, newKey, { batchSize: 2 });
    assert.equal(rerun.completed, true);
    assert.equal(rerun.rewrapped, 0);
    assert.deepEqual(byColumn(rerun.columns.map((c) => [c.column, c.pending])), { 'reports.content_enc': 1, 'messages.body_enc': 0, 'user_totp.secret_enc': 0, others: 0 }, 'only the value that cannot be decrypted is left');
    assert.equal(rerun.failures.length, 1);
    assert.deepEqual(await snapshot(), before);
    assert.equal((await systemAudit()).at(-1)!.action, 'keys.rotation_finished');
  });

  it('never overwrites a value that changed after it was read', async () => {
    const column = ENCRYPTED_COLUMNS.find((c) => c.table === 'messages')!;
    const message = await t.context.db.selectFrom('messages').select(['id', 'body_enc']).limit(1).executeTakeFirstOrThrow();
    assert.equal(await replaceValue(t.context.db, column, message.id, `${message.body_enc}x`, 'replacement'), false);
    const after = await t.context.db.selectFrom('messages').select('body_enc').where('id', '=', message.id).executeTakeFirstOrThrow();
    assert.equal(after.body_enc, message.body_enc);
  });
});

// ---- The command, as an operator runs it ----

describe('embargo keys rotate (CLI, embedded database)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'embargo-keys-'));
  after(async () => {
    await cleanUpCli();
    rmSync(dir, { recursive: true, force: true });
  });

  it('generates a key, rotates a data directory to it, and the server then runs with only the new key', async () => {
    const env = environment(dir);
    const server = await serve(env);
    const submitted = await fetch(`${server.url}/api/v1/projects/demo/reports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Key rotation by CLI', description: 'd', stepsToReproduce: 's', impact: 'i', affectedVersions: ['1.0.0'] }),
    });
    assert.equal(submitted.status, 201, await submitted.clone().text());
    const { id, accessToken } = (await submitted.json()) as { id: string; accessToken: string };
    const posted = await fetch(`${server.url}/api/v1/reports/${id}/messages`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(accessToken) }, body: JSON.stringify({ body: 'A reply' }) });
    assert.equal(posted.status, 201);
    assertExit(await stop(server), 0, 'serve');
    const oldKey = parseMasterKey(readFileSync(path.join(dir, 'secrets/master.key'), 'utf8'), 'old key');

    const keyFile = path.join(dir, 'new.key');
    const generated = await run(['keys', 'generate', '--out', keyFile], env);
    assertExit(generated, 0, 'keys generate --out');
    const newKey = parseMasterKey(readFileSync(keyFile, 'utf8'), 'new key');
    assert.match(generated.stdout, new RegExp(`^Wrote a new master key \\(id ${newKey.id}\\) to ${keyFile}\\.$`, 'm'));
    const printed = await run(['keys', 'generate'], env);
    assertExit(printed, 0, 'keys generate');
    assert.match(printed.stdout, /^[A-Za-z0-9+/]{43}=\n$/);

    const rotated = await run(['keys', 'rotate', '--new-key-file', keyFile, '--batch-size', '1'], env);
    assertExit(rotated, 0, 'keys rotate');
    assert.equal(rotated.stderr, '');
    const lines = rotated.stdout.split('\n');
    assert.equal(lines[0], `Re-wrapping every encrypted value under master key ${newKey.id} (decrypting with the configured key(s) ${oldKey.id}).`);
    for (const expected of [
      'reports.content_enc: 1/1 re-wrapped',
      'reports.content_enc: 1/1 re-wrapped, done',
      'messages.body_enc: 1/1 re-wrapped',
      'user_totp.secret_enc: nothing to re-wrap',
      `Done: 2 value(s) re-wrapped under key ${newKey.id}.`,
      `  EMBARGO_MASTER_KEY_FILE=${keyFile}`,
      `  EMBARGO_PREVIOUS_MASTER_KEYS=<the old master key (id ${oldKey.id}): the contents of ${path.join(dir, 'secrets/master.key')}>`,
    ]) {
      assert.ok(lines.includes(expected), `prints ${JSON.stringify(expected)}:\n${rotated.stdout}`);
    }
    for (const key of [oldKey, newKey]) assert.ok(!rotated.stdout.includes(key.key.toString('base64')), 'never prints key material');

    const again = await run(['keys', 'rotate', '--new-key-file', keyFile], env);
    assertExit(again, 0, 'keys rotate again');
    assert.match(again.stdout, new RegExp(`^Done: 0 value\\(s\\) re-wrapped under key ${newKey.id}\\.$`, 'm'));
    assert.equal(again.stdout.match(/: nothing to re-wrap$/gm)?.length, ENCRYPTED_COLUMNS.length);

    // Only the new key (no previous keys): the server reads what was written under the old one.
    const restarted = await serve(environment(dir, { EMBARGO_MASTER_KEY_FILE: keyFile }));
    const view = await fetch(`${restarted.url}/api/v1/reports/${id}`, { headers: bearer(accessToken) });
    const body = (await view.json()) as { title: string; messages: { body: string }[] };
    assertExit(await stop(restarted), 0, 'serve with the new key');
    assert.equal(view.status, 200, JSON.stringify(body));
    assert.equal(body.title, 'Key rotation by CLI');
    assert.deepEqual(body.messages.map((message) => message.body), ['A reply']);
  });

  it('refuses a missing, unreadable or unsafe new key before touching the database', async () => {
    const sub = mkdtempSync(path.join(dir, 'bad-'));
    const loose = path.join(sub, 'loose.key');
    writeFileSync(loose, `${randomBytes(32).toString('base64')}\n`);
    chmodSync(loose, 0o644);
    const env = environment(sub, { EMBARGO_NEW_KEY_SHORT: randomBytes(16).toString('base64') });
    const [none, both, mode, unset, short] = await Promise.all([
      run(['keys', 'rotate'], env),
      run(['keys', 'rotate', '--new-key-file', loose, '--new-key-env', 'X'], env),
      run(['keys', 'rotate', '--new-key-file', loose], env),
      run(['keys', 'rotate', '--new-key-env', 'EMBARGO_NO_SUCH_VARIABLE'], env),
      run(['keys', 'rotate', '--new-key-env', 'EMBARGO_NEW_KEY_SHORT'], env),
    ]);
    for (const [result, pattern] of [
      [none, /give exactly one of --new-key-file FILE or --new-key-env VAR/],
      [both, /give exactly one of/],
      [mode, /has mode 0644 .*chmod 600/],
      [unset, /the environment variable EMBARGO_NO_SUCH_VARIABLE is not set/],
      [short, /--new-key-env EMBARGO_NEW_KEY_SHORT: the master key must be exactly 32 bytes, got 16/],
    ] as const) {
      assertExit(result, 2, String(pattern));
      assert.match(result.stderr, pattern);
      assert.doesNotMatch(result.stderr, /^\s+at /m, 'a message, not a stack trace');
    }
    assert.throws(() => readFileSync(path.join(sub, 'secrets/master.key')), 'no database or key was created');
  });
});
