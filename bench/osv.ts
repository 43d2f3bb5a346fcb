import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import type { AppContext } from '../src/context.js';
import { importOsv, osvSourceFiles, parseOsvFile } from '../src/modules/advisories/osv-import.service.js';
import type { OsvRecord } from '../src/modules/exports/osv.js';
import { DEFAULT_CORPUS_DIR } from '../src/modules/exports/schema-validation.js';
import { percentile } from './format.js';
import { NPM_PACKAGES, npmPackage, PYPI_PACKAGES, pypiPackage, seededRandom, seedOsvAdvisories, skewedIndex, type OsvSeedFigures, type SeedPackage } from './osv-seed.js';
import { startServerProcess, type ServerProcess } from './server-process.js';
import { OSV_P50_TARGET_MS, type BenchSettings } from './settings.js';

/**
 * The OSV API over a mirror-sized database: POST /v1/querybatch with 1,000 package@version queries,
 * as osv-scanner sends a lockfile's dependencies, against 50,000 published advisories, through the
 * real HTTP server in its own process. Also the import rate of `embargo import osv`: the PyPI advisory
 * database (../shared/corpus) imported through the import service into the already full table.
 */

const CORPUS = path.join(DEFAULT_CORPUS_DIR, 'pypa-advisory-database/vulns');
const WARMUP_RUNS = 3;

export type ImportFigures = { source: string; files: number; created: number; invalid: number; seconds: number; perSecond: number };
export type BatchFigures = {
  runs: number;
  queries: number;
  p50Ms: number;
  p95Ms: number;
  minMs: number;
  maxMs: number;
  /** The server process's CPU time (user + system) per batch, averaged over the runs; null without /proc. */
  serverCpuMs: number | null;
  withVulns: number;
  vulns: number;
  requestBytes: number;
  responseBytes: number;
};
export type OsvFigures = { seed: OsvSeedFigures; import: ImportFigures; total: number; batch: BatchFigures; ratio: number; met: boolean; poolSize: number };

type Query = { package: { name: string; ecosystem: string } | { purl: string }; version?: string };

/** A version of a seeded package: half the time one it is affected in, else one near the fix. */
function versionFor(random: () => number, advisory: SeedPackage): string {
  if (advisory.versions?.length && random() < 0.5) return advisory.versions[Math.floor(random() * advisory.versions.length)]!;
  const fixed = advisory.ranges.at(-1)!.events.find((event) => 'fixed' in event);
  const [major, minor, patch] = (fixed && 'fixed' in fixed ? fixed.fixed : '1.0.0').split('.').map(Number) as [number, number, number];
  const step = Math.floor(random() * 4);
  return step === 0 ? `${major}.${minor}.${patch}` : step === 1 ? `${major}.${minor}.${Math.max(0, patch - 1)}` : step === 2 ? `${major}.${minor + 1}.0` : `${major}.${Math.max(0, minor - 1)}.3`;
}

/**
 * A lockfile's worth of queries, the same every run: a quarter real PyPI packages of the corpus at
 * versions its records list or fix, 40 % seeded PyPI and npm packages (popular ones more often, as in
 * real dependency trees; some npm ones by purl), and a third packages no advisory names.
 */
export function buildQueries(count: number, seeded: Map<string, SeedPackage[]>, corpus: OsvRecord[]): Query[] {
  const random = seededRandom(0xbeef);
  const queries: Query[] = [];
  const real = corpus.filter((record) => !record.withdrawn && record.affected?.some((entry) => entry.package?.ecosystem === 'PyPI'));
  for (let index = 0; index < count; index += 1) {
    const kind = index % 20;
    if (kind < 5 && real.length > 0) {
      const record = real[Math.floor(random() * real.length)]!;
      const entry = record.affected!.find((item) => item.package?.ecosystem === 'PyPI')!;
      const listed = entry.versions ?? [];
      const fixed = (entry.ranges ?? []).flatMap((range) => range.events.flatMap((event) => ('fixed' in event ? [event.fixed] : [])));
      const version = listed.length > 0 && (random() < 0.6 || fixed.length === 0) ? listed[Math.floor(random() * listed.length)]! : (fixed[0] ?? '1.0');
      queries.push({ package: { name: entry.package!.name, ecosystem: 'PyPI' }, version });
    } else if (kind < 8) {
      const name = pypiPackage(skewedIndex(random, PYPI_PACKAGES));
      const advisories = seeded.get(`PyPI\n${name}`);
      queries.push({ package: { name, ecosystem: 'PyPI' }, version: advisories ? versionFor(random, advisories[Math.floor(random() * advisories.length)]!) : '1.0.0' });
    } else if (kind < 13) {
      const name = npmPackage(skewedIndex(random, NPM_PACKAGES));
      const advisories = seeded.get(`npm\n${name}`);
      const version = advisories ? versionFor(random, advisories[Math.floor(random() * advisories.length)]!) : '1.0.0';
      if (kind === 12) queries.push({ package: { purl: `pkg:npm/${name.replace('@', '%40')}@${version}` } });
      else queries.push({ package: { name, ecosystem: 'npm' }, version });
    } else {
      // Packages no advisory names: most of any real dependency tree.
      const ecosystem = kind % 2 === 0 ? 'PyPI' : 'npm';
      queries.push({ package: { name: `${ecosystem === 'PyPI' ? 'clean-py' : 'clean-js'}-${index}`, ecosystem }, version: `${1 + (index % 4)}.${index % 10}.${index % 7}` });
    }
  }
  return queries;
}

