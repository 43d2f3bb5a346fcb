import type { AppContext } from '../../context.js';
import { decryptFieldText } from '../../platform/crypto/envelope.js';
import { composeMail, MailEncryptionError, type Address, type OutgoingMail } from '../../platform/mail/mime.js';
import type { MailTransport } from '../../platform/mail/mail.transport.js';
import { noreplyAddress, projectAddress, replyAddress, reporterStatusUrl, teamReportUrl } from '../mail/addresses.js';
import { getReplyToken } from '../mail/reply-token.js';
import { formatDuration } from '../policy/duration.js';
import type { ProjectPolicy } from '../policy/policy.schema.js';
import { openContent, openMessage } from '../reports/report.crypto.js';
import { findReport } from '../reports/report.repository.js';
import { findMessageEnc, findSubscriber, findTransitionReason } from './mail-data.repository.js';
import { renderTemplate, type ProjectInfo, type TemplateInput } from './mail.templates.js';
import type { MailJobPayload } from './notification.dispatch.js';
import type { OutboxRow } from './outbox.repository.js';
import { findActiveUser } from './recipient.repository.js';
import { openSubscriber, subscriptionUrls } from './subscription.crypto.js';

export type SendOutcome = { status: 'sent'; encrypted: boolean } | { status: 'skipped'; reason: string };

/** The access token of an email report's receipt, encrypted in the event and bound to the report. */
export const receiptTokenAad = (reportId: string) => ({ table: 'outbox', column: 'payload.accessTokenEnc', id: reportId });

export const reportRef = (reportId: string) => `#${reportId.slice(0, 8)}`;

type Resolved = { to: Address; encryptTo?: string | undefined; headers?: Record<string, string>; from: Address; input: TemplateInput };

const str = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

