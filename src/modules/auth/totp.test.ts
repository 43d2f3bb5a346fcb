import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  base32Decode,
  base32Encode,
  generateRecoveryCodes,
  generateTotpSecret,
  hashRecoveryCode,
  hotp,
  otpauthUri,
  totpCode,
  totpStep,
  verifyTotp,
} from './totp.js';

const RFC_SEED = Buffer.from('12345678901234567890', 'ascii');
const RFC_SECRET = base32Encode(RFC_SEED);
const at = (seconds: number): Date => new Date(seconds * 1000);

describe('base32 (RFC 4648)', () => {
  const vectors: [string, string][] = [
    ['', ''],
    ['f', 'MY'],
    ['fo', 'MZXQ'],
    ['foo', 'MZXW6'],
    ['foob', 'MZXW6YQ'],
    ['fooba', 'MZXW6YTB'],
    ['foobar', 'MZXW6YTBOI'],
  ];
  for (const [plain, encoded] of vectors) {
    it(`encodes and decodes ${JSON.stringify(plain)}`, () => {
      assert.equal(base32Encode(Buffer.from(plain)), encoded);
      assert.equal(base32Decode(encoded).toString(), plain);
    });
  }

  it('encodes the RFC test seed', () => {
    assert.equal(RFC_SECRET, 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
  });

  it('accepts padding, lower case, spaces and dashes', () => {
    assert.equal(base32Decode('MZXW6YTBOI======').toString(), 'foobar');
    assert.equal(base32Decode('mzxw 6ytb-oi').toString(), 'foobar');
  });

  it('round-trips random bytes of every length', () => {
    for (let length = 0; length <= 64; length += 1) {
      const bytes = randomBytes(length);
      assert.deepEqual(base32Decode(base32Encode(bytes)), bytes);
    }
  });

  it('rejects invalid characters, lengths and leftover bits', () => {
    assert.throws(() => base32Decode('MZXW1'), /character/);
    assert.throws(() => base32Decode('MZX'), /length/);
    assert.throws(() => base32Decode('M'), /length/);
    assert.throws(() => base32Decode('MZ'), /padding bits/); // 'MY' is the canonical 'f'
  });
});

describe('HOTP (RFC 4226 Appendix D)', () => {
  const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
  expected.forEach((code, counter) => {
    it(`counter ${counter} gives ${code}`, () => {
      assert.equal(hotp(RFC_SEED, counter), code);
    });
  });

  it('refuses digit counts outside 6 to 10', () => {
    assert.throws(() => hotp(RFC_SEED, 0, { digits: 5 }), RangeError);
    assert.throws(() => hotp(RFC_SEED, 0, { digits: 11 }), RangeError);
  });
});

describe('TOTP (RFC 6238 Appendix B, 8 digits)', () => {
  const seeds = {
    sha1: RFC_SEED,
    sha256: Buffer.from('12345678901234567890123456789012', 'ascii'),
    sha512: Buffer.from('1234567890123456789012345678901234567890123456789012345678901234', 'ascii'),
  };
  const table: [number, string, string, string][] = [
    [59, '94287082', '46119246', '90693936'],
    [1111111109, '07081804', '68084774', '25091201'],
    [1111111111, '14050471', '67062674', '99943326'],
    [1234567890, '89005924', '91819424', '93441116'],
    [2000000000, '69279037', '90698825', '38618901'],
    [20000000000, '65353130', '77737706', '47863826'],
  ];
  for (const [seconds, sha1, sha256, sha512] of table) {
    it(`T = ${seconds}`, () => {
      assert.equal(totpCode(RFC_SECRET, at(seconds), { digits: 8 }), sha1);
      assert.equal(totpCode(base32Encode(seeds.sha256), at(seconds), { digits: 8, algorithm: 'sha256' }), sha256);
      assert.equal(totpCode(base32Encode(seeds.sha512), at(seconds), { digits: 8, algorithm: 'sha512' }), sha512);
      assert.deepEqual(verifyTotp(RFC_SECRET, sha1, at(seconds), { digits: 8, window: 0 }), { ok: true, step: Math.floor(seconds / 30) });
    });
  }

  it('defaults to 6 digits: the last six of the 8-digit code', () => {
    assert.equal(totpCode(RFC_SECRET, at(59)), '287082');
    assert.equal(totpStep(at(59)), 1);
  });
});

describe('verifyTotp', () => {
  // A fixed secret keeps the test deterministic (a random one could make two steps share a code).
  const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
  const now = at(1_700_000_015); // mid-step
  const step = totpStep(now);
  const codeAt = (offset: number): string => totpCode(secret, at((step + offset) * 30));

  it('generates 160-bit base32 secrets', () => {
    const generated = generateTotpSecret();
    assert.match(generated, /^[A-Z2-7]{32}$/);
    assert.equal(base32Decode(generated).length, 20);
    assert.notEqual(generateTotpSecret(), generated);
  });

  it('accepts the current code and reports its step', () => {
    assert.deepEqual(verifyTotp(secret, totpCode(secret, now), now), { ok: true, step });
  });

  it('accepts one step of drift either side by default, not two', () => {
    assert.deepEqual(verifyTotp(secret, codeAt(-1), now), { ok: true, step: step - 1 });
    assert.deepEqual(verifyTotp(secret, codeAt(1), now), { ok: true, step: step + 1 });
    assert.deepEqual(verifyTotp(secret, codeAt(-2), now), { ok: false });
    assert.deepEqual(verifyTotp(secret, codeAt(2), now), { ok: false });
  });

  it('honours a custom window', () => {
    assert.deepEqual(verifyTotp(secret, codeAt(-1), now, { window: 0 }), { ok: false });
    assert.deepEqual(verifyTotp(secret, codeAt(-2), now, { window: 2 }), { ok: true, step: step - 2 });
    assert.throws(() => verifyTotp(secret, codeAt(0), now, { window: -1 }), RangeError);
  });

  it('refuses a step already used, and any earlier one (replay)', () => {
    const code = codeAt(0);
    const first = verifyTotp(secret, code, now);
    assert.ok(first.ok);
    assert.deepEqual(verifyTotp(secret, code, now, { lastUsedStep: first.step }), { ok: false });
    assert.deepEqual(verifyTotp(secret, codeAt(-1), now, { lastUsedStep: first.step }), { ok: false });
    assert.deepEqual(verifyTotp(secret, codeAt(1), now, { lastUsedStep: first.step }), { ok: true, step: step + 1 });
  });

  it('rejects wrong, malformed and wrong-length codes', () => {
    const good = codeAt(0);
    const wrong = String((Number(good) + 1) % 1_000_000).padStart(6, '0');
    for (const code of [wrong, '', '12345', '1234567', 'abcdef', `${good.slice(0, 5)}x`, '-12345', ' '.repeat(6)]) {
      assert.deepEqual(verifyTotp(secret, code, now), { ok: false }, code);
    }
  });

  it('accepts a code typed with spaces', () => {
    const good = codeAt(0);
    assert.equal(verifyTotp(secret, `${good.slice(0, 3)} ${good.slice(3)}`, now).ok, true);
  });

  it('rejects a code for another secret', () => {
    const sha1Code = totpCode(RFC_SECRET, at(59));
    const otherCode = totpCode(base32Encode(Buffer.from('12345678901234567890123456789012')), at(59));
    assert.notEqual(otherCode, sha1Code);
    assert.deepEqual(verifyTotp(RFC_SECRET, otherCode, at(59), { window: 0 }), { ok: false });
  });
});

describe('otpauthUri', () => {
  it('builds a key URI authenticator apps understand', () => {
    const uri = otpauthUri({ secret: 'JBSWY3DPEHPK3PXP', accountName: 'alice@example.org', issuer: 'Embargo' });
    assert.equal(uri, 'otpauth://totp/Embargo:alice%40example.org?secret=JBSWY3DPEHPK3PXP&issuer=Embargo&algorithm=SHA1&digits=6&period=30');
  });

  it('encodes spaces and colons in the label and the issuer', () => {
    const uri = new URL(otpauthUri({ secret: 'JBSWY3DPEHPK3PXP', accountName: 'a:b', issuer: 'Acme Security' }));
    assert.equal(uri.protocol, 'otpauth:');
    assert.equal(uri.host, 'totp');
    assert.equal(uri.pathname, '/Acme%20Security:a%3Ab');
    assert.equal(uri.searchParams.get('issuer'), 'Acme Security');
    assert.ok(!uri.href.includes('+'));
  });
});

describe('recovery codes', () => {
  it('generates ten distinct xxxx-xxxx-xxxx codes from the unambiguous alphabet', () => {
    const codes = generateRecoveryCodes();
    assert.equal(codes.length, 10);
    assert.equal(new Set(codes).size, 10);
    for (const code of codes) assert.match(code, /^[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}$/);
  });

  it('carries at least 60 bits: 12 symbols from 32', () => {
    const symbols = new Set(generateRecoveryCodes(100).join('').replace(/-/g, ''));
    assert.equal(symbols.size, 32);
    assert.ok(12 * Math.log2(32) >= 60);
  });

  it('honours the count and refuses silly ones', () => {
    assert.equal(generateRecoveryCodes(3).length, 3);
    assert.throws(() => generateRecoveryCodes(0), RangeError);
  });

  it('hashes a normalised code: case, dashes, spaces and look-alikes do not matter', () => {
    const hash = hashRecoveryCode('ab10-cdef-g000');
    assert.match(hash, /^[0-9a-f]{64}$/);
    for (const typed of ['AB10-CDEF-G000', 'ab10cdefg000', ' ab10 cdef g000 ', 'abl0-cdef-gOoo', 'abIO-CDEF-G000']) {
      assert.equal(hashRecoveryCode(typed), hash, typed);
    }
    assert.notEqual(hashRecoveryCode('ab10-cdef-g001'), hash);
  });
});
