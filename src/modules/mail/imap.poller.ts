import { createHash } from 'node:crypto';
import { ImapFlow, type FetchMessageObject } from 'imapflow';
import { simpleParser, type AddressObject } from 'mailparser';
import type { AppContext } from '../../context.js';
import type { ImapMailboxSetting } from '../../config/imap-mailboxes.js';
import { projectAddress, parseRecipient } from './addresses.js';
import { advanceImapCursor, claimImapMailbox, recordImapFailure, releaseImapMailbox, type ImapCursor, type MailboxRef } from './imap-cursor.repository.js';
import type { ProjectKeys } from './inbound.pgp.js';
import { isSenderOverLimit, receiveInboundMail, type InboundEnvelope } from './inbound.service.js';

/**
 * One poll of one project's IMAP mailbox. The cursor in the database (UIDVALIDITY + last UID taken)
 * says what is imported, not the \Seen flag: a message is handed to intake, stored, and only then is
 * the cursor advanced and the message flagged. A crash in between imports it again at the next poll,
 * where the Message-ID dedup of intake turns it into a duplicate; a lease on the cursor row keeps two
 * workers from polling one mailbox at once.
 */
export type Logger = { info(obj: object, msg: string): void; warn(obj: object, msg: string): void; error(obj: object, msg: string): void };

export type ImapPollDeps = {
  keys: ProjectKeys;
  /** Who holds the lease (one id per worker process). */
  owner: string;
  leaseMs?: number;
  logger?: Logger;
  /** Aborting (shutdown) closes the connection: the message in hand is not marked, the next poll takes it. */
  signal?: AbortSignal;
  /** Intake; tests wrap it to simulate a crash after a message was stored. */
  receive?: typeof receiveInboundMail;
};

export type ImapPollResult = { project: string; busy: boolean; imported: number; duplicates: number; dropped: number; skipped: number; failed: number };

const LEASE_MS = 5 * 60_000;
/** A message intake keeps failing on (while the database works) is passed over after this many polls. */
export const MAX_IMPORT_ATTEMPTS = 5;
const DAY_MS = 86_400_000;

class LeaseLost extends Error {
  override name = 'LeaseLost';
}

/** Account and mailbox, hashed: the cursor row is found again without storing the user name. */
export function mailboxRef(project: string, setting: ImapMailboxSetting): MailboxRef {
  const key = createHash('sha256').update(`${setting.user}\n${setting.host}:${setting.port}\n${setting.mailbox}`).digest('hex').slice(0, 32);
  return { project, key, label: setting.label };
}

export function createImapClient(setting: ImapMailboxSetting): ImapFlow {
  const client = new ImapFlow({
    host: setting.host,
    port: setting.port,
    secure: setting.tls === 'implicit',
    // Required, not opportunistic: a stripped STARTTLS capability must not send the password in clear.
    doSTARTTLS: setting.tls === 'starttls' ? true : setting.tls === 'none' ? false : undefined,
    auth: { user: setting.user, pass: setting.password },
    // imapflow's own logger would print protocol traffic; errors are reported by the poller, redacted.
    logger: false,
    disableAutoIdle: true,
    // BINARY fetches may undo a part's transfer encoding: intake wants the message as delivered.
    disableBinary: true,
    connectionTimeout: 30_000,
    greetingTimeout: 16_000,
    socketTimeout: 120_000,
  });
  // Failures surface as rejected commands; an unhandled 'error' event would end the process.
  client.on('error', () => {});
  return client;
}

/** What an IMAP error says, without anything that could carry the password. */
export function describeImapError(error: unknown, setting: ImapMailboxSetting): Record<string, unknown> {
  const err = (error ?? {}) as { message?: unknown; code?: unknown; responseText?: unknown; authenticationFailed?: unknown };
  const scrub = (value: unknown) => (typeof value === 'string' ? value.split(setting.password).join('***').slice(0, 500) : undefined);
  return {
    message: scrub(err.message) ?? String(error),
    ...(typeof err.code === 'string' ? { code: err.code } : {}),
    ...(err.responseText ? { response: scrub(err.responseText) } : {}),
    ...(err.authenticationFailed ? { authenticationFailed: true } : {}),
  };
}

function headerBlock(source: Buffer): Buffer {
  const ends = [source.indexOf('\r\n\r\n'), source.indexOf('\n\n')].filter((index) => index >= 0);
  return ends.length > 0 ? source.subarray(0, Math.min(...ends) + 2) : source;
}

function addressesOf(value: AddressObject | AddressObject[] | undefined): string[] {
  return (Array.isArray(value) ? value : value ? [value] : []).flatMap((object) => object.value.map((entry) => entry.address ?? ''));
}

