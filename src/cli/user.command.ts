import { loadConfig } from '../config/config.js';
import { createContext } from '../bootstrap.js';
import { ALL_PROJECTS, ROLES, type Role } from '../modules/access/actor.js';
import { addUser } from '../modules/auth/user.service.js';
import type { Command } from './main.js';

export const userAddCommand: Command = {
  name: 'user add',
  summary: 'Create a team member, or give an existing one a role on a project',
  usage: 'user add --email E --role admin|maintainer|viewer [--project P] [--name N] --password-stdin',
  options: {
    email: { type: 'string', description: 'Email address used to sign in' },
    role: { type: 'string', description: 'admin, maintainer or viewer' },
    project: { type: 'string', description: 'Project slug; without it the role covers every project' },
    name: { type: 'string', description: 'Display name' },
    'password-stdin': { type: 'boolean', description: 'Read the password from standard input (required for a new user)' },
  } as Command['options'],
  async run({ values }, io) {
    const email = values.email;
    const role = values.role;
    if (typeof email !== 'string' || typeof role !== 'string') {
      io.err('embargo user add: --email and --role are required');
      return 2;
    }
    if (!ROLES.includes(role as Role)) {
      io.err(`embargo user add: --role must be one of ${ROLES.join(', ')}, got "${role}"`);
      return 2;
    }
    const password = values['password-stdin'] ? (await io.readStdin()).replace(/\r?\n$/, '') : null;
    const context = await createContext(loadConfig(), { purpose: 'embargo user add' });
    try {
      const result = await addUser(context, {
        email,
        role: role as Role,
        projectSlug: typeof values.project === 'string' ? values.project : ALL_PROJECTS,
        displayName: typeof values.name === 'string' ? values.name : null,
        password,
      });
      io.out(`${result.created ? 'Created' : 'Updated'} ${result.email}: ${role} on ${result.projectSlug === ALL_PROJECTS ? 'every project' : result.projectSlug}.`);
      return 0;
    } finally {
      await context.database.close();
    }
  },
};
