import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, closeSync, fstatSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Envelope encryption for sensitive columns.
 *
 * Every value gets its own random 256-bit data key; the value is sealed with AES-256-GCM under that
 * data key and the data key is sealed (wrapped) with AES-256-GCM under the master key. One envelope
 * is one string:
 *
 *     emb1.<keyId>.<wrapped>.<sealed>
 *
 *   emb1     format version; a new layout gets a new prefix, old ones stay readable.
 *   keyId    8 lowercase hex: the first 4 bytes of SHA-256(master key). Names the master key that
 *            wrapped the data key, so keys can be rotated (decrypt with a list of keys).
 *   wrapped  base64url (no padding) of nonce(12) || AES-256-GCM(master, dataKey)(32) || tag(16), 80 chars.
 *   sealed   base64url (no padding) of nonce(12) || AES-256-GCM(dataKey, plaintext) || tag(16).
 *
 * Both seals authenticate where the value lives (table, column, record id) as additional data,
 * together with the version, the key id and which of the two seals it is, so a ciphertext copied into
 * another row or column, or a wrapped key moved between envelopes, fails to decrypt. The additional
 * data is the UTF-8 JSON array ["emb1", "wrap" | "data", keyId, table, column, id].
 * The length of the plaintext is not hidden.
 */
export type MasterKey = { id: string; key: Buffer };
export type Aad = { table: string; column: string; id: string };

export type DecryptionFailure = 'malformed' | 'unknown_key' | 'authentication_failed';

/** Decryption failed as a whole; no part of the plaintext is ever returned. The message names no secret. */
export class DecryptionError extends Error {
  override name = 'DecryptionError';
  constructor(readonly reason: DecryptionFailure, message: string) {
    super(message);
  }
}

const VERSION = 'emb1';
const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const WRAPPED_BYTES = NONCE_BYTES + KEY_BYTES + TAG_BYTES;
const KEY_ID = /^[0-9a-f]{8}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export function masterKeyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

export function masterKeyFromBytes(key: Buffer): MasterKey {
  if (key.length !== KEY_BYTES) throw new TypeError(`a master key must be ${KEY_BYTES} bytes, not ${key.length}`);
  return { id: masterKeyId(key), key: Buffer.from(key) };
}

// JSON of an array is an unambiguous encoding: ("a.b", "c") and ("a", "b.c") never collide.
function additionalData(purpose: 'wrap' | 'data', keyId: string, aad: Aad): Buffer {
  return Buffer.from(JSON.stringify([VERSION, purpose, keyId, aad.table, aad.column, aad.id]), 'utf8');
}

function seal(key: Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]);
}

/** Returns null instead of throwing so callers can try the next candidate key. */
function open(key: Buffer, sealed: Buffer, aad: Buffer): Buffer | null {
  const nonce = sealed.subarray(0, NONCE_BYTES);
  const body = sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    // GCM releases plaintext before checking the tag: nothing leaves this function until final() passed.
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    return null;
  }
}

function checkAad(aad: Aad): void {
  for (const part of ['table', 'column', 'id'] as const) {
    if (typeof aad[part] !== 'string' || aad[part] === '') throw new TypeError(`aad.${part} must be a non-empty string`);
  }
}

export function encryptField(master: MasterKey, plaintext: string | Buffer, aad: Aad): string {
  if (master.key.length !== KEY_BYTES) throw new TypeError(`a master key must be ${KEY_BYTES} bytes`);
  if (!KEY_ID.test(master.id)) throw new TypeError('a master key id must be 8 lowercase hex characters');
  checkAad(aad);
  const dataKey = randomBytes(KEY_BYTES);
  try {
    const data = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
    const wrapped = seal(master.key, dataKey, additionalData('wrap', master.id, aad));
    const sealed = seal(dataKey, data, additionalData('data', master.id, aad));
    return [VERSION, master.id, wrapped.toString('base64url'), sealed.toString('base64url')].join('.');
  } finally {
    dataKey.fill(0);
  }
}

/** Strict base64url: Node's decoder skips junk and ignores trailing bits, which would let altered text pass. */
function decodeSegment(text: string): Buffer | null {
  if (!BASE64URL.test(text)) return null;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : null;
}

export type KeyLookup = MasterKey[] | ((id: string) => MasterKey | undefined);

function candidates(keys: KeyLookup, id: string): MasterKey[] {
  if (typeof keys === 'function') {
    const key = keys(id);
    return key ? [key] : [];
  }
  return keys.filter((key) => key.id === id);
}

