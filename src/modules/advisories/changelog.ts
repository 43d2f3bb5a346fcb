import type { ProjectPolicy } from '../policy/policy.schema.js';
import { sortEvents, type AdvisoryDocument, type AffectedPackage, type VersionRange } from './advisory.types.js';

/**
 * The security part of a project's CHANGELOG, as Markdown, newest first: one section per published
 * advisory with its severity, the release type the policy maps that severity to, what is affected,
 * what fixes it and who is credited. Text from advisories is flattened and stripped of HTML so a title
 * cannot become markup where the file is rendered.
 */

const RELEASE_WORDS = { patch: 'a patch release', minor: 'a minor release', major: 'a major release' } as const;

function inline(value: string): string {
  return value.replace(/\s+/g, ' ').trim().replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function block(value: string): string {
  return value.trim().replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** ">= 1.0, < 1.4" per affected span; "all versions" when nothing bounds it. */
export function describeRange(entry: AffectedPackage, range: VersionRange): string[] {
  let events;
  try {
    events = sortEvents(entry.ecosystem, range.events, range.type);
  } catch {
    return [inline(range.events.map((event) => Object.entries(event)[0]!.join(' ')).join(', '))];
  }
  const spans: string[] = [];
  let start: string | null = null;
  let open = false;
  for (const event of events) {
    if ('introduced' in event) {
      start = inline(event.introduced);
      open = true;
      continue;
    }
    const lower = start && start !== '0' ? `>= ${start}, ` : '';
    spans.push(`${lower}${'fixed' in event ? `< ${inline(event.fixed)}` : `<= ${inline(event.last_affected)}`}`);
    start = null;
    open = false;
  }
  if (open) spans.push(start && start !== '0' ? `>= ${start}` : 'all versions');
  return spans;
}

function affectedLine(entry: AffectedPackage): string {
  const spans = entry.ranges.flatMap((range) => describeRange(entry, range));
  const versions = spans.length > 0 ? spans.join('; ') : (entry.versions ?? []).map(inline).join(', ');
  return `\`${inline(entry.package)}\` (${entry.ecosystem}) ${versions}`;
}

function section(project: ProjectPolicy, doc: AdvisoryDocument, url: string): string[] {
  const releaseType = doc.severity ? project.releaseTypes[doc.severity] : undefined;
  const severityName = project.severityLevels.find((level) => level.id === doc.severity)?.name ?? doc.severity;
  const credits = doc.credits.filter((credit) => credit.name !== null).map((credit) => `${inline(credit.name!)} (${credit.type.toLowerCase().replaceAll('_', ' ')})`);
  const anonymous = doc.credits.filter((credit) => credit.name === null).length;
  const lines = [`## ${doc.withdrawnAt ? '[Withdrawn] ' : ''}${doc.id}: ${inline(doc.title)}`, ''];
  lines.push(`- Published: ${doc.publishedAt.toISOString().slice(0, 10)}${doc.revisions.length > 1 ? ` (updated ${doc.modifiedAt.toISOString().slice(0, 10)})` : ''}`);
  if (doc.withdrawnAt) lines.push(`- Withdrawn: ${doc.withdrawnAt.toISOString().slice(0, 10)}`);
  if (severityName) lines.push(`- Severity: ${inline(severityName)}`);
  if (releaseType) lines.push(`- Release type: ${releaseType}`);
  if (doc.cveId) lines.push(`- CVE: ${doc.cveId}`);
  for (const entry of doc.affected) lines.push(`- Affected: ${affectedLine(entry)}`);
  if (doc.patchedVersions.length > 0) {
    lines.push(`- Fixed in: ${doc.patchedVersions.map(inline).join(', ')}${releaseType ? `, ${RELEASE_WORDS[releaseType]}` : ''}`);
  }
  if (credits.length > 0 || anonymous > 0) {
    lines.push(`- Credit: ${[...credits, ...(anonymous > 0 ? [anonymous === 1 ? 'a reporter who asked to stay anonymous' : `${anonymous} reporters who asked to stay anonymous`] : [])].join(', ')}`);
  }
  lines.push(`- Advisory: <${url}>`, '');
  if (doc.summary.trim()) lines.push(block(doc.summary), '');
  return lines;
}

export function renderChangelog(project: ProjectPolicy, entries: { doc: AdvisoryDocument; url: string }[]): string {
  const lines = [`# Security changelog: ${inline(project.name)}`, ''];
  lines.push(`Security advisories of ${inline(project.name)}, newest first.`, '');
  if (entries.length === 0) lines.push('No security advisories have been published.', '');
  for (const { doc, url } of entries) lines.push(...section(project, doc, url));
  return `${lines.join('\n').trimEnd()}\n`;
}
