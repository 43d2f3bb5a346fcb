import assert from 'node:assert/strict';
import { createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  type Aad,
  DecryptionError,
  decryptField,
  decryptFieldText,
  decryptJson,
  encryptField,
  encryptJson,
  envelopeKeyId,
  envelopePrefix,
  loadMasterKey,
  masterKeyFromBytes,
  masterKeyId,
  rewrapField,
} from './envelope.js';

const master = masterKeyFromBytes(randomBytes(32));
const other = masterKeyFromBytes(randomBytes(32));
const AAD: Aad = { table: 'reports', column: 'title', id: '0190b2c4-0000-7000-8000-000000000001' };

function assertFails(fn: () => unknown, reason?: DecryptionError['reason']): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof DecryptionError, `expected a DecryptionError, got ${String(error)}`);
    if (reason) assert.equal(error.reason, reason);
    return true;
  });
}

/** Every raw byte of a base64url segment, split out of an envelope. */
function segments(envelope: string): { wrapped: Buffer; sealed: Buffer } {
  const [, , wrapped, sealed] = envelope.split('.');
  return { wrapped: Buffer.from(wrapped!, 'base64url'), sealed: Buffer.from(sealed!, 'base64url') };
}

describe('envelope format', () => {
  it('is emb1.<8 hex key id>.<80 chars wrapped key>.<nonce+ciphertext+tag>', () => {
    const envelope = encryptField(master, 'RCE in login', AAD);
    const parts = envelope.split('.');
    assert.equal(parts.length, 4);
    assert.equal(parts[0], 'emb1');
    assert.equal(parts[1], master.id);
    assert.match(parts[1]!, /^[0-9a-f]{8}$/);
    assert.equal(parts[2]!.length, 80);
    assert.equal(segments(envelope).sealed.length, 12 + Buffer.byteLength('RCE in login') + 16);
  });

  it('derives the key id from the key', () => {
    assert.equal(master.id, masterKeyId(master.key));
    assert.notEqual(master.id, other.id);
    assert.equal(masterKeyId(Buffer.alloc(32)), '66687aad'); // sha256 of 32 zero bytes starts 66687aad
  });

  it('refuses a master key that is not 32 bytes', () => {
    assert.throws(() => masterKeyFromBytes(randomBytes(16)), /32 bytes/);
    assert.throws(() => encryptField({ id: master.id, key: randomBytes(31) }, 'x', AAD), /32 bytes/);
  });

  it('refuses an empty location', () => {
    assert.throws(() => encryptField(master, 'x', { ...AAD, id: '' }), /aad\.id/);
  });
});

describe('round trips', () => {
  for (const [name, value] of [
    ['the empty string', ''],
    ['unicode', 'Ünïcödé 🔐 日本語 \u0000 nul and \u202e bidi'],
    ['1 MB', 'x'.repeat(1024 * 1024)],
  ] as const) {
    it(name, () => {
      const envelope = encryptField(master, value, AAD);
      assert.equal(decryptFieldText([master], envelope, AAD), value);
    });
  }

  it('binary buffers', () => {
    const bytes = randomBytes(4096);
    assert.deepEqual(decryptField([master], encryptField(master, bytes, AAD), AAD), bytes);
  });

  it('JSON values', () => {
    const value = { cvss: 'CVSS:3.1/AV:N', affected: ['<1.2.3'], nested: { n: 1, ok: true, none: null } };
    assert.deepEqual(decryptJson([master], encryptJson(master, value, AAD), AAD), value);
    assert.equal(decryptJson([master], encryptJson(master, 'text', AAD), AAD), 'text');
    assert.throws(() => encryptJson(master, undefined, AAD), /JSON/);
  });

  it('reports non-JSON and non-UTF-8 contents as malformed', () => {
    assertFails(() => decryptJson([master], encryptField(master, 'not json', AAD), AAD), 'malformed');
    assertFails(() => decryptFieldText([master], encryptField(master, Buffer.from([0xff, 0xfe]), AAD), AAD), 'malformed');
  });
});

