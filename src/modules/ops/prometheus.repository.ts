import { sql } from 'kysely';
import type { Executor } from '../../platform/db/database.js';

export async function countOpenReports(db: Executor) {
  return db
    .selectFrom('reports')
    .select(['project_slug', 'state', 'severity', (eb) => eb.fn.countAll<string>().as('count')])
    .where('closed_at', 'is', null)
    .groupBy(['project_slug', 'state', 'severity'])
    .execute();
}

export async function countOpenDeadlines(db: Executor, now: Date) {
  const rows = await sql<{ project_slug: string; kind: string; status: string; count: string }>`
    select r.project_slug, d.kind,
           case when d.due_at < ${now} then 'breached' when d.warn_at <= ${now} then 'due_soon' else 'running' end as status,
           count(*) as count
    from deadlines d join reports r on r.id = d.report_id
    where d.met_at is null and d.paused = false
    group by 1, 2, 3`.execute(db);
  return rows.rows;
}

export async function countOutbox(db: Executor) {
  return db
    .selectFrom('outbox')
    .select(['topic', (eb) => eb.fn.countAll<string>().as('backlog'), sql<string>`count(*) filter (where attempts > 0)`.as('failing')])
    .where('delivered_at', 'is', null)
    .groupBy('topic')
    .execute();
}
