import type { AppContext } from '../../context.js';
import type { Tx } from '../../platform/db/database.js';
import { findReport } from '../reports/report.repository.js';
import { findDeadlines } from '../triage/sla/deadline.repository.js';
import { ensureReplyToken } from '../mail/reply-token.js';
import { openContent } from '../reports/report.crypto.js';
import { enqueueOutbox, type OutboxRow } from './outbox.repository.js';
import { findActiveUser, findProjectMaintainers } from './recipient.repository.js';
import { findAdvisoryReportIds, findSubscriberIds, isDisclosedByAdvisory } from './advisory-audience.repository.js';
import { postAutomaticStatusUpdate } from './status-update.service.js';
import type { TemplateId } from './mail.templates.js';
import { enqueueWebhookDeliveries } from './webhook.dispatch.js';

/**
 * Turns one domain event into the messages it causes: one `mail.send` row per recipient (and one
 * `webhook.deliver` row per subscribed webhook), inserted in the same transaction that marks the
 * event done. Each of those rows is then sent, retried and recorded on its own, and its id is the
 * message's stable identity. Rows hold references (report, user, template), never addresses or
 * report contents: those are read, decrypted and rendered only at send time.
 */
export type Recipient = { type: 'user'; userId: string } | { type: 'reporter' } | { type: 'subscriber'; subscriberId: string };

export type MailJob = { template: TemplateId; recipient: Recipient; data?: Record<string, unknown> };

export type MailJobPayload = {
  template: TemplateId;
  project: string;
  reportId: string | null;
  recipient: Recipient;
  data: Record<string, unknown>;
  event: { id: string; topic: string; at: string };
};

export const MAIL_TOPIC = 'mail.send';

type EventPayload = Record<string, unknown> & { reportId?: string; project?: string };

const recipientKey = (recipient: Recipient) =>
  recipient.type === 'user' ? `user:${recipient.userId}` : recipient.type === 'subscriber' ? `subscriber:${recipient.subscriberId}` : 'reporter';

async function maintainers(trx: Tx, project: string): Promise<Recipient[]> {
  return (await findProjectMaintainers(trx, project)).map((member) => ({ type: 'user', userId: member.id }));
}

/** The named users that are still active, in order, without repeats. */
async function activeUsers(trx: Tx, ids: (string | null | undefined)[]): Promise<Recipient[]> {
  const out: Recipient[] = [];
  for (const id of [...new Set(ids.filter((value): value is string => typeof value === 'string'))]) {
    if (await findActiveUser(trx, id)) out.push({ type: 'user', userId: id });
  }
  return out;
}

/** A reporter is mailed only if they left an address (email intake always has one). */
async function reporterReachable(context: AppContext, trx: Tx, reportId: string): Promise<boolean> {
  const report = await findReport(trx, reportId);
  return !!report && !!openContent(context, report.id, report.content_enc).contactEmail;
}