async function resolve(context: AppContext, job: MailJobPayload, project: ProjectPolicy): Promise<Resolved | string> {
  const info: ProjectInfo = { slug: project.slug, name: project.name, timezone: project.timeline.timezone };
  const data = job.data;
  const { config } = context;

  if (job.recipient.type === 'user') {
    const user = await findActiveUser(context.db, job.recipient.userId);
    if (!user) return 'the team member is no longer active';
    if (!job.reportId) return 'no report';
    const base = { project: info, reportRef: reportRef(job.reportId), url: teamReportUrl(config, job.reportId) };
    const from = { name: `Embargo (${project.name})`, address: noreplyAddress(config) };
    const to = { name: user.name ?? undefined, address: user.email };
    switch (job.template) {
      case 'team.report_received':
        return { from, to, input: { template: job.template, ...base, source: str(data.source) ?? 'api' } };
      case 'team.reporter_message':
      case 'team.reporter_attachment':
        return { from, to, input: { template: job.template, ...base } };
      case 'team.deadline_due_soon':
        return { from, to, input: { template: job.template, ...base, kind: String(data.kind), dueAt: new Date(String(data.dueAt)) } };
      case 'team.deadline_breached':
        return { from, to, input: { template: job.template, ...base, kind: String(data.kind), dueAt: new Date(String(data.dueAt)), escalated: data.escalated === true } };
      default:
        return `template ${job.template} is not for the team`;
    }
  }

  if (job.recipient.type === 'subscriber') {
    const row = await findSubscriber(context.db, job.recipient.subscriberId);
    if (!row || row.unsubscribed_at) return 'unsubscribed';
    const { email, token } = openSubscriber(context, row);
    const urls = subscriptionUrls(config, token);
    const from = { name: `${project.name} security advisories`, address: noreplyAddress(config) };
    // RFC 8058: a mail client may unsubscribe with one POST, without opening a page.
    const headers = { 'List-Unsubscribe': `<${urls.unsubscribe}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click', 'List-Id': `${project.name} security advisories <${project.slug}.advisories.${config.mailDomain}>` };
    if (job.template === 'subscriber.confirm') {
      if (row.confirmed_at) return 'already confirmed';
      return { from, to: { address: email }, headers, input: { template: job.template, project: info, confirmUrl: urls.confirm, unsubscribeUrl: urls.unsubscribe, level: row.level } };
    }
    if (job.template === 'subscriber.advisory') {
      if (!row.confirmed_at) return 'not confirmed';
      return {
        from,
        to: { address: email },
        headers,
        input: { template: job.template, project: info, advisoryId: String(data.advisoryId), title: str(data.title) ?? String(data.advisoryId), summary: str(data.summary), severity: str(data.severity), url: str(data.url), unsubscribeUrl: urls.unsubscribe },
      };
    }
    return `template ${job.template} is not for subscribers`;
  }

  // The reporter: their address and key live encrypted in the report.
  const reportId = job.reportId;
  const report = reportId ? await findReport(context.db, reportId) : undefined;
  if (!report) return 'the report no longer exists';
  const content = openContent(context, report.id, report.content_enc);
  if (!content.contactEmail) return 'the reporter left no address';
  const token = await getReplyToken(context, context.db, report.id);
  const from = { name: `${project.name} security`, address: token ? replyAddress(config, project.slug, token) : projectAddress(config, project.slug) };
  const base = { project: info, reportRef: reportRef(report.id), statusUrl: reporterStatusUrl(config, report.id) };
  const to = { address: content.contactEmail };
  const encryptTo = content.pgpPublicKey;
  const instructions = project.report.instructions ?? null;
  const resolved = (input: TemplateInput): Resolved => ({ from, to, encryptTo, input });
  switch (job.template) {
    case 'reporter.receipt': {
      const tokenEnc = str(data.accessTokenEnc);
      const accessToken = tokenEnc ? decryptFieldText(context.keyring.lookup, tokenEnc, receiptTokenAad(report.id)) : undefined;
      return resolved({
        template: job.template,
        ...base,
        statusUrl: reporterStatusUrl(config, report.id, accessToken),
        acknowledgeWithin: project.timeline.acknowledge ? formatDuration(project.timeline.acknowledge) : null,
        refusedAttachments: Number(data.refusedAttachments ?? 0),
        keptAttachments: Number(data.keptAttachments ?? 0),
        instructions,
        undecryptable: data.undecryptable === true,
        truncated: data.truncated === true,
      });
    }
    case 'reporter.reply_received':
      return resolved({ template: job.template, ...base, refusedAttachments: Number(data.refusedAttachments ?? 0), instructions });
    case 'reporter.state_changed': {
      const to = String(data.to);
      const reason = await findTransitionReason(context.db, report.id, to, new Date(job.event.at));
      return resolved({ template: job.template, ...base, to, reason });
    }
    case 'reporter.team_message':
    case 'reporter.status_update': {
      const message = str(data.messageId) ? await findMessageEnc(context.db, String(data.messageId)) : undefined;
      if (!message || message.internal || message.report_id !== report.id) return 'the message is not for the reporter';
      if (job.template === 'reporter.status_update') {
        return resolved({ template: job.template, ...base, every: project.timeline.statusUpdate ? formatDuration(project.timeline.statusUpdate) : null });
      }
      return resolved({ template: job.template, ...base, body: openMessage(context, message.id, message.body_enc) });
    }
    case 'reporter.advisory_published':
      return resolved({ template: job.template, ...base, advisoryId: String(data.advisoryId), title: str(data.title), url: str(data.url) });
    default:
      return `template ${job.template} is not for the reporter`;
  }
}

/**
 * Renders and sends one `mail.send` row. The Message-ID is the row's id, so the same notification
 * always carries the same Message-ID, however often a crash makes the worker send it again.
 */
export async function sendMailJob(context: AppContext, transport: MailTransport, row: OutboxRow): Promise<SendOutcome> {
  const job = row.payload as unknown as MailJobPayload;
  const project = context.policies.findProject(job.project);
  if (!project) return { status: 'skipped', reason: `project ${job.project} is no longer in the policy` };
  const resolved = await resolve(context, job, project);
  if (typeof resolved === 'string') return { status: 'skipped', reason: resolved };
  const domain = context.config.mailDomain;
  const mail = (input: TemplateInput, encryptTo?: string): OutgoingMail => {
    const rendered = renderTemplate(input);
    return {
      from: resolved.from,
      to: [resolved.to],
      replyTo: resolved.from,
      returnPath: resolved.from.address,
      subject: rendered.subject,
      text: rendered.text,
      html: rendered.html,
      messageId: `<${row.id}@${domain}>`,
      date: row.created_at,
      encryptTo,
      headers: {
        // RFC 3834: auto-responders must not answer, which keeps Embargo out of mail loops.
        'Auto-Submitted': 'auto-generated',
        'X-Auto-Response-Suppress': 'All',
        ...(job.reportId && job.recipient.type === 'reporter' ? { References: `<report-${job.reportId}@${domain}>`, 'In-Reply-To': `<report-${job.reportId}@${domain}>` } : {}),
        ...resolved.headers,
      },
    };
  };
  let composed;
  let encrypted = false;
  try {
    composed = await composeMail(mail(resolved.input, resolved.encryptTo));
    encrypted = !!resolved.encryptTo;
  } catch (error) {
    if (!(error instanceof MailEncryptionError) || job.reportId === null) throw error;
    // Never fall back to clear text: say there is news, and where to read it.
    composed = await composeMail(mail({ template: 'reporter.cannot_encrypt', project: resolved.input.project, reportRef: reportRef(job.reportId), statusUrl: reporterStatusUrl(context.config, job.reportId) }));
  }
  await transport.send(composed.envelope, composed.raw);
  return { status: 'sent', encrypted };
}
