import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { sql } from 'kysely';
import { assertExit, assertNoStackTrace, cleanUpCli, environment, getJson, run, serve, stop, tempDir } from '../support/cli.js';
import { createTestDatabase, TEST_DB_KIND } from '../support/test-db.js';

// The CLI as an operator meets it, on a fresh data directory per test (helpers: test/support/cli.ts).

const PASSWORD = 'correct horse battery staple';

afterEach(cleanUpCli);

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A policy with three problems; the one on line 6 sits at column 20. */
const BROKEN_POLICY = ['version: 1', 'projects:', '  - slug: demo', '    name: Demo', '    timeline:', '      acknowledge: soon', ''].join('\n');

describe('embargo CLI', () => {
  it('prints usage for --help, for every command, and exits 2 without a command', async () => {
    const env = environment(tempDir());
    const top = await run(['--help'], env);
    assertExit(top, 0, '--help');
    assert.match(top.stdout, /^Usage: embargo <command> \[options\]/);

    const [short, helpWord, none] = await Promise.all([run(['-h'], env), run(['help'], env), run([], env)]);
    assertExit(short, 0, '-h');
    assertExit(helpWord, 0, 'help');
    assert.equal(short.stdout, top.stdout);
    assertExit(none, 2, 'no command');
    assert.match(none.stdout, /^Usage: embargo/);

    // Every command the top-level help lists, so a new command cannot ship without its own help.
    const listed = [...top.stdout.split('\nCommands:\n')[1]!.split('\n\n')[0]!.matchAll(/^ {2}([a-z][\w-]*(?: [a-z][\w-]*)*) {2,}\S/gm)].map((match) => match[1]!);
    for (const name of ['serve', 'migrate', 'policy check', 'user add']) assert.ok(listed.includes(name), `lists ${name}: ${listed.join(', ')}`);
    const results = await Promise.all(listed.map((name) => run([...name.split(' '), '--help'], env)));
    listed.forEach((name, index) => {
      const result = results[index]!;
      assertExit(result, 0, `${name} --help`);
      assert.match(result.stdout, new RegExp(`^Usage: embargo ${escape(name)}\\b`), `${name} --help`);
      assert.match(result.stdout, /--help  Show this help/, `${name} --help`);
    });
    assert.match(results[listed.indexOf('policy check')]!.stdout, /^Usage: embargo policy check FILE\n/);
    assert.match(results[listed.indexOf('user add')]!.stdout, /^Usage: embargo user add --email E --role admin\|maintainer\|viewer .*--password-stdin\n/);
    assert.match(results[listed.indexOf('user add')]!.stdout, /--password-stdin  Read the password from standard input/);
    // "serve --help" must not have started anything.
    assert.ok(!existsSync(path.join(env.EMBARGO_DATA_DIR!, 'embargo.lock')));
    assert.ok(!existsSync(path.join(env.EMBARGO_DATA_DIR!, 'pgdata')));
  });

  it('exits 2 on an unknown command, an unknown option or a missing argument', async () => {
    const env = environment(tempDir());
    const [unknown, option, missing] = await Promise.all([run(['frobnicate'], env), run(['migrate', '--bogus'], env), run(['policy', 'check'], env)]);
    assertExit(unknown, 2, 'unknown command');
    assert.match(unknown.stderr, /unknown command "frobnicate"/);
    assert.match(unknown.stderr, /Usage: embargo <command>/);
    assertExit(option, 2, 'unknown option');
    assert.match(option.stderr, /^embargo migrate: .*--bogus/m);
    assertExit(missing, 2, 'missing argument');
    assert.match(missing.stderr, /^embargo policy check: expected 1 argument/m);
  });

  it('policy check accepts the example policy', async () => {
    const result = await run(['policy', 'check', 'examples/embargo.yaml'], environment(tempDir()));
    assertExit(result, 0, 'policy check');
    assert.match(result.stdout, /^examples\/embargo\.yaml: OK, 1 project\(s\): demo$/m);
    assert.equal(result.stderr, '');
  });

  it('policy check prints each problem of a broken policy as file:line:column and exits 1', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'policy.yaml');
    writeFileSync(file, BROKEN_POLICY);
    const result = await run(['policy', 'check', file], environment(dir));
    assertExit(result, 1, 'policy check');
    assertNoStackTrace(result);
    const lines = result.stderr.trimEnd().split('\n');
    const summary = lines.pop()!;
    assert.equal(summary, `${lines.length} problem(s) in ${file}.`);
    assert.ok(lines.length >= 2, result.stderr);
    for (const line of lines) assert.match(line, new RegExp(`^${escape(file)}:\\d+:\\d+: \\S`), line);
    assert.ok(lines.includes(`${file}:6:20: projects[0].timeline.acknowledge: expected a positive duration such as "48 hours", "5 business days", "14 days" or "1 week", got "soon"`), result.stderr);
    assert.ok(lines.some((line) => line.startsWith(`${file}:3:5: projects[0].ecosystem: missing required key "ecosystem"`)), result.stderr);
  });

  it('migrate applies the migrations once, then says the database is up to date', async () => {
    const dataDir = tempDir();
    const env = environment(dataDir);
    const first = await run(['migrate'], env);
    assertExit(first, 0, 'first migrate');
    assert.match(first.stdout, /^Applied [1-9]\d* migration\(s\): /m);
    assert.ok(existsSync(path.join(dataDir, 'pgdata')), 'the embedded database lives in the data directory');
    assert.ok(!existsSync(path.join(dataDir, 'embargo.lock')), 'the lock is released on exit');
    const second = await run(['migrate'], env);
    assertExit(second, 0, 'second migrate');
    assert.match(second.stdout, /^The database is up to date\.$/m);
  });

  it('user add creates team members and explains what is wrong with bad input', async () => {
    const env = environment(tempDir());
    const created = await run(['user', 'add', '--email', 'Admin@Example.org', '--role', 'admin', '--password-stdin'], env, `${PASSWORD}\n`);
    assertExit(created, 0, 'user add');
    assert.match(created.stdout, /^Created admin@example\.org: admin on every project\.$/m);

    // The user exists now: a second grant needs no password and updates them.
    const granted = await run(['user', 'add', '--email', 'admin@example.org', '--role', 'viewer', '--project', 'demo'], env);
    assertExit(granted, 0, 'user add (existing user)');
    assert.match(granted.stdout, /^Updated admin@example\.org: viewer on demo\.$/m);

    const short = await run(['user', 'add', '--email', 'short@example.org', '--role', 'admin', '--password-stdin'], env, 'too-short\n');
    assertExit(short, 1, 'too-short password');
    assert.match(short.stderr, /^embargo user add: .*\(VALIDATION_FAILED\)$/m);
    assert.match(short.stderr, /^  password: .*at least \d+ characters/im);

    const project = await run(['user', 'add', '--email', 'maint@example.org', '--role', 'maintainer', '--project', 'nope', '--password-stdin'], env, `${PASSWORD}\n`);
    assertExit(project, 1, 'unknown project');
    assert.match(project.stderr, /project: no project "nope" in the policy; known: demo/);

    const role = await run(['user', 'add', '--email', 'king@example.org', '--role', 'king', '--password-stdin'], env, `${PASSWORD}\n`);
    assertExit(role, 2, 'bad role');
    assert.match(role.stderr, /--role must be one of admin, maintainer, viewer, got "king"/);

    const email = await run(['user', 'add', '--email', 'not-an-email', '--role', 'admin', '--password-stdin'], env, `${PASSWORD}\n`);
    assertExit(email, 1, 'bad email');
    assert.match(email.stderr, /email: not an email address/);

    const missing = await run(['user', 'add', '--role', 'admin'], env);
    assertExit(missing, 2, 'missing --email');
    assert.match(missing.stderr, /--email and --role are required/);

    // None of the failed attempts created anyone: without a password they still count as new users.
    for (const address of ['short@example.org', 'maint@example.org']) {
      const again = await run(['user', 'add', '--email', address, '--role', 'viewer'], env);
      assertExit(again, 1, `${address} was not created`);
      assert.match(again.stderr, /password: a new user needs a password \(--password-stdin\)/);
    }
  });

  it('serve answers health, readiness and the API document, holds the data directory and stops cleanly on SIGTERM', async () => {
    const dataDir = tempDir();
    const env = environment(dataDir);
    const server = await serve(env);
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.doesNotMatch(server.url, /:0$/, 'prints the port it actually listens on');
    assert.match(server.stdout(), new RegExp(`with the embedded database in ${escape(dataDir)}\\.`));

    assert.deepEqual(await getJson(`${server.url}/healthz`), { status: 200, body: { status: 'ok' } });
    assert.deepEqual(await getJson(`${server.url}/readyz`), { status: 200, body: { status: 'ready' } });
    const openapi = await getJson(`${server.url}/openapi.json`);
    assert.equal(openapi.status, 200);
    assert.match(String(openapi.body.openapi), /^3\.1\.\d+$/);
    assert.ok(Object.keys(openapi.body.paths as object).includes('/api/v1/auth/login'));

    const lock = JSON.parse(readFileSync(path.join(dataDir, 'embargo.lock'), 'utf8')) as { pid: number };
    assert.equal(lock.pid, server.child.pid);
    const blocked = await run(['user', 'add', '--email', 'admin@example.org', '--role', 'admin', '--password-stdin'], env, `${PASSWORD}\n`);
    assertExit(blocked, 1, 'user add while serve runs');
    assertNoStackTrace(blocked);
    assert.match(blocked.stderr, new RegExp(`The data directory ${escape(dataDir)} is in use by process ${server.child.pid} \\(embargo serve`));
    assert.match(blocked.stderr, /stop the Embargo server first/);
    assert.deepEqual(await getJson(`${server.url}/readyz`), { status: 200, body: { status: 'ready' } }, 'the refused command left the server alone');

    const stopped = await stop(server);
    assertExit(stopped, 0, 'serve after SIGTERM');
    assert.equal(stopped.signal, null);
    assert.match(stopped.stdout, /SIGTERM received: finishing requests in flight, then stopping\./);
    assert.ok(!existsSync(path.join(dataDir, 'embargo.lock')), 'the lock is released');

    const after = await run(['user', 'add', '--email', 'admin@example.org', '--role', 'admin', '--password-stdin'], env, `${PASSWORD}\n`);
    assertExit(after, 0, 'user add after the server stopped');
    assert.match(after.stdout, /^Created admin@example\.org/m);
  });

  it('serve refuses a bad PORT, naming the variable', async () => {
    for (const port of ['abc', '70000']) {
      const dataDir = tempDir();
      const result = await run(['serve'], environment(dataDir, { PORT: port }));
      assert.notEqual(result.code, 0, `PORT=${port}: ${result.stdout}`);
      assert.equal(result.signal, null);
      assertNoStackTrace(result);
      assert.match(result.stderr, new RegExp(`^  - PORT \\(setting "port"\\): expected a port .*; got "${port}"$`, 'm'));
      assert.match(result.stderr, /Fix the environment variable/);
      assert.doesNotMatch(result.stdout, /running at/);
      assert.ok(!existsSync(path.join(dataDir, 'pgdata')), 'nothing was opened');
    }
  });

  it('serve refuses a broken policy, printing file:line:column', async () => {
    const dataDir = tempDir();
    const file = path.join(dataDir, 'broken.yaml');
    writeFileSync(file, BROKEN_POLICY);
    const result = await run(['serve'], environment(dataDir, { EMBARGO_CONFIG: file }));
    assert.notEqual(result.code, 0, result.stdout);
    assert.equal(result.signal, null);
    assertNoStackTrace(result);
    assert.match(result.stderr, new RegExp(`^The policy file ${escape(file)} has problems:$`, 'm'));
    assert.match(result.stderr, new RegExp(`^${escape(file)}:6:20: projects\\[0\\]\\.timeline\\.acknowledge: `, 'm'));
    assert.match(result.stderr, new RegExp(`check with: embargo policy check ${escape(file)}`));
    assert.doesNotMatch(result.stdout, /running at/);
    assert.ok(!existsSync(path.join(dataDir, 'embargo.lock')));
  });

  it('a settings file that is not YAML stops a command with a message, not a stack trace', async () => {
    const dataDir = tempDir();
    const file = path.join(dataDir, 'settings.yaml');
    writeFileSync(file, 'port: [8080\n');
    const result = await run(['migrate'], environment(dataDir, { EMBARGO_SETTINGS_FILE: file }));
    assertExit(result, 1, 'migrate with a broken settings file');
    assertNoStackTrace(result);
    assert.match(result.stderr, new RegExp(`^EMBARGO_SETTINGS_FILE=${escape(file)}: not valid YAML`, 'm'));
  });
});

