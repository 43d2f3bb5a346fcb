import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError, loadConfig, SETTINGS_FILE_ENV } from './config.js';

const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

let dir: string;
before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'embargo-config-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

let fileCounter = 0;
function settingsFile(yaml: string): string {
  fileCounter += 1;
  const file = path.join(dir, `settings-${fileCounter}.yaml`);
  writeFileSync(file, yaml);
  return file;
}

/** Asserts loadConfig fails with a ConfigError and returns its message for further checks. */
function configError(env: Record<string, string>): string {
  let caught: unknown;
  try {
    loadConfig(env);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof ConfigError, `expected a ConfigError for ${JSON.stringify(env)}, got ${String(caught)}`);
  assert.equal(caught.name, 'ConfigError');
  return caught.message;
}

describe('loadConfig defaults', () => {
  it('listens on 127.0.0.1:8080 with ./data and the example policy, resolved to absolute paths', () => {
    const config = loadConfig({});
    assert.equal(config.port, 8080);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.dataDir, path.resolve('data'));
    assert.ok(path.isAbsolute(config.dataDir));
    assert.equal(config.policyFile, path.resolve('examples/embargo.yaml'));
    assert.deepEqual(config.roles, ['web', 'worker', 'scheduler']);
    assert.equal(config.databaseUrl, undefined);
    assert.equal(config.sessionSecret, undefined);
    assert.equal(config.publicUrl, 'http://127.0.0.1:8080');
    assert.equal(config.trustProxy, false);
    assert.equal(config.logLevel, 'info');
    assert.equal(config.settingsFile, null);
  });

  it('treats empty environment variables as unset', () => {
    const config = loadConfig({ PORT: '', HOST: '', EMBARGO_ROLES: '' });
    assert.equal(config.port, 8080);
    assert.equal(config.host, '127.0.0.1');
    assert.deepEqual(config.roles, ['web', 'worker', 'scheduler']);
  });

  it('returns a frozen object, roles included', () => {
    const config = loadConfig({});
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.roles));
    assert.throws(() => {
      (config as { port: number }).port = 1;
    }, TypeError);
    assert.throws(() => (config.roles as string[]).push('web'), TypeError);
    assert.equal(config.port, 8080);
  });
});

describe('loadConfig from the environment', () => {
  it('reads each setting from its environment variable and converts types', () => {
    const config = loadConfig({
      PORT: '9090',
      HOST: '0.0.0.0',
      EMBARGO_DATA_DIR: 'var/embargo',
      DATABASE_URL: 'postgresql://embargo@db.internal:5432/embargo',
      EMBARGO_CONFIG: '/etc/embargo/policy.yaml',
      EMBARGO_ROLES: ' web , scheduler,web',
      EMBARGO_SWEEP_INTERVAL_MS: '1500',
      EMBARGO_LOG_LEVEL: 'debug',
      EMBARGO_TRUST_PROXY: 'yes',
      EMBARGO_SECURE_COOKIES: 'true',
    });
    assert.equal(config.port, 9090);
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.dataDir, path.resolve('var/embargo'));
    assert.equal(config.databaseUrl, 'postgresql://embargo@db.internal:5432/embargo');
    assert.equal(config.policyFile, '/etc/embargo/policy.yaml');
    assert.deepEqual(config.roles, ['web', 'scheduler'], 'trimmed and deduplicated');
    assert.equal(config.sweepIntervalMs, 1500);
    assert.equal(config.logLevel, 'debug');
    assert.equal(config.trustProxy, true);
    assert.equal(config.secureCookies, true);
    // A wildcard bind address is not something a browser can open.
    assert.equal(config.publicUrl, 'http://127.0.0.1:9090');
  });

  it('takes an explicit public URL without its trailing slash', () => {
    assert.equal(loadConfig({ EMBARGO_PUBLIC_URL: 'https://security.example.org/' }).publicUrl, 'https://security.example.org');
  });

  it('lets programmatic overrides win over the environment', () => {
    assert.equal(loadConfig({ PORT: '9090' }, { port: 7070 }).port, 7070);
  });
});

