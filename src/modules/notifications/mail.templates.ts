import { renderMail, type Block, type MailContent, type RenderedMail } from './mail.layout.js';

/**
 * Every mail Embargo sends. Team mails never carry what a report says (title, description): a
 * notification sits in mailboxes Embargo does not control, so it points to the report instead.
 * Reporter mails may carry the team's messages, since that is the conversation; they are encrypted
 * when the reporter gave a key. Subjects carry no report content in either case.
 */
export type ProjectInfo = { slug: string; name: string; timezone: string };

type Base = { project: ProjectInfo; reportRef: string };

export type TemplateInput =
  | (Base & { template: 'team.report_received'; url: string; source: string })
  | (Base & { template: 'team.reporter_message'; url: string })
  | (Base & { template: 'team.reporter_attachment'; url: string })
  | (Base & { template: 'team.deadline_due_soon'; url: string; kind: string; dueAt: Date })
  | (Base & { template: 'team.deadline_breached'; url: string; kind: string; dueAt: Date; escalated: boolean })
  | (Base & {
      template: 'reporter.receipt';
      statusUrl: string;
      acknowledgeWithin: string | null;
      refusedAttachments: number;
      keptAttachments: number;
      instructions: string | null;
      undecryptable: boolean;
      truncated: boolean;
    })
  | (Base & { template: 'reporter.reply_received'; statusUrl: string; refusedAttachments: number; instructions: string | null })
  | (Base & { template: 'reporter.state_changed'; statusUrl: string; to: string; reason: string | null })
  | (Base & { template: 'reporter.team_message'; statusUrl: string; body: string })
  | (Base & { template: 'reporter.status_update'; statusUrl: string; every: string | null })
  | (Base & { template: 'reporter.advisory_published'; statusUrl: string; advisoryId: string; title: string | null; url: string | null })
  | (Base & { template: 'reporter.cannot_encrypt'; statusUrl: string })
  | { template: 'subscriber.confirm'; project: ProjectInfo; confirmUrl: string; unsubscribeUrl: string; level: 'all' | 'critical' }
  | {
      template: 'subscriber.advisory';
      project: ProjectInfo;
      advisoryId: string;
      title: string;
      summary: string | null;
      severity: string | null;
      url: string | null;
      unsubscribeUrl: string;
    };

export type TemplateId = TemplateInput['template'];

const KIND_LABELS: Record<string, string> = {
  acknowledge: 'acknowledgement',
  assessment: 'initial assessment',
  detailed_response: 'detailed response',
  status_update: 'status update',
  resolution: 'resolution',
};

/** What a state means to the person who reported the issue. */
const STATE_FOR_REPORTER: Record<string, [label: string, text: string]> = {
  acknowledged: ['acknowledged', 'The security team has read your report and is looking into it.'],
  needs_info: ['waiting for you', 'The security team needs more information from you. Please answer their questions by replying to this email.'],
  triaged: ['confirmed', 'The security team has assessed your report and confirmed the issue.'],
  fix_in_progress: ['fix in progress', 'A fix for the issue you reported is being prepared.'],
  fixed: ['fixed', 'A fix is ready. Disclosure follows the project\u2019s security policy; we will tell you when the advisory is published.'],
  disclosed: ['disclosed', 'The issue you reported has been disclosed publicly.'],
  invalid: ['closed: not a vulnerability', 'The security team closed your report: they concluded it is not a vulnerability.'],
  duplicate: ['closed: duplicate', 'The security team closed your report as a duplicate of one they already had.'],
  out_of_scope: ['closed: out of scope', 'The security team closed your report: it is outside the scope of the project\u2019s security policy.'],
  not_applicable: ['closed: not applicable', 'The security team closed your report as not applicable.'],
  forwarded_upstream: ['forwarded', 'The issue belongs to another project; the security team forwarded your report there.'],
};

export function reporterStateLabel(state: string): string {
  return STATE_FOR_REPORTER[state]?.[0] ?? state.replace(/_/g, ' ');
}

/** A deadline as the team reads it: in the policy's zone, with the zone named. */
function formatInstant(at: Date, timezone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: timezone, weekday: 'short', year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' }).format(at) + ` (${timezone})`;
}

// Team mail comes from the no-reply address: a reply by email could not be told from a forged one (the
// From header proves nothing), so the team answers reporters in Embargo, signed in.
const teamFooter = (project: ProjectInfo) => [
  `Embargo, the security desk of ${project.name}.`,
  'You receive this as a maintainer of the project. Replies to this email are not read: answer in Embargo, through the link above.',
];
const reporterFooter = (project: ProjectInfo) => [
  `${project.name} security team, via Embargo.`,
  'Reply to this email to write in your report\u2019s thread; keep the reply address as it is.',
];

