// Adds the browser tests' team members in one process (the embedded database admits one process at a
// time, so this runs before the server starts). Same code path as `embargo user add`.
// Usage: node --import tsx test/e2e/seed-users.ts < users.json   ([{ email, role, project, name? }]; password on the first line)
import { createContext } from '../../src/bootstrap.js';
import { loadConfig } from '../../src/config/config.js';
import type { Role } from '../../src/modules/access/actor.js';
import { addUser } from '../../src/modules/auth/user.service.js';

const chunks: Buffer[] = [];
for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
const { password, users } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { password: string; users: { email: string; role: Role; project: string; name?: string }[] };
const context = await createContext(loadConfig(), { purpose: 'e2e seed' });
try {
  for (const user of users) {
    await addUser(context, { email: user.email, role: user.role, projectSlug: user.project, displayName: user.name ?? null, password });
  }
} finally {
  await context.database.close();
}
