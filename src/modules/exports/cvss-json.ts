import cvssCalculator from 'ae-cvss-calculator';
import { AppError } from '../../platform/errors.js';
import { scoreCvss, severityOf, type CvssVersion } from '../triage/cvss.js';

/**
 * CVSS assessments as the FIRST CVSS JSON objects that CVE JSON 5 (`cvssV3_1`, `cvssV4_0`) and CSAF
 * (`cvss_v3`) embed. Everything is derived from the vector, never from a stored score: validators
 * (CSAF 6.1.9/6.1.10, the CVE schema's score/severity pairs) check that the metric fields, scores and
 * severities agree with the vector, and the vector is the assessment.
 */

export type CvssRating = 'NONE' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';
export type CvssJson<V extends string> = { version: V; vectorString: string; baseScore: number; baseSeverity: CvssRating } & {
  [field: string]: string | number;
};

type MetricTable = Record<string, readonly [field: string, values: Record<string, string>]>;

const IMPACT = { H: 'HIGH', L: 'LOW', N: 'NONE' };
const REQUIREMENT = { H: 'HIGH', M: 'MEDIUM', L: 'LOW' };

const V31_BASE: MetricTable = {
  AV: ['attackVector', { N: 'NETWORK', A: 'ADJACENT_NETWORK', L: 'LOCAL', P: 'PHYSICAL' }],
  AC: ['attackComplexity', { L: 'LOW', H: 'HIGH' }],
  PR: ['privilegesRequired', { N: 'NONE', L: 'LOW', H: 'HIGH' }],
  UI: ['userInteraction', { N: 'NONE', R: 'REQUIRED' }],
  S: ['scope', { U: 'UNCHANGED', C: 'CHANGED' }],
  C: ['confidentialityImpact', IMPACT],
  I: ['integrityImpact', IMPACT],
  A: ['availabilityImpact', IMPACT],
};
const V31_TEMPORAL: MetricTable = {
  E: ['exploitCodeMaturity', { U: 'UNPROVEN', P: 'PROOF_OF_CONCEPT', F: 'FUNCTIONAL', H: 'HIGH' }],
  RL: ['remediationLevel', { O: 'OFFICIAL_FIX', T: 'TEMPORARY_FIX', W: 'WORKAROUND', U: 'UNAVAILABLE' }],
  RC: ['reportConfidence', { U: 'UNKNOWN', R: 'REASONABLE', C: 'CONFIRMED' }],
};
const V31_ENVIRONMENTAL: MetricTable = {
  CR: ['confidentialityRequirement', REQUIREMENT],
  IR: ['integrityRequirement', REQUIREMENT],
  AR: ['availabilityRequirement', REQUIREMENT],
  ...modified(V31_BASE, {
    AV: 'modifiedAttackVector', AC: 'modifiedAttackComplexity', PR: 'modifiedPrivilegesRequired', UI: 'modifiedUserInteraction',
    S: 'modifiedScope', C: 'modifiedConfidentialityImpact', I: 'modifiedIntegrityImpact', A: 'modifiedAvailabilityImpact',
  }),
};

const V40_BASE: MetricTable = {
  AV: ['attackVector', { N: 'NETWORK', A: 'ADJACENT', L: 'LOCAL', P: 'PHYSICAL' }],
  AC: ['attackComplexity', { L: 'LOW', H: 'HIGH' }],
  AT: ['attackRequirements', { N: 'NONE', P: 'PRESENT' }],
  PR: ['privilegesRequired', { N: 'NONE', L: 'LOW', H: 'HIGH' }],
  UI: ['userInteraction', { N: 'NONE', P: 'PASSIVE', A: 'ACTIVE' }],
  VC: ['vulnConfidentialityImpact', IMPACT],
  VI: ['vulnIntegrityImpact', IMPACT],
  VA: ['vulnAvailabilityImpact', IMPACT],
  SC: ['subConfidentialityImpact', IMPACT],
  SI: ['subIntegrityImpact', IMPACT],
  SA: ['subAvailabilityImpact', IMPACT],
};
const V40_THREAT: MetricTable = {
  E: ['exploitMaturity', { A: 'ATTACKED', P: 'PROOF_OF_CONCEPT', U: 'UNREPORTED' }],
};
const V40_ENVIRONMENTAL: MetricTable = {
  CR: ['confidentialityRequirement', REQUIREMENT],
  IR: ['integrityRequirement', REQUIREMENT],
  AR: ['availabilityRequirement', REQUIREMENT],
  ...modified(V40_BASE, {
    AV: 'modifiedAttackVector', AC: 'modifiedAttackComplexity', AT: 'modifiedAttackRequirements', PR: 'modifiedPrivilegesRequired',
    UI: 'modifiedUserInteraction', VC: 'modifiedVulnConfidentialityImpact', VI: 'modifiedVulnIntegrityImpact',
    VA: 'modifiedVulnAvailabilityImpact', SC: 'modifiedSubConfidentialityImpact',
  }),
  // Subsequent-system integrity and availability may be raised to Safety in the environmental group.
  MSI: ['modifiedSubIntegrityImpact', { S: 'SAFETY', ...IMPACT }],
  MSA: ['modifiedSubAvailabilityImpact', { S: 'SAFETY', ...IMPACT }],
};
const V40_SUPPLEMENTAL: MetricTable = {
  S: ['Safety', { N: 'NEGLIGIBLE', P: 'PRESENT' }],
  AU: ['Automatable', { N: 'NO', Y: 'YES' }],
  R: ['Recovery', { A: 'AUTOMATIC', U: 'USER', I: 'IRRECOVERABLE' }],
  V: ['valueDensity', { D: 'DIFFUSE', C: 'CONCENTRATED' }],
  RE: ['vulnerabilityResponseEffort', { L: 'LOW', M: 'MODERATE', H: 'HIGH' }],
  U: ['providerUrgency', { Clear: 'CLEAR', Green: 'GREEN', Amber: 'AMBER', Red: 'RED' }],
};