describe('randomness', () => {
  /** Unwraps by hand, following the documented format, to see the data key itself. */
  function dataKeyOf(wrapped: Buffer): string {
    const decipher = createDecipheriv('aes-256-gcm', master.key, wrapped.subarray(0, 12));
    decipher.setAAD(Buffer.from(JSON.stringify(['emb1', 'wrap', master.id, AAD.table, AAD.column, AAD.id])));
    decipher.setAuthTag(wrapped.subarray(44));
    return Buffer.concat([decipher.update(wrapped.subarray(12, 44)), decipher.final()]).toString('hex');
  }

  it('never repeats a nonce or a data key across 10,000 encryptions', () => {
    const nonces = new Set<string>();
    const wrapNonces = new Set<string>();
    const dataKeys = new Set<string>();
    for (let i = 0; i < 10_000; i += 1) {
      const { wrapped, sealed } = segments(encryptField(master, 'same plaintext', AAD));
      nonces.add(sealed.subarray(0, 12).toString('hex'));
      wrapNonces.add(wrapped.subarray(0, 12).toString('hex'));
      dataKeys.add(dataKeyOf(wrapped));
    }
    assert.equal(nonces.size, 10_000);
    assert.equal(wrapNonces.size, 10_000);
    assert.equal(dataKeys.size, 10_000);
  });

  it('gives unrelated ciphertexts for equal plaintexts', () => {
    const a = segments(encryptField(master, 'same plaintext', AAD)).sealed.subarray(12, -16);
    const b = segments(encryptField(master, 'same plaintext', AAD)).sealed.subarray(12, -16);
    assert.notDeepEqual(a, b);
  });
});

describe('binding to the location', () => {
  const envelope = encryptField(master, 'secret details', AAD);
  for (const part of ['table', 'column', 'id'] as const) {
    it(`fails when ${part} differs`, () => {
      assertFails(() => decryptField([master], envelope, { ...AAD, [part]: `${AAD[part]}x` }), 'authentication_failed');
    });
  }

  it('does not confuse field boundaries', () => {
    const joined = encryptField(master, 'v', { table: 'a.b', column: 'c', id: '1' });
    assertFails(() => decryptField([master], joined, { table: 'a', column: 'b.c', id: '1' }), 'authentication_failed');
  });

  it('fails when the wrapped key of one envelope is moved into another', () => {
    const second = encryptField(master, 'secret details', AAD).split('.');
    const first = envelope.split('.');
    assertFails(() => decryptField([master], [first[0], first[1], second[2], first[3]].join('.'), AAD));
  });
});

describe('tampering', () => {
  const envelope = encryptField(master, 'payload to protect', AAD);

  it('fails for a flipped bit in any byte of the wrapped key and the sealed data', () => {
    const { wrapped, sealed } = segments(envelope);
    const [version, keyId] = envelope.split('.');
    for (const [name, segment] of [['wrapped', wrapped], ['sealed', sealed]] as const) {
      for (let byte = 0; byte < segment.length; byte += 1) {
        for (const bit of [0x01, 0x80]) {
          const altered = Buffer.from(segment);
          altered[byte]! ^= bit;
          const parts = name === 'wrapped' ? [altered, sealed] : [wrapped, altered];
          const text = [version, keyId, parts[0]!.toString('base64url'), parts[1]!.toString('base64url')].join('.');
          assertFails(() => decryptField([master], text, AAD), 'authentication_failed');
        }
      }
    }
  });

  it('fails for any changed character of the envelope text', () => {
    for (let index = 0; index < envelope.length; index += 1) {
      const replacement = envelope[index] === 'A' ? 'B' : 'A';
      const text = envelope.slice(0, index) + replacement + envelope.slice(index + 1);
      assertFails(() => decryptField([master], text, AAD));
    }
  });

  it('fails for a flipped bit in the key id', () => {
    const [version, keyId, ...rest] = envelope.split('.');
    const flipped = ((parseInt(keyId!, 16) ^ 1) >>> 0).toString(16).padStart(8, '0'); // >>> 0: stay unsigned
    assertFails(() => decryptField([master], [version, flipped, ...rest].join('.'), AAD), 'unknown_key');
    // Even with a key registered under the altered id, the id is authenticated.
    assertFails(() => decryptField([{ id: flipped, key: master.key }], [version, flipped, ...rest].join('.'), AAD), 'authentication_failed');
  });

  it('fails for truncated and extended data', () => {
    const [version, keyId, wrapped, sealed] = envelope.split('.');
    assertFails(() => decryptField([master], [version, keyId, wrapped, sealed!.slice(0, -4)].join('.'), AAD));
    assertFails(() => decryptField([master], [version, keyId, wrapped, `${sealed}AAAA`].join('.'), AAD));
  });
});

