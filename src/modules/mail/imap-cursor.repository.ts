import type { Executor } from '../../platform/db/database.js';

/** One polled mailbox of one project. `key` identifies account and mailbox without holding the password. */
export type MailboxRef = { project: string; key: string; label: string };

export type ImapCursor = {
  /** Null until the first poll finished: then only the unread messages are taken. */
  uidValidity: number | null;
  lastUid: number;
  lastInternalDate: Date | null;
  failedUid: number | null;
  failedAttempts: number;
};

const asNumber = (value: string | number | bigint | null): number | null => (value === null ? null : Number(value));

/**
 * Takes the mailbox for one poll, or returns null while a poll (of any worker, this one included) holds
 * an unexpired lease. The conditional UPDATE is the claim: on PostgreSQL a second claimant waits for the
 * row and then sees the new lease; on PGlite statements run one at a time. No lock or transaction is
 * held across the poll (PGlite's one connection must stay free for intake), and the lease expires, so a
 * crashed worker's mailbox is taken over.
 */
export async function claimImapMailbox(db: Executor, ref: MailboxRef, owner: string, now: Date, leaseMs: number): Promise<ImapCursor | null> {
  await db
    .insertInto('imap_cursors')
    .values({ project_slug: ref.project, mailbox_key: ref.key, mailbox_label: ref.label, updated_at: now })
    .onConflict((oc) => oc.columns(['project_slug', 'mailbox_key']).doNothing())
    .execute();
  const row = await db
    .updateTable('imap_cursors')
    .set({ lease_owner: owner, lease_until: new Date(now.getTime() + leaseMs), mailbox_label: ref.label })
    .where('project_slug', '=', ref.project)
    .where('mailbox_key', '=', ref.key)
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]))
    .returning(['uid_validity', 'last_uid', 'last_internal_date', 'failed_uid', 'failed_attempts'])
    .executeTakeFirst();
  if (!row) return null;
  return {
    uidValidity: asNumber(row.uid_validity),
    lastUid: Number(row.last_uid),
    lastInternalDate: row.last_internal_date,
    failedUid: asNumber(row.failed_uid),
    failedAttempts: row.failed_attempts,
  };
}

export type CursorPosition = { uidValidity: number; lastUid: number; lastInternalDate: Date | null };

/**
 * Records that everything up to `position` is imported (or, with null, only extends the lease).
 * False when the lease was lost (expired and taken by another worker): the caller must stop.
 */
export async function advanceImapCursor(db: Executor, ref: MailboxRef, owner: string, position: CursorPosition | null, now: Date, leaseMs: number): Promise<boolean> {
  const result = await db
    .updateTable('imap_cursors')
    .set({
      lease_until: new Date(now.getTime() + leaseMs),
      updated_at: now,
      ...(position
        ? { uid_validity: position.uidValidity, last_uid: position.lastUid, last_internal_date: position.lastInternalDate, failed_uid: null, failed_attempts: 0 }
        : {}),
    })
    .where('project_slug', '=', ref.project)
    .where('mailbox_key', '=', ref.key)
    .where('lease_owner', '=', owner)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Counts failed imports of one message (consecutive, across polls); returns the count so far. */
export async function recordImapFailure(db: Executor, ref: MailboxRef, owner: string, uid: number, now: Date): Promise<number> {
  const current = await db.selectFrom('imap_cursors').select(['failed_uid', 'failed_attempts']).where('project_slug', '=', ref.project).where('mailbox_key', '=', ref.key).executeTakeFirst();
  const attempts = current && asNumber(current.failed_uid) === uid ? current.failed_attempts + 1 : 1;
  await db
    .updateTable('imap_cursors')
    .set({ failed_uid: uid, failed_attempts: attempts, updated_at: now })
    .where('project_slug', '=', ref.project)
    .where('mailbox_key', '=', ref.key)
    .where('lease_owner', '=', owner)
    .execute();
  return attempts;
}

/** Ends the lease at once, so the next poll (by any worker) need not wait for it to expire. */
export async function releaseImapMailbox(db: Executor, ref: MailboxRef, owner: string): Promise<void> {
  await db
    .updateTable('imap_cursors')
    .set({ lease_owner: null, lease_until: null })
    .where('project_slug', '=', ref.project)
    .where('mailbox_key', '=', ref.key)
    .where('lease_owner', '=', owner)
    .execute();
}