function modified(base: MetricTable, names: Record<string, string>): MetricTable {
  return Object.fromEntries(Object.entries(names).map(([metric, field]) => [`M${metric}`, [field, base[metric]![1]]]));
}

/** CVSS 3.1 as FIRST's cvss-v3.1 JSON: base, and temporal/environmental groups when the vector has them. */
export function cvss31Json(vector: string): CvssJson<'3.1'> {
  const { canonical, metrics } = parse('3.1', vector);
  const scores = new cvssCalculator.Cvss3P1(canonical).calculateScores();
  const json: CvssJson<'3.1'> = { version: '3.1', vectorString: canonical, ...scored('base', scores.base) };
  Object.assign(json, fields(metrics, V31_BASE));
  if (hasAny(metrics, V31_TEMPORAL)) Object.assign(json, fields(metrics, V31_TEMPORAL), scored('temporal', scores.temporal));
  if (hasAny(metrics, V31_ENVIRONMENTAL)) Object.assign(json, fields(metrics, V31_ENVIRONMENTAL), scored('environmental', scores.environmental));
  return json;
}

/**
 * CVSS 4.0 as the CVE schema's cvssV4_0 (and FIRST's cvss-v4.0 JSON): baseScore is CVSS-B, the score of
 * the base metrics alone, as the CSAF validator's 4.0 computation also reads it. Threat, environmental
 * and supplemental metrics are carried as fields, but their scores are not: the CVE 5.1.1 schema forbids
 * threatScore/environmentalScore (additionalProperties: false) although it constrains them in an anyOf,
 * and FIRST's current 4.0 schema has no such properties. The vector keeps the full assessment.
 */
export function cvss40Json(vector: string): CvssJson<'4.0'> {
  const { canonical, metrics } = parse('4.0', vector);
  const base = new cvssCalculator.Cvss4P0(vectorOf('4.0', metrics, [V40_BASE])).calculateScores().overall;
  const json: CvssJson<'4.0'> = { version: '4.0', vectorString: canonical, ...scored('base', base) };
  Object.assign(json, fields(metrics, V40_BASE), fields(metrics, V40_THREAT), fields(metrics, V40_ENVIRONMENTAL), fields(metrics, V40_SUPPLEMENTAL));
  return json;
}

/**
 * One line for formats without a CVSS 4.0 field: the vector and its single score, named as the
 * specification names it (CVSS-B, CVSS-BT, CVSS-BE or CVSS-BTE after the metric groups present).
 */
export function cvss40Summary(vector: string): string {
  const { canonical, metrics } = parse('4.0', vector);
  const score = Math.round(new cvssCalculator.Cvss4P0(canonical).calculateScores().overall * 10) / 10;
  const nomenclature = `CVSS-B${hasAny(metrics, V40_THREAT) ? 'T' : ''}${hasAny(metrics, V40_ENVIRONMENTAL) ? 'E' : ''}`;
  return `${canonical} (${nomenclature} ${score}, ${severityOf(score).toUpperCase()})`;
}

function parse(version: CvssVersion, vector: string): { canonical: string; metrics: Map<string, string> } {
  const result = scoreCvss(version, vector);
  if (!result.ok) throw new AppError('INVALID_CVSS_VECTOR', `invalid CVSS ${version} vector "${vector}": ${result.reason}`);
  const metrics = new Map(
    result.vector
      .split('/')
      .slice(1)
      .map((part) => part.split(':') as [string, string]),
  );
  return { canonical: result.vector, metrics };
}

function vectorOf(version: CvssVersion, metrics: Map<string, string>, tables: MetricTable[]): string {
  const parts = [...metrics].filter(([metric]) => tables.some((table) => metric in table));
  return [`CVSS:${version}`, ...parts.map(([metric, value]) => `${metric}:${value}`)].join('/');
}

function hasAny(metrics: Map<string, string>, table: MetricTable): boolean {
  return Object.keys(table).some((metric) => metrics.has(metric));
}

function fields(metrics: Map<string, string>, table: MetricTable): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [metric, [field, values]] of Object.entries(table)) {
    const value = metrics.get(metric);
    if (value !== undefined) out[field] = values[value]!;
  }
  return out;
}

function scored<G extends string>(group: G, score: number | undefined): Record<`${G}Score`, number> & Record<`${G}Severity`, CvssRating> {
  if (score === undefined || !Number.isFinite(score)) throw new AppError('INVALID_CVSS_VECTOR', `the calculator gave no ${group} score`);
  const rounded = Math.round(score * 10) / 10;
  return { [`${group}Score`]: rounded, [`${group}Severity`]: severityOf(rounded).toUpperCase() } as Record<`${G}Score`, number> &
    Record<`${G}Severity`, CvssRating>;
}
