import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import type { AppContext } from '../src/context.js';
import { sealContent } from '../src/modules/reports/report.crypto.js';
import type { ReportContent } from '../src/platform/db/schema.js';

/**
 * Reports shaped like a desk after a year or two of use: 60 % alpha, 40 % beta; a third of them closed
 * or disclosed (no running deadline); open ones due from two weeks ago to six weeks ahead, a report
 * waiting for the reporter paused (no deadline); severity unset on new reports and on a third of the
 * rest. Column types follow the migrations. Contents are sealed by the app (each envelope is bound to
 * its row id), so they come in as parameters; everything else is generated in SQL.
 */
const SEED_SQL = `
with picks as materialized (
  select u.id, u.content_enc, $3::int + u.ord::int as g,
         random() as r_state, random() as r_severity, random() as r_project, random() as r_age, random() as r_due
  from unnest($1::uuid[], $2::text[]) with ordinality as u(id, content_enc, ord)
), shaped as (
  select
    id, content_enc, g, r_age, r_due,
    case when r_project < 0.6 then 'alpha' else 'beta' end as project_slug,
    case
      when r_state < 0.18 then 'new'
      when r_state < 0.30 then 'acknowledged'
      when r_state < 0.35 then 'needs_info'
      when r_state < 0.50 then 'triaged'
      when r_state < 0.60 then 'fix_in_progress'
      when r_state < 0.66 then 'fixed'
      when r_state < 0.80 then 'disclosed'
      when r_state < 0.86 then 'invalid'
      when r_state < 0.90 then 'duplicate'
      when r_state < 0.94 then 'out_of_scope'
      when r_state < 0.96 then 'not_applicable'
      when r_state < 0.99 then 'spam'
      else 'forwarded_upstream'
    end as state,
    case
      when r_severity < 0.30 then null
      when r_severity < 0.50 then 'low'
      when r_severity < 0.78 then 'medium'
      when r_severity < 0.95 then 'high'
      else 'critical'
    end as severity
  from picks
), dated as (
  select *,
    state in ('new', 'acknowledged', 'needs_info', 'triaged', 'fix_in_progress', 'fixed') as open,
    case
      when state = 'new' then now() - r_age * interval '4 days'
      when state in ('acknowledged', 'needs_info', 'triaged', 'fix_in_progress', 'fixed') then now() - interval '2 days' - r_age * interval '90 days'
      else now() - interval '30 days' - r_age * interval '700 days'
    end as received_at
  from shaped
)
insert into reports (
  id, project_slug, state, severity, source, content_enc, access_token_hash, received_at, updated_at,
  acknowledged_at, assessed_at, resolved_at, closed_at, next_due_at, revision
)
select
  id,
  project_slug,
  state,
  case when state = 'new' then null else severity end,
  (array['api', 'web', 'web', 'email'])[1 + g % 4],
  content_enc,
  encode(sha256(convert_to('embargo-bench-token-' || g, 'UTF8')), 'hex'),
  received_at,
  least(now(), received_at + r_age * interval '10 days'),
  case when state <> 'new' then received_at + interval '20 hours' end,
  case when state not in ('new', 'acknowledged', 'needs_info') then received_at + interval '4 days' end,
  case when state in ('fixed', 'disclosed') then received_at + interval '25 days' end,
  case when not open then received_at + interval '30 days' end,
  case
    when state = 'new' then received_at + interval '48 hours'
    when state = 'needs_info' or not open then null
    else now() + (r_due * 56 - 14) * interval '1 day'
  end,
  1 + g % 9
from dated
`;

const VULNERABILITIES = ['Stored XSS', 'SQL injection', 'Path traversal', 'SSRF', 'Authentication bypass', 'Prototype pollution', 'ReDoS', 'Open redirect'];
const PLACES = ['the settings page', 'the import endpoint', 'the CLI', 'the API client', 'the template renderer'];
/** Rows per statement: keeps each statement's parameters to a few megabytes. */
const CHUNK = 10_000;

function contentOf(g: number): ReportContent {
  return {
    title: `${VULNERABILITIES[g % VULNERABILITIES.length]} in ${PLACES[g % PLACES.length]} (bench #${g})`,
    description: 'What is wrong, where, and why it matters. '.repeat(6).trim(),
    stepsToReproduce: '1. Install the package. 2. Run the proof of concept. 3. Observe the result.',
    affectedVersions: [`0.4.${g % 7}`],
    contactEmail: `reporter${g % 5000}@example.org`,
  };
}

export type SeedFigures = { reports: number; seconds: number; withoutDeadline: number; overdue: number; stateNew: number };

/** Fills the reports table in bulk, then vacuums and analyzes it as autovacuum eventually would. */
export async function seedReports(context: Pick<AppContext, 'keyring'>, databaseUrl: string, count: number): Promise<SeedFigures> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const started = performance.now();
    // Same seed, same desk: runs are comparable.
    await client.query('select setseed(0.42)');
    // Sealing is CPU work here, inserting is work for the database: the next chunk is sealed while
    // the previous one is being inserted.
    let inserting: Promise<unknown> = Promise.resolve();
    for (let offset = 0; offset < count; offset += CHUNK) {
      const ids: string[] = [];
      const envelopes: string[] = [];
      for (let g = offset + 1; g <= Math.min(count, offset + CHUNK); g += 1) {
        const id = randomUUID();
        ids.push(id);
        envelopes.push(sealContent(context, id, contentOf(g)));
      }
      await inserting;
      inserting = client.query(SEED_SQL, [ids, envelopes, offset]);
    }
    await inserting;
    // Not left to autovacuum: it would start in the middle of the measurements.
    await client.query('vacuum (analyze) reports');
    const seconds = (performance.now() - started) / 1000;
    const { rows } = await client.query<{ reports: number; without_deadline: number; overdue: number; state_new: number }>(`
      select count(*)::int as reports,
             count(*) filter (where next_due_at is null)::int as without_deadline,
             count(*) filter (where next_due_at < now())::int as overdue,
             count(*) filter (where state = 'new')::int as state_new
      from reports`);
    const row = rows[0]!;
    return { reports: row.reports, seconds, withoutDeadline: row.without_deadline, overdue: row.overdue, stateNew: row.state_new };
  } finally {
    await client.end();
  }
}
