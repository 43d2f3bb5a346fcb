import { AppError, validationFailed } from '../../platform/errors.js';
import type { ProjectPolicy } from '../policy/policy.schema.js';
import { canonicalVector, normaliseAffected, normaliseVersions, publicationProblems, type AdvisoryContent } from './advisory.content.js';
import type { AdvisoryEdit } from './advisory.schemas.js';
import { parsePublishAt } from './embargo-time.js';

/**
 * Applies an edit to the working copy. Pure: it checks values against the project's policy and
 * ecosystem but touches no database, so the same rules hold for drafting and for later revisions.
 */
export type EditResult = {
  content: AdvisoryContent;
  severity?: string | null;
  /** undefined: unchanged; null: the schedule is cancelled. */
  embargo?: { instant: Date; zone: string } | null;
  changed: string[];
};

export function applyEdit(project: ProjectPolicy, current: AdvisoryContent, edit: AdvisoryEdit, now: Date): EditResult {
  const content: AdvisoryContent = { ...current };
  const changed: string[] = [];
  const set = <K extends keyof AdvisoryContent>(key: K, value: AdvisoryContent[K] | undefined) => {
    if (value === undefined) return;
    if (JSON.stringify(content[key]) !== JSON.stringify(value)) changed.push(key);
    content[key] = value;
  };
  set('title', edit.title);
  set('summary', edit.summary);
  set('details', edit.details);
  set('confidentialDetails', edit.confidentialDetails);
  set('cveId', edit.cveId);
  set('aliases', edit.aliases === undefined ? undefined : [...new Set(edit.aliases)].filter((alias) => alias !== (edit.cveId ?? content.cveId)));
  set('affected', edit.affected === undefined ? undefined : normaliseAffected(project.ecosystem, edit.affected));
  set('patchedVersions', edit.patchedVersions === undefined ? undefined : normaliseVersions(project.ecosystem, edit.patchedVersions, 'patchedVersions'));
  set('cwes', edit.cwes?.map((id) => ({ id })));
  set('cvss31', edit.cvss31 === undefined ? undefined : canonicalVector('3.1', 'cvss31', edit.cvss31));
  set('cvss40', edit.cvss40 === undefined ? undefined : canonicalVector('4.0', 'cvss40', edit.cvss40));
  set('references', edit.references);
  set(
    'credits',
    edit.credits?.map((credit) => ({ name: credit.name, type: credit.type, ...(credit.contact?.length ? { contact: credit.contact } : {}) })),
  );

  const result: EditResult = { content, changed };
  if (edit.severity !== undefined) {
    if (edit.severity !== null && !project.severityLevels.some((level) => level.id === edit.severity)) {
      throw new AppError('UNKNOWN_SEVERITY', `"${edit.severity}" is not a severity level of ${project.name}.`, {
        fields: [{ field: 'severity', code: 'unknown_severity', message: `expected one of ${project.severityLevels.map((level) => level.id).join(', ')}` }],
      });
    }
    result.severity = edit.severity;
  }
  if (edit.embargo !== undefined) {
    if (edit.embargo === null) {
      result.embargo = null;
    } else {
      const parsed = parsePublishAt(edit.embargo.publishAt, edit.embargo.timezone);
      if (!parsed.ok) throw validationFailed([parsed.problem], parsed.problem.message);
      // Scheduling into the past would publish at the next sweep: say "publish" if that is meant.
      if (parsed.instant.getTime() <= now.getTime()) {
        throw validationFailed([{ field: 'embargo.publishAt', code: 'in_the_past', message: 'the publication time has passed; publish now instead, or pick a later time' }]);
      }
      result.embargo = { instant: parsed.instant, zone: edit.embargo.timezone };
    }
  }
  return result;
}

/** A scheduled draft must stay publishable: the scheduler cannot ask anyone what was meant. */
export function assertPublishable(content: AdvisoryContent, why: string): void {
  const problems = publicationProblems(content);
  if (problems.length > 0) {
    throw new AppError('ADVISORY_INCOMPLETE', `${why}: ${problems.map((problem) => problem.message).join('; ')}.`, { fields: problems });
  }
}
