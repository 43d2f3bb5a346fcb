import type { Ecosystem } from '../policy.schema.js';
import { parseSecurityMd } from './securitymd.blocks.js';
import { extractContacts, extractReportingChannels, extractReportingRules, guessProject } from './securitymd.contacts.js';
import { createContext, markIntroductions, type ImportContext } from './securitymd.context.js';
import {
  extractAdvisoryChannels,
  extractCredit,
  extractCve,
  extractDisclosureSteps,
  extractReleaseTypes,
  extractSeverityLevels,
  extractWaitForFix,
} from './securitymd.disclosure.js';
import { extractRequiredFields, extractScope, extractThirdParty } from './securitymd.report.js';
import { extractTimeline } from './securitymd.timeline.js';
import { extractPrereleases, extractSupportedVersions, guessEcosystem } from './securitymd.versions.js';
import { buildProject, collectUnmapped, PLACEHOLDER_EMAIL, renderPolicyYaml, type PolicyInput, type UnmappedLine } from './securitymd.yaml.js';

/**
 * Drafts an Embargo policy from a project's SECURITY.md. The draft holds what the importer could read
 * with confidence; every other line is listed in `unmapped` (and as comments at the top of the YAML)
 * for the maintainer to finish. The YAML loads with parsePolicy whenever a contact e-mail was found;
 * otherwise its contact is a placeholder that parsePolicy refuses, so the draft cannot go live by accident.
 */

export type SecurityMdImportOptions = { slug?: string; name?: string; ecosystem?: Ecosystem };

export type SecurityMdImport = {
  policyYaml: string;
  /** The draft as data, shaped like a policy file before validation (durations as text). */
  policy: unknown;
  /** Per policy field: whether the file said it, or how many items it gave. */
  found: Record<string, boolean | number>;
  /** Lines of SECURITY.md no field took; line 0 marks a finding about the whole file. */
  unmapped: UnmappedLine[];
};

export type { UnmappedLine };
export { PLACEHOLDER_EMAIL };

export function importSecurityMd(markdown: string, options: SecurityMdImportOptions = {}): SecurityMdImport {
  const doc = parseSecurityMd(markdown);
  const hinted = options.ecosystem ? null : guessEcosystem(doc);
  const context = createContext(doc, options.ecosystem ?? hinted ?? 'PyPI');

  guessProject(context);
  extractContacts(context);
  extractReportingChannels(context);
  extractReportingRules(context);
  extractSupportedVersions(context);
  extractPrereleases(context);
  // Levels first: resolution targets and release types refer to them by name.
  extractSeverityLevels(context);
  extractTimeline(context);
  extractRequiredFields(context);
  extractScope(context);
  extractThirdParty(context);
  extractDisclosureSteps(context);
  extractCredit(context);
  extractCve(context);
  extractWaitForFix(context);
  extractReleaseTypes(context);
  // Last, so that lists already read as steps or scope are not taken for channels.
  extractAdvisoryChannels(context);
  markIntroductions(context);

  const placeholderContact = context.draft.contacts.length === 0;
  if (!options.ecosystem && !hinted) context.general.push('the file names no ecosystem; PyPI assumed (set ecosystem, or pass --ecosystem)');
  if (!options.name && !context.draft.name) context.general.push('the project name was not found; set name and slug');
  const project = buildProject(context, options);
  const policy: PolicyInput = { version: 1, projects: [project] };
  const unmapped = collectUnmapped(context);
  if (placeholderContact) {
    const channels = context.draft.reportingChannels;
    const where = channels.length > 0 ? ` (the file sends reporters to: ${channels.join(', ')})` : '';
    unmapped.unshift({
      line: 0,
      text: '',
      reason: `NO CONTACT E-MAIL FOUND${where}: contacts.primary.email is a placeholder; put the address that receives reports there before loading the policy`,
    });
  }
  return {
    policyYaml: renderPolicyYaml(policy, unmapped, placeholderContact),
    policy,
    found: summarize(context, project, Boolean(options.ecosystem ?? hinted)),
    unmapped,
  };
}

function summarize(context: ImportContext, project: PolicyInput['projects'][number], ecosystemKnown: boolean): Record<string, boolean | number> {
  const { draft } = context;
  const count = (value: unknown) => (Array.isArray(value) ? value.length : value && typeof value === 'object' ? Object.keys(value).length : 0);
  return {
    contacts: draft.contacts.length + (draft.backup ? 1 : 0),
    securityAddresses: draft.securityAddresses.length,
    pgpKey: [...draft.contacts, ...(draft.backup ? [draft.backup] : [])].some((contact) => contact.pgpPublicKey !== undefined),
    reportingChannels: draft.reportingChannels.length,
    instructions: draft.instructions.length > 0,
    projectName: draft.name !== null,
    projectUrl: draft.url !== null,
    ecosystem: ecosystemKnown,
    supportedVersions: draft.supportedVersions.length,
    prereleases: draft.prereleases !== null,
    acknowledge: draft.timeline.acknowledge !== undefined,
    initialAssessment: draft.timeline.initialAssessment !== undefined,
    detailedResponse: draft.timeline.detailedResponse !== undefined,
    statusUpdate: draft.timeline.statusUpdate !== undefined,
    resolution: count(project.timeline?.resolution),
    embargoDays: draft.embargoDays !== null,
    severityLevels: draft.severityLevels.length,
    requiredFields: draft.requiredFields.length,
    attachmentsRefused: draft.attachmentsRefused,
    scopeIn: draft.scopeIn.length,
    scopeOut: draft.scopeOut.length,
    thirdParty: draft.thirdParty !== null,
    disclosureSteps: draft.steps.length,
    credit: draft.credit !== null,
    hallOfFame: draft.hallOfFame,
    cve: draft.cve !== null,
    advisoryChannels: draft.advisoryChannels.length,
    publicIssuesForbidden: draft.publicIssuesForbidden,
    waitForFix: draft.waitForFix,
    releaseTypes: count(project.releaseTypes),
  };
}