describe('embargo CLI on PostgreSQL', { skip: TEST_DB_KIND !== 'postgres' && 'set EMBARGO_TEST_DB=postgres to run' }, () => {
  it('migrate and serve use DATABASE_URL, and the CLI may run beside the server', async (t) => {
    const database = await createTestDatabase({ poolSize: 1 });
    t.after(() => database.close());
    const dataDir = tempDir();
    // Every instance on a shared database needs the same key: nothing is generated per data directory.
    const env = environment(dataDir, { DATABASE_URL: database.url!, EMBARGO_MASTER_KEY: randomBytes(32).toString('base64') });

    const first = await run(['migrate'], env);
    assertExit(first, 0, 'first migrate');
    assert.match(first.stdout, /^Applied [1-9]\d* migration\(s\): /m);
    const second = await run(['migrate'], env);
    assertExit(second, 0, 'second migrate');
    assert.match(second.stdout, /^The database is up to date\.$/m);
    const migrations = await sql<{ name: string }>`select name from embargo_migrations`.execute(database.db);
    assert.ok(migrations.rows.length > 0, 'the migrations went to the PostgreSQL database');

    const server = await serve(env);
    assert.match(server.stdout(), /with PostgreSQL\./);
    assert.deepEqual(await getJson(`${server.url}/readyz`), { status: 200, body: { status: 'ready' } });
    assert.ok(!existsSync(path.join(dataDir, 'embargo.lock')), 'no embedded-database lock on PostgreSQL');
    assert.ok(!existsSync(path.join(dataDir, 'pgdata')));

    const added = await run(['user', 'add', '--email', 'admin@example.org', '--role', 'admin', '--password-stdin'], env, `${PASSWORD}\n`);
    assertExit(added, 0, 'user add while serve runs on PostgreSQL');
    const users = await database.db.selectFrom('users').select('email').execute();
    assert.deepEqual(users, [{ email: 'admin@example.org' }]);

    const stopped = await stop(server);
    assertExit(stopped, 0, 'serve after SIGTERM');
  });
});
