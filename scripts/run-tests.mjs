#!/usr/bin/env node
// Runs test files with Node's test runner through tsx. Node 20's runner does not expand globs, so the
// files are found here. Usage: node scripts/run-tests.mjs [unit|integration|all] [--postgres]
// --postgres runs on the PostgreSQL at EMBARGO_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/test);
// when it is unreachable the run is skipped with a message, unless EMBARGO_TEST_REQUIRE_PG=1 (CI).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';

const args = process.argv.slice(2);
const tier = args.find((arg) => !arg.startsWith('--')) ?? 'all';
const postgres = args.includes('--postgres');
const root = path.resolve(import.meta.dirname, '..');

function find(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      // Browser and fault tests have runners of their own (npm run test:e2e, npm run test:faults).
      if (!['node_modules', 'e2e', 'faults'].includes(entry.name)) out.push(...find(full));
    } else if (entry.name.endsWith('.test.ts')) {
      out.push(path.relative(root, full));
    }
  }
  return out;
}

const all = [...find(path.join(root, 'src')), ...find(path.join(root, 'test'))].sort();
const isIntegration = (file) => file.endsWith('.int.test.ts');
const files = tier === 'unit' ? all.filter((f) => !isIntegration(f)) : tier === 'integration' ? all.filter(isIntegration) : all;
if (files.length === 0) {
  console.error(`no test files for tier "${tier}"`);
  process.exit(1);
}

const env = { ...process.env };
if (postgres) {
  const url = env.EMBARGO_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.end();
  } catch (error) {
    const message = `PostgreSQL is not reachable at ${url} (${error.message})`;
    if (env.EMBARGO_TEST_REQUIRE_PG === '1') {
      console.error(`${message}; EMBARGO_TEST_REQUIRE_PG=1 makes this a failure.`);
      process.exit(1);
    }
    console.log(`${message}: skipping the PostgreSQL run. Set EMBARGO_TEST_PG_URL to run it.`);
    process.exit(0);
  }
  env.EMBARGO_TEST_DB = 'postgres';
  env.EMBARGO_TEST_PG_URL = url;
}
console.log(`Running ${files.length} ${tier} test file(s) on ${postgres ? 'PostgreSQL' : 'PGlite'}`);
const concurrency = env.EMBARGO_TEST_CONCURRENCY ?? '2';
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...files], { cwd: root, stdio: 'inherit', env });
process.exit(result.status ?? 1);