type BatchAnswer = { results: { vulns?: { id: string; modified: string }[] }[] };

/** Timed from sending the request to the last byte of the answer; parsing it is the client's business. */
async function postBatch(url: string, body: string): Promise<{ answer: BatchAnswer; bytes: number; ms: number }> {
  const started = performance.now();
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const text = await response.text();
  const ms = performance.now() - started;
  if (response.status !== 200) throw new Error(`POST ${url} answered ${response.status}: ${text.slice(0, 300)}`);
  return { answer: JSON.parse(text) as BatchAnswer, bytes: Buffer.byteLength(text), ms };
}

/** User + system CPU time of a process in milliseconds, from /proc (Linux); null elsewhere. */
function cpuTimeMs(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces, inside parentheses): utime and stime are 14th and 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}
/** USER_HZ: 100 on every Linux architecture Node runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

async function importCorpus(context: AppContext, remaining: number): Promise<{ figures: ImportFigures; records: OsvRecord[] }> {
  if (!existsSync(CORPUS)) {
    return { figures: { source: `none: ${CORPUS} not found`, files: 0, created: 0, invalid: 0, seconds: 0, perSecond: 0 }, records: [] };
  }
  const files = osvSourceFiles(CORPUS).slice(0, remaining);
  const records = files.map((file) => parseOsvFile(file.name, file.read()) as OsvRecord);
  const started = performance.now();
  const result = await importOsv(context, files, { project: 'alpha' });
  const seconds = (performance.now() - started) / 1000;
  return {
    figures: { source: 'PyPI advisory database (../shared/corpus)', files: files.length, created: result.created, invalid: result.invalid, seconds, perSecond: result.created / seconds },
    records,
  };
}

export async function benchOsv(settings: BenchSettings, context: AppContext, databaseUrl: string, servers: Set<ServerProcess>): Promise<OsvFigures> {
  // The corpus goes in through the import path; the rest of the 50,000 is seeded in bulk, first, so
  // that the import is timed against a full table, as on a mirror that already holds the others.
  const corpusSize = existsSync(CORPUS) ? osvSourceFiles(CORPUS).length : 0;
  const first = Math.max(0, settings.osvAdvisories - corpusSize);
  let seeded = await seedOsvAdvisories(context, databaseUrl, first);
  const imported = await importCorpus(context, settings.osvAdvisories);
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  let total = 0;
  try {
    const published = async () => (await admin.query<{ n: number }>("select count(*)::int as n from advisories where state = 'published'")).rows[0]!.n;
    // The corpus holds invalid and withdrawn records: top up to the number asked for.
    const missing = settings.osvAdvisories - (await published());
    if (missing > 0) seeded = await seedOsvAdvisories(context, databaseUrl, missing, first, seeded);
    // Not left to autovacuum: it would start in the middle of the measurements.
    await admin.query('vacuum (analyze) advisories, advisory_packages');
    total = await published();
  } finally {
    await admin.end();
  }

  const queries = buildQueries(settings.osvQueries, seeded.packages, imported.records);
  const body = JSON.stringify({ queries });
  const server = await startServerProcess('embargo', databaseUrl, settings.poolSize);
  servers.add(server);
  try {
    const url = `${server.baseUrl}/v1/querybatch`;
    for (let run = 0; run < WARMUP_RUNS; run += 1) await postBatch(url, body);
    const timings: number[] = [];
    let last: { answer: BatchAnswer; bytes: number } | null = null;
    const cpuBefore = cpuTimeMs(server.pid);
    for (let run = 0; run < settings.osvRuns; run += 1) {
      const { answer, bytes, ms } = await postBatch(url, body);
      timings.push(ms);
      last = { answer, bytes };
    }
    const cpuAfter = cpuTimeMs(server.pid);
    const crash = server.crashed();
    if (crash) throw new Error(crash);
    const results = last!.answer.results;
    if (results.length !== queries.length) throw new Error(`querybatch answered ${results.length} results for ${queries.length} queries`);
    const withVulns = results.filter((result) => (result.vulns?.length ?? 0) > 0).length;
    if (withVulns === 0) throw new Error('no query matched an advisory: the seeded data does not exercise the query path');
    timings.sort((a, b) => a - b);
    const p50Ms = percentile(timings, 50);
    return {
      seed: seeded.figures,
      import: imported.figures,
      total,
      poolSize: settings.poolSize,
      batch: {
        runs: settings.osvRuns,
        queries: queries.length,
        p50Ms,
        p95Ms: percentile(timings, 95),
        minMs: timings[0]!,
        maxMs: timings.at(-1)!,
        serverCpuMs: cpuBefore === null || cpuAfter === null ? null : (cpuAfter - cpuBefore) / settings.osvRuns,
        withVulns,
        vulns: results.reduce((sum, result) => sum + (result.vulns?.length ?? 0), 0),
        requestBytes: Buffer.byteLength(body),
        responseBytes: last!.bytes,
      },
      ratio: p50Ms / OSV_P50_TARGET_MS,
      met: p50Ms < OSV_P50_TARGET_MS,
    };
  } finally {
    await server.stop();
    servers.delete(server);
  }
}
