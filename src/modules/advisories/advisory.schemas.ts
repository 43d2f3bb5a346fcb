import { z } from 'zod';
import { ECOSYSTEMS } from '../policy/policy.schema.js';
import { CREDIT_TYPES, RANGE_TYPES, REFERENCE_TYPES } from './advisory.types.js';

// PostgreSQL text cannot hold NUL: refused when the draft is written, not later when it is published.
const noNul = (value: string) => !value.includes('\u0000');
const NUL_MESSAGE = 'must not contain NUL characters';
const text = (max: number) => z.string().trim().max(max, `must be at most ${max} characters`).refine(noNul, NUL_MESSAGE);
const line = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`).refine(noNul, NUL_MESSAGE);
const version = line(100);
const httpUrl = z.url({ protocol: /^https?$/, message: 'expected an http(s) URL' }).max(2_000);

const eventSchema = z.union([
  z.strictObject({ introduced: version }),
  z.strictObject({ fixed: version }),
  z.strictObject({ last_affected: version }),
]);

const affectedSchema = z.strictObject({
  ecosystem: z.enum(ECOSYSTEMS).optional().describe("Defaults to the project's ecosystem"),
  package: line(214).describe('As the registry spells it: "pynomaly", "@acme/widgets", "group:artifact"'),
  purl: z.string().max(500).optional().describe('Checked against the package name when given; filled in otherwise'),
  ranges: z
    .array(z.strictObject({ type: z.enum(RANGE_TYPES).default('ECOSYSTEM'), events: z.array(eventSchema).min(1).max(50) }))
    .max(20)
    .default([])
    .describe('OSV ranges: introduced / fixed / last_affected events, in any order'),
  versions: z.array(version).max(1_000).optional().describe('Explicitly enumerated affected versions'),
});

const creditSchema = z.strictObject({
  name: line(200).nullable().describe('null: credited anonymously (counted, never named)'),
  type: z.enum(CREDIT_TYPES).default('FINDER'),
  contact: z.array(httpUrl).max(5).optional(),
});

const embargoSchema = z
  .strictObject({
    publishAt: z.string().max(40).describe('Wall-clock time in `timezone` ("2026-03-10T14:00") or an instant with offset'),
    timezone: z.string().min(1).max(64).describe('IANA zone, e.g. "Europe/Berlin" or "UTC"'),
  })
  .describe('When the advisory goes public by itself; null cancels the schedule');

/** Every field the team edits; all optional so the same shape serves drafting and patching. */
const editable = {
  title: line(200),
  summary: text(2_000),
  details: text(50_000),
  confidentialDetails: text(50_000).describe('Team only: never published nor exported'),
  cveId: z.string().regex(/^CVE-\d{4}-\d{4,19}$/, 'expected a CVE id such as CVE-2026-12345').nullable(),
  aliases: z.array(line(100)).max(20),
  affected: z.array(affectedSchema).max(100),
  patchedVersions: z.array(version).max(100),
  cwes: z.array(z.string().regex(/^CWE-\d{1,6}$/, 'expected a CWE id such as CWE-79')).max(20),
  cvss31: line(500).nullable(),
  cvss40: line(500).nullable(),
  severity: z.string().max(64).nullable().describe("One of the project's severity levels"),
  references: z.array(z.strictObject({ type: z.enum(REFERENCE_TYPES), url: httpUrl })).max(50),
  credits: z.array(creditSchema).max(50),
  embargo: embargoSchema.nullable(),
};

export const createAdvisoryBody = z.strictObject({ ...editable, title: editable.title }).partial().required({ title: true });
export const draftFromReportBody = z.strictObject(editable).partial();
export const patchAdvisoryBody = z
  .strictObject({
    ...editable,
    revisionSummary: line(500).optional().describe('For a published advisory: what changed, shown in its history'),
  })
  .partial();
export type AdvisoryEdit = z.output<typeof patchAdvisoryBody>;

export const withdrawBody = z.strictObject({ reason: line(2_000).describe('Shown publicly in the history') });
export const advisoryParams = z.object({ id: z.string().max(100) });
export const projectParams = z.object({ project: z.string().max(100) });
export const exportQuery = z.strictObject({ format: z.enum(['osv', 'cve5', 'csaf']).default('osv') });

const list = z
  .string()
  .transform((value) => value.split(',').map((item) => item.trim()).filter(Boolean))
  .optional();
export const listQuery = z.strictObject({
  project: list.describe('Project slugs, comma-separated'),
  status: list.pipe(z.array(z.enum(['draft', 'scheduled', 'published', 'withdrawn'])).optional()).describe('draft, scheduled, published, withdrawn'),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(200).optional(),
});
export type ListQuery = z.output<typeof listQuery>;

// ---------------------------------------------------------------------------------------------
// Responses. Each audience has its own allow-list: the public shape has no field that could carry
// confidential details, linked reports or embargo plans.

const isoDate = z.string().describe('ISO 8601 instant, UTC');
const cvssOut = z.object({ vector: z.string(), score: z.number(), severity: z.string() }).nullable();
const affectedOut = z.object({
  ecosystem: z.string(),
  package: z.string(),
  purl: z.string(),
  ranges: z.array(z.object({ type: z.string(), events: z.array(z.record(z.string(), z.string())) })),
  versions: z.array(z.string()).optional(),
});
const revisionOut = z.object({ number: z.number().int(), date: isoDate, summary: z.string() });
const embargoOut = z.object({ publishAt: isoDate, timezone: z.string(), local: z.string(), display: z.string() });
export const STATUSES = ['draft', 'scheduled', 'published', 'withdrawn'] as const;

const publicFields = {
  id: z.string(),
  project: z.string(),
  url: z.string(),
  title: z.string(),
  summary: z.string(),
  details: z.string(),
  cveId: z.string().nullable(),
  aliases: z.array(z.string()),
  affected: z.array(affectedOut),
  patchedVersions: z.array(z.string()),
  cwes: z.array(z.string()),
  cvss31: cvssOut,
  cvss40: cvssOut,
  severity: z.string().nullable(),
  releaseType: z.enum(['patch', 'minor', 'major']).nullable(),
  references: z.array(z.object({ type: z.string(), url: z.string() })),
  publishedAt: isoDate.nullable(),
  modifiedAt: isoDate.nullable(),
  withdrawnAt: isoDate.nullable(),
  revisions: z.array(revisionOut),
};

export const publicAdvisorySchema = z.object({
  audience: z.literal('public'),
  ...publicFields,
  status: z.enum(['published', 'withdrawn']),
  // Anonymous credits are left out of the public shape altogether.
  credits: z.array(z.object({ name: z.string(), type: z.string() })),
});

export const teamAdvisorySchema = z.object({
  audience: z.literal('team'),
  ...publicFields,
  status: z.enum(STATUSES),
  confidentialDetails: z.string(),
  credits: z.array(z.object({ name: z.string().nullable(), type: z.string(), contact: z.array(z.string()).optional() })),
  embargo: embargoOut.nullable(),
  reports: z.array(z.uuid()),
  source: z.string(),
  createdAt: isoDate,
  updatedAt: isoDate,
  revision: z.number().int(),
  /** What stands between the draft and publication; empty when it can go public. */
  publicationProblems: z.array(z.object({ field: z.string(), code: z.string(), message: z.string() })),
  abilities: z.record(z.string(), z.boolean()),
});

export const advisoryResponseSchema = z.discriminatedUnion('audience', [teamAdvisorySchema, publicAdvisorySchema]);
export type PublicAdvisoryView = z.input<typeof publicAdvisorySchema>;
export type TeamAdvisoryView = z.input<typeof teamAdvisorySchema>;

/** One line of a list: nothing confidential, and embargo dates only for the team's own drafts. */
export const advisorySummarySchema = z.object({
  id: z.string(),
  project: z.string(),
  url: z.string(),
  status: z.enum(STATUSES),
  title: z.string(),
  severity: z.string().nullable(),
  releaseType: z.enum(['patch', 'minor', 'major']).nullable(),
  cveId: z.string().nullable(),
  packages: z.array(z.string()),
  embargo: embargoOut.nullable(),
  publishedAt: isoDate.nullable(),
  modifiedAt: isoDate.nullable(),
  withdrawnAt: isoDate.nullable(),
});
export type AdvisorySummaryView = z.input<typeof advisorySummarySchema>;
export const advisoryListSchema = z.object({ items: z.array(advisorySummarySchema), nextCursor: z.string().nullable() });