async function jobsFor(context: AppContext, trx: Tx, row: OutboxRow, payload: EventPayload): Promise<MailJob[]> {
  const reportId = payload.reportId;
  const project = payload.project;
  if (!project) return [];
  const toReporter = async (template: TemplateId, data: Record<string, unknown> = {}): Promise<MailJob[]> =>
    reportId && (await reporterReachable(context, trx, reportId)) ? [{ template, recipient: { type: 'reporter' }, data }] : [];

  switch (row.topic) {
    case 'report.received': {
      const report = reportId ? await findReport(trx, reportId) : undefined;
      return (await maintainers(trx, project)).map((recipient) => ({ template: 'team.report_received', recipient, data: { source: report?.source ?? 'api' } }));
    }
    case 'report.receipt':
      return toReporter('reporter.receipt', payload);
    case 'report.reply_attachments_refused':
      return toReporter('reporter.reply_received', payload);
    case 'report.reporter_message':
    case 'report.reporter_attachment': {
      const report = reportId ? await findReport(trx, reportId) : undefined;
      const handlers = await activeUsers(trx, [report?.handler_id, report?.backup_handler_id]);
      const to = handlers.length > 0 ? handlers : await maintainers(trx, project);
      const template = row.topic === 'report.reporter_message' ? 'team.reporter_message' : 'team.reporter_attachment';
      return to.map((recipient) => ({ template, recipient }));
    }
    case 'report.team_message':
      return toReporter('reporter.team_message', { messageId: payload.messageId });
    case 'report.status_update':
      return toReporter('reporter.status_update', { messageId: payload.messageId });
    case 'report.state_changed':
      // Telling a spammer their report was filed as spam only invites more.
      if (payload.to === 'spam') return [];
      // A disclosure by an advisory is announced by the advisory's own mail.
      if (payload.to === 'disclosed' && reportId && (await isDisclosedByAdvisory(trx, reportId))) return [];
      return toReporter('reporter.state_changed', { to: payload.to, from: payload.from });
    case 'sla.deadline_due_soon': {
      if (payload.kind === 'status_update') {
        if (reportId) await postAutomaticStatusUpdate(context, trx, reportId, Number(payload.seq));
        return [];
      }
      const handler = await activeUsers(trx, [payload.handlerId as string | null]);
      const to = handler.length > 0 ? handler : await maintainers(trx, project);
      return to.map((recipient) => ({ template: 'team.deadline_due_soon', recipient, data: { kind: payload.kind, dueAt: payload.dueAt } }));
    }
    case 'sla.deadline_breached': {
      if (payload.kind === 'status_update' && reportId) await postAutomaticStatusUpdate(context, trx, reportId, Number(payload.seq));
      const handlers = await activeUsers(trx, [payload.handlerId as string | null, payload.backupHandlerId as string | null]);
      const data = { kind: payload.kind, dueAt: payload.dueAt };
      if (handlers.length === 0) {
        // Nobody is assigned: the whole team hears of it at once.
        return (await maintainers(trx, project)).map((recipient) => ({ template: 'team.deadline_breached', recipient, data: { ...data, escalated: true } }));
      }
      await enqueueOutbox(trx, {
        topic: 'sla.deadline_escalation',
        dedupeKey: `sla.deadline_escalation:${row.dedupe_key}`,
        payload,
        at: context.clock.now(),
        availableAt: new Date(context.clock.now().getTime() + context.config.slaEscalationHours * 3_600_000),
      });
      return handlers.map((recipient) => ({ template: 'team.deadline_breached', recipient, data: { ...data, escalated: false } }));
    }
    case 'sla.deadline_escalation': {
      // Escalate only a deadline still missed: met, paused or moved since, and the handler dealt with it.
      const deadline = reportId ? (await findDeadlines(trx, reportId)).find((d) => d.kind === payload.kind && d.seq === Number(payload.seq)) : undefined;
      if (!deadline || deadline.met_at !== null || deadline.paused || (deadline.due_at?.toISOString() ?? null) !== payload.dueAt) return [];
      const handlers = new Set([payload.handlerId, payload.backupHandlerId]);
      return (await maintainers(trx, project))
        .filter((recipient) => recipient.type === 'user' && !handlers.has(recipient.userId))
        .map((recipient) => ({ template: 'team.deadline_breached', recipient, data: { kind: payload.kind, dueAt: payload.dueAt, escalated: true } }));
    }
    case 'advisory.published': {
      const advisoryId = typeof payload.advisoryId === 'string' ? payload.advisoryId : null;
      if (!advisoryId) return [];
      // The event payload is the advisory's public record: it may go into mail as it is.
      const advisory = { advisoryId, title: payload.title ?? null, summary: payload.summary ?? null, severity: payload.severity ?? null, url: payload.url ?? null };
      const jobs: MailJob[] = [];
      for (const linkedReport of await findAdvisoryReportIds(trx, advisoryId)) {
        if (await reporterReachable(context, trx, linkedReport)) jobs.push({ template: 'reporter.advisory_published', recipient: { type: 'reporter' }, data: { ...advisory, reportId: linkedReport } });
      }
      for (const subscriberId of await findSubscriberIds(trx, project, payload.severity === 'critical')) {
        jobs.push({ template: 'subscriber.advisory', recipient: { type: 'subscriber', subscriberId }, data: advisory });
      }
      return jobs;
    }
    case 'subscriber.confirm':
      return [{ template: 'subscriber.confirm', recipient: { type: 'subscriber', subscriberId: String(payload.subscriberId) } }];
    default:
      return [];
  }
}

/** Events whose only effect is a side effect in the database run even when no mail relay is configured. */
export async function dispatchEvent(context: AppContext, trx: Tx, row: OutboxRow, options: { mail: boolean }): Promise<number> {
  const payload = row.payload as EventPayload;
  const jobs = await jobsFor(context, trx, row, payload);
  let queued = 0;
  if (options.mail) {
    const now = context.clock.now();
    for (const job of jobs) {
      // An advisory can concern several reports: each reporter job names its own report.
      const reportId = (job.data?.reportId as string | undefined) ?? payload.reportId ?? null;
      if (job.recipient.type === 'reporter' && reportId) await ensureReplyToken(context, trx, reportId, now);
      const mail: MailJobPayload = {
        template: job.template,
        project: payload.project!,
        reportId,
        recipient: job.recipient,
        data: job.data ?? {},
        event: { id: row.id, topic: row.topic, at: row.created_at.toISOString() },
      };
      const key = job.recipient.type === 'reporter' ? `reporter:${reportId}` : recipientKey(job.recipient);
      if (await enqueueOutbox(trx, { topic: MAIL_TOPIC, dedupeKey: `mail:${row.id}:${key}`, payload: mail, at: now })) queued += 1;
    }
  }
  await enqueueWebhookDeliveries(context, trx, row);
  return queued;
}
