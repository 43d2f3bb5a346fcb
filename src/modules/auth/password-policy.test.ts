import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { MIN_PASSWORD_LENGTH } from '../../platform/crypto/password.js';
import { checkPasswordStrength, isCommonPassword, MAX_PASSWORD_LENGTH } from './password-policy.js';

const codeOf = (password: string, email?: string): string => {
  const result = checkPasswordStrength(password, email === undefined ? {} : { email });
  return result.ok ? 'ok' : result.code;
};

describe('length', () => {
  it(`needs at least ${MIN_PASSWORD_LENGTH} characters`, () => {
    assert.equal(MIN_PASSWORD_LENGTH, 12);
    assert.equal(codeOf(''), 'too_short');
    assert.equal(codeOf('tr0ub4dor&3'), 'too_short');
    assert.equal(codeOf('tr0ub4dor&3x'), 'ok');
  });

  it('counts characters, not UTF-16 units', () => {
    assert.equal(codeOf('🔐🔐🔐🔐🔐🔐'), 'too_short'); // 12 UTF-16 units, 6 characters
    assert.equal(codeOf('🔐'.repeat(12)), 'ok');
  });

  it(`allows at most ${MAX_PASSWORD_LENGTH} characters`, () => {
    assert.equal(codeOf('correct horse battery staple '.repeat(40).slice(0, MAX_PASSWORD_LENGTH)), 'ok');
    assert.equal(codeOf('x'.repeat(MAX_PASSWORD_LENGTH + 1)), 'too_long');
  });

  it('explains the problem to a person', () => {
    const result = checkPasswordStrength('short');
    assert.ok(!result.ok);
    assert.equal(result.message, 'Use at least 12 characters.');
  });
});

describe('common passwords', () => {
  it('refuses list entries long enough to pass the length rule', () => {
    for (const password of ['qwertyuiopasdfghjkl', '123456789012', '1q2w3e4r5t6y', 'correcthorsebatterystaple', 'abcdefghijkl']) {
      assert.equal(codeOf(password), 'common', password);
    }
  });

  it('compares case-insensitively', () => {
    assert.equal(codeOf('QWERTYUIOPASDFGHJKL'), 'common');
    assert.equal(codeOf('CorrectHorseBatteryStaple'), 'common');
  });

  it('sees through trailing digits and punctuation', () => {
    for (const password of ['Password123!', 'password2024!!', 'Sunshine12345', 'iloveyou!!!!', 'P@ssw0rd2024!', 'Football 1234', 'Dragon#######']) {
      assert.equal(codeOf(password), 'common', password);
    }
  });

  it('sees through leading digits and punctuation too', () => {
    assert.equal(codeOf('!!!!Password!!'), 'common');
    assert.equal(codeOf('2024-monkey-2024'), 'common');
  });

  it('accepts a common word inside a longer passphrase', () => {
    assert.equal(codeOf('password manager on a boat'), 'ok');
    assert.equal(codeOf('dragon-fruit-smoothie-9'), 'ok');
  });

  it('ships a compact, normalised list of about a thousand entries', () => {
    const lines = readFileSync(new URL('./common-passwords.txt', import.meta.url), 'utf8').split('\n').filter((line) => line && !line.startsWith('#'));
    assert.ok(lines.length >= 900 && lines.length <= 2000, String(lines.length));
    assert.equal(new Set(lines).size, lines.length, 'no duplicates');
    for (const line of lines) assert.equal(line, line.trim().toLowerCase(), line);
    for (const entry of ['123456', 'password', 'qwerty', 'letmein', 'iloveyou', 'trustno1', 'p@ssw0rd']) {
      assert.ok(lines.includes(entry), entry);
    }
  });

  it('exposes the list check on its own', () => {
    assert.equal(isCommonPassword('Qwerty'), true);
    assert.equal(isCommonPassword('vellum-kettle-orbit'), false);
  });
});

describe('email', () => {
  it('refuses a password containing the local part of the email, in any case', () => {
    assert.equal(codeOf('my-alice.smith-pw', 'alice.smith@example.org'), 'contains_email');
    assert.equal(codeOf('XXALICE.SMITHXX', 'Alice.Smith@Example.org'), 'contains_email');
  });

  it('also checks the part before a plus tag', () => {
    assert.equal(codeOf('hello-bobsmith-42', 'bobsmith+security@example.org'), 'contains_email');
  });

  it('accepts unrelated passwords and ignores very short local parts', () => {
    assert.equal(codeOf('vellum-kettle-orbit', 'alice@example.org'), 'ok');
    assert.equal(codeOf('a quiet vellum kettle', 'al@example.org'), 'ok');
    assert.equal(codeOf('vellum-kettle-orbit', ''), 'ok');
  });

  it('reports a common password before the email rule', () => {
    assert.equal(codeOf('Password123!', 'password@example.org'), 'common');
  });
});
