import { z } from 'zod';
import { validateVersionPattern } from '../triage/versions.js';
import { durationSchema } from './duration.js';
import { isLanguageTag } from './securitytxt/securitytxt.validator.js';

/**
 * The policy file: everything a SECURITY.md promises, as data Embargo enforces.
 * Objects are strict so that a misspelt key is reported instead of silently ignored.
 */

export const ECOSYSTEMS = ['PyPI', 'npm', 'crates.io', 'Go', 'Maven', 'generic'] as const;
export type Ecosystem = (typeof ECOSYSTEMS)[number];

export const REPORT_FIELDS = [
  'title',
  'description',
  'stepsToReproduce',
  'impact',
  'affectedVersions',
  'environment',
  'proofOfConcept',
  'suggestedFix',
  'credit',
  'contactEmail',
] as const;
export type ReportField = (typeof REPORT_FIELDS)[number];
/** Fields every report needs whatever the policy says: without them a report cannot be triaged. */
export const ALWAYS_REQUIRED_FIELDS: readonly ReportField[] = ['title', 'description'];

export const RELEASE_TYPES = ['patch', 'minor', 'major'] as const;
const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const slugSchema = z
  .string()
  // eslint-disable-next-line security/detect-unsafe-regex -- linear: anchored, the optional group runs at most once over a bounded {0,62} class
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/, 'expected a slug: lower-case letters, digits and dashes, e.g. "my-lib"');

const isoDateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD')
  .refine((value) => !Number.isNaN(Date.parse(`${value}T00:00:00Z`)), 'not a real calendar date');

const timezoneSchema = z.string().refine((zone) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}, 'expected an IANA time zone such as "UTC" or "Europe/Berlin"');

const contactSchema = z.strictObject({
  name: z.string().min(1).optional(),
  email: z.email('expected an email address'),
  pgpPublicKey: z
    .string()
    .includes('-----BEGIN PGP PUBLIC KEY BLOCK-----', { message: 'expected an ASCII-armored PGP public key' })
    .optional(),
});
export type Contact = z.output<typeof contactSchema>;

const supportedVersionSchema = z.strictObject({
  versions: z.string().min(1, 'expected a version pattern such as "0.4.x", "< 0.3" or ">=1.0,<2"'),
  supported: z.boolean(),
  note: z.string().optional(),
});
export type SupportedVersionRule = z.output<typeof supportedVersionSchema>;

const severityLevelSchema = z.strictObject({
  id: slugSchema,
  name: z.string().min(1),
  definition: z.string().optional(),
});
export type SeverityLevel = z.output<typeof severityLevelSchema>;

export const DEFAULT_SEVERITY_LEVELS: SeverityLevel[] = [
  { id: 'critical', name: 'Critical' },
  { id: 'high', name: 'High' },
  { id: 'medium', name: 'Medium' },
  { id: 'low', name: 'Low' },
];

const timelineSchema = z.strictObject({
  timezone: timezoneSchema.default('UTC'),
  weekend: z.array(z.enum(WEEKDAYS)).default(['sat', 'sun']),
  holidays: z.array(isoDateSchema).default([]),
  /** First answer to the reporter, counted from receipt. */
  acknowledge: durationSchema.optional(),
  /** Triage verdict (accepted or not), counted from receipt; paused while waiting for the reporter. */
  initialAssessment: durationSchema.optional(),
  /** A fuller answer with next steps, counted from the acknowledgement ("within another 48 hours"). */
  detailedResponse: durationSchema.optional(),
  /** Longest silence towards the reporter while the report is open ("status update within 7 days"). */
  statusUpdate: durationSchema.optional(),
  /** Time to a fix per severity level id, counted from receipt. */
  resolution: z.record(z.string(), durationSchema).default({}),
  /** How long before a deadline the handler is warned. */
  warnBefore: durationSchema.default({ amount: 12, unit: 'hours' }),
});
export type Timeline = z.output<typeof timelineSchema>;

