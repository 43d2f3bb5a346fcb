import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { CONFIG_DOCS, SETTINGS_FILE_ENV } from '../src/config/config.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('documents every setting Embargo reads', () => {
    const missing = [...CONFIG_DOCS.map((doc) => doc.env), SETTINGS_FILE_ENV].filter((env) => !readme.includes(`\`${env}\``));
    assert.deepEqual(missing, []);
  });

  it('gives the two set-up commands', () => {
    assert.ok(readme.includes('npm install && npm start'));
    assert.ok(readme.includes('npm test'));
  });
});
