import { createHash } from 'node:crypto';
import { sleep } from './harness.js';

/**
 * Report submissions whose every field is derived from the title, so that any report found in the
 * database — also one whose 201 never reached the client because the server died — can be checked
 * for completeness without knowing what the client sent.
 */
export type IntakeBody = { title: string; description: string; stepsToReproduce: string; impact: string; affectedVersions: string[] };

export function reportBody(tag: string, client: number, n: number, padding = 300): IntakeBody {
  return bodyFor(`fault ${tag} client ${client} report ${n}`, padding);
}

function bodyFor(title: string, padding: number): IntakeBody {
  const digest = createHash('sha256').update(title).digest('hex');
  return {
    title,
    description: `Description of ${title}. ${digest} ${'x'.repeat(padding)}`,
    stepsToReproduce: `Steps for ${title}: ${digest.slice(0, 16)}`,
    impact: `Impact of ${title}`,
    affectedVersions: ['0.4.1'],
  };
}

type ReportView = {
  id: string;
  title: string;
  description: string;
  stepsToReproduce: string | null;
  impact: string | null;
  affectedVersions: string[];
  deadlines: { kind: string }[];
};

/** What is wrong with a stored report, compared with the body derived from its title; null if nothing. */
export function reportProblem(view: ReportView, sent?: IntakeBody): string | null {
  const match = /^fault .+ client \d+ report \d+$/.test(view.title);
  if (!match && !sent) return `report ${view.id}: unexpected title ${JSON.stringify(view.title.slice(0, 80))}`;
  const padding = sent ? sent.description.length - bodyFor(sent.title, 0).description.length : view.description.length - bodyFor(view.title, 0).description.length;
  const expected = sent ?? bodyFor(view.title, Math.max(0, padding));
  const problems: string[] = [];
  for (const field of ['title', 'description', 'stepsToReproduce', 'impact'] as const) {
    if (view[field] !== expected[field]) problems.push(`${field} differs`);
  }
  if (JSON.stringify(view.affectedVersions) !== JSON.stringify(expected.affectedVersions)) problems.push('affectedVersions differ');
  if (!view.deadlines.some((deadline) => deadline.kind === 'acknowledge')) problems.push('no acknowledge deadline');
  return problems.length ? `report ${view.id} is incomplete: ${problems.join(', ')}` : null;
}

export type Outcome = {
  client: number;
  n: number;
  body: IntakeBody;
  /** null: no HTTP answer (connection refused or reset, timeout). */
  status: number | null;
  code?: string;
  error?: string;
  id?: string;
  accessToken?: string;
  ms: number;
  at: number;
};

export type HttpAnswer = { status: number | null; json: unknown; ms: number; error?: string };

export async function http(url: string, options: { method?: string; body?: unknown; token?: string; timeoutMs?: number } = {}): Promise<HttpAnswer> {
  const started = performance.now();
  try {
    const response = await fetch(url, {
      method: options.method ?? 'GET',
      headers: { ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}), ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) },
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
    const text = await response.text();
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: response.status, json, ms: performance.now() - started };
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return { status: null, json: null, ms: performance.now() - started, error: cause?.code ?? cause?.message ?? (error as Error).name };
  }
}

export type Clients = {
  outcomes: Outcome[];
  accepted(): Outcome[];
  /** Lets every client finish its current request, then resolves. */
  stop(): Promise<void>;
};

/**
 * `clients` concurrent reporters, each submitting one report after another to `project` until
 * stopped. A client whose request failed without an answer waits a little before the next one,
 * so that a dead server is not hammered in a tight loop.
 */
export function startClients(options: { url: () => string; clients: number; tag: string; project?: string; timeoutMs?: number; padding?: number; pauseMs?: number }): Clients {
  const outcomes: Outcome[] = [];
  let stopped = false;
  const loops = Array.from({ length: options.clients }, async (_, client) => {
    for (let n = 0; !stopped; n += 1) {
      const body = reportBody(options.tag, client, n, options.padding);
      const answer = await http(`${options.url()}/api/v1/projects/${options.project ?? 'alpha'}/reports`, { method: 'POST', body, timeoutMs: options.timeoutMs ?? 30_000 });
      const json = (answer.json ?? {}) as { id?: string; accessToken?: string; error?: { code?: string } };
      outcomes.push({
        client,
        n,
        body,
        status: answer.status,
        ms: answer.ms,
        at: Date.now(),
        ...(answer.error ? { error: answer.error } : {}),
        ...(json.error?.code ? { code: json.error.code } : {}),
        ...(answer.status === 201 ? { id: json.id!, accessToken: json.accessToken! } : {}),
      });
      if (answer.status === null) await sleep(100);
      else if (options.pauseMs) await sleep(options.pauseMs);
    }
  });
  return {
    outcomes,
    accepted: () => outcomes.filter((outcome) => outcome.status === 201),
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

/** Every report id in the team queue, following the cursor. */
export async function listReportIds(url: string, token: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const answer = await http(`${url}/api/v1/reports?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token });
    if (answer.status !== 200) throw new Error(`queue answered ${answer.status}: ${JSON.stringify(answer.json)}`);
    const page = answer.json as { items: { id: string }[]; nextCursor: string | null };
    ids.push(...page.items.map((item) => item.id));
    cursor = page.nextCursor;
  } while (cursor);
  return ids;
}

export type Verification = {
  confirmed: number;
  unconfirmedButComplete: number;
  /** Titles of the stored reports whose 201 never reached the client. */
  unconfirmedTitles: string[];
  stored: number;
  problems: string[];
};

/**
 * After a fault: every report that got a 201 must be readable with its access token and hold what
 * was sent; every report in the database (also those whose answer was lost) must be complete.
 */
export async function verifyReports(url: string, adminToken: string, accepted: Outcome[]): Promise<Verification> {
  const problems: string[] = [];
  const acceptedIds = new Set<string>();
  for (const outcome of accepted) {
    acceptedIds.add(outcome.id!);
    const answer = await http(`${url}/api/v1/reports/${outcome.id}`, { token: outcome.accessToken! });
    if (answer.status !== 200) {
      problems.push(`report ${outcome.id} got 201 but now answers ${answer.status ?? answer.error}`);
      continue;
    }
    const problem = reportProblem(answer.json as ReportView, outcome.body);
    if (problem) problems.push(problem);
  }
  const stored = await listReportIds(url, adminToken);
  const unconfirmedTitles: string[] = [];
  for (const id of stored) {
    if (acceptedIds.has(id)) continue;
    const answer = await http(`${url}/api/v1/reports/${id}`, { token: adminToken });
    if (answer.status !== 200) problems.push(`stored report ${id} cannot be read: ${answer.status}`);
    else {
      const view = answer.json as ReportView;
      unconfirmedTitles.push(view.title);
      const problem = reportProblem(view);
      if (problem) problems.push(problem);
    }
  }
  const storedSet = new Set(stored);
  for (const id of acceptedIds) if (!storedSet.has(id)) problems.push(`report ${id} got 201 but is not in the queue`);
  return { confirmed: accepted.length, unconfirmedButComplete: stored.length - acceptedIds.size, unconfirmedTitles, stored: stored.length, problems };
}

export function summarize(outcomes: Outcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const outcome of outcomes) {
    const key = outcome.status === null ? `no answer (${outcome.error ?? '?'})` : `${outcome.status}${outcome.code ? ` ${outcome.code}` : ''}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