function parseEnvelope(envelope: string): { keyId: string; wrapped: Buffer; sealed: Buffer } {
  const parts = typeof envelope === 'string' ? envelope.split('.') : [];
  const [version, keyId, wrappedText, sealedText] = parts;
  if (parts.length !== 4 || version !== VERSION) throw new DecryptionError('malformed', 'not an emb1 envelope');
  if (!keyId || !KEY_ID.test(keyId)) throw new DecryptionError('malformed', 'the envelope has no valid key id');
  const wrapped = decodeSegment(wrappedText ?? '');
  const sealed = decodeSegment(sealedText ?? '');
  if (!wrapped || wrapped.length !== WRAPPED_BYTES || !sealed || sealed.length < NONCE_BYTES + TAG_BYTES) {
    throw new DecryptionError('malformed', 'the envelope segments are not valid');
  }
  return { keyId, wrapped, sealed };
}

export function decryptField(keys: KeyLookup, envelope: string, aad: Aad): Buffer {
  checkAad(aad);
  const { keyId, wrapped, sealed } = parseEnvelope(envelope);
  const masters = candidates(keys, keyId).filter((master) => master.key.length === KEY_BYTES);
  if (masters.length === 0) throw new DecryptionError('unknown_key', `no master key with id ${keyId} is loaded`);
  for (const master of masters) {
    const dataKey = open(master.key, wrapped, additionalData('wrap', keyId, aad));
    if (!dataKey) continue;
    try {
      const plaintext = open(dataKey, sealed, additionalData('data', keyId, aad));
      if (plaintext) return plaintext;
    } finally {
      dataKey.fill(0);
    }
  }
  throw new DecryptionError('authentication_failed', 'the envelope does not authenticate for this key and location');
}

/** The id of the master key an envelope names, or null when the text is not an emb1 envelope. Authenticates nothing. */
export function envelopeKeyId(envelope: string): string | null {
  const parts = typeof envelope === 'string' ? envelope.split('.') : [];
  return parts.length === 4 && parts[0] === VERSION && KEY_ID.test(parts[1] ?? '') ? parts[1]! : null;
}

/** How every envelope under the given master key starts, e.g. for a SQL prefix match. */
export function envelopePrefix(keyId: string): string {
  if (!KEY_ID.test(keyId)) throw new TypeError('a master key id must be 8 lowercase hex characters');
  return `${VERSION}.${keyId}.`;
}

/**
 * Moves an envelope to another master key (key rotation) without changing its value or location.
 *
 * The data key is unwrapped with the old master key and wrapped with the new one. Both seals
 * authenticate the key id, so the data is also re-sealed: opened (which proves the whole envelope
 * authentic before anything is rewritten, so a tampered value is never laundered into a valid one)
 * and sealed again under the same data key with a fresh nonce and the new key id. An envelope that
 * already names the new key is returned unchanged once it authenticates under that key.
 */
export function rewrapField(keys: KeyLookup, newMaster: MasterKey, envelope: string, aad: Aad): string {
  if (newMaster.key.length !== KEY_BYTES) throw new TypeError(`a master key must be ${KEY_BYTES} bytes`);
  if (!KEY_ID.test(newMaster.id)) throw new TypeError('a master key id must be 8 lowercase hex characters');
  checkAad(aad);
  const { keyId, wrapped, sealed } = parseEnvelope(envelope);
  if (keyId === newMaster.id) {
    decryptField([newMaster], envelope, aad).fill(0);
    return envelope;
  }
  const masters = candidates(keys, keyId).filter((master) => master.key.length === KEY_BYTES);
  if (masters.length === 0) throw new DecryptionError('unknown_key', `no master key with id ${keyId} is loaded`);
  for (const master of masters) {
    const dataKey = open(master.key, wrapped, additionalData('wrap', keyId, aad));
    if (!dataKey) continue;
    let plaintext: Buffer | null = null;
    try {
      plaintext = open(dataKey, sealed, additionalData('data', keyId, aad));
      if (!plaintext) continue;
      const rewrapped = seal(newMaster.key, dataKey, additionalData('wrap', newMaster.id, aad));
      const resealed = seal(dataKey, plaintext, additionalData('data', newMaster.id, aad));
      return [VERSION, newMaster.id, rewrapped.toString('base64url'), resealed.toString('base64url')].join('.');
    } finally {
      dataKey.fill(0);
      plaintext?.fill(0);
    }
  }
  throw new DecryptionError('authentication_failed', 'the envelope does not authenticate for this key and location');
}

export function decryptFieldText(keys: KeyLookup, envelope: string, aad: Aad): string {
  const bytes = decryptField(keys, envelope, aad);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new DecryptionError('malformed', 'the decrypted value is not UTF-8 text');
  }
}

