import type { z } from 'zod';
import type { STATES } from '../../../src/modules/triage/state-machine';
import type { deadlineSchema, reporterReportSchema, teamReportSchema } from '../../../src/modules/reports/report.schemas';

/**
 * Shapes of the API's answers. Report views come from the server's own response schemas; the others
 * mirror schemas whose modules pull in server-only code (keep them in step with the named files).
 */
export type ReportState = (typeof STATES)[number];
export type TeamReport = z.output<typeof teamReportSchema>;
export type ReporterReport = z.output<typeof reporterReportSchema>;
export type Deadline = z.output<typeof deadlineSchema>;
export type Message = TeamReport['messages'][number];

/** src/modules/policy/policy.presenter.ts publicProjectSchema */
export type DurationView = { amount: number; unit: 'hours' | 'days' | 'businessDays'; text: string };
export type PublicProject = {
  slug: string;
  name: string;
  description: string | null;
  url: string | null;
  ecosystem: string;
  packages: string[];
  contacts: { role: 'primary' | 'backup'; name: string | null; email: string; pgpPublicKey: string | null }[];
  supportedVersions: { versions: string; supported: boolean; note: string | null }[];
  prereleases: { fixesGuaranteed: boolean; note: string | null };
  timeline: {
    timezone: string;
    acknowledge: DurationView | null;
    initialAssessment: DurationView | null;
    detailedResponse: DurationView | null;
    statusUpdate: DurationView | null;
    resolution: Record<string, DurationView>;
  };
  report: { fields: { name: ReportFieldName; required: boolean }[]; requiredFields: string[]; instructions: string | null; attachments: 'allowed' | 'refused'; attachmentLimits: { maxBytes: number; maxCount: number; types: string[] } };
  scope: { in: string[]; out: string[]; thirdParty: string | null };
  severityLevels: { id: string; name: string; definition: string | null }[];
  disclosure: { embargoDays: number; publicIssuesAllowed: boolean; credit: string; cve: string; advisoryChannels: string[]; steps: string[]; hallOfFame: boolean };
  releaseTypes: Record<string, string>;
};
export type ReportFieldName =
  | 'title'
  | 'description'
  | 'stepsToReproduce'
  | 'impact'
  | 'affectedVersions'
  | 'environment'
  | 'proofOfConcept'
  | 'suggestedFix'
  | 'credit'
  | 'contactEmail';

/** src/modules/triage/queue.service.ts queueResponseSchema */
export type QueueItem = {
  id: string;
  project: string;
  state: ReportState;
  severity: string | null;
  title: string;
  handlerId: string | null;
  receivedAt: string;
  updatedAt: string;
  nextDueAt: string | null;
  overdue: boolean;
};
export type QueuePage = { items: QueueItem[]; nextCursor: string | null };

/** src/modules/auth/auth.routes.ts GET /api/v1/auth/me */
export type Me = {
  id: string;
  email: string;
  displayName: string | null;
  roles: { project: string; role: string }[];
  twoFactorEnabled: boolean;
  twoFactorRequiredBy: string[];
  scopes: string[] | null;
};

/** src/modules/triage/handlers.routes.ts */
export type Handler = { id: string; email: string; displayName: string | null; role: 'maintainer' | 'admin' };

/** src/modules/reports/report.routes.ts GET /api/v1/reports/:id/audit */
export type AuditItem = {
  seq: number;
  action: string;
  actorType: string;
  actorId: string | null;
  actorName: string | null;
  reason: string | null;
  data: Record<string, unknown>;
  occurredAt: string;
  sealed: boolean;
};

/** src/modules/triage/metrics.service.ts metricsResponseSchema */
export type DurationStats = { count: number; p50Hours: number | null; p90Hours: number | null };
export type Metrics = {
  projects: string[];
  from: string;
  generatedAt: string;
  months: { month: string; received: number; acknowledge: DurationStats; assess: DurationStats; fix: DurationStats; deadlinesDue: number; deadlinesMet: number }[];
  deadlines: { due: number; met: number; share: number | null };
  open: { total: number; ageBuckets: string[]; rows: { severity: string | null; ageBucket: string; count: number }[] };
};

/** src/modules/policy/policy-settings.routes.ts */
export type ProjectSettings = {
  policyFile: string;
  policy: Record<string, unknown>;
  problems: { source: 'policy' | 'SECURITY.md' | 'security.txt'; severity: 'error' | 'warning' | 'info'; code: string; message: string }[];
  securityMdScore: number;
};

/** src/modules/auth/account.routes.ts */
export type SessionItem = { id: string; current: boolean; createdAt: string; lastSeenAt: string; expiresAt: string; userAgent: string | null; ip: string | null; twoFactorVerified: boolean };

/** src/modules/advisories/advisory.schemas.ts and hall-of-fame.ts: the public answers of the advisory pages */
export type { PublicAdvisoryView as PublicAdvisory, AdvisorySummaryView as AdvisorySummary } from '../../../src/modules/advisories/advisory.schemas';
export type { HallOfFame } from '../../../src/modules/advisories/hall-of-fame';
