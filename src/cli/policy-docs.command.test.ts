import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { scoreSecurityPolicy } from '../modules/policy/securitymd/scorecard.js';
import { main, type Io } from './main.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURE_POLICY = path.join(repoRoot, 'test/fixtures/policy.yaml');
const REFERENCE = path.resolve(repoRoot, '../shared/reference-policies');
const reference = (prefix: string) => path.join(REFERENCE, readdirSync(REFERENCE).find((name) => name.startsWith(prefix))!);

function capture(stdin = ''): Io & { stdout(): string; stderr(): string } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out: (text) => void out.push(text),
    err: (text) => void err.push(text),
    readStdin: async () => stdin,
    stdout: () => out.join('\n'),
    stderr: () => err.join('\n'),
  };
}

describe('embargo policy render / policy lint', () => {
  const saved: Record<string, string | undefined> = {};
  let dir: string;
  before(() => {
    for (const name of ['EMBARGO_PUBLIC_URL', 'EMBARGO_CONFIG', 'EMBARGO_SETTINGS_FILE', 'EMBARGO_SECURITY_TXT_SIGNING_KEY']) saved[name] = process.env[name];
    process.env.EMBARGO_PUBLIC_URL = 'https://desk.example.org';
    process.env.EMBARGO_CONFIG = FIXTURE_POLICY;
    delete process.env.EMBARGO_SETTINGS_FILE;
    delete process.env.EMBARGO_SECURITY_TXT_SIGNING_KEY;
    dir = mkdtempSync(path.join(tmpdir(), 'embargo-policy-docs-'));
  });
  after(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists both commands in the usage, next to policy check', async () => {
    const io = capture();
    assert.equal(await main(['--help'], io), 0);
    assert.match(io.stdout(), /policy check/);
    assert.match(io.stdout(), /policy render/);
    assert.match(io.stdout(), /policy lint/);
  });

  it('still runs "policy check" through the two-word matcher', async () => {
    const io = capture();
    assert.equal(await main(['policy', 'check', FIXTURE_POLICY], io), 0);
    assert.match(io.stdout(), /OK, 2 project\(s\): alpha, beta/);
  });

  it('renders one project from a given policy file', async () => {
    const io = capture();
    const code = await main(['policy', 'render', '--format', 'security-md', '--file', path.join(repoRoot, 'examples/pyufunc.yaml')], io);
    assert.equal(code, 0, io.stderr());
    assert.match(io.stdout(), /^# Security Policy for pyufunc\n/);
    assert.ok(io.stdout().includes('<https://desk.example.org/p/pyufunc>'));
    assert.ok(!io.stdout().includes('==>'), 'a single document has no header');
    assert.equal(scoreSecurityPolicy(io.stdout()).score, 10);
  });

  it('renders every project of the configured policy, each after a header, or the one asked for', async () => {
    const all = capture();
    assert.equal(await main(['policy', 'render'], all), 0, all.stderr());
    assert.match(all.stdout(), /^==> alpha <==\n# Security Policy for Alpha\n/);
    assert.match(all.stdout(), /\n\n==> beta <==\n# Security Policy for Beta\n/);
    const one = capture();
    assert.equal(await main(['policy', 'render', '--project', 'beta'], one), 0, one.stderr());
    assert.match(one.stdout(), /^# Security Policy for Beta\n/);
    assert.ok(!one.stdout().includes('Alpha'));
  });

  it('renders the security.txt the desk publishes, pointing at the SECURITY.md', async () => {
    const io = capture();
    assert.equal(await main(['policy', 'render', '--format', 'security-txt', '--project', 'alpha'], io), 0, io.stderr());
    const lines = io.stdout().split('\n');
    assert.ok(lines.includes('Contact: https://desk.example.org/p/alpha'), io.stdout());
    assert.ok(lines.includes('Contact: mailto:security@alpha.example'));
    assert.ok(lines.includes('Policy: https://desk.example.org/p/alpha/SECURITY.md'));
    const expires = lines.find((line) => line.startsWith('Expires: '));
    assert.ok(expires && Date.parse(expires.slice('Expires: '.length)) > Date.now());
    const all = capture();
    assert.equal(await main(['policy', 'render', '--format', 'security-txt'], all), 0, all.stderr());
    assert.match(all.stdout(), /^==> alpha <==\n[\s\S]*\n==> beta <==\n/);
  });

  it('refuses an unknown project, an unknown format and a broken policy', async () => {
    const missing = capture();
    assert.equal(await main(['policy', 'render', '--project', 'nope'], missing), 1);
    assert.match(missing.stderr(), /no project "nope" .*alpha, beta/);
    const format = capture();
    assert.equal(await main(['policy', 'render', '--format', 'pdf'], format), 2);
    assert.match(format.stderr(), /unknown --format "pdf"/);
    const broken = path.join(dir, 'broken.yaml');
    writeFileSync(broken, 'version: 2\nprojects: []\n');
    const bad = capture();
    assert.equal(await main(['policy', 'render', '--file', broken], bad), 1);
    assert.match(bad.stderr(), /problem\(s\) in .*broken\.yaml/);
  });

  it('lints a complete policy: score 100, exit 0', async () => {
    const io = capture();
    assert.equal(await main(['policy', 'lint', reference('002')], io), 0);
    assert.match(io.stdout(), /score 100\/100 \(pass: 50 needed\)$/);
  });

  it('lints a policy without a channel: findings with file and line, exit 1', async () => {
    const io = capture();
    const file = reference('004');
    assert.equal(await main(['policy', 'lint', file], io), 1);
    assert.ok(io.stdout().includes(`${file}: error NO_PRIVATE_CHANNEL: `));
    assert.ok(io.stdout().includes('warning NO_SUPPORTED_VERSIONS'));
    assert.match(io.stdout(), /score \d+\/100 \(fail: 50 needed\)$/);
  });

  it('prints JSON and reads standard input with "-"', async () => {
    const io = capture('# Security\n\nMail sec@x.example about a vulnerability; we answer within 2 days.\n');
    const code = await main(['policy', 'lint', '--json', '-'], io);
    const result = JSON.parse(io.stdout());
    assert.equal(result.file, '-');
    assert.equal(result.passScore, 50);
    assert.equal(result.passed, code === 0);
    assert.ok(result.findings.some((finding: { code: string }) => finding.code === 'NO_SUPPORTED_VERSIONS'));
  });

  it('says so when the file cannot be read, and wants exactly one file', async () => {
    const io = capture();
    assert.equal(await main(['policy', 'lint', path.join(dir, 'missing.md')], io), 2);
    assert.match(io.stderr(), /cannot read/);
    assert.equal(await main(['policy', 'lint'], capture()), 2);
  });
});
