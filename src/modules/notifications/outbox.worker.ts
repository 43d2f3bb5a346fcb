import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { AppContext } from '../../context.js';
import { startPeriodic } from '../../platform/jobs/periodic.js';
import { createSmtpTransport, MailSendError, type MailTransport } from '../../platform/mail/mail.transport.js';
import { sendMailJob } from './mail.sender.js';
import { dispatchEvent, MAIL_TOPIC } from './notification.dispatch.js';
import { claimOutbox, markOutboxDelivered, markOutboxFailed, releaseOutboxForRetry, type OutboxRow } from './outbox.repository.js';
import { deliverWebhook, WEBHOOK_TOPIC, WebhookError } from './webhook.sender.js';

export type WorkerDeps = {
  /** Null when no relay is configured: events still run their side effects and webhooks, no mail is queued. */
  transport: MailTransport | null;
  fetch?: typeof fetch;
  worker?: string;
  batchSize?: number;
  /** How long a claim protects a row; past it, the row is presumed orphaned by a crash and claimed again. */
  leaseMs?: number;
  concurrency?: number;
  log?: (level: 'info' | 'warn' | 'error', data: Record<string, unknown>, message: string) => void;
};

export type PassResult = { claimed: number; delivered: number; retried: number; failed: number };

const BACKOFF_BASE_MS = 30_000;
const BACKOFF_MAX_MS = 3_600_000;

/** 30 s, 1 min, 2 min, ... capped at 1 h, with up to 20 % jitter so that retries after an outage spread out. */
export function retryDelayMs(attempts: number, random = Math.random): number {
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (1 + 0.2 * random()));
}

export function workerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

type RowOutcome = 'delivered' | 'retried' | 'failed';

async function processRow(context: AppContext, deps: WorkerDeps & { worker: string }, row: OutboxRow): Promise<RowOutcome> {
  const now = () => context.clock.now();
  const fail = async (error: unknown): Promise<RowOutcome> => {
    const message = error instanceof Error ? error.message : String(error);
    // Mail and webhook errors say whether another try could succeed.
    const permanent = (error instanceof MailSendError || error instanceof WebhookError) && error.permanent;
    if (permanent || row.attempts >= context.config.outboxMaxAttempts) {
      await markOutboxFailed(context.db, row, now(), message);
      deps.log?.('error', { outboxId: row.id, topic: row.topic, attempts: row.attempts, error: message }, 'notification failed for good');
      return 'failed';
    }
    await releaseOutboxForRetry(context.db, row, new Date(now().getTime() + retryDelayMs(row.attempts)), message);
    deps.log?.('warn', { outboxId: row.id, topic: row.topic, attempts: row.attempts, error: message }, 'notification will be retried');
    return 'retried';
  };

  try {
    if (row.topic === MAIL_TOPIC) {
      if (!deps.transport) return await fail(new Error('no mail relay configured (EMBARGO_SMTP_URL)'));
      const outcome = await sendMailJob(context, deps.transport, row);
      await markOutboxDelivered(context.db, row.id, now(), outcome.status === 'skipped' ? `skipped: ${outcome.reason}` : null);
      return 'delivered';
    }
    if (row.topic === WEBHOOK_TOPIC) {
      await deliverWebhook(context, row, deps.fetch ?? fetch);
      await markOutboxDelivered(context.db, row.id, now());
      return 'delivered';
    }
    // A domain event: fan out and mark done in one transaction, so a crash leaves either both or neither.
    await context.db.transaction().execute(async (trx) => {
      await dispatchEvent(context, trx, row, { mail: deps.transport !== null });
      await markOutboxDelivered(trx, row.id, now());
    });
    return 'delivered';
  } catch (error) {
    return fail(error);
  }
}

/** One claim and the processing of what it got. */
export async function runOutboxPass(context: AppContext, deps: WorkerDeps): Promise<PassResult> {
  const worker = deps.worker ?? workerId();
  const rows = await claimOutbox(context.db, { worker, now: context.clock.now(), limit: deps.batchSize ?? 50, leaseMs: deps.leaseMs ?? 5 * 60_000 });
  const result: PassResult = { claimed: rows.length, delivered: 0, retried: 0, failed: 0 };
  const concurrency = Math.max(1, deps.concurrency ?? 4);
  for (let start = 0; start < rows.length; start += concurrency) {
    const outcomes = await Promise.all(rows.slice(start, start + concurrency).map((row) => processRow(context, { ...deps, worker }, row)));
    for (const outcome of outcomes) result[outcome] += 1;
  }
  return result;
}

/** Passes until nothing is due (events fan out into mail rows that are due at once). */
export async function drainOutbox(context: AppContext, deps: WorkerDeps, maxPasses = 100): Promise<PassResult> {
  const total: PassResult = { claimed: 0, delivered: 0, retried: 0, failed: 0 };
  const worker = deps.worker ?? workerId();
  for (let pass = 0; pass < maxPasses; pass += 1) {
    const result = await runOutboxPass(context, { ...deps, worker });
    for (const key of Object.keys(total) as (keyof PassResult)[]) total[key] += result[key];
    if (result.claimed === 0 || result.delivered === 0) break;
  }
  return total;
}

/** The `worker` role: delivers the outbox every few seconds. */
export function startOutboxWorker(context: AppContext, deps: WorkerDeps): { stop(): Promise<void> } {
  const worker = deps.worker ?? workerId();
  return startPeriodic(
    () => drainOutbox(context, { ...deps, worker }),
    context.config.outboxIntervalMs,
    (error) => deps.log?.('error', { err: error }, 'outbox delivery pass failed'),
  );
}

type Logger = { info(obj: object, msg: string): void; warn(obj: object, msg: string): void; error(obj: object, msg: string): void };

/** What src/main.ts starts for the `worker` role: the relay from config, logs through the app's logger. */
export function startNotificationWorker(context: AppContext, logger: Logger): { stop(): Promise<void> } {
  const transport = context.config.smtpUrl ? createSmtpTransport(context.config.smtpUrl) : null;
  if (!transport) logger.warn({}, 'EMBARGO_SMTP_URL is not set: notifications are not mailed (webhooks and automatic status updates still run)');
  const loop = startOutboxWorker(context, { transport, log: (level, data, message) => logger[level](data, message) });
  return {
    async stop() {
      await loop.stop();
      transport?.close();
    },
  };
}
