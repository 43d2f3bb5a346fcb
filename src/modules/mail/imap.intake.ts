import type { AppContext } from '../../context.js';
import { startPeriodic } from '../../platform/jobs/periodic.js';
import { timeJob } from '../../platform/metrics.js';
import { workerId } from '../notifications/outbox.worker.js';
import { loadProjectKeys, type ProjectKeys } from './inbound.pgp.js';
import { describeImapError, pollImapMailbox, type ImapPollResult, type Logger } from './imap.poller.js';

/**
 * The `worker` role's IMAP intake: every EMBARGO_IMAP_POLL_SECONDS, each configured mailbox is polled
 * (in parallel, each on its own connection). A failing mailbox is logged and tried again at the next
 * interval; it never stops the others or the process.
 */
export class ImapIntakeError extends Error {
  override name = 'ImapIntakeError';
}

export type ImapIntake = { stop(): Promise<void> };

/** Start-up check: each mailbox belongs to a project the policy has. */
export function checkImapMailboxes(context: Pick<AppContext, 'config' | 'policies'>): void {
  const unknown = Object.keys(context.config.imapMailboxes).filter((slug) => !context.policies.findProject(slug));
  if (unknown.length > 0) {
    const known = context.policies.projects.map((project) => project.slug).join(', ');
    throw new ImapIntakeError(
      `EMBARGO_IMAP_MAILBOXES names ${unknown.length === 1 ? 'a project' : 'projects'} the policy does not have: ${unknown.join(', ')}. ` +
        `The policy's projects are: ${known}. Fix the slug (or the policy file) and start again.`,
    );
  }
}

export async function startImapIntake(context: AppContext, logger: Logger, options: { keys?: ProjectKeys; owner?: string } = {}): Promise<ImapIntake> {
  checkImapMailboxes(context);
  const keys = options.keys ?? (await loadProjectKeys(context.config.pgpPrivateKeys));
  const owner = options.owner ?? workerId();
  const controller = new AbortController();
  const mailboxes = Object.entries(context.config.imapMailboxes);

  const pollAll = () =>
    Promise.all(
      mailboxes.map(async ([project, setting]): Promise<ImapPollResult> => {
        try {
          const result = await timeJob(context.metrics, 'imap_poll', () => pollImapMailbox(context, { keys, owner, logger, signal: controller.signal }, project, setting));
          if (result.imported + result.duplicates + result.dropped + result.skipped + result.failed > 0) logger.info({ ...result, mailbox: setting.label }, 'IMAP mailbox polled');
          return result;
        } catch (error) {
          // Stopping closes the connection under a poll in flight: that is not a failure.
          if (!controller.signal.aborted) logger.error({ project, mailbox: setting.label, error: describeImapError(error, setting) }, 'IMAP poll failed; retrying at the next interval');
          return { project, busy: false, imported: 0, duplicates: 0, dropped: 0, skipped: 0, failed: 1 };
        }
      }),
    );

  const loop = startPeriodic(pollAll, context.config.imapPollSeconds * 1000, (error) => logger.error({ err: error }, 'IMAP intake pass failed'));
  logger.info({ mailboxes: mailboxes.map(([project, setting]) => ({ project, mailbox: setting.label })), intervalSeconds: context.config.imapPollSeconds }, 'IMAP intake polling');
  return {
    async stop() {
      controller.abort();
      await loop.stop();
    },
  };
}
