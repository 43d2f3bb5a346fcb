import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { sql } from 'kysely';
import { createContext } from '../../src/bootstrap.js';
import { main, type Io } from '../../src/cli/main.js';
import { loadConfig } from '../../src/config/config.js';
import { NewerDatabaseError } from '../../src/platform/db/database.js';
import { buildApp } from '../../src/platform/http/app.js';
import { REPO_ROOT } from '../support/test-app.js';

// The embedded database's own backup and restore; PostgreSQL deployments use pg_dump (README).
const POLICY = path.join(REPO_ROOT, 'test/fixtures/policy.yaml');
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'embargo-backup-'));
  dirs.push(dir);
  return dir;
};

function capture(): Io & { text(): string } {
  const lines: string[] = [];
  return { out: (t) => void lines.push(t), err: (t) => void lines.push(t), readStdin: async () => '', text: () => lines.join('\n') };
}

async function withEnv<T>(env: Record<string, string>, work: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  Object.assign(process.env, env);
  try {
    return await work();
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

describe('embedded backup and restore', () => {
  after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('restores a snapshot that serves the same reports with the same master key', async () => {
    const source = tempDir();
    const env = { EMBARGO_DATA_DIR: source, EMBARGO_CONFIG: POLICY, EMBARGO_LOG_LEVEL: 'silent' };
    const config = loadConfig(env);
    const context = await createContext(config, { purpose: 'test' });
    const app = await buildApp(context, { logger: false });
    const intake = await app.inject({ method: 'POST', url: '/api/v1/projects/alpha/reports', payload: { title: 'backed up', description: 'd', stepsToReproduce: 's' } });
    const { id, accessToken } = intake.json();
    await app.close();
    await context.database.close();

    const file = path.join(tempDir(), 'embargo.backup.tar.gz');
    const io = capture();
    assert.equal(await withEnv(env, () => main(['backup', file], io)), 0, io.text());
    assert.match(io.text(), /master\.key/);
    assert.ok(readFileSync(file).length > 1000);

    const target = tempDir();
    const masterKey = readFileSync(path.join(source, 'secrets', 'master.key'), 'utf8').trim();
    const targetEnv = { ...env, EMBARGO_DATA_DIR: target, EMBARGO_MASTER_KEY: masterKey };
    const restoreIo = capture();
    assert.equal(await withEnv(targetEnv, () => main(['restore', file], restoreIo)), 0, restoreIo.text());
    const again = capture();
    assert.equal(await withEnv(targetEnv, () => main(['restore', file], again)), 1, 'an existing database is not overwritten without --force');
    assert.match(again.text(), /--force/);

    const restored = await createContext(loadConfig(targetEnv), { purpose: 'test' });
    const restoredApp = await buildApp(restored, { logger: false });
    try {
      const view = await restoredApp.inject({ method: 'GET', url: `/api/v1/reports/${id}`, headers: { authorization: `Bearer ${accessToken}` } });
      assert.equal(view.statusCode, 200, view.body);
      assert.equal(view.json().title, 'backed up');
    } finally {
      await restoredApp.close();
      await restored.database.close();
    }
  });

  it('refuses to start on a database migrated by a newer Embargo', async () => {
    const dir = tempDir();
    const config = loadConfig({ EMBARGO_DATA_DIR: dir, EMBARGO_CONFIG: POLICY });
    const context = await createContext(config, { purpose: 'test' });
    await sql`insert into embargo_migrations (name, timestamp) values ('29991231T0000_from_the_future', '2999-12-31T00:00:00Z')`.execute(context.db);
    await context.database.close();
    await assert.rejects(createContext(config, { purpose: 'test' }), (error: unknown) => error instanceof NewerDatabaseError && /newer version of Embargo/.test(error.message));
    const io = capture();
    assert.equal(await withEnv({ EMBARGO_DATA_DIR: dir, EMBARGO_CONFIG: POLICY }, () => main(['migrate'], io)), 1);
    assert.match(io.text(), /29991231T0000_from_the_future/);
  });
});
