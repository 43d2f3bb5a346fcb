import { sql, type RawBuilder } from 'kysely';
import type { Executor } from '../../platform/db/database.js';
import { OPEN_STATES } from './state-machine.js';

/**
 * Aggregates for the metrics page. Everything is computed in SQL over the clear columns (states,
 * timestamps, severities): no report content is decrypted. `projects` null means every project;
 * otherwise only those (the actor's scope), applied in the WHERE clause.
 */

export type DurationStats = { count: number; p50Hours: number | null; p90Hours: number | null };
export type MonthRow = {
  month: string;
  received: number;
  acknowledge: DurationStats;
  assess: DurationStats;
  fix: DurationStats;
};
export type DeadlineMonthRow = { month: string; due: number; metOnTime: number };
export type OpenRow = { severity: string | null; ageBucket: AgeBucket; count: number };

export const AGE_BUCKETS = ['0-7 days', '8-30 days', '31-90 days', 'over 90 days'] as const;
export type AgeBucket = (typeof AGE_BUCKETS)[number];

function projectFilter(column: RawBuilder<unknown>, projects: string[] | null): RawBuilder<unknown> {
  if (projects === null) return sql`true`;
  if (projects.length === 0) return sql`false`;
  return sql`${column} in (${sql.join(projects)})`;
}

const month = (column: RawBuilder<unknown>) => sql<string>`to_char(date_trunc('month', ${column} at time zone 'UTC'), 'YYYY-MM')`;
const hours = (from: string, to: string) => sql.raw(`extract(epoch from (${to} - ${from})) / 3600.0`);

function stats(name: string, interval: RawBuilder<unknown>, condition: RawBuilder<unknown>) {
  return sql`
    count(*) filter (where ${condition})::int as ${sql.ref(`${name}_count`)},
    percentile_cont(0.5) within group (order by ${interval}) filter (where ${condition}) as ${sql.ref(`${name}_p50`)},
    percentile_cont(0.9) within group (order by ${interval}) filter (where ${condition}) as ${sql.ref(`${name}_p90`)}`;
}

type RawMonth = Record<string, string | number | null> & { month: string; received: number };

const num = (value: string | number | null | undefined): number | null => (value === null || value === undefined ? null : Number(value));
const round = (value: number | null) => (value === null ? null : Math.round(value * 10) / 10);

/**
 * Median and 90th percentile of the time from receipt to acknowledgement, assessment and fix, by the
 * month (UTC) the report was received. A fix is a report that reached fixed or disclosed; closing
 * outcomes (invalid, duplicate, ...) count as assessed but not as fixed.
 */
export async function findResponseTimesByMonth(db: Executor, filter: { projects: string[] | null; since: Date }): Promise<MonthRow[]> {
  const fixed = sql`resolved_at is not null and state in ('fixed', 'disclosed')`;
  const { rows } = await sql<RawMonth>`
    select ${month(sql.ref('received_at'))} as month,
      count(*)::int as received,
      ${stats('ack', hours('received_at', 'acknowledged_at'), sql`acknowledged_at is not null`)},
      ${stats('assess', hours('received_at', 'assessed_at'), sql`assessed_at is not null`)},
      ${stats('fix', hours('received_at', 'resolved_at'), fixed)}
    from reports
    where received_at >= ${filter.since} and ${projectFilter(sql.ref('project_slug'), filter.projects)}
    group by 1
    order by 1`.execute(db);
  const pick = (row: RawMonth, name: string): DurationStats => ({
    count: num(row[`${name}_count`]) ?? 0,
    p50Hours: round(num(row[`${name}_p50`])),
    p90Hours: round(num(row[`${name}_p90`])),
  });
  return rows.map((row) => ({ month: row.month, received: Number(row.received), acknowledge: pick(row, 'ack'), assess: pick(row, 'assess'), fix: pick(row, 'fix') }));
}

/** Deadlines that came due (or were met) per month of their due date, and how many were met in time. */
export async function findDeadlineOutcomesByMonth(db: Executor, filter: { projects: string[] | null; since: Date; now: Date }): Promise<DeadlineMonthRow[]> {
  const { rows } = await sql<{ month: string; due: number; met_on_time: number }>`
    select ${month(sql.ref('d.due_at'))} as month,
      count(*)::int as due,
      count(*) filter (where d.met_at is not null and d.met_at <= d.due_at)::int as met_on_time
    from deadlines d
    join reports r on r.id = d.report_id
    where d.due_at is not null
      and d.due_at >= ${filter.since}
      and (d.met_at is not null or d.due_at < ${filter.now})
      and ${projectFilter(sql.ref('r.project_slug'), filter.projects)}
    group by 1
    order by 1`.execute(db);
  return rows.map((row) => ({ month: row.month, due: Number(row.due), metOnTime: Number(row.met_on_time) }));
}

/** Open reports now, by severity (null: not rated yet) and by age since receipt. */
export async function findOpenReportsBySeverityAndAge(db: Executor, filter: { projects: string[] | null; now: Date }): Promise<OpenRow[]> {
  const age = sql`${filter.now}::timestamptz - received_at`;
  const { rows } = await sql<{ severity: string | null; age_bucket: AgeBucket; count: number }>`
    select severity,
      case
        when ${age} <= interval '7 days' then ${AGE_BUCKETS[0]}::text
        when ${age} <= interval '30 days' then ${AGE_BUCKETS[1]}::text
        when ${age} <= interval '90 days' then ${AGE_BUCKETS[2]}::text
        else ${AGE_BUCKETS[3]}::text
      end as age_bucket,
      count(*)::int as count
    from reports
    where state in (${sql.join([...OPEN_STATES])}) and ${projectFilter(sql.ref('project_slug'), filter.projects)}
    group by 1, 2
    order by 1, 2`.execute(db);
  return rows.map((row) => ({ severity: row.severity, ageBucket: row.age_bucket, count: Number(row.count) }));
}
