import { formatDuration, type Duration } from '../duration.js';
import { ALWAYS_REQUIRED_FIELDS, REPORT_FIELDS, type ProjectPolicy, type ReportField, type Weekday } from '../policy.schema.js';

/**
 * A project's SECURITY.md, written from its policy file so the document and the desk never drift.
 * Only what the policy declares is promised; where the policy is silent the text says so rather than
 * inventing a commitment. By construction the output always carries a link (the report form), prose
 * and the words "vulnerability"/"disclosure", which is what OpenSSF Scorecard's Security-Policy check
 * scores (see scorecard.ts).
 */

export type RenderSecurityMdOptions = {
  /** Where this desk is reachable, without a trailing slash (config.publicUrl). */
  publicUrl: string;
};

/** Public pages of a project on this desk; one place so the document and the routes agree. */
export function projectUrls(publicUrl: string, slug: string) {
  const base = `${publicUrl.replace(/\/+$/, '')}/p/${slug}`;
  return {
    reportForm: base,
    pgpKey: `${base}/pgp-key.asc`,
    hallOfFame: `${base}/hall-of-fame`,
    securityMd: `${base}/SECURITY.md`,
  };
}

const FIELD_WORDS: Record<ReportField, string> = {
  title: 'a short title',
  description: 'a description of the vulnerability',
  stepsToReproduce: 'the steps to reproduce it',
  impact: 'its impact: what an attacker could do with it',
  affectedVersions: 'the affected versions',
  environment: 'your environment (operating system, runtime and dependency versions)',
  proofOfConcept: 'a proof of concept',
  suggestedFix: 'a suggested fix or mitigation, if you have one',
  credit: 'the name or handle you want to be credited with (or that you prefer to stay anonymous)',
  contactEmail: 'an email address where we can reach you',
};

const WEEKDAY_NAMES: Record<Weekday, string> = { mon: 'Monday', tue: 'Tuesday', wed: 'Wednesday', thu: 'Thursday', fri: 'Friday', sat: 'Saturday', sun: 'Sunday' };

const RELEASE_WORDS = { patch: 'a patch release', minor: 'a minor release', major: 'a major release' } as const;

/** Text from the policy goes into tables and list items: keep it on one line and out of the table syntax. */
function cell(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|').trim();
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** "a", "a and b", "a, b and c". */
function listInWords(items: string[], conjunction = 'and'): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} ${conjunction} ${items.at(-1)}`;
}

function sentence(text: string): string {
  const trimmed = oneLine(text);
  return /[.!?:)]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

function emailLink(address: string): string {
  return `[${address}](mailto:${address})`;
}

function title(project: ProjectPolicy): string[] {
  const name = project.url ? `[${project.name}](${project.url})` : project.name;
  const lines = [`# Security Policy for ${project.name}`, ''];
  if (project.description) lines.push(`${name}: ${sentence(project.description)}`, '');
  lines.push(
    `This document explains how to report a security vulnerability in ${project.name} privately, what to include, how quickly we respond, ` +
      'and how and when we disclose vulnerabilities once they are fixed.',
    '',
  );
  return lines;
}

function supportedVersions(project: ProjectPolicy): string[] {
  const lines: string[] = [];
  // Without rules there is no "Supported Versions" heading at all: an empty section would read as an answer.
  if (project.supportedVersions.length > 0) {
    lines.push('## Supported Versions', '');
    const withNotes = project.supportedVersions.some((rule) => rule.note);
    lines.push('These versions receive security fixes:', '');
    lines.push(withNotes ? '| Version | Supported | Notes |' : '| Version | Supported |', withNotes ? '| ------- | --------- | ----- |' : '| ------- | --------- |');
    for (const rule of project.supportedVersions) {
      const mark = rule.supported ? '✅' : '❌';
      lines.push(withNotes ? `| ${cell(rule.versions)} | ${mark} | ${cell(rule.note ?? '')} |` : `| ${cell(rule.versions)} | ${mark} |`);
    }
    lines.push('');
  }
  const { prereleases } = project;
  lines.push(project.supportedVersions.length > 0 ? '### Pre-release Versions' : '## Pre-release Versions', '');
  lines.push(
    prereleases.fixesGuaranteed
      ? 'Vulnerabilities in pre-release versions (alpha, beta and release candidates) are handled like those in releases: report them the same way.'
      : 'Report vulnerabilities in pre-release versions (alpha, beta and release candidates) the same way as any other. ' +
          'Pre-releases are not meant for production use, and a fix is not guaranteed to be included in the next pre-release.',
  );
  if (prereleases.note) lines.push('', sentence(prereleases.note));
  lines.push('');
  return lines;
}

function emailAddresses(project: ProjectPolicy): string[] {
  const { contacts } = project;
  return contacts.securityAddresses.length > 0 ? [...new Set(contacts.securityAddresses)] : [contacts.primary.email];
}

