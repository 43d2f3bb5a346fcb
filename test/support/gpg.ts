import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** GnuPG, for interoperability tests: messages made by `gpg`, not by the library under test. */
export function gpgAvailable(): string | null {
  const probe = spawnSync('gpg', ['--version'], { encoding: 'utf8' });
  return probe.status === 0 ? null : 'gpg is not installed (Debian package gnupg)';
}

export type GpgHome = {
  dir: string;
  publicKey: string;
  secretKey: string;
  /** Encrypts to the home's own key: ASCII-armored, as `gpg --armor --encrypt` makes it. */
  encrypt(plaintext: string | Buffer, recipient?: string): string;
  close(): void;
};

export function createGpgHome(userId: string, email: string): GpgHome {
  const dir = mkdtempSync(path.join(tmpdir(), 'embargo-gpg-'));
  const env = { ...process.env, GNUPGHOME: dir };
  const gpg = (args: string[], input?: string | Buffer) => execFileSync('gpg', ['--batch', '--quiet', '--pinentry-mode', 'loopback', '--passphrase', '', ...args], { env, input }).toString('utf8');
  gpg(['--quick-gen-key', `${userId} <${email}>`, 'default', 'default', 'never']);
  return {
    dir,
    publicKey: gpg(['--armor', '--export', email]),
    secretKey: gpg(['--armor', '--export-secret-keys', email]),
    encrypt: (plaintext, recipient = email) => gpg(['--trust-model', 'always', '--armor', '--encrypt', '-r', recipient], plaintext),
    close() {
      spawnSync('gpgconf', ['--homedir', dir, '--kill', 'gpg-agent'], { env });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
