import { createHash, createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

/**
 * Second factor: RFC 6238 TOTP over RFC 4226 HOTP, with the parameters every authenticator app
 * understands (SHA-1, 6 digits, 30-second steps), and single-use recovery codes.
 */

// ---- RFC 4648 base32 ----

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function base32Encode(bytes: Buffer): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/**
 * Lenient in what people type (case, spaces, dashes, '=' padding), strict about everything else:
 * an unknown character or non-zero leftover bits mean the secret was mistyped.
 */
export function base32Decode(text: string): Buffer {
  const clean = text.replace(/[\s-]/g, '').replace(/=+$/, '').toUpperCase();
  if ([1, 3, 6].includes(clean.length % 8)) throw new Error('invalid base32 length');
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const char of clean) {
    const index = BASE32.indexOf(char);
    if (index < 0) throw new Error('invalid base32 character');
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
    value &= (1 << bits) - 1;
  }
  if (value !== 0) throw new Error('invalid base32 padding bits');
  return Buffer.from(out);
}

// ---- RFC 4226 HOTP and RFC 6238 TOTP ----

export type OtpAlgorithm = 'sha1' | 'sha256' | 'sha512';
export type OtpOptions = { digits?: number; algorithm?: OtpAlgorithm; period?: number };

const DEFAULTS = { digits: 6, algorithm: 'sha1', period: 30 } as const;

export function hotp(key: Buffer, counter: number | bigint, { digits = DEFAULTS.digits, algorithm = DEFAULTS.algorithm }: OtpOptions = {}): string {
  if (!Number.isInteger(digits) || digits < 6 || digits > 10) throw new RangeError('digits must be 6 to 10');
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac(algorithm, key).update(message).digest();
  // Dynamic truncation (RFC 4226 section 5.3).
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return (binary % 10 ** digits).toString().padStart(digits, '0');
}

export function totpStep(at: Date, period: number = DEFAULTS.period): number {
  return Math.floor(at.getTime() / 1000 / period);
}

export function generateTotpSecret(): string {
  return base32Encode(randomBytes(20));
}

export function totpCode(secretBase32: string, at: Date, options: OtpOptions = {}): string {
  return hotp(base32Decode(secretBase32), totpStep(at, options.period), options);
}

export type TotpVerifyOptions = OtpOptions & { window?: number; lastUsedStep?: number };
export type TotpVerification = { ok: true; step: number } | { ok: false };

/**
 * Accepts a code from `window` steps either side of `at` (clock drift). A step at or before
 * `lastUsedStep` is refused even when the code is right: an observed code must not log in twice.
 * Store the returned step as the next `lastUsedStep`.
 */
export function verifyTotp(secretBase32: string, code: string, at: Date, options: TotpVerifyOptions = {}): TotpVerification {
  const { window = 1, lastUsedStep, ...otp } = options;
  const digits = otp.digits ?? DEFAULTS.digits;
  if (!Number.isInteger(window) || window < 0 || window > 10) throw new RangeError('window must be 0 to 10');
  const given = code.replace(/\s/g, '');
  if (given.length !== digits || !/^[0-9]+$/.test(given)) return { ok: false };
  const key = base32Decode(secretBase32);
  const current = totpStep(at, otp.period);
  let matched: number | null = null;
  // Check every step in the window without stopping early, so timing says nothing about which one matched.
  for (let step = current - window; step <= current + window; step += 1) {
    if (step < 0) continue;
    const equal = timingSafeEqual(Buffer.from(hotp(key, step, otp)), Buffer.from(given));
    if (equal && (lastUsedStep === undefined || step > lastUsedStep)) matched ??= step;
  }
  return matched === null ? { ok: false } : { ok: true, step: matched };
}

export function otpauthUri({ secret, accountName, issuer }: { secret: string; accountName: string; issuer: string }): string {
  // Key URI format: issuer prefix and parameter both, colons in the label are encoded.
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(accountName)}`;
  const params = new URLSearchParams({ secret: secret.replace(/=+$/, ''), issuer, algorithm: 'SHA1', digits: '6', period: '30' });
  return `otpauth://totp/${label}?${params.toString().replace(/\+/g, '%20')}`;
}

// ---- Recovery codes ----

/**
 * Crockford's base32 alphabet: 32 symbols (5 bits each) without i, l, o and u, so nothing reads as
 * another symbol; a typed i/l is taken as 1 and o as 0.
 */
const RECOVERY_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const RECOVERY_GROUPS = 3;
const RECOVERY_GROUP_LENGTH = 4;

/** Each code is 12 symbols of 5 bits: 60 bits, shown as `xxxx-xxxx-xxxx`. Store only hashRecoveryCode(code). */
export function generateRecoveryCodes(count = 10): string[] {
  if (!Number.isInteger(count) || count < 1 || count > 100) throw new RangeError('count must be 1 to 100');
  const codes = new Set<string>();
  while (codes.size < count) {
    const groups: string[] = [];
    for (let g = 0; g < RECOVERY_GROUPS; g += 1) {
      let group = '';
      for (let i = 0; i < RECOVERY_GROUP_LENGTH; i += 1) group += RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)];
      groups.push(group);
    }
    codes.add(groups.join('-'));
  }
  return [...codes];
}

export function normaliseRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[\s-]/g, '').replace(/[il]/g, '1').replace(/o/g, '0');
}

/**
 * 60 random bits are far beyond guessing online, so a plain SHA-256 (compared in constant time,
 * like other tokens) is enough; Argon2 would only slow every recovery login.
 */
export function hashRecoveryCode(code: string): string {
  return createHash('sha256').update(normaliseRecoveryCode(code), 'utf8').digest('hex');
}
