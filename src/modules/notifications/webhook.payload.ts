import { createHmac } from 'node:crypto';

/**
 * What a webhook may carry: an allow-list of topics and, per topic, of fields. Event payloads are
 * internal (some hold encrypted tokens); only these fields leave Embargo, and never report contents.
 */
export const WEBHOOK_TOPICS = [
  'report.received',
  'report.state_changed',
  'report.reporter_message',
  'report.team_message',
  'report.status_update',
  'sla.deadline_due_soon',
  'sla.deadline_breached',
  'advisory.published',
  'advisory.updated',
  'advisory.withdrawn',
] as const;
export type WebhookTopic = (typeof WEBHOOK_TOPICS)[number];

const REPORT_FIELDS = ['reportId', 'project', 'from', 'to', 'messageId'];
const SLA_FIELDS = ['reportId', 'project', 'kind', 'seq', 'dueAt'];
const ADVISORY_FIELDS = ['advisoryId', 'project', 'title', 'summary', 'severity', 'cveId', 'url', 'publishedAt', 'modifiedAt', 'revision', 'withdrawn'];

export function isWebhookTopic(topic: string): topic is WebhookTopic {
  return (WEBHOOK_TOPICS as readonly string[]).includes(topic);
}

export function webhookData(topic: WebhookTopic, payload: Record<string, unknown>): Record<string, unknown> {
  const fields = topic.startsWith('advisory.') ? ADVISORY_FIELDS : topic.startsWith('sla.') ? SLA_FIELDS : REPORT_FIELDS;
  return Object.fromEntries(fields.filter((field) => payload[field] !== undefined).map((field) => [field, payload[field]]));
}

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: the receiver recomputes it with the shared
 * secret, rejects a timestamp more than a few minutes old (replay) and dedupes on Embargo-Delivery.
 */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

const slackEscape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** One line for a Slack-compatible incoming webhook ({"text": ...}). */
export function slackText(topic: WebhookTopic, projectName: string, data: Record<string, unknown>, link: string | null): string {
  const ref = typeof data.reportId === 'string' ? `#${data.reportId.slice(0, 8)}` : '';
  const what: Record<WebhookTopic, string> = {
    'report.received': `New vulnerability report ${ref}`,
    'report.state_changed': `Report ${ref} moved from ${String(data.from)} to ${String(data.to)}`,
    'report.reporter_message': `The reporter wrote on ${ref}`,
    'report.team_message': `The team answered on ${ref}`,
    'report.status_update': `Automatic status update sent on ${ref}`,
    'sla.deadline_due_soon': `Deadline due soon on ${ref}: ${String(data.kind)} (${String(data.dueAt)})`,
    'sla.deadline_breached': `Deadline missed on ${ref}: ${String(data.kind)} (${String(data.dueAt)})`,
    'advisory.published': `Advisory ${String(data.advisoryId)} published: ${String(data.title ?? '')}`,
    'advisory.updated': `Advisory ${String(data.advisoryId)} updated`,
    'advisory.withdrawn': `Advisory ${String(data.advisoryId)} withdrawn`,
  };
  const line = `[${slackEscape(projectName)}] ${slackEscape(what[topic])}`;
  return link ? `${line} <${link}|open>` : line;
}
