import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { parseImapUrl, type ImapMailboxSetting } from '../../src/config/imap-mailboxes.js';
import { freePort } from './mail-sink.js';

/**
 * A real IMAP server for tests: Debian's Dovecot (package dovecot-imapd), with a configuration of its
 * own in a temporary directory: 127.0.0.1 on a free port, one plaintext test user from a passwd-file,
 * maildirs in the directory, no TLS. CI installs the package; elsewhere the tests say why they skip.
 */
const BINARIES = ['/usr/sbin/dovecot', '/usr/local/sbin/dovecot'];

function dovecotBinary(): string | null {
  return BINARIES.find((file) => existsSync(file)) ?? null;
}

function idOf(user: string, flag: '-u' | '-g'): number | null {
  const probe = spawnSync('id', [flag, user], { encoding: 'utf8' });
  return probe.status === 0 ? Number(probe.stdout.trim()) : null;
}

/** Null when the tests can run, else why not. */
export function dovecotAvailable(): string | null {
  const binary = dovecotBinary();
  if (!binary) return 'Dovecot is not installed (apt-get install dovecot-imapd; .ci/run installs it)';
  if (process.getuid?.() === 0 && (idOf('dovecot', '-u') === null || idOf('dovenull', '-u') === null)) {
    return 'Dovecot runs as root here but the users dovecot and dovenull do not exist (they come with the Debian package)';
  }
  return null;
}

function version(binary: string): [number, number] {
  const match = /^(\d+)\.(\d+)/.exec(spawnSync(binary, ['--version'], { encoding: 'utf8' }).stdout ?? '');
  return match ? [Number(match[1]), Number(match[2])] : [2, 3];
}

type Users = { login: string; internal: string; mailUid: number; mailGid: number };

/** As root, Dovecot drops privileges to its own users; as anyone else it runs everything as that user. */
function users(): Users {
  if (process.getuid?.() === 0) return { login: 'dovenull', internal: 'dovecot', mailUid: idOf('dovecot', '-u')!, mailGid: idOf('dovecot', '-g')! };
  const me = userInfo();
  return { login: me.username, internal: me.username, mailUid: me.uid, mailGid: me.gid };
}

function config(dir: string, port: number, who: Users, [major, minor]: [number, number]): string {
  const common = [
    'protocols = imap',
    'listen = 127.0.0.1',
    `base_dir = ${dir}/run`,
    `state_dir = ${dir}/state`,
    `instance_name = embargo-test-${port}`,
    `default_login_user = ${who.login}`,
    `default_internal_user = ${who.internal}`,
    'first_valid_uid = 1',
    'first_valid_gid = 1',
    'ssl = no',
    'auth_mechanisms = plain login',
    `log_path = ${dir}/dovecot.log`,
    `service imap-login {\n  inet_listener imap {\n    port = ${port}\n  }\n  inet_listener imaps {\n    port = 0\n  }\n}`,
  ];
  if (major > 2 || (major === 2 && minor >= 4)) {
    return [
      'dovecot_config_version = 2.4.0',
      'dovecot_storage_version = 2.4.0',
      ...common,
      'auth_allow_cleartext = yes',
      `passdb passwd-file {\n  passwd_file_path = ${dir}/passwd\n}`,
      `userdb static {\n  fields {\n    uid = ${who.mailUid}\n    gid = ${who.mailGid}\n    home = ${dir}/mail/%{user}\n  }\n}`,
      'mail_driver = maildir',
      `mail_path = ${dir}/mail/%{user}/Maildir`,
      '',
    ].join('\n');
  }
  return [
    ...common,
    'disable_plaintext_auth = no',
    `passdb {\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u ${dir}/passwd\n}`,
    `userdb {\n  driver = static\n  args = uid=${who.mailUid} gid=${who.mailGid} home=${dir}/mail/%u\n}`,
    `mail_location = maildir:${dir}/mail/%u/Maildir`,
    '',
  ].join('\n');
}

async function waitForPort(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`dovecot exited with ${child.exitCode}:\n${log()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`dovecot did not listen on 127.0.0.1:${port} within 15 s:\n${log()}`);
}

export type Dovecot = {
  port: number;
  user: string;
  password: string;
  /** The mailbox as Embargo's setting, parsed from an imap:// URL like EMBARGO_IMAP_MAILBOXES holds. */
  mailbox(name: string): ImapMailboxSetting;
  url(name: string): string;
  /** A connected client of the test user (append, flags). */
  client(): Promise<ImapFlow>;
  stop(): Promise<void>;
};

export async function startDovecot(): Promise<Dovecot> {
  const binary = dovecotBinary();
  if (!binary) throw new Error(dovecotAvailable() ?? 'no dovecot');
  const dir = mkdtempSync(path.join(tmpdir(), 'embargo-dovecot-'));
  const who = users();
  // Dovecot's own users must reach the mail directory inside it.
  chmodSync(dir, 0o755);
  for (const sub of ['run', 'state', 'mail']) mkdirSync(path.join(dir, sub));
  if (process.getuid?.() === 0) chownSync(path.join(dir, 'mail'), who.mailUid, who.mailGid);
  const user = 'reports';
  const password = 'imap-test-Secret-42';
  writeFileSync(path.join(dir, 'passwd'), `${user}:{PLAIN}${password}\n`);
  const port = await freePort();
  const file = path.join(dir, 'dovecot.conf');
  writeFileSync(file, config(dir, port, who, version(binary)));
  const child = spawn(binary, ['-F', '-c', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const log = () => output + (existsSync(path.join(dir, 'dovecot.log')) ? readFileSync(path.join(dir, 'dovecot.log'), 'utf8') : '');
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(port, child, log);
  } catch (error) {
    await stop();
    throw error;
  }
  const url = (name: string) => `imap://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(name)}`;
  return {
    port,
    user,
    password,
    url,
    mailbox(name) {
      const parsed = parseImapUrl(url(name));
      if (typeof parsed === 'string') throw new Error(parsed);
      return parsed;
    },
    async client() {
      const client = new ImapFlow({ host: '127.0.0.1', port, secure: false, doSTARTTLS: false, auth: { user, pass: password }, logger: false, disableAutoIdle: true });
      client.on('error', () => {});
      await client.connect();
      return client;
    },
    stop,
  };
}

/** A plain RFC 5322 message, as a mail client would write it. */
export function rawMail(fields: { from: string; to: string; subject: string; text: string; messageId?: string; headers?: Record<string, string> }): string {
  const lines = [
    `From: ${fields.from}`,
    `To: ${fields.to}`,
    `Subject: ${fields.subject}`,
    `Message-ID: ${fields.messageId ?? `<${Math.random().toString(36).slice(2)}.${Date.now()}@example.net>`}`,
    'Date: Mon, 02 Mar 2026 09:00:00 +0000',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    ...Object.entries(fields.headers ?? {}).map(([name, value]) => `${name}: ${value}`),
    '',
    fields.text,
    '',
  ];
  return lines.join('\r\n');
}
