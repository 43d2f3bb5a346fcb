import type { AppContext } from '../../context.js';
import type { ProjectPolicy } from './policy.schema.js';
import { lintSecurityMd } from './securitymd/securitymd.lint.js';
import { renderSecurityMd } from './securitymd/securitymd.render.js';
import { renderProjectSecurityTxt } from './securitytxt/securitytxt.render.js';
import { allDiagnostics, validateSecurityTxt } from './securitytxt/securitytxt.validator.js';

type Problem = { source: 'policy' | 'SECURITY.md' | 'security.txt'; severity: 'error' | 'warning' | 'info'; code: string; message: string };

/**
 * A policy that loads is valid, so what is left to show are gaps: promises the policy does not make
 * (no deadline for a severity level) and what the linters find in the documents rendered from it.
 */
function policyGaps(project: ProjectPolicy): Problem[] {
  const problems: Problem[] = [];
  const { timeline } = project;
  if (!timeline.acknowledge) problems.push({ source: 'policy', severity: 'warning', code: 'NO_ACKNOWLEDGE_DEADLINE', message: 'The policy promises no time to acknowledge a report (timeline.acknowledge).' });
  if (!timeline.initialAssessment) problems.push({ source: 'policy', severity: 'info', code: 'NO_ASSESSMENT_DEADLINE', message: 'The policy promises no time to a first assessment (timeline.initialAssessment).' });
  for (const level of project.severityLevels) {
    if (!timeline.resolution[level.id]) problems.push({ source: 'policy', severity: 'info', code: 'NO_RESOLUTION_DEADLINE', message: `No resolution deadline for severity "${level.id}" (timeline.resolution.${level.id}).` });
  }
  if (project.supportedVersions.length === 0) problems.push({ source: 'policy', severity: 'warning', code: 'NO_SUPPORTED_VERSIONS', message: 'No supported versions are listed: reports cannot be checked against them.' });
  if (!project.contacts.primary.pgpPublicKey && !project.contacts.backup?.pgpPublicKey) {
    problems.push({ source: 'policy', severity: 'info', code: 'NO_PGP_KEY', message: 'No contact has a PGP key, so reporters cannot encrypt their report in the browser.' });
  }
  return problems;
}

export async function getProjectSettings(context: AppContext, project: ProjectPolicy) {
  const now = context.clock.now();
  const lint = lintSecurityMd(renderSecurityMd(project, { publicUrl: context.config.publicUrl }), { now });
  const securityTxt = validateSecurityTxt(renderProjectSecurityTxt(project, { publicUrl: context.config.publicUrl, now }), { now });
  const problems: Problem[] = [
    ...policyGaps(project),
    ...lint.findings.map((finding) => ({ source: 'SECURITY.md' as const, severity: finding.severity, code: finding.code, message: finding.message })),
    ...allDiagnostics(securityTxt).map((item) => ({
      source: 'security.txt' as const,
      severity: item.level === 'error' ? ('error' as const) : item.level === 'recommendation' ? ('warning' as const) : ('info' as const),
      code: item.code,
      message: item.message,
    })),
  ];
  return { policy: JSON.parse(JSON.stringify(project)) as Record<string, unknown>, problems, securityMdScore: lint.score };
}
