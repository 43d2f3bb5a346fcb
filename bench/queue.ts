import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import type { AppContext } from '../src/context.js';
import { buildApp, type ZodApp } from '../src/platform/http/app.js';
import { ALL_PROJECTS, type Role } from '../src/modules/access/actor.js';
import { addUser } from '../src/modules/auth/user.service.js';
import { percentile } from './format.js';
import { seedReports, type SeedFigures } from './seed.js';
import { QUEUE_P95_TARGET_MS, type BenchSettings } from './settings.js';

export type QueueCase = { name: string; url: string; p50Ms: number; p95Ms: number; p99Ms: number; items: number; met: boolean };
export type QueueFigures = { seed: SeedFigures; requests: number; cases: QueueCase[] };

const PASSWORD = 'embargo bench passphrase';
const WARMUP_REQUESTS = 20;
const PAGE = '/api/v1/reports?limit=50';

async function signIn(app: ZodApp, context: AppContext, email: string, role: Role, project: string): Promise<string> {
  await addUser(context, { email, role, projectSlug: project, displayName: null, password: PASSWORD });
  const response = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password: PASSWORD } });
  if (response.statusCode !== 200) throw new Error(`login as ${email} failed: ${response.statusCode} ${response.body}`);
  return (response.json() as { accessToken: string }).accessToken;
}

type Page = { items: unknown[]; nextCursor: string | null };

async function getPage(app: ZodApp, url: string, token: string): Promise<Page> {
  const response = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
  if (response.statusCode !== 200) throw new Error(`GET ${url} answered ${response.statusCode}: ${response.body.slice(0, 300)}`);
  return response.json() as Page;
}

/** For each hop count, the URL of the page reached by following nextCursor that many times from the first page. */
async function deepPageUrls(app: ZodApp, token: string, hops: readonly number[]): Promise<Map<number, string>> {
  const urls = new Map<number, string>();
  const furthest = Math.max(...hops);
  let url = PAGE;
  for (let hop = 1; hop <= furthest; hop += 1) {
    const page = await getPage(app, url, token);
    if (page.nextCursor === null) throw new Error(`the queue ended after ${hop} pages; lower EMBARGO_BENCH_DEEP_HOPS`);
    url = `${PAGE}&cursor=${encodeURIComponent(page.nextCursor)}`;
    if (hops.includes(hop)) urls.set(hop, url);
  }
  return urls;
}

async function timeCase(app: ZodApp, name: string, url: string, token: string, requests: number): Promise<QueueCase> {
  for (let i = 0; i < WARMUP_REQUESTS; i += 1) await getPage(app, url, token);
  const timings: number[] = [];
  let items = 0;
  for (let i = 0; i < requests; i += 1) {
    const started = performance.now();
    const page = await getPage(app, url, token);
    timings.push(performance.now() - started);
    items = page.items.length;
  }
  if (items === 0) throw new Error(`GET ${url} returned no reports: the seeded data does not exercise this query`);
  timings.sort((a, b) => a - b);
  const p95Ms = percentile(timings, 95);
  return { name, url, p50Ms: percentile(timings, 50), p95Ms, p99Ms: percentile(timings, 99), items, met: p95Ms < QUEUE_P95_TARGET_MS };
}

/**
 * The team queue over a full table: what a signed-in team member waits for, through the whole
 * request path (authentication with its session look-up, validation, SQL, presentation,
 * serialization) via app.inject, one request at a time.
 */
export async function benchQueue(settings: BenchSettings, context: AppContext, databaseUrl: string): Promise<QueueFigures> {
  // Start from an empty desk so that the table holds exactly the seeded reports, not the intake run's;
  // cascade empties whatever else refers to reports (reply tokens, attachments, ...).
  await sql`truncate reports, deadlines, messages, report_pauses, audit_events, outbox cascade`.execute(context.db);
  const seed = await seedReports(context, databaseUrl, settings.queueReports);

  const app = await buildApp(context, { logger: false });
  try {
    const admin = await signIn(app, context, 'bench-admin@example.org', 'admin', ALL_PROJECTS);
    const maintainer = await signIn(app, context, 'bench-maintainer@example.org', 'maintainer', 'alpha');
    const deep = await deepPageUrls(app, admin, settings.deepHops);
    const cases: [string, string, string][] = [
      ['first page (admin, all projects)', PAGE, admin],
      ['state=new', `${PAGE}&state=new`, admin],
      ['overdue=true', `${PAGE}&overdue=true`, admin],
      ['severity=critical', `${PAGE}&severity=critical`, admin],
      ['first page (maintainer of alpha)', PAGE, maintainer],
      ...settings.deepHops.map((hops): [string, string, string] => [`page ${hops + 1} (nextCursor followed ${hops}×)`, deep.get(hops)!, admin]),
    ];
    const results: QueueCase[] = [];
    for (const [name, url, token] of cases) results.push(await timeCase(app, name, url, token, settings.queueRequests));
    return { seed, requests: settings.queueRequests, cases: results };
  } finally {
    await app.close();
  }
}
