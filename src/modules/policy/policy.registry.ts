import type { Policy, ProjectPolicy } from './policy.schema.js';

/** The loaded policy, indexed for the lookups every request makes. */
export type PolicyRegistry = {
  readonly policy: Policy;
  readonly projects: readonly ProjectPolicy[];
  findProject(slug: string): ProjectPolicy | undefined;
};

export function createPolicyRegistry(policy: Policy): PolicyRegistry {
  const bySlug = new Map(policy.projects.map((project) => [project.slug, project]));
  return {
    policy,
    projects: policy.projects,
    findProject: (slug) => bySlug.get(slug),
  };
}