function reporting(project: ProjectPolicy, urls: ReturnType<typeof projectUrls>): string[] {
  const lines = ['## Reporting a Vulnerability', ''];
  lines.push(
    project.disclosure.publicIssuesAllowed
      ? 'Public issues are accepted for security problems, but a private report lets us prepare a fix before the details are public, so we prefer one of the private channels below.'
      : '**Please do not report security vulnerabilities through public issues, pull requests or discussions.** Use one of these private channels instead:',
    '',
  );
  lines.push(`- **Report form (preferred):** <${urls.reportForm}>. It asks for everything listed under "What to Include" and keeps your report private.`);
  const addresses = emailAddresses(project);
  lines.push(`- **Email:** ${listInWords(addresses.map(emailLink), 'or')}.`);
  const backup = project.contacts.backup;
  if (backup && !addresses.includes(backup.email)) {
    const waited = project.timeline.acknowledge ? ` within ${formatDuration(project.timeline.acknowledge)}` : '';
    lines.push(`- **Backup contact:** if you get no answer${waited}, write to ${backup.name ? `${oneLine(backup.name)}, ` : ''}${emailLink(backup.email)}.`);
  }
  const hasKey = Boolean(project.contacts.primary.pgpPublicKey || backup?.pgpPublicKey);
  if (hasKey) lines.push(`- **Encrypted email:** encrypt your message with our PGP key: <${urls.pgpKey}>.`);
  lines.push('');
  if (project.report.instructions) lines.push(sentence(project.report.instructions), '');
  return lines;
}

function whatToInclude(project: ProjectPolicy): string[] {
  const required = new Set<ReportField>([...ALWAYS_REQUIRED_FIELDS, ...project.report.requiredFields]);
  const optional = REPORT_FIELDS.filter((field) => !required.has(field));
  const lines = ['## What to Include', '', 'Your report must include:', ''];
  for (const field of REPORT_FIELDS.filter((name) => required.has(name))) lines.push(`- ${capitalize(FIELD_WORDS[field])}`);
  lines.push('');
  if (optional.length > 0) {
    lines.push('It helps if you also include:', '');
    for (const field of optional) lines.push(`- ${capitalize(FIELD_WORDS[field])}`);
    lines.push('');
  }
  lines.push(
    project.report.attachments === 'allowed'
      ? 'You may attach files such as logs or proof-of-concept code.'
      : 'Please put everything in the report itself: attachments are not accepted.',
    '',
  );
  return lines;
}

function usesBusinessDays(project: ProjectPolicy): boolean {
  const { timeline } = project;
  const durations: (Duration | undefined)[] = [timeline.acknowledge, timeline.initialAssessment, timeline.detailedResponse, timeline.statusUpdate, ...Object.values(timeline.resolution)];
  return durations.some((duration) => duration?.unit === 'businessDays');
}

function timelines(project: ProjectPolicy): string[] {
  const { timeline } = project;
  const lines = ['## Response Timelines', ''];
  const items: string[] = [];
  if (timeline.acknowledge) items.push(`We acknowledge your report within ${formatDuration(timeline.acknowledge)}.`);
  if (timeline.initialAssessment) {
    items.push(`We tell you whether we accept the report as a vulnerability within ${formatDuration(timeline.initialAssessment)} of receiving it; this clock pauses while we wait for information from you.`);
  }
  if (timeline.detailedResponse) items.push(`We follow up with a detailed response and the next steps within another ${formatDuration(timeline.detailedResponse)} after the acknowledgement.`);
  if (timeline.statusUpdate) items.push(`While the report is open, you hear from us at least every ${formatDuration(timeline.statusUpdate)}.`);
  const resolution = project.severityLevels.filter((level) => timeline.resolution[level.id]);
  if (resolution.length > 0) {
    items.push(
      `We aim to release a fix, counted from receipt of the report, within: ${resolution.map((level) => `${level.name}: ${formatDuration(timeline.resolution[level.id]!)}`).join('; ')}.`,
    );
  }
  if (items.length === 0) {
    lines.push('This policy does not set response deadlines; we answer every vulnerability report as soon as we can.', '');
    return lines;
  }
  lines.push(...items.map((item) => `- ${item}`), '');
  if (usesBusinessDays(project)) {
    const weekend = timeline.weekend.map((day) => WEEKDAY_NAMES[day]);
    const isUsualWeekend = timeline.weekend.length === 2 && timeline.weekend.includes('sat') && timeline.weekend.includes('sun');
    lines.push(
      `Business days are counted in the ${timeline.timezone} time zone, excluding weekends and public holidays` +
        `${isUsualWeekend || weekend.length === 0 ? '' : ` (our weekend: ${listInWords(weekend)})`}.` +
        `${timeline.holidays.length > 0 ? ` Holidays we observe: ${timeline.holidays.join(', ')}.` : ''}`,
      '',
    );
  }
  return lines;
}

