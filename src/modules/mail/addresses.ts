import type { Config } from '../../config/config.js';
import type { PolicyRegistry } from '../policy/policy.registry.js';
import type { ProjectPolicy } from '../policy/policy.schema.js';

/**
 * Embargo's own addresses: {slug}@domain takes new reports, {slug}+r-<token>@domain threads replies
 * into one report, noreply@domain sends the team's notifications (mail to it is refused).
 */
type MailConfig = Pick<Config, 'mailDomain'>;

export const NOREPLY_LOCAL_PART = 'noreply';

export const projectAddress = (config: MailConfig, slug: string) => `${slug}@${config.mailDomain}`;
export const replyAddress = (config: MailConfig, slug: string, token: string) => `${slug}+${token}@${config.mailDomain}`;
export const noreplyAddress = (config: MailConfig) => `${NOREPLY_LOCAL_PART}@${config.mailDomain}`;

/** Where the team opens a report, and where a reporter follows theirs (the token makes the link private). */
export const teamReportUrl = (config: Pick<Config, 'publicUrl'>, reportId: string) => `${config.publicUrl}/team/reports/${reportId}`;
export const reporterStatusUrl = (config: Pick<Config, 'publicUrl'>, reportId: string, accessToken?: string) =>
  `${config.publicUrl}/r/${reportId}${accessToken ? `#${accessToken}` : ''}`;

export type ParsedRecipient = { project: ProjectPolicy; replyToken: string | null };

/**
 * Which project (and which report thread) a recipient address names, or null when the address is not
 * ours. Domains compare case-insensitively; local parts are taken lower-case, as most mail systems do.
 */
export function parseRecipient(config: MailConfig, policies: PolicyRegistry, address: string): ParsedRecipient | null {
  const lower = address.trim().toLowerCase();
  const at = lower.lastIndexOf('@');
  if (at <= 0) return null;
  const local = lower.slice(0, at);
  const domain = lower.slice(at + 1);
  if (domain === config.mailDomain.toLowerCase()) {
    const plus = local.indexOf('+');
    const slug = plus === -1 ? local : local.slice(0, plus);
    const project = policies.findProject(slug);
    if (!project) return null;
    return { project, replyToken: plus === -1 ? null : local.slice(plus + 1) };
  }
  for (const project of policies.projects) {
    if (project.contacts.securityAddresses.some((candidate) => candidate.toLowerCase() === lower)) return { project, replyToken: null };
  }
  return null;
}
