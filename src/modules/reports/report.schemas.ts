import { z } from 'zod';
import { STATES } from '../triage/state-machine.js';

const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

export const creditSchema = z.strictObject({
  type: z.enum(['name', 'handle', 'anonymous']),
  value: text(200).optional(),
}).refine((credit) => credit.type === 'anonymous' || credit.value !== undefined, {
  message: 'a name or handle credit needs a value',
  path: ['value'],
});

/** What a reporter may send. Which fields are required beyond title and description is the policy's call. */
export const intakeBodySchema = z.strictObject({
  title: text(200),
  description: text(50_000),
  stepsToReproduce: text(50_000).optional(),
  impact: text(20_000).optional(),
  affectedVersions: z.array(text(100)).max(50, 'list at most 50 versions').optional(),
  environment: text(5_000).optional(),
  proofOfConcept: text(100_000).optional(),
  suggestedFix: text(50_000).optional(),
  credit: creditSchema.optional(),
  contactEmail: z.email('must be an email address').max(320).optional(),
  /** Mail to contactEmail is then encrypted to this key. Checked for shape only: a bad key is reported when mail is sent. */
  pgpPublicKey: z
    .string()
    .max(100_000, 'must be at most 100000 characters')
    .includes('-----BEGIN PGP PUBLIC KEY BLOCK-----', { message: 'must be an ASCII-armored OpenPGP public key' })
    .optional(),
});
export type IntakeBody = z.output<typeof intakeBodySchema>;

export const intakeResponseSchema = z.object({
  id: z.uuid(),
  accessToken: z.string().describe('Shown once: lets the reporter read and answer this report. Keep it secret.'),
  statusUrl: z.string(),
});

export const reportParamsSchema = z.object({ id: z.string() });
export const projectParamsSchema = z.object({ project: z.string() });

export const messageBodySchema = z.strictObject({
  body: text(50_000),
  internal: z.boolean().default(false).describe('Internal notes are visible to the team only.'),
});

const isoDate = z.string().describe('ISO 8601 instant, UTC');

export const deadlineSchema = z.object({
  kind: z.enum(['acknowledge', 'assessment', 'detailed_response', 'status_update', 'resolution']),
  seq: z.number().int(),
  dueAt: isoDate.nullable(),
  metAt: isoDate.nullable(),
  paused: z.boolean(),
  overdue: z.boolean(),
});

const versionSupportSchema = z.object({
  version: z.string(),
  status: z.enum(['supported', 'unsupported', 'prerelease', 'unknown']),
});

const cvssSchema = z.object({ vector: z.string(), score: z.number(), severity: z.string() }).nullable();

const messageSchema = z.object({
  id: z.uuid(),
  author: z.enum(['reporter', 'team', 'system']),
  authorName: z.string().nullable(),
  internal: z.boolean(),
  body: z.string(),
  createdAt: isoDate,
});

/** Fields both audiences see; each audience's schema below is an allow-list on top. */
const reportCommon = {
  id: z.uuid(),
  project: z.string(),
  state: z.enum(STATES),
  severity: z.string().nullable(),
  title: z.string(),
  description: z.string(),
  stepsToReproduce: z.string().nullable(),
  impact: z.string().nullable(),
  affectedVersions: z.array(z.string()),
  versionSupport: z.array(versionSupportSchema),
  environment: z.string().nullable(),
  proofOfConcept: z.string().nullable(),
  suggestedFix: z.string().nullable(),
  credit: z.object({ type: z.enum(['name', 'handle', 'anonymous']), value: z.string().optional() }).nullable(),
  receivedAt: isoDate,
  updatedAt: isoDate,
  deadlines: z.array(deadlineSchema),
  nextDueAt: isoDate.nullable(),
  messages: z.array(messageSchema),
};

export const reporterReportSchema = z.object({
  audience: z.literal('reporter'),
  ...reportCommon,
  contactEmail: z.string().nullable(),
  abilities: z.object({ reply: z.boolean() }),
});

export const teamReportSchema = z.object({
  audience: z.literal('team'),
  ...reportCommon,
  contactEmail: z.string().nullable(),
  source: z.string(),
  cvss31: cvssSchema,
  cvss40: cvssSchema,
  handlerId: z.uuid().nullable(),
  backupHandlerId: z.uuid().nullable(),
  duplicateOf: z.uuid().nullable(),
  forwardedTo: z.string().nullable(),
  revision: z.number().int(),
  allowedTransitions: z.array(z.enum(STATES)),
  abilities: z.record(z.string(), z.boolean()),
});

/** The audience tag picks the allow-list: a reporter view can never be serialized with team fields. */
export const reportResponseSchema = z.discriminatedUnion('audience', [teamReportSchema, reporterReportSchema]);

export type TeamReportView = z.input<typeof teamReportSchema>;
export type ReporterReportView = z.input<typeof reporterReportSchema>;
export type DeadlineView = z.input<typeof deadlineSchema>;
export type MessageView = z.input<typeof messageSchema>;