describe('keys', () => {
  it('fails with the wrong master key', () => {
    const envelope = encryptField(master, 'x', AAD);
    assertFails(() => decryptField([{ id: master.id, key: other.key }], envelope, AAD), 'authentication_failed');
    assertFails(() => decryptField([other], envelope, AAD), 'unknown_key');
    assertFails(() => decryptField(() => undefined, envelope, AAD), 'unknown_key');
  });

  it('decrypts with a list of keys after rotation, picking by id', () => {
    const before = encryptField(master, 'old', AAD);
    const afterRotation = encryptField(other, 'new', AAD);
    const ring = [other, master];
    assert.equal(decryptFieldText(ring, before, AAD), 'old');
    assert.equal(decryptFieldText(ring, afterRotation, AAD), 'new');
    const byId = new Map(ring.map((key) => [key.id, key]));
    assert.equal(decryptFieldText((id) => byId.get(id), before, AAD), 'old');
  });

  it('tries every key that shares an id', () => {
    const envelope = encryptField(master, 'x', AAD);
    assert.equal(decryptFieldText([{ id: master.id, key: other.key }, master], envelope, AAD), 'x');
  });
});

describe('rewrapField (key rotation)', () => {
  const third = masterKeyFromBytes(randomBytes(32));

  /** Opens the wrapped data key by hand, as the format comment describes it. */
  function unwrap(key: Buffer, envelope: string, aad: Aad): Buffer {
    const [version, keyId] = envelope.split('.');
    const { wrapped } = segments(envelope);
    const decipher = createDecipheriv('aes-256-gcm', key, wrapped.subarray(0, 12), { authTagLength: 16 });
    decipher.setAAD(Buffer.from(JSON.stringify([version, 'wrap', keyId, aad.table, aad.column, aad.id]), 'utf8'));
    decipher.setAuthTag(wrapped.subarray(wrapped.length - 16));
    return Buffer.concat([decipher.update(wrapped.subarray(12, wrapped.length - 16)), decipher.final()]);
  }

  it('moves an envelope to the new key: only the new key is needed afterwards', () => {
    const before = encryptField(master, 'RCE in login', AAD);
    const after = rewrapField([master], other, before, AAD);
    assert.equal(envelopeKeyId(after), other.id);
    assert.ok(after.startsWith(envelopePrefix(other.id)));
    assert.equal(decryptFieldText([other], after, AAD), 'RCE in login');
    assertFails(() => decryptField([master], after, AAD), 'unknown_key');
  });

  it('keeps the data key, wrapped under the new master key, with fresh nonces', () => {
    const before = encryptField(master, 'details', AAD);
    const after = rewrapField([master], other, before, AAD);
    assert.ok(unwrap(master.key, before, AAD).equals(unwrap(other.key, after, AAD)), 'the same data key');
    assert.throws(() => unwrap(master.key, after, AAD), 'the old master key no longer opens the wrap');
    const [old, now] = [segments(before), segments(after)];
    assert.notDeepEqual(now.wrapped.subarray(0, 12), old.wrapped.subarray(0, 12));
    assert.notDeepEqual(now.sealed.subarray(0, 12), old.sealed.subarray(0, 12), 'the data is re-sealed with a new nonce');
    assert.equal(now.sealed.length, old.sealed.length);
  });

  it('round-trips binary, empty and JSON values', () => {
    const bytes = randomBytes(300);
    assert.ok(decryptField([other], rewrapField([master], other, encryptField(master, bytes, AAD), AAD), AAD).equals(bytes));
    assert.equal(decryptFieldText([other], rewrapField([master], other, encryptField(master, '', AAD), AAD), AAD), '');
    assert.deepEqual(decryptJson([other], rewrapField([master], other, encryptJson(master, { a: [1, 'ü'] }, AAD), AAD), AAD), { a: [1, 'ü'] });
  });

  it('stays bound to its location', () => {
    const after = rewrapField([master], other, encryptField(master, 'x', AAD), AAD);
    for (const part of ['table', 'column', 'id'] as const) {
      assertFails(() => decryptField([other], after, { ...AAD, [part]: `${AAD[part]}-other` }), 'authentication_failed');
    }
  });

  it('refuses to re-wrap an envelope at the wrong location, with the wrong key or tampered with', () => {
    const envelope = encryptField(master, 'x', AAD);
    assertFails(() => rewrapField([master], other, envelope, { ...AAD, id: 'another-row' }), 'authentication_failed');
    assertFails(() => rewrapField([third], other, envelope, AAD), 'unknown_key');
    assertFails(() => rewrapField([{ id: master.id, key: third.key }], other, envelope, AAD), 'authentication_failed');
    const [version, keyId, wrapped, sealed] = envelope.split('.');
    const flipped = Buffer.from(sealed!, 'base64url');
    flipped[flipped.length - 1]! ^= 1;
    assertFails(() => rewrapField([master], other, [version, keyId, wrapped, flipped.toString('base64url')].join('.'), AAD), 'authentication_failed');
    assertFails(() => rewrapField([master], other, 'emb1.zz.not.valid', AAD), 'malformed');
    assert.throws(() => rewrapField([master], other, envelope, { ...AAD, id: '' }), TypeError);
  });

  it('returns an envelope already under the new key unchanged, once it authenticates', () => {
    const current = encryptField(other, 'x', AAD);
    assert.equal(rewrapField([master], other, current, AAD), current);
    assertFails(() => rewrapField([master], other, current, { ...AAD, column: 'elsewhere' }), 'authentication_failed');
  });

  it('chains over several rotations with a key ring or a lookup function', () => {
    const first = encryptField(master, 'x', AAD);
    const second = rewrapField([master], other, first, AAD);
    const byId = new Map([master, other].map((key) => [key.id, key]));
    const third_ = rewrapField((id) => byId.get(id), third, second, AAD);
    assert.equal(decryptFieldText([third], third_, AAD), 'x');
    assert.equal(envelopeKeyId(third_), third.id);
  });

  it('reads the key id of an envelope without trusting it', () => {
    assert.equal(envelopeKeyId(encryptField(master, 'x', AAD)), master.id);
    for (const text of ['', 'emb1.', 'emb2.0011aabb.a.b', 'emb1.0011AABB.a.b', 'emb1.0011aabb.a']) assert.equal(envelopeKeyId(text), null);
    assert.throws(() => envelopePrefix('nothex!!'), TypeError);
  });
});

