import * as openpgp from 'openpgp';

/**
 * OpenPGP in the browser (this module is loaded on demand: it is large). Reporters encrypt to the
 * project's contact keys so the server stores only ciphertext; team members decrypt with their own
 * private key, which never leaves the page.
 */

export async function encryptText(text: string, armoredKeys: string[]): Promise<string> {
  const keys = (await Promise.all(armoredKeys.map((armoredKeys) => openpgp.readKeys({ armoredKeys })))).flat();
  const message = await openpgp.createMessage({ text });
  return (await openpgp.encrypt({ message, encryptionKeys: keys, format: 'armored' })) as string;
}

/** A file, encrypted to the keys as an ASCII-armored message (text: the server stores it as text/plain). Its name travels inside. */
export async function encryptFile(bytes: Uint8Array, filename: string, armoredKeys: string[]): Promise<string> {
  const keys = (await Promise.all(armoredKeys.map((armoredKeys) => openpgp.readKeys({ armoredKeys })))).flat();
  const message = await openpgp.createMessage({ binary: bytes, filename, format: 'binary' });
  return (await openpgp.encrypt({ message, encryptionKeys: keys, format: 'armored' })) as string;
}

export type Decryptor = (armoredMessage: string) => Promise<string>;

/** Unlocks the private key once and returns a function that decrypts messages with it. */
export async function unlockPrivateKey(armoredKey: string, passphrase: string): Promise<Decryptor> {
  let privateKey = await openpgp.readPrivateKey({ armoredKey });
  if (!privateKey.isDecrypted()) {
    if (!passphrase) throw new Error('This private key is protected: enter its passphrase.');
    privateKey = await openpgp.decryptKey({ privateKey, passphrase });
  }
  return async (armoredMessage) => {
    const message = await openpgp.readMessage({ armoredMessage });
    const { data } = await openpgp.decrypt({ message, decryptionKeys: privateKey, format: 'utf8' });
    return data as string;
  };
}
