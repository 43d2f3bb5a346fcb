import { randomBytes, randomUUID } from 'node:crypto';
import type { AppContext } from '../../context.js';
import { decryptFieldText, encryptField } from '../../platform/crypto/envelope.js';
import { AppError, notFound, validationFailed } from '../../platform/errors.js';
import type { Actor } from '../access/actor.js';
import { canSeeProjectWebhooks, canWebhooks, type WebhookAction } from '../access/webhook.policy.js';
import { auditActor } from '../audit/audit-actor.js';
import { appendAudit } from '../audit/audit.repository.js';
import { isUuid } from '../reports/report.repository.js';
import { getProjectOrThrow } from '../reports/report.service.js';
import { WEBHOOK_TOPICS, type WebhookTopic } from './webhook.payload.js';
import { disableWebhook, findWebhook, findWebhookDeliveries, findWebhooks, insertWebhook } from './webhook.repository.js';
import { webhookAad } from './webhook.sender.js';

export type WebhookInput = { url: string; format: 'json' | 'slack'; topics: WebhookTopic[] };

function authorize(context: AppContext, actor: Actor, projectSlug: string, action: WebhookAction): string {
  const project = getProjectOrThrow(context, projectSlug);
  if (!canSeeProjectWebhooks(actor, project.slug)) throw notFound('PROJECT_NOT_FOUND', `project "${projectSlug}"`);
  if (!canWebhooks(actor, action, project.slug)) throw new AppError('FORBIDDEN', action === 'manage' ? 'Only the project\u2019s admins manage its webhooks.' : 'Your role on this project does not allow this.');
  return project.slug;
}

type WebhookRow = NonNullable<Awaited<ReturnType<typeof findWebhook>>>;

/** The URL's origin only: the path of many webhook URLs (Slack's, for one) is itself the secret. */
function present(context: AppContext, row: WebhookRow) {
  const url = new URL(decryptFieldText(context.keyring.lookup, row.url_enc, webhookAad(row.id, 'url_enc')));
  return {
    id: row.id,
    project: row.project_slug,
    origin: url.origin,
    format: row.format,
    topics: row.topics as WebhookTopic[],
    createdAt: row.created_at.toISOString(),
    disabledAt: row.disabled_at?.toISOString() ?? null,
  };
}

export async function listWebhooks(context: AppContext, actor: Actor, projectSlug: string) {
  const slug = authorize(context, actor, projectSlug, 'read');
  return (await findWebhooks(context.db, slug)).map((row) => present(context, row));
}

/** The signing secret is returned here once; Embargo keeps it encrypted to sign each delivery. */
export async function createWebhook(context: AppContext, actor: Actor, projectSlug: string, input: WebhookInput) {
  const slug = authorize(context, actor, projectSlug, 'manage');
  let url: URL;
  try {
    url = new URL(input.url);
  } catch {
    throw validationFailed([{ field: 'url', code: 'invalid', message: 'expected an absolute http(s) URL' }]);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw validationFailed([{ field: 'url', code: 'invalid', message: 'expected an http(s) URL' }]);
  if (url.username || url.password) throw validationFailed([{ field: 'url', code: 'invalid', message: 'credentials in the URL are not allowed; the signature authenticates Embargo' }]);
  const id = randomUUID();
  const secret = `whsec_${randomBytes(32).toString('base64url')}`;
  const now = context.clock.now();
  const topics = [...new Set(input.topics)].filter((topic) => (WEBHOOK_TOPICS as readonly string[]).includes(topic));
  await context.db.transaction().execute(async (trx) => {
    await insertWebhook(trx, {
      id,
      project_slug: slug,
      url_enc: encryptField(context.keyring.current, url.toString(), webhookAad(id, 'url_enc')),
      secret_enc: encryptField(context.keyring.current, secret, webhookAad(id, 'secret_enc')),
      format: input.format,
      topics: JSON.stringify(topics),
      created_at: now,
    });
    await appendAudit(trx, { stream: `webhook:${id}`, actor: auditActor(actor), action: 'webhook.created', data: { project: slug, webhookId: id, origin: url.origin, format: input.format, topics }, at: now });
  });
  const row = await findWebhook(context.db, id);
  return { ...present(context, row!), secret };
}

async function webhookOf(context: AppContext, slug: string, id: string): Promise<WebhookRow> {
  const row = isUuid(id) ? await findWebhook(context.db, id) : undefined;
  if (!row || row.project_slug !== slug) throw notFound('NOT_FOUND', 'webhook');
  return row;
}

export async function deleteWebhook(context: AppContext, actor: Actor, projectSlug: string, id: string): Promise<void> {
  const slug = authorize(context, actor, projectSlug, 'manage');
  const row = await webhookOf(context, slug, id);
  const now = context.clock.now();
  await context.db.transaction().execute(async (trx) => {
    await disableWebhook(trx, row.id, now);
    await appendAudit(trx, { stream: `webhook:${row.id}`, actor: auditActor(actor), action: 'webhook.disabled', data: { project: slug, webhookId: row.id }, at: now });
  });
}

export async function listWebhookDeliveries(context: AppContext, actor: Actor, projectSlug: string, id: string) {
  const slug = authorize(context, actor, projectSlug, 'read');
  const row = await webhookOf(context, slug, id);
  return (await findWebhookDeliveries(context.db, row.id, 200)).map((delivery) => ({
    deliveryId: delivery.delivery_id,
    topic: delivery.topic,
    attempt: delivery.attempt,
    statusCode: delivery.status_code,
    error: delivery.error,
    durationMs: delivery.duration_ms,
    attemptedAt: delivery.attempted_at.toISOString(),
  }));
}