describe('malformed input', () => {
  const valid = encryptField(master, 'x', AAD);
  const [, keyId, wrapped, sealed] = valid.split('.');
  const cases: string[] = [
    '',
    'emb1',
    'emb1...',
    'plain text',
    valid.replace(/^emb1/, 'emb2'),
    `${valid}.extra`,
    ['emb1', 'XYZ', wrapped, sealed].join('.'),
    ['emb1', keyId!.toUpperCase(), wrapped, sealed].join('.'),
    ['emb1', keyId, wrapped!.slice(1), sealed].join('.'),
    ['emb1', keyId, `${wrapped}=`, sealed].join('.'),
    ['emb1', keyId, wrapped, 'AAAA'].join('.'),
    ['emb1', keyId, wrapped, `${sealed!.slice(0, 10)}+/${sealed!.slice(12)}`].join('.'),
    ['emb1', keyId, wrapped, `${sealed} `].join('.'),
  ];
  for (const text of cases) {
    it(`rejects ${JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}...` : text)}`, () => {
      assertFails(() => decryptField([master], text, AAD));
    });
  }

  it('rejects a value that is not a string', () => {
    assertFails(() => decryptField([master], null as unknown as string, AAD), 'malformed');
  });
});

describe('loadMasterKey', () => {
  const root = mkdtempSync(join(tmpdir(), 'embargo-envelope-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const bytes = randomBytes(32);
  const expectedId = masterKeyId(bytes);

  for (const encoding of ['base64', 'base64url', 'hex'] as const) {
    it(`accepts ${encoding} from the environment`, () => {
      const loaded = loadMasterKey({ envValue: bytes.toString(encoding), generate: false });
      assert.equal(loaded.source, 'env');
      assert.equal(loaded.key.id, expectedId);
      assert.deepEqual(loaded.key.key, bytes);
    });
  }

  it('accepts unpadded base64, upper-case hex and surrounding whitespace', () => {
    assert.equal(loadMasterKey({ envValue: bytes.toString('base64').replace(/=+$/, ''), generate: false }).key.id, expectedId);
    assert.equal(loadMasterKey({ envValue: ` ${bytes.toString('hex').toUpperCase()}\n`, generate: false }).key.id, expectedId);
  });

  it('refuses a value that is not 32 bytes, without echoing it', () => {
    for (const value of [randomBytes(16).toString('base64'), randomBytes(31).toString('hex'), randomBytes(33).toString('base64url')]) {
      assert.throws(() => loadMasterKey({ envValue: value, generate: false }), (error: Error) => {
        assert.match(error.message, /exactly 32 bytes/);
        assert.ok(!error.message.includes(value));
        return true;
      });
    }
    assert.throws(() => loadMasterKey({ envValue: 'not a key!', generate: false }), /base64, base64url or hex/);
  });

  it('prefers the environment over files', () => {
    const loaded = loadMasterKey({ envValue: bytes.toString('hex'), keyFile: join(root, 'missing'), dataDir: root, generate: true });
    assert.equal(loaded.source, 'env');
  });

  it('reads a key file with mode 0600', () => {
    const file = join(root, 'explicit.key');
    writeFileSync(file, `${bytes.toString('base64')}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
    const loaded = loadMasterKey({ keyFile: file, generate: false });
    assert.equal(loaded.source, 'file');
    assert.equal(loaded.key.id, expectedId);
  });

  it('refuses a key file readable by group or others', { skip: process.platform === 'win32' }, () => {
    const file = join(root, 'loose.key');
    writeFileSync(file, bytes.toString('base64'));
    for (const mode of [0o644, 0o640, 0o604]) {
      chmodSync(file, mode);
      assert.throws(() => loadMasterKey({ keyFile: file, generate: false }), /refusing to start.*chmod 600/);
    }
  });

  it('refuses a missing key file and a key file of the wrong length', () => {
    assert.throws(() => loadMasterKey({ keyFile: join(root, 'missing.key'), generate: false }), /cannot read.*ENOENT/);
    const file = join(root, 'short.key');
    writeFileSync(file, randomBytes(24).toString('base64'), { mode: 0o600 });
    assert.throws(() => loadMasterKey({ keyFile: file, generate: false }), /exactly 32 bytes, got 24/);
  });

  it('needs a key when it may not generate one', () => {
    assert.throws(() => loadMasterKey({ generate: true }), /no master key/);
    assert.throws(() => loadMasterKey({ dataDir: join(root, 'empty'), generate: false }), /no master key.*master\.key/);
  });

  it('generates a 0600 key in a 0700 directory, and loads the same key afterwards', { skip: process.platform === 'win32' }, () => {
    const dataDir = join(root, 'data');
    const first = loadMasterKey({ dataDir, generate: true });
    assert.equal(first.source, 'generated');
    const file = join(dataDir, 'secrets', 'master.key');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(join(dataDir, 'secrets')).mode & 0o777, 0o700);
    assert.equal(readFileSync(file, 'utf8').trim().length, 44);

    const second = loadMasterKey({ dataDir, generate: true });
    assert.equal(second.source, 'file');
    assert.equal(second.key.id, first.key.id);
    assert.deepEqual(second.key.key, first.key.key);

    const envelope = encryptField(first.key, 'survives a restart', AAD);
    assert.equal(decryptFieldText([second.key], envelope, AAD), 'survives a restart');

    chmodSync(file, 0o644);
    assert.throws(() => loadMasterKey({ dataDir, generate: true }), /refusing to start/);
  });
});
