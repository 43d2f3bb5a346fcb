import { randomUUID } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import type { AppContext } from '../../context.js';
import { decryptFieldText } from '../../platform/crypto/envelope.js';
import { teamReportUrl } from '../mail/addresses.js';
import type { OutboxRow } from './outbox.repository.js';
import { WEBHOOK_TOPIC, type WebhookJob } from './webhook.dispatch.js';
import { isWebhookTopic, signWebhook, slackText } from './webhook.payload.js';
import { findWebhook, insertWebhookDelivery } from './webhook.repository.js';

export { WEBHOOK_TOPIC };

export class WebhookError extends Error {
  override name = 'WebhookError';
  constructor(
    message: string,
    /** Retrying cannot help (the receiver refused the request, or the address is not allowed). */
    readonly permanent: boolean,
  ) {
    super(message);
  }
}

export const webhookAad = (id: string, column: 'url_enc' | 'secret_enc') => ({ table: 'webhooks', column, id });

const PRIVATE = new BlockList();
for (const [network, prefix] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4]] as const) {
  PRIVATE.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) PRIVATE.addSubnet(network, prefix, 'ipv6');

function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return PRIVATE.check(mapped[1]!, 'ipv4');
  return PRIVATE.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

/**
 * A webhook is set up by a project admin, but the request comes from inside the network: refuse
 * loopback, private and link-local destinations (cloud metadata endpoints live there) unless allowed.
 */
export async function assertPublicDestination(url: URL, allowPrivate: boolean): Promise<void> {
  if (allowPrivate) return;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((entry) => entry.address);
  if (addresses.length === 0 || addresses.some(isPrivateAddress)) {
    throw new WebhookError(`${url.hostname} resolves to a private address (set EMBARGO_WEBHOOK_ALLOW_PRIVATE to allow)`, true);
  }
}

/** Sends one delivery and logs the attempt; a failure is thrown for the worker to retry or give up. */
export async function deliverWebhook(context: AppContext, row: OutboxRow, fetchImpl: typeof fetch): Promise<void> {
  const job = row.payload as unknown as WebhookJob;
  const hook = await findWebhook(context.db, job.webhookId);
  if (!hook || hook.disabled_at || !isWebhookTopic(job.topic)) return;
  const url = new URL(decryptFieldText(context.keyring.lookup, hook.url_enc, webhookAad(hook.id, 'url_enc')));
  const secret = decryptFieldText(context.keyring.lookup, hook.secret_enc, webhookAad(hook.id, 'secret_enc'));
  const project = context.policies.findProject(hook.project_slug);
  const link = typeof job.data.reportId === 'string' ? teamReportUrl(context.config, job.data.reportId) : typeof job.data.url === 'string' ? job.data.url : null;
  const body =
    hook.format === 'slack'
      ? JSON.stringify({ text: slackText(job.topic, project?.name ?? hook.project_slug, job.data, link) })
      : JSON.stringify({ id: row.id, type: job.topic, createdAt: job.eventAt, project: job.project, data: job.data });
  const now = context.clock.now();
  const timestamp = Math.floor(now.getTime() / 1000);
  const started = Date.now();
  let status: number | null = null;
  let error: string | null = null;
  try {
    await assertPublicDestination(url, context.config.webhookAllowPrivate);
    const response = await fetchImpl(url, {
      method: 'POST',
      // Never follow a redirect: it could point anywhere, including inside the network.
      redirect: 'manual',
      signal: AbortSignal.timeout(10_000),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Embargo-Webhooks/1',
        'embargo-delivery': row.id,
        'embargo-event': job.topic,
        'embargo-timestamp': String(timestamp),
        'embargo-signature': signWebhook(secret, timestamp, body),
      },
      body,
    });
    status = response.status;
    await response.body?.cancel().catch(() => {});
    if (!response.ok) {
      // 4xx says the request itself is refused; 408 and 429 are the receiver asking for later.
      const permanent = status >= 400 && status < 500 && status !== 408 && status !== 429;
      throw new WebhookError(`HTTP ${status}`, permanent);
    }
  } catch (caught) {
    error = caught instanceof WebhookError ? caught.message : `request failed: ${(caught as Error).message}`.slice(0, 300);
    throw caught instanceof WebhookError ? caught : new WebhookError(error, false);
  } finally {
    await insertWebhookDelivery(context.db, {
      id: randomUUID(),
      webhook_id: hook.id,
      delivery_id: row.id,
      topic: job.topic,
      attempt: row.attempts,
      status_code: status,
      error,
      duration_ms: Date.now() - started,
      attempted_at: now,
    });
  }
}