describe('loadConfig with a settings file', () => {
  it('reads YAML settings named like the schema, environment variables taking precedence', () => {
    const file = settingsFile(['port: 9000', 'host: 10.0.0.5', 'dataDir: /srv/embargo', 'logLevel: warn', 'trustProxy: true', 'roles: web,worker'].join('\n'));
    const fromFile = loadConfig({ [SETTINGS_FILE_ENV]: file });
    assert.equal(fromFile.port, 9000);
    assert.equal(fromFile.host, '10.0.0.5');
    assert.equal(fromFile.dataDir, '/srv/embargo');
    assert.equal(fromFile.logLevel, 'warn');
    assert.equal(fromFile.trustProxy, true);
    assert.deepEqual(fromFile.roles, ['web', 'worker']);
    assert.equal(fromFile.settingsFile, file);

    const withEnv = loadConfig({ [SETTINGS_FILE_ENV]: file, PORT: '9100', EMBARGO_LOG_LEVEL: 'error' });
    assert.equal(withEnv.port, 9100);
    assert.equal(withEnv.logLevel, 'error');
    assert.equal(withEnv.host, '10.0.0.5', 'settings the environment does not set still come from the file');
    assert.equal(withEnv.publicUrl, 'http://10.0.0.5:9100');
  });

  it('accepts an empty settings file', () => {
    const config = loadConfig({ [SETTINGS_FILE_ENV]: settingsFile('# nothing yet\n') });
    assert.equal(config.port, 8080);
  });

  it('rejects a missing file, a file that is not a mapping and a file that is not YAML', () => {
    const missing = path.join(dir, 'missing.yaml');
    const message = configError({ [SETTINGS_FILE_ENV]: missing });
    assert.match(message, new RegExp(literal(`${SETTINGS_FILE_ENV}=${missing}`)));
    assert.match(message, /cannot read/);

    const list = settingsFile('- port\n- host\n');
    assert.match(configError({ [SETTINGS_FILE_ENV]: list }), new RegExp(`${literal(list)}: expected a mapping`));

    const broken = settingsFile('port: [8080\n');
    const yamlMessage = configError({ [SETTINGS_FILE_ENV]: broken });
    assert.match(yamlMessage, new RegExp(literal(`${SETTINGS_FILE_ENV}=${broken}`)));
    assert.match(yamlMessage, /not valid YAML/);
  });

  it('rejects an unknown key, naming the file, the key and the known settings', () => {
    const file = settingsFile('port: 9000\nprot: 9001\n');
    const message = configError({ [SETTINGS_FILE_ENV]: file });
    assert.match(message, new RegExp(literal(`${SETTINGS_FILE_ENV} (${file}): unknown setting(s) prot`)));
    assert.match(message, /known settings are port, host, dataDir/);
    assert.match(message, new RegExp(literal(`Fix the environment variable or ${file} and start again`)));
  });

  it('names the environment variable for a bad value that came from the file', () => {
    const file = settingsFile('port: eighty\n');
    const message = configError({ [SETTINGS_FILE_ENV]: file });
    assert.match(message, /PORT \(setting "port"\): expected a port number; got "eighty"/);
    assert.match(message, new RegExp(literal(`Fix the environment variable or ${file}`)));
  });
});

describe('loadConfig rejects bad values with a message that says what to fix', () => {
  const cases: { env: Record<string, string>; variable: string; hint: RegExp }[] = [
    { env: { PORT: 'abc' }, variable: 'PORT', hint: /expected a port number; got "abc"/ },
    { env: { PORT: '70000' }, variable: 'PORT', hint: /expected a port between 0 and 65535; got "70000"/ },
    { env: { PORT: '80.5' }, variable: 'PORT', hint: /expected a whole number/ },
    { env: { EMBARGO_ROLES: 'web,bogus' }, variable: 'EMBARGO_ROLES', hint: /expected a comma-separated list of web, worker, scheduler; got "web,bogus"/ },
    { env: { DATABASE_URL: 'mysql://x' }, variable: 'DATABASE_URL', hint: /expected a PostgreSQL URL such as postgres:\/\// },
    { env: { EMBARGO_PUBLIC_URL: 'security.example.org' }, variable: 'EMBARGO_PUBLIC_URL', hint: /expected an absolute URL/ },
    { env: { EMBARGO_LOG_LEVEL: 'loud' }, variable: 'EMBARGO_LOG_LEVEL', hint: /got "loud"/ },
    { env: { EMBARGO_TRUST_PROXY: 'maybe' }, variable: 'EMBARGO_TRUST_PROXY', hint: /got "maybe"/ },
    { env: { EMBARGO_SWEEP_INTERVAL_MS: '10' }, variable: 'EMBARGO_SWEEP_INTERVAL_MS', hint: /expected at least 100/ },
  ];
  for (const { env, variable, hint } of cases) {
    it(`${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ')}`, () => {
      const message = configError(env);
      assert.match(message, new RegExp(`^  - ${variable} \\(setting "\\w+"\\): `, 'm'), message);
      assert.match(message, hint);
      assert.match(message, /Fix the environment variable or settings file and start again\./);
    });
  }

  it('reports every problem at once', () => {
    const message = configError({ PORT: 'abc', EMBARGO_ROLES: 'bogus' });
    assert.match(message, /- PORT /);
    assert.match(message, /- EMBARGO_ROLES /);
  });

  it('never echoes a secret back', () => {
    const secret = configError({ EMBARGO_SESSION_SECRET: 'hunter2-is-my-secret' });
    assert.match(secret, /EMBARGO_SESSION_SECRET \(setting "sessionSecret"\): expected at least 32 characters/);
    assert.ok(!secret.includes('hunter2'), secret);

    const url = configError({ DATABASE_URL: 'mysql://admin:hunter2@db.internal/embargo' });
    assert.match(url, /DATABASE_URL/);
    assert.ok(!url.includes('hunter2'), url);
  });
});
