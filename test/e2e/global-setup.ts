import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as openpgp from 'openpgp';

import { E2E_PASSWORD, ROOT, USERS } from './support.js';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function policyYaml(publicKey: string): string {
  const indented = publicKey.trim().split('\n').map((line) => `          ${line}`).join('\n');
  return `version: 1
projects:
  - slug: alpha
    name: Alpha
    description: A small parsing library used by the browser tests.
    contacts:
      primary:
        name: Alpha Security
        email: security@alpha.example
        pgpPublicKey: |
${indented}
      backup: { email: backup@alpha.example }
    ecosystem: PyPI
    packages: [alpha]
    supportedVersions:
      - { versions: 0.4.x, supported: true }
      - { versions: 0.3.x, supported: true, note: Security fixes only. }
      - { versions: "< 0.3", supported: false }
    timeline:
      timezone: Europe/Berlin
      acknowledge: 48 hours
      initialAssessment: 5 business days
      detailedResponse: 48 hours
      statusUpdate: 7 days
      resolution:
        critical: 14 days
        high: 30 days
    report:
      requiredFields: [stepsToReproduce]
    scope:
      in: [The alpha package on PyPI]
      out: [Denial of service by very large inputs]
    severityLevels:
      - { id: critical, name: Critical, definition: Remote code execution or full compromise. }
      - { id: high, name: High, definition: Data exposure without user interaction. }
      - { id: medium, name: Medium }
      - { id: low, name: Low }
    releaseTypes: { critical: patch, high: patch, medium: minor }
    # A CNA, so the advisory page's CVE JSON 5 download has a record to give.
    advisories:
      cna: { orgId: 3f9d5c1e-6a4b-4c2d-9e8f-0a1b2c3d4e5f, shortName: alpha-e2e }
  - slug: beta
    name: Beta
    contacts:
      primary: { email: security@beta.example }
    ecosystem: npm
    packages: [beta]
    timeline:
      acknowledge: 3 days
`;
}

function seedUsers(env: NodeJS.ProcessEnv): void {
  const users = [
    { email: USERS.maintainer, role: 'maintainer', project: 'alpha', name: 'Mia Maintainer' },
    { email: USERS.outsider, role: 'maintainer', project: 'beta' },
    { email: USERS.twoFactor, role: 'viewer', project: 'alpha' },
  ];
  const input = JSON.stringify({ password: E2E_PASSWORD, users });
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/e2e/seed-users.ts')], { cwd: ROOT, env, input, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`adding the test users failed:\n${result.stdout}\n${result.stderr}`);
}

async function waitUntilReady(url: string, server: ReturnType<typeof spawn>, log: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`the Embargo server exited with ${server.exitCode}:\n${log()}`);
    try {
      const response = await fetch(`${url}/readyz`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the Embargo server did not become ready at ${url}:\n${log()}`);
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  if (!existsSync(path.join(ROOT, 'web/dist/index.html'))) throw new Error('web/dist is missing: run `npm run build` first (npm run test:e2e does).');
  const dir = mkdtempSync(path.join(tmpdir(), 'embargo-e2e-'));
  const { privateKey, publicKey } = await openpgp.generateKey({ type: 'curve25519', userIDs: [{ name: 'Alpha Security', email: 'security@alpha.example' }], format: 'armored' });
  writeFileSync(path.join(dir, 'policy.yaml'), policyYaml(publicKey));
  writeFileSync(path.join(dir, 'team-private-key.asc'), privateKey);

  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    EMBARGO_DATA_DIR: path.join(dir, 'data'),
    EMBARGO_CONFIG: path.join(dir, 'policy.yaml'),
    EMBARGO_PUBLIC_URL: baseUrl,
    EMBARGO_WEB_DIST: path.join(ROOT, 'web/dist'),
    EMBARGO_LOG_LEVEL: 'warn',
    EMBARGO_RATE_LIMIT_PER_MINUTE: '100000',
    EMBARGO_INTAKE_RATE_LIMIT_PER_MINUTE: '1000',
    EMBARGO_PRINCIPAL_RATE_LIMIT_PER_MINUTE: '100000',
  };
  // The embedded database admits one process: team members are added before the server starts.
  seedUsers(env);

  let output = '';
  const server = spawn(process.execPath, [path.join(ROOT, 'bin/embargo.js'), 'serve'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  server.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitUntilReady(baseUrl, server, () => output);

  process.env.E2E_BASE_URL = baseUrl;
  process.env.E2E_PRIVATE_KEY_FILE = path.join(dir, 'team-private-key.asc');

  return async () => {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    if (server.exitCode === null) server.kill('SIGKILL');
    if (process.env.E2E_KEEP_DIR === '1') console.log(`e2e data kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  };
}
