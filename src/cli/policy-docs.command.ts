import { readFile } from 'node:fs/promises';
import { loadConfig, type Config } from '../config/config.js';
import { formatProblems, loadPolicyFile } from '../modules/policy/policy.loader.js';
import { createPolicyRegistry } from '../modules/policy/policy.registry.js';
import type { Policy, ProjectPolicy } from '../modules/policy/policy.schema.js';
import { LINT_PASS_SCORE, lintSecurityMd, type LintFinding } from '../modules/policy/securitymd/securitymd.lint.js';
import { renderSecurityMd } from '../modules/policy/securitymd/securitymd.render.js';
import { createSecurityTxtPublisher } from '../modules/policy/securitytxt/securitytxt.render.js';
import { systemClock } from '../platform/clock.js';
import type { Command } from './main.js';

type Render = (project: ProjectPolicy) => Promise<string>;

const FORMATS: Record<string, (config: Config, policy: Policy) => Promise<Render>> = {
  'security-md': async (config) => async (project) => renderSecurityMd(project, { publicUrl: config.publicUrl }),
  // Exactly the file the server publishes today: Expires counted from now, signed when
  // EMBARGO_SECURITY_TXT_SIGNING_KEY (config.securityTxtSigningKey) is set.
  'security-txt': async (config, policy) => {
    const publisher = await createSecurityTxtPublisher({ config, clock: systemClock, policies: createPolicyRegistry(policy) });
    return (project) => publisher.projectFile(project);
  },
};

export const policyRenderCommand: Command = {
  name: 'policy render',
  summary: 'Print the SECURITY.md or security.txt of one project, or of every project, from the policy file',
  usage: `policy render [--format ${Object.keys(FORMATS).join('|')}] [--project SLUG] [--file POLICY]`,
  options: {
    format: { type: 'string', description: `Document to render: ${Object.keys(FORMATS).join(', ')} (default security-md)` },
    project: { type: 'string', description: 'Project slug; without it every project is printed, each after a "==> slug <==" line' },
    file: { type: 'string', description: 'Policy file (default: the configured one, EMBARGO_CONFIG)' },
  } as Command['options'],
  async run({ values }, io) {
    const format = typeof values.format === 'string' ? values.format : 'security-md';
    const renderer = FORMATS[format];
    if (!renderer) {
      io.err(`embargo policy render: unknown --format "${format}"; expected ${Object.keys(FORMATS).join(' or ')}`);
      return 2;
    }
    const config = loadConfig();
    const file = typeof values.file === 'string' ? values.file : config.policyFile;
    const result = await loadPolicyFile(file);
    if (!result.ok) {
      io.err(formatProblems(result.problems));
      io.err(`${result.problems.length} problem(s) in ${file}; fix them (embargo policy check ${file}) and render again.`);
      return 1;
    }
    const { projects } = result.policy;
    const wanted = typeof values.project === 'string' ? projects.filter((project) => project.slug === values.project) : projects;
    if (wanted.length === 0) {
      io.err(`embargo policy render: no project "${String(values.project)}" in ${file}; its projects are ${projects.map((project) => project.slug).join(', ')}`);
      return 1;
    }
    const render = await renderer(config, result.policy);
    for (const [index, project] of wanted.entries()) {
      const text = await render(project);
      // Several documents go to one stream: mark where each begins, as head(1) does for several files.
      if (wanted.length > 1) io.out(`${index > 0 ? '\n' : ''}==> ${project.slug} <==`);
      io.out(text.replace(/\n$/, ''));
    }
    return 0;
  },
};

function formatFinding(file: string, finding: LintFinding): string {
  return `${file}${finding.line === undefined ? '' : `:${finding.line}`}: ${finding.severity} ${finding.code}: ${finding.message}`;
}

export const policyLintCommand: Command = {
  name: 'policy lint',
  summary: `Check a SECURITY.md for what a reporter would miss; exit 0 when it scores ${LINT_PASS_SCORE}/100 or more, else 1`,
  usage: 'policy lint [--json] FILE   (FILE "-" reads standard input)',
  options: {
    json: { type: 'boolean', description: 'Print the findings and score as JSON' },
  } as Command['options'],
  positionals: 1,
  async run({ values, positionals }, io) {
    const file = positionals[0]!;
    let text: string;
    try {
      // eslint-disable-next-line security/detect-non-literal-fs-filename -- FILE is the command-line argument of the operator running the CLI
      text = file === '-' ? await io.readStdin() : await readFile(file, 'utf8');
    } catch (error) {
      io.err(`embargo policy lint: cannot read ${file} (${(error as Error).message})`);
      return 2;
    }
    const result = lintSecurityMd(text, { now: systemClock.now() });
    const passed = result.score >= LINT_PASS_SCORE;
    if (values.json) {
      io.out(JSON.stringify({ file, score: result.score, passed, passScore: LINT_PASS_SCORE, findings: result.findings }, null, 2));
    } else {
      for (const finding of result.findings) io.out(formatFinding(file, finding));
      io.out(`${file}: score ${result.score}/100 (${passed ? 'pass' : 'fail'}: ${LINT_PASS_SCORE} needed)`);
    }
    return passed ? 0 : 1;
  },
};
