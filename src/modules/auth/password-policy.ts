import { readFileSync } from 'node:fs';
import { MIN_PASSWORD_LENGTH } from '../../platform/crypto/password.js';

/**
 * What a new password must satisfy (NIST SP 800-63B style): long enough, not absurdly long, not on
 * a list of passwords attackers try first, and not built from the account's own email. No
 * composition rules: they push people to "Password123!", which the list check catches anyway.
 */
export const MAX_PASSWORD_LENGTH = 1024;

export type PasswordProblemCode = 'too_short' | 'too_long' | 'common' | 'contains_email';
export type PasswordStrength = { ok: true } | { ok: false; code: PasswordProblemCode; message: string };

/** Shorter local parts ("al@...") would forbid ordinary words; they are not checked. */
const MIN_EMAIL_PART = 3;

let commonPasswords: ReadonlySet<string> | null = null;

/** Read on first use, not at import: most processes (workers, CLI) never check a password. */
function common(): ReadonlySet<string> {
  if (!commonPasswords) {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- a fixed file shipped beside this module
    const text = readFileSync(new URL('./common-passwords.txt', import.meta.url), 'utf8');
    commonPasswords = new Set(
      text
        .split('\n')
        .map((line) => line.trim().toLowerCase())
        .filter((line) => line !== '' && !line.startsWith('#')),
    );
  }
  return commonPasswords;
}

function normalise(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

/** The password and the forms people dress common passwords up in: "Password123!", "!!password". */
function candidates(password: string): string[] {
  const lower = normalise(password).trim();
  const trailing = lower.replace(/[\p{N}\p{P}\p{S}\s]+$/u, '');
  const both = trailing.replace(/^[\p{N}\p{P}\p{S}\s]+/u, '');
  return [lower, trailing, both].filter((candidate) => candidate !== '');
}

export function isCommonPassword(password: string): boolean {
  const list = common();
  return candidates(password).some((candidate) => list.has(candidate));
}

function emailParts(email: string): string[] {
  const at = email.lastIndexOf('@');
  const local = normalise(at < 0 ? email : email.slice(0, at)).trim();
  // "alice+security@" should not allow "alice" in the password either.
  const base = local.split('+')[0] ?? '';
  return [...new Set([local, base])].filter((part) => [...part].length >= MIN_EMAIL_PART);
}

export function checkPasswordStrength(password: string, { email }: { email?: string } = {}): PasswordStrength {
  // Code points, not UTF-16 units: an emoji is one character to the person typing it.
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) {
    return { ok: false, code: 'too_short', message: `Use at least ${MIN_PASSWORD_LENGTH} characters.` };
  }
  if (length > MAX_PASSWORD_LENGTH) {
    return { ok: false, code: 'too_long', message: `Use at most ${MAX_PASSWORD_LENGTH} characters.` };
  }
  if (isCommonPassword(password)) {
    return { ok: false, code: 'common', message: 'This password is too common and is among the first that attackers try.' };
  }
  if (email) {
    const lower = normalise(password);
    if (emailParts(email).some((part) => lower.includes(part))) {
      return { ok: false, code: 'contains_email', message: 'The password must not contain your email address.' };
    }
  }
  return { ok: true };
}
