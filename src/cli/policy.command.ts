import { formatProblems, loadPolicyFile } from '../modules/policy/policy.loader.js';
import type { Command } from './main.js';

export const policyCheckCommand: Command = {
  name: 'policy check',
  summary: 'Validate a policy file and print each problem as file:line:column',
  usage: 'policy check FILE',
  options: {},
  positionals: 1,
  async run({ positionals }, io) {
    const file = positionals[0]!;
    const result = await loadPolicyFile(file);
    if (!result.ok) {
      io.err(formatProblems(result.problems));
      io.err(`${result.problems.length} problem(s) in ${file}.`);
      return 1;
    }
    const slugs = result.policy.projects.map((project) => project.slug);
    io.out(`${file}: OK, ${slugs.length} project(s): ${slugs.join(', ')}`);
    return 0;
  },
};