/**
 * The envelope a mailbox no longer has: the sender from Return-Path (the delivering MTA's record of
 * MAIL FROM, "<>" for bounces) or else From; the recipient is the project's address, or the reply
 * address ({slug}+r-<token>@domain) the message was sent to, so that replies thread.
 */
export async function envelopeOf(context: AppContext, project: string, source: Buffer): Promise<InboundEnvelope> {
  const head = await simpleParser(headerBlock(source));
  const returnPath = head.headers.get('return-path') as AddressObject | undefined;
  const from = returnPath ? (addressesOf(returnPath)[0] ?? '') : (addressesOf(head.from)[0] ?? '');
  const originalTo = head.headers.get('x-original-to');
  const candidates = [
    ...addressesOf(head.headers.get('delivered-to') as AddressObject | undefined),
    ...(typeof originalTo === 'string' ? [originalTo] : []),
    ...addressesOf(head.to),
    ...addressesOf(head.cc),
  ];
  const reply = candidates.find((address) => {
    const target = parseRecipient(context.config, context.policies, address);
    return target?.project.slug === project && target.replyToken !== null;
  });
  return { from, to: [reply ?? projectAddress(context.config, project)], remoteAddress: null };
}

type Plan = { uids: number[]; mode: 'cursor' | 'rescan' };

/** Sorted UIDs as an IMAP sequence set with ranges ("1:4,7,9:12"): thousands of UIDs stay one short line. */
export function sequenceSet(uids: number[]): string {
  const sorted = [...new Set(uids)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; i += 1) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j += 1;
    parts.push(j > i ? `${sorted[i]}:${sorted[j]}` : String(sorted[i]));
    i = j;
  }
  return parts.join(',');
}

/**
 * Which messages to take. Same UIDVALIDITY: every UID above the cursor, read or not. First poll: the
 * unread ones (a mailbox with years of history does not become years of reports). UIDVALIDITY
 * changed (the server renumbered the mailbox): everything since the day before the last import, and
 * intake's Message-ID dedup drops what was imported before.
 */
async function plan(client: ImapFlow, cursor: ImapCursor, uidValidity: number, uidNext: number): Promise<Plan> {
  const below = (uids: number[] | false | undefined) => (uids || []).filter((uid) => uid < uidNext);
  if (cursor.uidValidity === uidValidity) {
    if (cursor.lastUid + 1 >= uidNext) return { uids: [], mode: 'cursor' };
    // "n:*" also matches the highest UID when it is below n: filter.
    const uids = await client.search({ uid: `${cursor.lastUid + 1}:*` }, { uid: true });
    return { uids: below(uids).filter((uid) => uid > cursor.lastUid), mode: 'cursor' };
  }
  if (cursor.uidValidity === null || cursor.lastInternalDate === null) return { uids: below(await client.search({ seen: false }, { uid: true })), mode: 'rescan' };
  return { uids: below(await client.search({ since: new Date(cursor.lastInternalDate.getTime() - DAY_MS) }, { uid: true })), mode: 'rescan' };
}

export async function pollImapMailbox(context: AppContext, deps: ImapPollDeps, project: string, setting: ImapMailboxSetting): Promise<ImapPollResult> {
  const ref = mailboxRef(project, setting);
  const leaseMs = deps.leaseMs ?? LEASE_MS;
  const now = () => context.clock.now();
  const result: ImapPollResult = { project, busy: false, imported: 0, duplicates: 0, dropped: 0, skipped: 0, failed: 0 };
  const cursor = await claimImapMailbox(context.db, ref, deps.owner, now(), leaseMs);
  if (!cursor) return { ...result, busy: true };
  const client = createImapClient(setting);
  const abort = () => client.close();
  deps.signal?.addEventListener('abort', abort);
  try {
    if (deps.signal?.aborted) return result;
    await client.connect();
    const box = await client.mailboxOpen(setting.mailbox);
    // UIDNEXT bounds this poll: what arrives meanwhile is the next poll's. A server that does not
    // announce it gets it computed from the highest UID.
    const last = !box.uidNext && box.exists > 0 ? await client.fetchOne('*', { uid: true }) : false;
    const uidNext = box.uidNext || (last ? last.uid + 1 : 1);
    await importMessages(context, deps, { ref, setting, client, cursor, uidValidity: Number(box.uidValidity), uidNext, leaseMs }, result);
    return result;
  } finally {
    deps.signal?.removeEventListener('abort', abort);
    if (client.usable) await client.logout().catch(() => client.close());
    else client.close();
    await releaseImapMailbox(context.db, ref, deps.owner).catch((error: unknown) => deps.logger?.warn({ err: error, project }, 'IMAP mailbox lease not released (it expires by itself)'));
  }
}

type Session = { ref: MailboxRef; setting: ImapMailboxSetting; client: ImapFlow; cursor: ImapCursor; uidValidity: number; uidNext: number; leaseMs: number };

