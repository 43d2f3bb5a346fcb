import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { formatProblems, parsePolicy } from '../modules/policy/policy.loader.js';
import { main, type Io } from './main.js';

const dir = mkdtempSync(path.join(tmpdir(), 'embargo-policy-import-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const SECURITY_MD = [
  '# Security Policy',
  '',
  '## Supported Versions',
  '',
  '| Version | Supported          |',
  '| ------- | ------------------ |',
  '| 2.1.x   | :white_check_mark: |',
  '| < 2.0   | :x:                |',
  '',
  '## Reporting a Vulnerability',
  '',
  'Please email security@quill.example. Do NOT create a public GitHub issue.',
  'We will acknowledge your report within 48 hours.',
  '',
  'We love hearing from you.',
].join('\n');

function file(name: string, content: string): string {
  const target = path.join(dir, name);
  writeFileSync(target, content);
  return target;
}

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (text) => out.push(text), err: (text) => err.push(text), readStdin: async () => '' };
  const code = await main(args, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('embargo policy import', () => {
  it('prints a draft that loads, and lists the unmapped lines with their numbers on stderr', async () => {
    const source = file('SECURITY.md', SECURITY_MD);
    const { code, out, err } = await run(['policy', 'import', source]);
    assert.equal(code, 0, err);
    const parsed = parsePolicy(out, 'draft.yaml');
    if (!parsed.ok) assert.fail(formatProblems(parsed.problems));
    const project = parsed.policy.projects[0]!;
    assert.equal(project.contacts.primary.email, 'security@quill.example');
    assert.deepEqual(project.timeline.acknowledge, { amount: 48, unit: 'hours' });
    assert.deepEqual(project.supportedVersions.map((rule) => rule.versions), ['2.1.x', '< 2.0']);
    assert.match(err, new RegExp(`${source.replace(/[.\\]/g, '\\$&')}:15: We love hearing from you\\.`));
    assert.match(err, /Draft printed above: \d+ field\(s\) found, 1 line\(s\) of .* not mapped/);
  });

  it('uses --project, --name and --ecosystem', async () => {
    const source = file('SECURITY-options.md', SECURITY_MD);
    const { code, out } = await run(['policy', 'import', source, '--project', 'quill', '--name', 'Quill CSV', '--ecosystem', 'npm']);
    assert.equal(code, 0);
    const parsed = parsePolicy(out, 'draft.yaml');
    assert.ok(parsed.ok);
    assert.deepEqual(
      [parsed.policy.projects[0]!.slug, parsed.policy.projects[0]!.name, parsed.policy.projects[0]!.ecosystem],
      ['quill', 'Quill CSV', 'npm'],
    );
  });

  it('writes --out, refuses to overwrite it without --force, and overwrites it with --force', async () => {
    const source = file('SECURITY-out.md', SECURITY_MD);
    const target = path.join(dir, 'policy.yaml');
    const first = await run(['policy', 'import', source, '--out', target]);
    assert.equal(first.code, 0, first.err);
    assert.equal(first.out, '');
    assert.ok(parsePolicy(readFileSync(target, 'utf8'), target).ok);
    assert.match(first.err, /Draft written to .*policy\.yaml/);

    writeFileSync(target, 'keep me');
    const refused = await run(['policy', 'import', source, '--out', target]);
    assert.equal(refused.code, 1);
    assert.match(refused.err, /already exists; pass --force to overwrite it/);
    assert.equal(readFileSync(target, 'utf8'), 'keep me');

    const forced = await run(['policy', 'import', source, '--out', target, '--force']);
    assert.equal(forced.code, 0, forced.err);
    assert.ok(parsePolicy(readFileSync(target, 'utf8'), target).ok);
  });

  it('says prominently when no contact address was found', async () => {
    const source = file('SECURITY-tidelift.md', 'To report a security vulnerability, please use the [Tidelift security contact](https://tidelift.com/security).');
    const { code, out, err } = await run(['policy', 'import', source]);
    assert.equal(code, 0);
    assert.match(out, /NO CONTACT E-MAIL ADDRESS WAS FOUND/);
    assert.match(err, /NO CONTACT E-MAIL FOUND \(the file sends reporters to: Tidelift security contact\)/);
    assert.match(err, /will not load until you add one/);
    const parsed = parsePolicy(out, 'draft.yaml');
    assert.ok(!parsed.ok && parsed.problems.length === 1 && parsed.problems[0]!.path === 'projects[0].contacts.primary.email');
  });

  it('rejects a bad ecosystem, slug or lone --force, and a missing file', async () => {
    const source = file('SECURITY-bad.md', SECURITY_MD);
    const ecosystem = await run(['policy', 'import', source, '--ecosystem', 'pip']);
    assert.equal(ecosystem.code, 2);
    assert.match(ecosystem.err, /--ecosystem must be one of PyPI, npm/);
    const slug = await run(['policy', 'import', source, '--project', 'Not A Slug']);
    assert.equal(slug.code, 2);
    assert.match(slug.err, /--project must be a slug/);
    const force = await run(['policy', 'import', source, '--force']);
    assert.equal(force.code, 2);
    const missing = await run(['policy', 'import', path.join(dir, 'nope.md')]);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /cannot read .*nope\.md \(no such file\)/);
    assert.ok(!existsSync(path.join(dir, 'nope.md')));
  });

  it('needs exactly one file and shows its options with --help', async () => {
    assert.equal((await run(['policy', 'import'])).code, 2);
    const help = await run(['policy', 'import', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.out, /Usage: embargo policy import SECURITY\.md/);
    assert.match(help.out, /--force/);
  });
});