function scope(project: ProjectPolicy): string[] {
  const { in: inScope, out, thirdParty } = project.scope;
  if (inScope.length === 0 && out.length === 0 && !thirdParty) return [];
  const lines = ['## Scope', ''];
  if (inScope.length > 0) lines.push('This policy covers:', '', ...inScope.map((item) => `- ${oneLine(item)}`), '');
  if (out.length > 0) lines.push('Out of scope:', '', ...out.map((item) => `- ${oneLine(item)}`), '');
  if (thirdParty) lines.push(`**Third-party modules:** ${sentence(thirdParty)}`, '');
  return lines;
}

function severity(project: ProjectPolicy): string[] {
  const lines = ['## Severity Levels', ''];
  const levels = project.severityLevels;
  if (levels.every((level) => !level.definition)) {
    lines.push(`We rate each confirmed vulnerability as ${listInWords(levels.map((level) => level.name), 'or')}.`, '');
    return lines;
  }
  lines.push('We rate each confirmed vulnerability with one of these levels:', '');
  for (const level of levels) lines.push(level.definition ? `- **${oneLine(level.name)}**: ${oneLine(level.definition)}` : `- **${oneLine(level.name)}**`);
  lines.push('');
  return lines;
}

function disclosure(project: ProjectPolicy): string[] {
  const { disclosure: policy } = project;
  const lines = ['## Disclosure Policy', ''];
  lines.push(
    policy.waitForFix
      ? `We follow coordinated disclosure: the details of a vulnerability are published only after a fix is available. We aim to have the fix out within ${policy.embargoDays} days of receiving your report.`
      : `We follow coordinated disclosure: the details of a vulnerability stay private until a fix is released, or until ${policy.embargoDays} days after we received your report if no fix is out by then.`,
    'Please keep the vulnerability confidential until it is disclosed.',
    '',
  );
  if (policy.steps.length > 0) {
    lines.push('Once we receive a report, we:', '');
    policy.steps.forEach((step, index) => lines.push(`${index + 1}. ${sentence(step)}`));
    lines.push('');
  }
  const cve = {
    always: 'We request a CVE identifier for every confirmed vulnerability.',
    significant: 'We request CVE identifiers for significant vulnerabilities.',
    never: 'We do not request CVE identifiers.',
  }[policy.cve];
  lines.push(cve, '');
  if (policy.advisoryChannels.length > 0) {
    lines.push('Security advisories are published through:', '', ...policy.advisoryChannels.map((channel) => `- ${oneLine(channel)}`), '');
  }
  return lines;
}

function credit(project: ProjectPolicy, urls: ReturnType<typeof projectUrls>): string[] {
  const lines = ['## Credit', ''];
  lines.push(
    project.disclosure.credit === 'credit'
      ? 'We credit reporters by name in the advisory, unless you ask to stay anonymous.'
      : 'We do not name reporters, unless you ask to be credited.',
    'Tell us in your report how you want to be credited.',
    '',
  );
  if (project.disclosure.hallOfFame) lines.push('### Hall of Fame', '', `We thank everyone who reported a vulnerability to us in our hall of fame: <${urls.hallOfFame}>.`, '');
  return lines;
}

function releases(project: ProjectPolicy): string[] {
  const levels = project.severityLevels.filter((level) => project.releaseTypes[level.id]);
  if (levels.length === 0) return [];
  const lines = ['## Security Releases', '', 'Fixes are released as:', ''];
  for (const type of ['patch', 'minor', 'major'] as const) {
    const names = levels.filter((level) => project.releaseTypes[level.id] === type).map((level) => level.name);
    if (names.length > 0) lines.push(`- ${capitalize(RELEASE_WORDS[type])} for ${listInWords(names)} severity vulnerabilities`);
  }
  lines.push('');
  return lines;
}

function notes(project: ProjectPolicy): string[] {
  if (project.notes.length === 0) return [];
  return ['## Further Notes', '', ...project.notes.map((note) => `- ${oneLine(note)}`), ''];
}

function footer(project: ProjectPolicy, urls: ReturnType<typeof projectUrls>): string[] {
  return [
    '---',
    '',
    `_This file is generated by Embargo from the security policy of ${project.name}: change the policy, not this file. ` +
      `The current version is always at <${urls.securityMd}>._`,
  ];
}

export function renderSecurityMd(project: ProjectPolicy, options: RenderSecurityMdOptions): string {
  const urls = projectUrls(options.publicUrl, project.slug);
  const lines = [
    ...title(project),
    ...supportedVersions(project),
    ...reporting(project, urls),
    ...whatToInclude(project),
    ...timelines(project),
    ...scope(project),
    ...severity(project),
    ...disclosure(project),
    ...credit(project, urls),
    ...releases(project),
    ...notes(project),
    ...footer(project, urls),
  ];
  return `${lines.join('\n')}\n`;
}
