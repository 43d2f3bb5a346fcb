import cvssCalculator from 'ae-cvss-calculator';

/**
 * Server-side CVSS scoring. The vector is validated here against the specification's metric tables
 * before ae-cvss-calculator scores it, because the calculator is lenient: it accepts vectors without
 * the "CVSS:x.y/" prefix, takes the last of duplicated metrics, fills missing base metrics with "X"
 * and scores them as 0, and allows "S" (safety) for the base SC/SI/SA metrics of CVSS 4.0.
 */

export type CvssVersion = '3.1' | '4.0';
export type CvssSeverity = 'none' | 'low' | 'medium' | 'high' | 'critical';
export type CvssScoreResult = { ok: true; vector: string; score: number; severity: CvssSeverity } | { ok: false; reason: string };

type MetricTable = { mandatory: readonly string[]; values: ReadonlyMap<string, readonly string[]> };

/** Allowed values per metric, in the canonical vector order of each specification. */
function metricTable(mandatory: Record<string, string>, optional: Record<string, string>): MetricTable {
  const values = new Map<string, readonly string[]>();
  for (const [metric, list] of Object.entries(mandatory)) values.set(metric, list.split(','));
  // "X" (Not Defined) is the explicit way to leave an optional metric out; a base metric needs a value.
  for (const [metric, list] of Object.entries(optional)) values.set(metric, ['X', ...list.split(',')]);
  return { mandatory: Object.keys(mandatory), values };
}

const CVSS31 = metricTable(
  { AV: 'N,A,L,P', AC: 'L,H', PR: 'N,L,H', UI: 'N,R', S: 'U,C', C: 'H,L,N', I: 'H,L,N', A: 'H,L,N' },
  {
    E: 'H,F,P,U', RL: 'U,W,T,O', RC: 'C,R,U',
    CR: 'H,M,L', IR: 'H,M,L', AR: 'H,M,L',
    MAV: 'N,A,L,P', MAC: 'L,H', MPR: 'N,L,H', MUI: 'N,R', MS: 'U,C', MC: 'H,L,N', MI: 'H,L,N', MA: 'H,L,N',
  },
);

const CVSS40 = metricTable(
  { AV: 'N,A,L,P', AC: 'L,H', AT: 'N,P', PR: 'N,L,H', UI: 'N,P,A', VC: 'H,L,N', VI: 'H,L,N', VA: 'H,L,N', SC: 'H,L,N', SI: 'H,L,N', SA: 'H,L,N' },
  {
    E: 'A,P,U',
    CR: 'H,M,L', IR: 'H,M,L', AR: 'H,M,L',
    MAV: 'N,A,L,P', MAC: 'L,H', MAT: 'N,P', MPR: 'N,L,H', MUI: 'N,P,A',
    MVC: 'H,L,N', MVI: 'H,L,N', MVA: 'H,L,N', MSC: 'H,L,N', MSI: 'S,H,L,N', MSA: 'S,H,L,N',
    S: 'N,P', AU: 'N,Y', R: 'A,U,I', V: 'D,C', RE: 'L,M,H', U: 'Clear,Green,Amber,Red',
  },
);

const TABLES: Record<CvssVersion, MetricTable> = { '3.1': CVSS31, '4.0': CVSS40 };

export function scoreCvss(version: CvssVersion, vector: string): CvssScoreResult {
  const parsed = parseVector(version, vector);
  if (!parsed.ok) return parsed;
  const canonical = parsed.vector;
  // The calculator's overall score is the most specific one the vector supports: for 3.1 the
  // environmental score when environmental metrics are present, else temporal, else base; for 4.0
  // the single CVSS-B/BT/BE/BTE score. That is the score the specifications tell users to report.
  const calculator = version === '3.1' ? new cvssCalculator.Cvss3P1(canonical) : new cvssCalculator.Cvss4P0(canonical);
  const score = calculator.calculateScores().overall;
  if (!Number.isFinite(score)) return { ok: false, reason: 'the calculator could not score this vector' };
  return { ok: true, vector: canonical, score, severity: severityOf(score) };
}

/** The qualitative rating scale shared by CVSS 3.1 and 4.0. */
export function severityOf(score: number): CvssSeverity {
  if (score === 0) return 'none';
  if (score < 4) return 'low';
  if (score < 7) return 'medium';
  if (score < 9) return 'high';
  return 'critical';
}

/**
 * Checks the vector and returns it in canonical order without "X" values, so the same assessment
 * is always stored as the same string. Metric order in the input is not enforced: CVSS 3.1 allows
 * any order, and the 4.0 specification contradicts itself on the point.
 */
function parseVector(version: CvssVersion, vector: string): { ok: true; vector: string } | { ok: false; reason: string } {
  const text = vector.trim();
  if (!text) return { ok: false, reason: 'empty vector' };
  const prefix = `CVSS:${version}/`;
  if (!text.startsWith(prefix)) {
    const found = /^CVSS:([^/]*)/.exec(text);
    return {
      ok: false,
      reason: found ? `expected a CVSS ${version} vector starting "${prefix}", got "CVSS:${found[1]}"` : `missing the "${prefix}" prefix`,
    };
  }
  const table = TABLES[version];
  const given = new Map<string, string>();
  for (const part of text.slice(prefix.length).split('/')) {
    const match = /^([A-Za-z]+):([A-Za-z]+)$/.exec(part);
    if (!match) return { ok: false, reason: part ? `malformed metric "${part}", expected NAME:VALUE` : 'empty metric (stray "/")' };
    const [, metric = '', value = ''] = match;
    const allowed = table.values.get(metric);
    if (!allowed) return { ok: false, reason: `unknown metric "${metric}" for CVSS ${version}` };
    if (given.has(metric)) return { ok: false, reason: `duplicate metric "${metric}"` };
    if (!allowed.includes(value)) return { ok: false, reason: `invalid value "${value}" for ${metric} (allowed: ${allowed.join(', ')})` };
    given.set(metric, value);
  }
  const missing = table.mandatory.filter((metric) => !given.has(metric));
  if (missing.length > 0) return { ok: false, reason: `missing base metric${missing.length > 1 ? 's' : ''} ${missing.join(', ')}` };
  const parts = [...table.values.keys()].filter((metric) => given.has(metric) && given.get(metric) !== 'X');
  return { ok: true, vector: prefix + parts.map((metric) => `${metric}:${given.get(metric)}`).join('/') };
}
