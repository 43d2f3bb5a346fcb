import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ImapFlow } from 'imapflow';
import type { ImapMailboxSetting } from '../../src/config/imap-mailboxes.js';
import { mailboxRef, pollImapMailbox, type ImapPollDeps, type ImapPollResult, type Logger } from '../../src/modules/mail/imap.poller.js';
import { loadProjectKeys, type ProjectKeys } from '../../src/modules/mail/inbound.pgp.js';
import { drainOutbox } from '../../src/modules/notifications/outbox.worker.js';
import { createSmtpTransport, type MailTransport } from '../../src/platform/mail/mail.transport.js';
import { startDovecot, type Dovecot } from './dovecot.js';
import { createGpgHome, gpgAvailable, type GpgHome } from './gpg.js';
import { MailSink } from './mail-sink.js';
import { bearer, createTestApp, REPO_ROOT, type TestApp } from './test-app.js';

/** Everything the IMAP intake tests share: Dovecot, the app on a test database, a mail sink, helpers. */
export const DOMAIN = 'embargo.test';
export const MAX_BYTES = 100_000;
const POLICY = path.join(REPO_ROOT, 'test/fixtures/policy-mail.yaml');

export type LogEntry = { level: 'info' | 'warn' | 'error'; data: Record<string, unknown>; message: string };

export type ImapHarness = {
  t: TestApp;
  server: Dovecot;
  /** The test's own IMAP session (appends, flags). */
  imap: ImapFlow;
  sink: MailSink;
  keys: ProjectKeys;
  /** The project's key made by gpg, or null without gpg. */
  alphaKey: GpgHome | null;
  logs: LogEntry[];
  logger: Logger;
  admin: { token: string };
  /** A new mailbox (folder) on the server, so that each test has its own cursor. */
  folder(): Promise<{ name: string; setting: ImapMailboxSetting }>;
  append(folder: string, raw: string, flags?: string[]): Promise<void>;
  poll(setting: ImapMailboxSetting, deps?: Partial<ImapPollDeps>): Promise<ImapPollResult>;
  seen(folder: string): Promise<boolean[]>;
  cursor(setting: ImapMailboxSetting): Promise<{ uid_validity: number | null; last_uid: number; lease_owner: string | null } | undefined>;
  reportIds(): Promise<string[]>;
  view(id: string): Promise<{ title: string; description: string; contactEmail: string | null; source: string; messages: { author: string; body: string }[] }>;
  deliver(): Promise<unknown>;
  /** Between tests: delivers what the last one left in the outbox, then forgets what was sent and logged. */
  reset(): Promise<void>;
  sender(): string;
  close(): Promise<void>;
};

export async function createImapHarness(): Promise<ImapHarness> {
  const server = await startDovecot();
  const sink = await MailSink.create();
  const t = await createTestApp({ policyFile: POLICY, settings: { mailDomain: DOMAIN, smtpUrl: sink.url, mailMaxBytes: MAX_BYTES, accessTokenTtlSeconds: 365 * 86_400, sessionTtlSeconds: 365 * 86_400 } });
  const outgoing: MailTransport = createSmtpTransport(sink.url);
  const alphaKey = gpgAvailable() === null ? createGpgHome('Alpha Security', 'security@alpha.example') : null;
  const keyFiles: Record<string, string> = {};
  if (alphaKey) {
    keyFiles.alpha = path.join(alphaKey.dir, 'alpha-secret.asc');
    writeFileSync(keyFiles.alpha, alphaKey.secretKey, { mode: 0o600 });
  }
  const keys = await loadProjectKeys(keyFiles);
  const imap = await server.client();
  const admin = await t.user('admin');
  const logs: LogEntry[] = [];
  const entry = (level: LogEntry['level']) => (data: object, message: string) => void logs.push({ level, data: data as Record<string, unknown>, message });
  const logger: Logger = { info: entry('info'), warn: entry('warn'), error: entry('error') };
  let folders = 0;
  let senders = 0;

  return {
    t,
    server,
    imap,
    sink,
    keys,
    alphaKey,
    logs,
    logger,
    admin,
    async folder() {
      const name = `Intake${(folders += 1)}`;
      await imap.mailboxCreate(name);
      return { name, setting: server.mailbox(name) };
    },
    async append(folder, raw, flags = []) {
      await imap.append(folder, raw, flags);
    },
    poll: (setting, deps = {}) => pollImapMailbox(t.context, { keys, owner: 'worker-a', logger, ...deps }, 'alpha', setting),
    async seen(folder) {
      const lock = await imap.getMailboxLock(folder);
      try {
        // Flag changes made by the poller's session can arrive as extra, UID-less FETCH responses here.
        const messages = (await imap.fetchAll('1:*', { uid: true, flags: true }, { uid: true })).filter((message) => message.uid);
        return messages.sort((a, b) => a.uid - b.uid).map((message) => message.flags?.has('\\Seen') ?? false);
      } finally {
        lock.release();
      }
    },
    async cursor(setting) {
      const row = await t.context.db
        .selectFrom('imap_cursors')
        .select(['uid_validity', 'last_uid', 'lease_owner'])
        .where('project_slug', '=', 'alpha')
        .where('mailbox_key', '=', mailboxRef('alpha', setting).key)
        .executeTakeFirst();
      return row && { uid_validity: row.uid_validity === null ? null : Number(row.uid_validity), last_uid: Number(row.last_uid), lease_owner: row.lease_owner };
    },
    async reportIds() {
      return (await t.context.db.selectFrom('reports').select('id').where('source', '=', 'email').execute()).map((row) => row.id);
    },
    async view(id) {
      return (await t.app.inject({ method: 'GET', url: `/api/v1/reports/${id}`, headers: bearer(admin.token) })).json();
    },
    deliver: () => drainOutbox(t.context, { transport: outgoing }),
    async reset() {
      await drainOutbox(t.context, { transport: outgoing });
      sink.clear();
      logs.length = 0;
    },
    sender: () => `imap-reporter${(senders += 1)}@example.net`,
    async close() {
      await imap.logout().catch(() => imap.close());
      outgoing.close();
      await sink.stop();
      alphaKey?.close();
      await t.close();
      await server.stop();
    },
  };
}