const projectSchema = z.strictObject({
  slug: slugSchema,
  name: z.string().min(1),
  description: z.string().optional(),
  url: z.url().optional(),
  /** Languages reports may be written in (security.txt Preferred-Languages), as RFC 5646 tags. */
  preferredLanguages: z
    .array(z.string().refine(isLanguageTag, 'expected an RFC 5646 language tag such as "en", "de" or "pt-BR"'))
    .min(1, 'list at least one language, or leave the key out for English')
    .default(['en']),
  contacts: z.strictObject({
    primary: contactSchema,
    backup: contactSchema.optional(),
    /** Where the policy itself says to write ("email us"), if different from the primary contact. */
    securityAddresses: z.array(z.email()).default([]),
  }),
  ecosystem: z.enum(ECOSYSTEMS),
  packages: z.array(z.string().min(1)).default([]),
  supportedVersions: z.array(supportedVersionSchema).default([]),
  prereleases: z
    .strictObject({
      fixesGuaranteed: z.boolean().default(true),
      note: z.string().optional(),
    })
    .default({ fixesGuaranteed: true }),
  timeline: timelineSchema.default(() => timelineSchema.parse({})),
  report: z
    .strictObject({
      requiredFields: z.array(z.enum(REPORT_FIELDS)).default([]),
      /** Guidance shown to reporters next to the form ("include the entirety of the report in the body"). */
      instructions: z.string().optional(),
      attachments: z.enum(['allowed', 'refused']).default('allowed'),
    })
    .default({ requiredFields: [], attachments: 'allowed' }),
  scope: z
    .strictObject({
      in: z.array(z.string()).default([]),
      out: z.array(z.string()).default([]),
      /** What to do with issues in third-party modules ("report to that module's maintainer"). */
      thirdParty: z.string().optional(),
    })
    .default({ in: [], out: [] }),
  severityLevels: z.array(severityLevelSchema).min(1).default(DEFAULT_SEVERITY_LEVELS),
  disclosure: z
    .strictObject({
      /** Days from receipt after which the report may be disclosed if no fix is out. */
      embargoDays: z.number().int().positive().default(90),
      publicIssuesAllowed: z.boolean().default(false),
      /**
       * The policy promises to publish only once a fix is released ("disclosed after a fix is
       * available"): embargoDays then no longer opens disclosure, it only marks the fix as overdue.
       */
      waitForFix: z.boolean().default(false),
      credit: z.enum(['credit', 'anonymous']).default('credit'),
      cve: z.enum(['always', 'significant', 'never']).default('significant'),
      advisoryChannels: z.array(z.string()).default([]),
      steps: z.array(z.string()).default([]),
      hallOfFame: z.boolean().default(true),
    })
    .default(() => ({
      embargoDays: 90,
      publicIssuesAllowed: false,
      waitForFix: false,
      credit: 'credit' as const,
      cve: 'significant' as const,
      advisoryChannels: [],
      steps: [],
      hallOfFame: true,
    })),
  releaseTypes: z.record(z.string(), z.enum(RELEASE_TYPES)).default({}),
  /** Advisory identifiers and CVE submission. */
  advisories: z
    .strictObject({
      /** Advisory ids are "<prefix>-<year>-<nnnn>"; by default the project slug in capitals ("MY-LIB-2026-0001"). */
      idPrefix: z
        .string()
        .refine((prefix) => /^[A-Z]/.test(prefix) && prefix.split('-').every((part) => /^[A-Z0-9]+$/.test(part)), 'expected capital letters, digits and single dashes, e.g. "EMB" or "ACME-SA"')
        .max(20, 'expected at most 20 characters')
        .optional(),
      /** The CVE Numbering Authority that assigns this project's CVE ids, for CVE JSON 5 records. */
      cna: z.strictObject({ orgId: z.uuid('expected the CNA organisation UUID from CVE Services'), shortName: z.string().min(1).max(32) }).optional(),
    })
    .optional(),
  /** Assign every new report to this contact's team member as primary handler. */
  primaryHandler: z.email().optional(),
  notes: z.array(z.string()).default([]),
  /** Team access rules the project's admins set. */
  security: z
    .strictObject({
      /** Members get their role on this project only after signing in with a second factor. */
      requireTwoFactor: z.boolean().default(false),
    })
    .default({ requireTwoFactor: false }),
});
export type ProjectPolicy = z.output<typeof projectSchema>;

/**
 * Issues raised on a record key rather than its value carry this, so the loader can point at the
 * key the author wrote instead of the (valid) value beside it.
 */
export const KEY_ISSUE_PARAMS = { at: 'key' } as const;

export const policySchema = z
  .strictObject({
    version: z.literal(1, 'expected version: 1'),
    projects: z.array(projectSchema).min(1, 'declare at least one project'),
  })
  .superRefine((policy, ctx) => {
    const seen = new Set<string>();
    policy.projects.forEach((project, index) => {
      if (seen.has(project.slug)) {
        ctx.addIssue({ code: 'custom', path: ['projects', index, 'slug'], message: `duplicate project slug "${project.slug}"` });
      }
      seen.add(project.slug);
      project.supportedVersions.forEach((rule, ruleIndex) => {
        const problem = validateVersionPattern(project.ecosystem, rule.versions);
        if (problem) {
          ctx.addIssue({ code: 'custom', path: ['projects', index, 'supportedVersions', ruleIndex, 'versions'], message: `"${rule.versions}" is not a ${project.ecosystem} version pattern: ${problem}` });
        }
      });
      const levelIds = project.severityLevels.map((level) => level.id);
      levelIds.forEach((id, levelIndex) => {
        if (levelIds.indexOf(id) !== levelIndex) {
          ctx.addIssue({ code: 'custom', path: ['projects', index, 'severityLevels', levelIndex, 'id'], message: `duplicate severity level "${id}"` });
        }
      });
      const levels = new Set(project.severityLevels.map((level) => level.id));
      for (const key of Object.keys(project.timeline.resolution)) {
        if (!levels.has(key)) {
          ctx.addIssue({
            code: 'custom',
            path: ['projects', index, 'timeline', 'resolution', key],
            message: `unknown severity level "${key}"; declared levels: ${[...levels].join(', ')}`,
            params: KEY_ISSUE_PARAMS,
          });
        }
      }
      for (const key of Object.keys(project.releaseTypes)) {
        if (!levels.has(key)) {
          ctx.addIssue({
            code: 'custom',
            path: ['projects', index, 'releaseTypes', key],
            message: `unknown severity level "${key}"; declared levels: ${[...levels].join(', ')}`,
            params: KEY_ISSUE_PARAMS,
          });
        }
      }
    });
  });
export type Policy = z.output<typeof policySchema>;
