import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { createContext } from '../src/bootstrap.js';
import { loadConfig } from '../src/config/config.js';
import { ALL_PROJECTS } from '../src/modules/access/actor.js';
import { addUser } from '../src/modules/auth/user.service.js';
import { createBenchDatabase, type BenchDatabase } from './bench-db.js';
import { int } from './format.js';
import { formatMemory, formatOperations, OPERATION_NAME, OPERATIONS, type MemorySample, type Operation, type OperationStats } from './load-mixed-report.js';
import { createClient, startServerChild, type Answer, type Client, type ServerChild } from './load-mixed-client.js';
import { seededRandom } from './osv-seed.js';
import { BenchSettingsError, REPO_ROOT } from './settings.js';

/**
 * npm run bench:load: a sustained mixed load on PostgreSQL — report intake, reporter reads, team
 * queue pages and OSV queries, closed-loop over keep-alive connections — against `embargo serve`
 * with all its roles in a process of its own, on a fresh database that is dropped at the end.
 * Prints throughput, p50/p99 per operation, errors (target 0), and the server's memory over time
 * with its trend. Exit code 1 when any request failed or the stored reports differ from the 201s.
 *
 * Settings (environment): EMBARGO_BENCH_PG_URL (admin connection, postgres://postgres@127.0.0.1:5432/test),
 * EMBARGO_BENCH_LOAD_SECONDS (60), EMBARGO_BENCH_LOAD_WARMUP_SECONDS (5), EMBARGO_BENCH_LOAD_CONNECTIONS (16),
 * EMBARGO_BENCH_LOAD_SEED_REPORTS (500), EMBARGO_BENCH_LOAD_ADVISORIES (20),
 * EMBARGO_BENCH_LOAD_MIX (intake=30,read=35,queue=25,osv=10).
 */

const POLICY = path.join(REPO_ROOT, 'test/fixtures/policy-advisories.yaml');
const ADMIN = { email: 'bench-admin@example.org', password: 'quiet-lantern-orbit-7731' };
const SAMPLE_MS = 1000;
const LIVE_SAMPLE_MS = 15_000;

type Settings = {
  adminUrl: string;
  seconds: number;
  warmupSeconds: number;
  connections: number;
  seedReports: number;
  advisories: number;
  mix: Record<Operation, number>;
};

function numberFrom(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) throw new BenchSettingsError(`${name}=${raw}: expected a number of at least ${min}`);
  return value;
}

function loadSettings(): Settings {
  const mix: Record<Operation, number> = { intake: 30, read: 35, queue: 25, osv: 10 };
  const rawMix = process.env.EMBARGO_BENCH_LOAD_MIX;
  if (rawMix) {
    for (const part of rawMix.split(',')) {
      const [name, weight] = part.split('=').map((item) => item.trim());
      if (!OPERATIONS.includes(name as Operation) || !(Number(weight) >= 0)) {
        throw new BenchSettingsError(`EMBARGO_BENCH_LOAD_MIX=${rawMix}: expected ${OPERATIONS.map((op) => `${op}=WEIGHT`).join(',')}`);
      }
      mix[name as Operation] = Number(weight);
    }
  }
  return {
    adminUrl: process.env.EMBARGO_BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/test',
    seconds: numberFrom('EMBARGO_BENCH_LOAD_SECONDS', 60, 1),
    warmupSeconds: numberFrom('EMBARGO_BENCH_LOAD_WARMUP_SECONDS', 5, 0),
    connections: Math.round(numberFrom('EMBARGO_BENCH_LOAD_CONNECTIONS', 16, 1)),
    seedReports: Math.round(numberFrom('EMBARGO_BENCH_LOAD_SEED_REPORTS', 500, 1)),
    advisories: Math.round(numberFrom('EMBARGO_BENCH_LOAD_ADVISORIES', 20, 0)),
    mix,
  };
}

// ---- seeding --------------------------------------------------------------------------------

