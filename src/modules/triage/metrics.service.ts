import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { notFound } from '../../platform/errors.js';
import type { UserActor } from '../access/actor.js';
import { canProject, scopedProjectSlugs } from '../access/project.policy.js';
import { AGE_BUCKETS, findDeadlineOutcomesByMonth, findOpenReportsBySeverityAndAge, findResponseTimesByMonth, type DurationStats } from './metrics.repository.js';

export const metricsQuerySchema = z.strictObject({
  project: z.string().min(1).max(100).optional().describe('One project slug; all of your projects when left out'),
  months: z.coerce.number().int().min(1).max(36).default(12).describe('How many calendar months back, this one included'),
});
export type MetricsQuery = z.output<typeof metricsQuerySchema>;

const durationStats = z.object({ count: z.number(), p50Hours: z.number().nullable(), p90Hours: z.number().nullable() });

export const metricsResponseSchema = z.object({
  projects: z.array(z.string()).describe('The projects these numbers cover'),
  from: z.string().describe('First day of the first month (UTC)'),
  generatedAt: z.string(),
  months: z.array(
    z.object({
      month: z.string().describe('YYYY-MM (UTC), by the month reports were received'),
      received: z.number(),
      acknowledge: durationStats,
      assess: durationStats,
      fix: durationStats,
      deadlinesDue: z.number().describe('Deadlines that fell due this month (or were met early)'),
      deadlinesMet: z.number().describe('Of those, met on time'),
    }),
  ),
  deadlines: z.object({ due: z.number(), met: z.number(), share: z.number().nullable().describe('met / due, 0..1') }),
  open: z.object({
    total: z.number(),
    ageBuckets: z.array(z.string()),
    rows: z.array(z.object({ severity: z.string().nullable(), ageBucket: z.string(), count: z.number() })),
  }),
});
export type Metrics = z.input<typeof metricsResponseSchema>;

function monthKeys(now: Date, count: number): string[] {
  const keys: string[] = [];
  for (let back = count - 1; back >= 0; back -= 1) {
    const date = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, 1));
    keys.push(`${date.getUTCFullYear()}-${String(date.getUTCMonth() + 1).padStart(2, '0')}`);
  }
  return keys;
}

const EMPTY: DurationStats = { count: 0, p50Hours: null, p90Hours: null };

/** Response times, deadlines kept and the open backlog over the actor's projects (or one of them). */
export async function getMetrics(context: AppContext, actor: UserActor, query: MetricsQuery): Promise<Metrics> {
  if (query.project !== undefined && (!context.policies.findProject(query.project) || !canProject(actor, 'readMetrics', query.project))) throw notFound('PROJECT_NOT_FOUND', `project "${query.project}"`);
  const now = context.clock.now();
  const since = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - (query.months - 1), 1));
  const projects = scopedProjectSlugs(actor, query.project);
  const [times, deadlines, open] = [
    await findResponseTimesByMonth(context.db, { projects, since }),
    await findDeadlineOutcomesByMonth(context.db, { projects, since, now }),
    await findOpenReportsBySeverityAndAge(context.db, { projects, now }),
  ];
  const timesByMonth = new Map(times.map((row) => [row.month, row]));
  const deadlinesByMonth = new Map(deadlines.map((row) => [row.month, row]));
  const due = deadlines.reduce((sum, row) => sum + row.due, 0);
  const met = deadlines.reduce((sum, row) => sum + row.metOnTime, 0);
  return {
    projects: projects ?? context.policies.projects.map((project) => project.slug),
    from: since.toISOString(),
    generatedAt: now.toISOString(),
    months: monthKeys(now, query.months).map((month) => {
      const row = timesByMonth.get(month);
      return {
        month,
        received: row?.received ?? 0,
        acknowledge: row?.acknowledge ?? EMPTY,
        assess: row?.assess ?? EMPTY,
        fix: row?.fix ?? EMPTY,
        deadlinesDue: deadlinesByMonth.get(month)?.due ?? 0,
        deadlinesMet: deadlinesByMonth.get(month)?.metOnTime ?? 0,
      };
    }),
    deadlines: { due, met, share: due === 0 ? null : met / due },
    open: { total: open.reduce((sum, row) => sum + row.count, 0), ageBuckets: [...AGE_BUCKETS], rows: open },
  };
}

function csvCell(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  // A leading =, +, - or @ would make a spreadsheet evaluate the cell (CSV injection).
  const safe = /^[=+\-@\t\r]/.test(text) && typeof value === 'string' ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The same numbers as CSV: one section per table, separated by a blank line. */
export function metricsCsv(metrics: Metrics): string {
  const lines: (string | number | null)[][] = [
    ['month', 'received', 'acknowledged', 'acknowledge_p50_hours', 'acknowledge_p90_hours', 'assessed', 'assess_p50_hours', 'assess_p90_hours', 'fixed', 'fix_p50_hours', 'fix_p90_hours', 'deadlines_due', 'deadlines_met_on_time'],
    ...metrics.months.map((row) => [
      row.month,
      row.received,
      row.acknowledge.count,
      row.acknowledge.p50Hours,
      row.acknowledge.p90Hours,
      row.assess.count,
      row.assess.p50Hours,
      row.assess.p90Hours,
      row.fix.count,
      row.fix.p50Hours,
      row.fix.p90Hours,
      row.deadlinesDue,
      row.deadlinesMet,
    ]),
    [],
    ['open_severity', 'open_age', 'open_count'],
    ...metrics.open.rows.map((row) => [row.severity ?? 'unrated', row.ageBucket, row.count]),
  ];
  return `${lines.map((line) => line.map(csvCell).join(',')).join('\r\n')}\r\n`;
}
