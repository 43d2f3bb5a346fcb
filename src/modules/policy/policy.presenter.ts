import { z } from 'zod';
import { formatDuration, type Duration } from './duration.js';
import { ALWAYS_REQUIRED_FIELDS, REPORT_FIELDS, type ProjectPolicy } from './policy.schema.js';

const durationView = z.object({ amount: z.number(), unit: z.enum(['hours', 'days', 'businessDays']), text: z.string() });

/** What anyone may know about a project: its public promises. Contacts' PGP keys are public by nature. */
export const publicProjectSchema = z.object({
  slug: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  url: z.string().nullable(),
  ecosystem: z.string(),
  packages: z.array(z.string()),
  contacts: z.array(z.object({ role: z.enum(['primary', 'backup']), name: z.string().nullable(), email: z.string(), pgpPublicKey: z.string().nullable() })),
  supportedVersions: z.array(z.object({ versions: z.string(), supported: z.boolean(), note: z.string().nullable() })),
  prereleases: z.object({ fixesGuaranteed: z.boolean(), note: z.string().nullable() }),
  timeline: z.object({
    timezone: z.string(),
    acknowledge: durationView.nullable(),
    initialAssessment: durationView.nullable(),
    detailedResponse: durationView.nullable(),
    statusUpdate: durationView.nullable(),
    resolution: z.record(z.string(), durationView),
  }),
  report: z.object({
    fields: z.array(z.object({ name: z.enum(REPORT_FIELDS), required: z.boolean() })),
    requiredFields: z.array(z.string()),
    instructions: z.string().nullable(),
    attachments: z.enum(['allowed', 'refused']),
    /** The server's limits for files (its settings, not the policy's), so a form can check before sending. */
    attachmentLimits: z.object({ maxBytes: z.number().int(), maxCount: z.number().int(), types: z.array(z.string()) }),
  }),
  scope: z.object({ in: z.array(z.string()), out: z.array(z.string()), thirdParty: z.string().nullable() }),
  severityLevels: z.array(z.object({ id: z.string(), name: z.string(), definition: z.string().nullable() })),
  disclosure: z.object({
    embargoDays: z.number(),
    publicIssuesAllowed: z.boolean(),
    credit: z.string(),
    cve: z.string(),
    advisoryChannels: z.array(z.string()),
    steps: z.array(z.string()),
    hallOfFame: z.boolean(),
  }),
  releaseTypes: z.record(z.string(), z.string()),
});
export type PublicProject = z.input<typeof publicProjectSchema>;

function durationOut(duration: Duration | undefined) {
  return duration ? { ...duration, text: formatDuration(duration) } : null;
}

export type AttachmentLimits = { maxBytes: number; maxCount: number; types: string[] };

export function presentProject(project: ProjectPolicy, attachmentLimits: AttachmentLimits): PublicProject {
  const required = new Set<string>([...ALWAYS_REQUIRED_FIELDS, ...project.report.requiredFields]);
  const { contacts, timeline } = project;
  return {
    slug: project.slug,
    name: project.name,
    description: project.description ?? null,
    url: project.url ?? null,
    ecosystem: project.ecosystem,
    packages: [...project.packages],
    contacts: [
      { role: 'primary' as const, ...contacts.primary },
      ...(contacts.backup ? [{ role: 'backup' as const, ...contacts.backup }] : []),
    ].map((contact) => ({ role: contact.role, name: contact.name ?? null, email: contact.email, pgpPublicKey: contact.pgpPublicKey ?? null })),
    supportedVersions: project.supportedVersions.map((rule) => ({ versions: rule.versions, supported: rule.supported, note: rule.note ?? null })),
    prereleases: { fixesGuaranteed: project.prereleases.fixesGuaranteed, note: project.prereleases.note ?? null },
    timeline: {
      timezone: timeline.timezone,
      acknowledge: durationOut(timeline.acknowledge),
      initialAssessment: durationOut(timeline.initialAssessment),
      detailedResponse: durationOut(timeline.detailedResponse),
      statusUpdate: durationOut(timeline.statusUpdate),
      resolution: Object.fromEntries(Object.entries(timeline.resolution).map(([severity, duration]) => [severity, durationOut(duration)!])),
    },
    report: {
      fields: REPORT_FIELDS.map((name) => ({ name, required: required.has(name) })),
      requiredFields: [...required],
      instructions: project.report.instructions ?? null,
      attachments: project.report.attachments,
      attachmentLimits: { ...attachmentLimits, types: [...attachmentLimits.types] },
    },
    scope: { in: [...project.scope.in], out: [...project.scope.out], thirdParty: project.scope.thirdParty ?? null },
    severityLevels: project.severityLevels.map((level) => ({ id: level.id, name: level.name, definition: level.definition ?? null })),
    disclosure: { ...project.disclosure, advisoryChannels: [...project.disclosure.advisoryChannels], steps: [...project.disclosure.steps] },
    releaseTypes: { ...project.releaseTypes },
  };
}