const reportBody = (n: number) => ({
  title: `Load report ${n}: ${randomBytes(4).toString('hex')}`,
  description: `A sustained-load report. ${'The parser mishandles nested input. '.repeat(12)}`,
  stepsToReproduce: '1. Send the attached payload.\n2. Watch the worker crash.',
  impact: 'Denial of service',
  affectedVersions: ['0.4.1'],
  contactEmail: `reporter-${n}@example.org`,
});

function osvQueryBody(n: number) {
  const version = ['0.1.0', '0.3.9', '0.4.0', '0.4.2', '0.4.9', '1.0.0'][n % 6]!;
  return n % 4 === 0 ? { package: { purl: `pkg:pypi/alpha@${version}` } } : { package: { name: 'alpha', ecosystem: 'PyPI' }, version };
}

async function seedAdvisories(client: Client, token: string, count: number): Promise<{ published: number; skipped: string | null }> {
  let published = 0;
  for (let i = 0; i < count; i += 1) {
    const draft = await client.request('POST', '/api/v1/projects/alpha/advisories', {
      token,
      body: {
        title: `Load advisory ${i}`,
        summary: `Advisory ${i} for the load bench: crafted input crashes the parser.`,
        details: 'Any application parsing untrusted input.',
        affected: [{ package: 'alpha', ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: `0.4.${(i % 9) + 1}` }] }] }],
        patchedVersions: [`0.4.${(i % 9) + 1}`],
        cwes: ['CWE-20'],
        severity: 'high',
        references: [{ type: 'FIX', url: `https://github.com/example/alpha/commit/${randomBytes(8).toString('hex')}` }],
      },
    });
    if (draft.status === 404) return { published, skipped: 'the advisory API is not there' };
    if (draft.status !== 201) throw new Error(`creating advisory ${i}: ${draft.status} ${draft.body}`);
    const id = (JSON.parse(draft.body) as { id: string }).id;
    const publish = await client.request('POST', `/api/v1/advisories/${id}/publish`, { token });
    if (publish.status !== 200) throw new Error(`publishing advisory ${id}: ${publish.status} ${publish.body}`);
    published += 1;
  }
  return { published, skipped: null };
}

// ---- the load -------------------------------------------------------------------------------

type Reader = { id: string; token: string };
type LoadState = { readers: Reader[]; accepted: number; adminToken: string; n: number };

async function runOperation(client: Client, state: LoadState, operation: Operation, random: () => number): Promise<Answer> {
  const n = (state.n += 1);
  switch (operation) {
    case 'intake': {
      const answer = await client.request('POST', '/api/v1/projects/alpha/reports', { body: reportBody(n) });
      if (answer.status === 201) {
        const { id, accessToken } = JSON.parse(answer.body) as { id: string; accessToken: string };
        state.readers.push({ id, token: accessToken });
        state.accepted += 1;
      }
      return answer;
    }
    case 'read': {
      const reader = state.readers[Math.floor(random() * state.readers.length)]!;
      return client.request('GET', `/api/v1/reports/${reader.id}`, { token: reader.token });
    }
    case 'queue': {
      const filters = ['', '&state=new', '&overdue=false', '&project=alpha'];
      return client.request('GET', `/api/v1/reports?limit=50${filters[n % filters.length]}`, { token: state.adminToken });
    }
    case 'osv':
      return client.request('POST', '/v1/query', { body: osvQueryBody(n) });
  }
}

async function runLoad(client: Client, state: LoadState, settings: Settings, enabled: Operation[], seconds: number, record: boolean, stats: Record<Operation, OperationStats>) {
  const weights = enabled.map((operation) => settings.mix[operation]);
  const total = weights.reduce((a, b) => a + b, 0);
  const deadline = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: settings.connections }, async (_, worker) => {
      const random = seededRandom(worker + 1);
      while (performance.now() < deadline) {
        let pick = random() * total;
        const operation = enabled.find((_op, index) => (pick -= weights[index]!) < 0) ?? enabled[0]!;
        const started = performance.now();
        let problem: string | null = null;
        try {
          const answer = await runOperation(client, state, operation, random);
          if (answer.status < 200 || answer.status >= 300) problem = String(answer.status);
        } catch (error) {
          problem = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
        }
        if (!record) continue;
        const entry = stats[operation];
        entry.latencies.push(performance.now() - started);
        if (problem) {
          entry.errors += 1;
          entry.errorKinds[problem] = (entry.errorKinds[problem] ?? 0) + 1;
        }
      }
    }),
  );
}

