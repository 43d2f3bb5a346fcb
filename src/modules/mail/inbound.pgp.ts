import { readFileSync } from 'node:fs';
import { simpleParser, type ParsedMail } from 'mailparser';
import * as openpgp from 'openpgp';

/**
 * Mail encrypted to a project's key (PGP/MIME, RFC 3156, or an inline armored block) is decrypted
 * with the project's private key, configured per project as an armored, unencrypted key file.
 */
export type ProjectKeys = ReadonlyMap<string, openpgp.PrivateKey>;

export class ProjectKeyError extends Error {
  override name = 'ProjectKeyError';
}

export async function loadProjectKeys(files: Readonly<Record<string, string>>): Promise<ProjectKeys> {
  const keys = new Map<string, openpgp.PrivateKey>();
  for (const [slug, file] of Object.entries(files)) {
    let armoredKey: string;
    try {
      // eslint-disable-next-line security/detect-non-literal-fs-filename -- the key file is named by the operator (EMBARGO_PGP_PRIVATE_KEYS), never by a request
      armoredKey = readFileSync(file, 'utf8');
    } catch (error) {
      throw new ProjectKeyError(`EMBARGO_PGP_PRIVATE_KEYS: cannot read the key file of "${slug}" (${(error as Error).message})`);
    }
    let key: openpgp.PrivateKey;
    try {
      key = await openpgp.readPrivateKey({ armoredKey });
    } catch (error) {
      throw new ProjectKeyError(`EMBARGO_PGP_PRIVATE_KEYS: ${file} is not an armored OpenPGP private key (${(error as Error).message})`);
    }
    if (!key.isDecrypted()) {
      throw new ProjectKeyError(`EMBARGO_PGP_PRIVATE_KEYS: the key in ${file} is protected by a passphrase; export it without one (gpg --export-secret-keys with an empty passphrase) and keep the file readable by Embargo only.`);
    }
    keys.set(slug, key);
  }
  return keys;
}

const ARMORED_MESSAGE = /-----BEGIN PGP MESSAGE-----[\s\S]+?-----END PGP MESSAGE-----/g;

export type Decrypted = {
  /** The message to read: the decrypted inner message for PGP/MIME, the same one otherwise. */
  parsed: ParsedMail;
  /** For inline PGP: the text with each armored block replaced by its plaintext. */
  text: string | null;
  encrypted: boolean;
  /** Encrypted, but not to a key Embargo holds (or damaged): kept as it came. */
  undecryptable: boolean;
};

async function decryptArmored(armoredMessage: string, key: openpgp.PrivateKey, maxBytes: number): Promise<Uint8Array> {
  const result = await openpgp.decrypt({
    message: await openpgp.readMessage({ armoredMessage }),
    decryptionKeys: key,
    format: 'binary',
    // A compressed packet can expand enormously: cap it like the message itself.
    config: { maxDecompressedMessageSize: maxBytes },
  });
  return result.data as Uint8Array;
}

function isPgpMime(parsed: ParsedMail): boolean {
  const type = parsed.headers.get('content-type') as { value?: string; params?: Record<string, string> } | undefined;
  return type?.value?.toLowerCase() === 'multipart/encrypted' && (type.params?.protocol ?? '').toLowerCase() === 'application/pgp-encrypted';
}

export async function decryptInbound(parsed: ParsedMail, key: openpgp.PrivateKey | undefined, maxBytes: number): Promise<Decrypted> {
  if (isPgpMime(parsed)) {
    const part = parsed.attachments.find((attachment) => attachment.content.toString('latin1').includes('-----BEGIN PGP MESSAGE-----'));
    if (!part || !key) return { parsed, text: part ? part.content.toString('utf8') : null, encrypted: true, undecryptable: true };
    try {
      const inner = await simpleParser(Buffer.from(await decryptArmored(part.content.toString('utf8'), key, maxBytes)));
      // The outer header fields (sender, subject, ids) are what the transport saw; keep them.
      return { parsed: Object.assign(inner, { headers: parsed.headers, headerLines: parsed.headerLines, from: parsed.from, replyTo: parsed.replyTo, messageId: parsed.messageId, subject: inner.subject ?? parsed.subject }), text: null, encrypted: true, undecryptable: false };
    } catch {
      return { parsed, text: part.content.toString('utf8'), encrypted: true, undecryptable: true };
    }
  }
  const text = parsed.text ?? '';
  const blocks = text.match(ARMORED_MESSAGE);
  if (!blocks) return { parsed, text: null, encrypted: false, undecryptable: false };
  if (!key) return { parsed, text: null, encrypted: true, undecryptable: true };
  let out = text;
  let failed = false;
  for (const block of blocks) {
    try {
      out = out.replace(block, new TextDecoder().decode(await decryptArmored(block, key, maxBytes)).trim());
    } catch {
      failed = true;
    }
  }
  return { parsed, text: out, encrypted: true, undecryptable: failed };
}
