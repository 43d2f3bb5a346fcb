import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
export const GOLDEN_DIR = path.join(repoRoot, 'test/fixtures/exports');

/**
 * Compares `actual` with test/fixtures/exports/<name>, or rewrites the file when `update` is set
 * (tests pass UPDATE_GOLDEN=1 through). Review a rewritten golden file like code.
 */
export function assertGolden(name: string, actual: unknown, update: boolean): void {
  const file = path.join(GOLDEN_DIR, name);
  const text = `${JSON.stringify(actual, null, 2)}\n`;
  if (update) {
    mkdirSync(GOLDEN_DIR, { recursive: true });
    writeFileSync(file, text);
    return;
  }
  assert.ok(existsSync(file), `golden file ${name} is missing: run the tests with UPDATE_GOLDEN=1 to create it`);
  assert.deepEqual(JSON.parse(text), JSON.parse(readFileSync(file, 'utf8')), `${name} differs from the golden file (UPDATE_GOLDEN=1 rewrites it)`);
}