// ---- main -----------------------------------------------------------------------------------

let bench: BenchDatabase | null = null;
let server: ServerChild | null = null;
let cleaning: Promise<void> | null = null;

function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    await server?.stop().catch((error: unknown) => console.error(`cleanup: ${(error as Error).message}`));
    const name = bench?.name;
    await bench?.drop().catch((error: unknown) => console.error(`cleanup: could not drop database ${name} (drop it by hand): ${(error as Error).message}`));
  })();
  return cleaning;
}

let interrupted = false;
function onSignal(signal: NodeJS.Signals): void {
  if (interrupted) return;
  interrupted = true;
  console.error(`\n${signal}: stopping the server and dropping the bench database.`);
  void cleanUp().finally(() => process.exit(130));
}

const loadAverage = () => `load average ${os.loadavg().map((value) => value.toFixed(1)).join(' ')}`;

async function main(): Promise<number> {
  const settings = loadSettings();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  bench = await createBenchDatabase(settings.adminUrl);
  // Only what the bench sets: an operator's EMBARGO_* variables must not change what is measured.
  const env: Record<string, string> = {
    DATABASE_URL: bench.url,
    EMBARGO_MASTER_KEY: randomBytes(32).toString('base64'),
    EMBARGO_SESSION_SECRET: randomBytes(48).toString('base64'),
    EMBARGO_CONFIG: POLICY,
    EMBARGO_DATA_DIR: path.join(REPO_ROOT, '.tmp/bench-load-unused'),
    EMBARGO_LOG_LEVEL: 'warn',
    EMBARGO_WEB_DIST: path.join(REPO_ROOT, 'test/fixtures/web-dist'),
    // All load comes from one address and one team token: limits stay installed, never reached.
    EMBARGO_RATE_LIMIT_PER_MINUTE: '1000000000',
    EMBARGO_INTAKE_RATE_LIMIT_PER_MINUTE: '1000000000',
    EMBARGO_PRINCIPAL_RATE_LIMIT_PER_MINUTE: '1000000000',
    HOST: '127.0.0.1',
    PORT: '0',
  };
  const setup = await createContext(loadConfig(env), { purpose: 'bench:load setup' });
  try {
    await addUser(setup, { email: ADMIN.email, role: 'admin', projectSlug: ALL_PROJECTS, displayName: 'Bench admin', password: ADMIN.password });
  } finally {
    await setup.database.close();
  }
  const version = await (async () => {
    const client = new pg.Client({ connectionString: bench.url });
    await client.connect();
    try {
      return (await client.query<{ v: string }>(`select current_setting('server_version') as v`)).rows[0]?.v ?? '?';
    } finally {
      await client.end();
    }
  })();

  const keep = ['PATH', 'HOME', 'LANG', 'TMPDIR', 'TZ'];
  const childEnv = { ...Object.fromEntries(keep.flatMap((key) => (process.env[key] ? [[key, process.env[key]!]] : []))), ...env };
  server = await startServerChild(childEnv);
  const client = createClient(server.url, settings.connections);
  try {
    const login = await client.request('POST', '/api/v1/auth/login', { body: ADMIN });
    if (login.status !== 200) throw new Error(`admin login failed: ${login.status} ${login.body}`);
    const state: LoadState = { readers: [], accepted: 0, adminToken: (JSON.parse(login.body) as { accessToken: string }).accessToken, n: 0 };

    console.log(`Embargo sustained mixed load: PostgreSQL ${version} (database ${bench.name}), Node ${process.version}, ${os.cpus().length} CPUs, ${loadAverage()}`);
    console.log('The server (`embargo serve`, all roles) runs in its own process; the load comes from this one.');
    const advisories = settings.mix.osv > 0 ? await seedAdvisories(client, state.adminToken, settings.advisories) : { published: 0, skipped: 'weight 0' };
    const enabled = OPERATIONS.filter((operation) => settings.mix[operation] > 0 && !(operation === 'osv' && advisories.skipped === 'the advisory API is not there'));
    await Promise.all(
      Array.from({ length: settings.connections }, async () => {
        while (state.accepted < settings.seedReports) {
          const answer = await runOperation(client, state, 'intake', Math.random);
          if (answer.status !== 201) throw new Error(`seeding reports: ${answer.status} ${answer.body}`);
        }
      }),
    );
    const seeded = state.accepted;
    const share = enabled.map((operation) => `${OPERATION_NAME[operation]} ${settings.mix[operation]}`).join(', ');
    console.log(`Seeded ${int(seeded)} reports and ${advisories.published} published advisories${advisories.skipped ? ` (OSV queries: ${advisories.skipped})` : ''}.`);
    console.log(`Mix (weights): ${share}; ${settings.connections} connections, closed loop; Embargo's own pool (20); warm-up ${settings.warmupSeconds} s, then ${settings.seconds} s measured.\n`);

    const stats = Object.fromEntries(OPERATIONS.map((operation) => [operation, { latencies: [], errors: 0, errorKinds: {} }])) as unknown as Record<Operation, OperationStats>;
    if (settings.warmupSeconds > 0) await runLoad(client, state, settings, enabled, settings.warmupSeconds, false, stats);

    const samples: MemorySample[] = [];
    const live: MemorySample[] = [];
    const started = performance.now();
    const sample = async (gc: boolean) => {
      const usage = await server!.memory(gc);
      (gc ? live : samples).push({ atSeconds: (performance.now() - started) / 1000, rss: usage.rss, heapUsed: usage.heapUsed, heapTotal: usage.heapTotal, external: usage.external });
    };
    await sample(true);
    const sampler = setInterval(() => void sample(false), SAMPLE_MS);
    const liveSampler = setInterval(() => void sample(true), LIVE_SAMPLE_MS);
    const acceptedBefore = state.accepted;
    try {
      await runLoad(client, state, settings, enabled, settings.seconds, true, stats);
    } finally {
      clearInterval(sampler);
      clearInterval(liveSampler);
    }
    const measuredSeconds = (performance.now() - started) / 1000;
    await sample(true);

    const crash = server.crashed();
    if (crash) throw new Error(crash);
    const stored = await (async () => {
      const pgClient = new pg.Client({ connectionString: bench.url });
      await pgClient.connect();
      try {
        return Number((await pgClient.query<{ n: string }>('select count(*) as n from reports')).rows[0]?.n ?? 0);
      } finally {
        await pgClient.end();
      }
    })();

    const errors = enabled.reduce((sum, operation) => sum + stats[operation].errors, 0);
    console.log(`Operations over ${measuredSeconds.toFixed(1)} s:`);
    console.log(formatOperations(stats, measuredSeconds, enabled));
    console.log(`  errors: ${int(errors)} (target 0): ${errors === 0 ? 'met' : 'NOT MET'}`);
    const rowsMatch = stored === state.accepted;
    console.log(`  reports stored: ${int(stored)}; answered 201: ${int(state.accepted)} (${int(seeded)} seeded, ${int(state.accepted - acceptedBefore)} measured): ${rowsMatch ? 'equal' : 'MISMATCH (error)'}`);
    console.log(`\nMemory of the server process (every ${SAMPLE_MS / 1000} s; live heap every ${LIVE_SAMPLE_MS / 1000} s after a forced GC):`);
    console.log(formatMemory(samples, live, measuredSeconds));
    console.log(`  (${loadAverage()} at the end)`);
    return errors === 0 && rowsMatch ? 0 : 1;
  } finally {
    client.close();
  }
}

let exitCode = 1;
try {
  exitCode = await main();
} catch (error) {
  if (!interrupted) console.error(`bench:load failed: ${error instanceof BenchSettingsError ? error.message : ((error as Error).stack ?? String(error))}`);
} finally {
  await cleanUp();
}
process.exit(exitCode);