function content(input: TemplateInput): MailContent {
  switch (input.template) {
    case 'team.report_received':
      return {
        subject: `[${input.project.name}] New vulnerability report ${input.reportRef}`,
        heading: `New report for ${input.project.name}`,
        blocks: [
          { kind: 'p', text: `A new private vulnerability report arrived (${input.source === 'email' ? 'by email' : `via ${input.source}`}).` },
          { kind: 'facts', items: [['Report', input.reportRef], ['Project', input.project.name]] },
          { kind: 'link', label: 'Open the report in Embargo', url: input.url },
          { kind: 'small', text: 'Its contents are not part of this email: read them in Embargo.' },
        ],
        footer: teamFooter(input.project),
      };
    case 'team.reporter_message':
      return {
        subject: `[${input.project.name}] The reporter wrote on ${input.reportRef}`,
        heading: 'New message from the reporter',
        blocks: [
          { kind: 'p', text: `The reporter of ${input.reportRef} wrote a new message.` },
          { kind: 'link', label: 'Read it in Embargo', url: input.url },
        ],
        footer: teamFooter(input.project),
      };
    case 'team.reporter_attachment':
      return {
        subject: `[${input.project.name}] The reporter added files to ${input.reportRef}`,
        heading: 'New files from the reporter',
        blocks: [
          { kind: 'p', text: `The reporter of ${input.reportRef} attached one or more files to the report.` },
          { kind: 'link', label: 'See them in Embargo', url: input.url },
          { kind: 'small', text: 'Files are not part of this email: download them in Embargo.' },
        ],
        footer: teamFooter(input.project),
      };
    case 'team.deadline_due_soon': {
      const label = KIND_LABELS[input.kind] ?? input.kind;
      return {
        subject: `[${input.project.name}] Due soon on ${input.reportRef}: ${label}`,
        heading: `The ${label} deadline is due soon`,
        blocks: [
          { kind: 'p', text: `${input.project.name}\u2019s policy promises the reporter a ${label} by ${formatInstant(input.dueAt, input.project.timezone)}.` },
          { kind: 'facts', items: [['Report', input.reportRef], ['Deadline', label], ['Due', formatInstant(input.dueAt, input.project.timezone)]] },
          { kind: 'link', label: 'Open the report', url: input.url },
        ],
        footer: teamFooter(input.project),
      };
    }
    case 'team.deadline_breached': {
      const label = KIND_LABELS[input.kind] ?? input.kind;
      const blocks: Block[] = [
        { kind: 'p', text: `The ${label} deadline of ${input.reportRef} passed on ${formatInstant(input.dueAt, input.project.timezone)} and is not met.` },
      ];
      if (input.escalated) blocks.push({ kind: 'p', text: 'It is still not met: every maintainer of the project now receives this notice.' });
      blocks.push({ kind: 'link', label: 'Open the report', url: input.url });
      return {
        subject: `[${input.project.name}] ${input.escalated ? 'Escalation: deadline' : 'Deadline'} missed on ${input.reportRef}: ${label}`,
        heading: input.escalated ? `Escalation: a ${label} deadline is missed` : `A ${label} deadline is missed`,
        blocks,
        footer: teamFooter(input.project),
      };
    }
    case 'reporter.receipt': {
      const blocks: Block[] = [
        { kind: 'p', text: `Thank you for reporting a security issue to ${input.project.name}. Your report ${input.reportRef} is stored encrypted; only the security team can read it.` },
        { kind: 'link', label: 'Follow your report (keep this link private: it lets anyone read and answer your report)', url: input.statusUrl },
      ];
      if (input.acknowledgeWithin) blocks.push({ kind: 'p', text: `The team acknowledges reports within ${input.acknowledgeWithin}.` });
      if (input.undecryptable) {
        blocks.push({ kind: 'p', text: 'We could not decrypt your message with the project\u2019s key. The team has the encrypted text; if they cannot read it they will ask you in this thread.' });
      }
      if (input.truncated) blocks.push({ kind: 'p', text: 'Your message was very long: the start is in the report, and the team keeps the full text.' });
      if (input.refusedAttachments > 0) blocks.push(...refusedBlocks(input.project, input.refusedAttachments, input.instructions));
      if (input.keptAttachments > 0) blocks.push({ kind: 'p', text: `We kept ${input.keptAttachments} attachment(s) with your report, encrypted.` });
      blocks.push({ kind: 'p', text: 'You can add to your report by replying to this email.' });
      return { subject: `[${input.project.name}] We received your report ${input.reportRef}`, heading: 'We received your report', blocks, footer: reporterFooter(input.project) };
    }
    case 'reporter.reply_received':
      return {
        subject: `[${input.project.name}] About your report ${input.reportRef}: attachments not kept`,
        heading: 'Your reply was added, without its attachments',
        blocks: [{ kind: 'p', text: `Your reply is in the thread of report ${input.reportRef}.` }, ...refusedBlocks(input.project, input.refusedAttachments, input.instructions), { kind: 'link', label: 'Your report', url: input.statusUrl }],
        footer: reporterFooter(input.project),
      };
    case 'reporter.state_changed': {
      const [label, text] = STATE_FOR_REPORTER[input.to] ?? [input.to.replace(/_/g, ' '), `Your report is now: ${input.to.replace(/_/g, ' ')}.`];
      const blocks: Block[] = [{ kind: 'p', text }];
      if (input.reason) blocks.push({ kind: 'quote', text: input.reason });
      blocks.push({ kind: 'link', label: 'Your report', url: input.statusUrl });
      return { subject: `[${input.project.name}] Your report ${input.reportRef}: ${label}`, heading: `Your report: ${label}`, blocks, footer: reporterFooter(input.project) };
    }
    case 'reporter.team_message':
      return {
        subject: `[${input.project.name}] New message about your report ${input.reportRef}`,
        heading: `The ${input.project.name} security team wrote`,
        blocks: [{ kind: 'quote', text: input.body }, { kind: 'link', label: 'Your report', url: input.statusUrl }],
        footer: reporterFooter(input.project),
      };
    case 'reporter.status_update':
      return {
        subject: `[${input.project.name}] Status of your report ${input.reportRef}: still in progress`,
        heading: 'Still working on it',
        blocks: [
          { kind: 'p', text: `This is a regular status update on your report ${input.reportRef}: the security team is still working on it, and nothing else has changed since the last news.` },
          ...(input.every ? [{ kind: 'small', text: `${input.project.name}\u2019s policy promises news at least every ${input.every}.` } as Block] : []),
          { kind: 'link', label: 'Your report', url: input.statusUrl },
        ],
        footer: reporterFooter(input.project),
      };
    case 'reporter.advisory_published':
      return {
        subject: `[${input.project.name}] Advisory ${input.advisoryId} published for your report ${input.reportRef}`,
        heading: 'The advisory is published',
        blocks: [
          { kind: 'p', text: `The advisory for the issue you reported is now public${input.title ? `: ${input.title}` : ''}. Thank you for your help.` },
          ...(input.url ? [{ kind: 'link', label: `Advisory ${input.advisoryId}`, url: input.url } as Block] : [{ kind: 'facts', items: [['Advisory', input.advisoryId]] } as Block]),
        ],
        footer: reporterFooter(input.project),
      };
    case 'reporter.cannot_encrypt':
      return {
        subject: `[${input.project.name}] News about your report ${input.reportRef}`,
        heading: 'There is news about your report',
        blocks: [
          { kind: 'p', text: 'There is news in the thread of your report. We could not encrypt to the OpenPGP key you gave, so this email does not repeat it.' },
          { kind: 'link', label: 'Read it on your report\u2019s page (use the private link you received)', url: input.statusUrl },
        ],
        footer: reporterFooter(input.project),
      };
    case 'subscriber.confirm':
      return {
        subject: `[${input.project.name}] Confirm your subscription to security advisories`,
        heading: `Confirm your subscription`,
        blocks: [
          { kind: 'p', text: `Someone, hopefully you, asked to receive ${input.level === 'critical' ? 'critical' : 'all'} security advisories of ${input.project.name} at this address.` },
          { kind: 'link', label: 'Confirm the subscription', url: input.confirmUrl },
          { kind: 'small', text: 'If it was not you, ignore this email: nothing will be sent without confirmation.' },
        ],
        footer: [`${input.project.name} security advisories, via Embargo.`, `Unsubscribe: ${input.unsubscribeUrl}`],
      };
    case 'subscriber.advisory': {
      const facts: [string, string][] = [['Advisory', input.advisoryId]];
      if (input.severity) facts.push(['Severity', input.severity]);
      return {
        subject: `[${input.project.name}] Security advisory ${input.advisoryId}: ${input.title}`,
        heading: input.title,
        blocks: [
          { kind: 'facts', items: facts },
          ...(input.summary ? [{ kind: 'p', text: input.summary } as Block] : []),
          ...(input.url ? [{ kind: 'link', label: 'Read the advisory', url: input.url } as Block] : []),
        ],
        footer: [`${input.project.name} security advisories, via Embargo.`, `Unsubscribe: ${input.unsubscribeUrl}`],
      };
    }
  }
}

function refusedBlocks(project: ProjectInfo, count: number, instructions: string | null): Block[] {
  return [
    { kind: 'p', text: `Your email had ${count} attachment(s). ${project.name}\u2019s security policy asks that the entirety of the report be written in the email body, so we did not keep them. Please reply with what they contained, in the body of your email.` },
    ...(instructions ? [{ kind: 'quote', text: instructions } as Block] : []),
  ];
}

export function renderTemplate(input: TemplateInput): RenderedMail {
  return renderMail(content(input));
}
