import { useState, type FormEvent } from 'react';
import { ErrorNotice } from '../components/Notice';

/**
 * Decrypts report fields the reporter encrypted in their browser. The private key and passphrase stay
 * in this component's memory: they are never sent anywhere and are gone when the page is left.
 */
export function DecryptPanel({ ciphertexts, onDecrypted }: { ciphertexts: Record<string, string>; onDecrypted: (plain: Record<string, string>) => void }) {
  const [key, setKey] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [state, setState] = useState<{ busy: boolean; error: unknown }>({ busy: false, error: null });
  const count = Object.keys(ciphertexts).length;

  async function decrypt(event: FormEvent) {
    event.preventDefault();
    setState({ busy: true, error: null });
    try {
      const { unlockPrivateKey } = await import('../lib/pgp');
      const decryptor = await unlockPrivateKey(key, passphrase);
      const plain: Record<string, string> = {};
      for (const [field, text] of Object.entries(ciphertexts)) plain[field] = await decryptor(text);
      onDecrypted(plain);
      setKey('');
      setPassphrase('');
      setState({ busy: false, error: null });
    } catch (error) {
      setState({ busy: false, error: new Error(`Could not decrypt: ${(error as Error).message}`) });
    }
  }

  return (
    <form className="decrypt notice notice--info" onSubmit={decrypt}>
      <p className="notice__title">
        {count} field{count === 1 ? ' was' : 's were'} encrypted in the reporter's browser.
      </p>
      <p>Decrypt here with your OpenPGP private key. It stays in this page: it is not sent to the server or stored.</p>
      <div className="field">
        <label htmlFor="decrypt-key" className="field__label">
          Private key (ASCII-armored)
        </label>
        <textarea id="decrypt-key" className="mono" rows={4} value={key} onChange={(event) => setKey(event.target.value)} autoComplete="off" spellCheck={false} />
      </div>
      <div className="field">
        <label htmlFor="decrypt-passphrase" className="field__label">
          Passphrase (if the key has one)
        </label>
        <input id="decrypt-passphrase" type="password" value={passphrase} onChange={(event) => setPassphrase(event.target.value)} autoComplete="off" />
      </div>
      <ErrorNotice error={state.error} />
      <button type="submit" className="button" disabled={state.busy || !key.trim()}>
        {state.busy ? 'Decrypting…' : 'Decrypt in this browser'}
      </button>
    </form>
  );
}
