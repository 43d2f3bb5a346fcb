#!/usr/bin/env node
// npm run test:faults [-- --fast] [-- NAME ...]
// Runs the fault tests in test/faults/ one file at a time (each starts servers, database clusters or
// mounts of its own). --fast leaves out the slow ones (files named *.slow.fault.test.ts: the
// PostgreSQL outage and the mail relay outage), for CI. NAME filters files by a part of their name.
// Some tests need root (tmpfs mounts, a PostgreSQL cluster run as the postgres user, installing
// nginx); where they cannot run they are skipped with the reason.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
const args = process.argv.slice(2);
const fast = args.includes('--fast');
const names = args.filter((arg) => !arg.startsWith('--'));

const files = readdirSync(path.join(root, 'test/faults'))
  .filter((name) => name.endsWith('.fault.test.ts'))
  .filter((name) => !fast || !name.endsWith('.slow.fault.test.ts'))
  .filter((name) => names.length === 0 || names.some((part) => name.includes(part)))
  .sort()
  .map((name) => path.join('test/faults', name));
if (files.length === 0) {
  console.error(`no fault tests match ${names.join(' ') || '(all)'}`);
  process.exit(1);
}
console.log(`Running ${files.length} fault test file(s)${fast ? ' (fast ones only)' : ''}: ${files.map((file) => path.basename(file)).join(', ')}`);
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, EMBARGO_FAULT_TESTS: '1' },
});
process.exit(result.status ?? 1);