export function encryptJson(master: MasterKey, value: unknown, aad: Aad): string {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError('the value has no JSON representation');
  return encryptField(master, text, aad);
}

export function decryptJson<T = unknown>(keys: KeyLookup, envelope: string, aad: Aad): T {
  const text = decryptFieldText(keys, envelope, aad);
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new DecryptionError('malformed', 'the decrypted value is not JSON');
  }
}

// ---- Loading the master key (this part does file I/O) ----

export type MasterKeySource = 'env' | 'file' | 'generated';
export type LoadMasterKeyOptions = { envValue?: string; keyFile?: string; dataDir?: string | null; generate: boolean };

const FIX = 'create one with `openssl rand -base64 32`';

/** Accepts hex, base64 and base64url (padded or not) of exactly 32 bytes. Never echoes the value. */
export function parseMasterKey(text: string, where: string): MasterKey {
  const value = text.trim();
  let bytes: Buffer | null = null;
  // Unambiguous for 32 bytes: their base64 is 43 characters unpadded or ends in '=', hex is 64.
  if (/^[0-9a-fA-F]+$/.test(value) && value.length % 2 === 0) {
    bytes = Buffer.from(value, 'hex');
  } else if (/^[A-Za-z0-9+/]+={0,2}$/.test(value)) {
    bytes = strictBase64(value, 'base64');
  } else if (/^[A-Za-z0-9_-]+={0,2}$/.test(value)) {
    bytes = strictBase64(value, 'base64url');
  }
  if (!bytes) throw new Error(`${where}: the master key must be base64, base64url or hex; ${FIX}`);
  if (bytes.length !== KEY_BYTES) {
    throw new Error(`${where}: the master key must be exactly ${KEY_BYTES} bytes, got ${bytes.length}; ${FIX}`);
  }
  return masterKeyFromBytes(bytes);
}

function strictBase64(value: string, encoding: 'base64' | 'base64url'): Buffer | null {
  const unpadded = value.replace(/=+$/, '');
  if (value !== unpadded && value.length % 4 !== 0) return null;
  const bytes = Buffer.from(unpadded, encoding);
  return bytes.toString(encoding).replace(/=+$/, '') === unpadded ? bytes : null;
}

/* eslint-disable security/detect-non-literal-fs-filename -- key files are named by the operator (EMBARGO_MASTER_KEY_FILE) or have a fixed name in the data directory */
function readKeyFile(file: string): MasterKey {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    throw new Error(`cannot read the master key file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  try {
    // Checked on the open descriptor, so the file cannot be swapped between the check and the read.
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new Error(`the master key file ${file} is not a regular file`);
    if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
      const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
      throw new Error(
        `refusing to start: the master key file ${file} has mode ${mode} and is readable or writable by group or others; run \`chmod 600 ${file}\``,
      );
    }
    if (stat.size > 1024) throw new Error(`the master key file ${file} is too large to be a key`);
    return parseMasterKey(readFileSync(fd, 'utf8'), file);
  } finally {
    closeSync(fd);
  }
}

function exists(file: string): boolean {
  try {
    closeSync(openSync(file, 'r'));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/**
 * Where the master key comes from, first match wins: the environment value, an explicit key file, the
 * key file in the data directory, and (embedded mode, `generate`) a new key written there.
 */
export function loadMasterKey(options: LoadMasterKeyOptions): { key: MasterKey; source: MasterKeySource } {
  if (options.envValue !== undefined && options.envValue.trim() !== '') {
    return { key: parseMasterKey(options.envValue, 'master key from the environment'), source: 'env' };
  }
  if (options.keyFile) return { key: readKeyFile(options.keyFile), source: 'file' };
  if (!options.dataDir) {
    throw new Error(`no master key: set it in the environment or point to a key file (${FIX})`);
  }
  const dir = join(options.dataDir, 'secrets');
  const file = join(dir, 'master.key');
  if (exists(file)) return { key: readKeyFile(file), source: 'file' };
  if (!options.generate) {
    throw new Error(`no master key: ${file} does not exist; set the key in the environment or ${FIX} into that file`);
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (process.platform !== 'win32') chmodSync(dir, 0o700);
  const key = masterKeyFromBytes(randomBytes(KEY_BYTES));
  try {
    // 'wx': if another process generated a key first, keep that one instead of overwriting it.
    writeFileSync(file, `${key.key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return { key: readKeyFile(file), source: 'file' };
    throw error;
  }
  return { key, source: 'generated' };
}
/* eslint-enable security/detect-non-literal-fs-filename */
