import { createHash } from 'node:crypto';
import * as openpgp from 'openpgp';
import type { AppContext } from '../../context.js';
import { readSigningKey } from '../policy/securitytxt/securitytxt.render.js';

/**
 * OpenPGP signatures for the CSAF distribution (CSAF 2.0 requirements 19 and 20): a detached, armored
 * signature (`<document>.json.asc`) over exactly the bytes each document is served as, made with the
 * key named by EMBARGO_CSAF_SIGNING_KEY_FILE, or else the instance's security.txt signing key. The
 * public half is served beside provider-metadata.json (openpgp/<FINGERPRINT>.asc) and listed in it.
 */

export type CsafSigner = {
  /** Upper-case hexadecimal, as provider-metadata.json lists it. */
  fingerprint: string;
  /** The armored public key, served for verifiers. */
  publicKey: string;
  /** A detached armored signature over the UTF-8 bytes of `body`. */
  sign(body: string): Promise<string>;
};

const KEY_SETTING = {
  env: 'EMBARGO_CSAF_SIGNING_KEY_FILE',
  setting: 'csafSigningKeyFile',
  why: 'GnuPG and other verifiers of CSAF signatures do not all read RFC 9580 (v6) signatures yet',
};
/** Signatures of documents that did not change are reused; the bound keeps memory flat. */
const CACHED_SIGNATURES = 1_000;

/** The signer of this instance, or null when no key is configured. A bad key stops start-up (ConfigError). */
export async function createCsafSigner(context: Pick<AppContext, 'config'>): Promise<CsafSigner | null> {
  const { csafSigningKeyFile, securityTxtSigningKey } = context.config;
  const file = csafSigningKeyFile ?? securityTxtSigningKey;
  if (!file) return null;
  const key = await readSigningKey(file, csafSigningKeyFile ? KEY_SETTING : undefined);
  const cache = new Map<string, Promise<string>>();
  return {
    fingerprint: key.getFingerprint().toUpperCase(),
    publicKey: key.toPublic().armor(),
    sign(body) {
      const digest = createHash('sha256').update(body).digest('hex');
      let signature = cache.get(digest);
      if (!signature) {
        if (cache.size >= CACHED_SIGNATURES) cache.clear();
        // Binary, not text mode: the signature covers the served bytes exactly, line ends included.
        signature = openpgp.createMessage({ binary: Buffer.from(body, 'utf8') }).then((message) => openpgp.sign({ message, signingKeys: key, detached: true }));
        cache.set(digest, signature);
        signature.catch(() => cache.delete(digest));
      }
      return signature;
    },
  };
}