async function importMessages(context: AppContext, deps: ImapPollDeps, session: Session, result: ImapPollResult): Promise<void> {
  const { ref, client, cursor, uidValidity, uidNext } = session;
  const { uids, mode } = await plan(client, cursor, uidValidity, uidNext);
  const advance = async (position: { lastUid: number; lastInternalDate: Date | null } | null) => {
    if (!(await advanceImapCursor(context.db, ref, deps.owner, position && { uidValidity, ...position }, context.clock.now(), session.leaseMs))) {
      throw new LeaseLost(`the lease on ${ref.label} (${ref.project}) expired and was taken over`);
    }
  };
  let lastInternalDate = cursor.lastInternalDate;
  if (uids.length > 0) {
    // Sizes and dates first, in one round trip: an oversized message is never downloaded.
    const listed = (await client.fetchAll(sequenceSet(uids), { uid: true, size: true, internalDate: true }, { uid: true })).sort((a, b) => a.uid - b.uid);
    for (const message of listed) {
      if (deps.signal?.aborted) return;
      const outcome = await importOne(context, deps, session, message, result);
      if (outcome === 'stop') return;
      const date = message.internalDate ? new Date(message.internalDate) : null;
      if (date && (!lastInternalDate || date > lastInternalDate)) lastInternalDate = date;
      // A rescan moves the cursor only once it is complete (below); until then it only renews the lease.
      await advance(mode === 'cursor' ? { lastUid: message.uid, lastInternalDate } : null);
      if (outcome === 'imported') await markSeen(deps, session, message.uid);
    }
  }
  if (mode === 'rescan') await advance({ lastUid: Math.max(0, uidNext - 1), lastInternalDate });
}

async function markSeen(deps: ImapPollDeps, session: Session, uid: number): Promise<void> {
  try {
    await session.client.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true });
  } catch (error) {
    // Cosmetic: the cursor already records the import.
    deps.logger?.warn({ project: session.ref.project, uid, error: describeImapError(error, session.setting) }, 'imported IMAP message could not be flagged \\Seen');
  }
}

async function importOne(context: AppContext, deps: ImapPollDeps, session: Session, message: FetchMessageObject, result: ImapPollResult): Promise<'imported' | 'skipped' | 'stop'> {
  const { ref, client } = session;
  const max = context.config.mailMaxBytes;
  const where = { project: ref.project, mailbox: ref.label, uid: message.uid };
  if ((message.size ?? 0) > max) {
    deps.logger?.warn({ ...where, bytes: message.size, limit: max }, 'IMAP message over EMBARGO_MAIL_MAX_BYTES skipped; it stays unread in the mailbox');
    result.skipped += 1;
    return 'skipped';
  }
  const full = await client.fetchOne(String(message.uid), { uid: true, source: { maxLength: max + 1 } }, { uid: true });
  const source = full ? full.source : undefined;
  if (!source) {
    // Expunged since it was listed.
    result.skipped += 1;
    return 'skipped';
  }
  if (source.length > max) {
    deps.logger?.warn({ ...where, limit: max }, 'IMAP message over EMBARGO_MAIL_MAX_BYTES skipped; it stays unread in the mailbox');
    result.skipped += 1;
    return 'skipped';
  }
  try {
    const envelope = await envelopeOf(context, ref.project, source);
    if (await isSenderOverLimit(context, envelope.from)) {
      deps.logger?.warn(where, 'IMAP message skipped: its sender is over EMBARGO_MAIL_RATE_LIMIT_PER_HOUR; it stays unread in the mailbox');
      result.skipped += 1;
      return 'skipped';
    }
    const outcomes = await (deps.receive ?? receiveInboundMail)(context, { keys: deps.keys }, source, envelope);
    for (const outcome of outcomes) {
      if (outcome.kind === 'duplicate') result.duplicates += 1;
      else if (outcome.kind === 'dropped') result.dropped += 1;
      else result.imported += 1;
    }
    // No addresses and no contents in logs: only what became of the message.
    deps.logger?.info({ ...where, outcomes: outcomes.map((o) => o.kind), bytes: source.length }, 'inbound mail (IMAP)');
    return 'imported';
  } catch (error) {
    const attempts = await recordImapFailure(context.db, ref, deps.owner, message.uid, context.clock.now());
    result.failed += 1;
    if (attempts >= MAX_IMPORT_ATTEMPTS) {
      deps.logger?.error({ ...where, attempts, err: error }, 'IMAP message could not be imported and is passed over; it stays unread in the mailbox');
      return 'skipped';
    }
    deps.logger?.warn({ ...where, attempts, err: error }, 'IMAP message could not be imported; retrying at the next poll');
    return 'stop';
  }
}
