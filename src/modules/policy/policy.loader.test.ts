import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { formatProblems, loadPolicyFile, parsePolicy, type PolicyProblem } from './policy.loader.js';
import type { ProjectPolicy } from './policy.schema.js';

const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url));

async function loadExample(slug: string): Promise<ProjectPolicy> {
  const result = await loadPolicyFile(join(EXAMPLES, `${slug}.yaml`));
  if (!result.ok) assert.fail(formatProblems(result.problems));
  const project = result.policy.projects[0];
  assert.ok(project);
  assert.equal(project.slug, slug);
  return project;
}

/** The one problem a broken file reports. */
function problemOf(lines: string[]): PolicyProblem {
  const result = parsePolicy(lines.join('\n'), 'policy.yaml');
  if (result.ok) assert.fail('expected the policy to be rejected');
  assert.equal(result.problems.length, 1, formatProblems(result.problems));
  return result.problems[0]!;
}

// Line numbers in the tests below refer to this layout.
const HEAD = [
  'version: 1', //                 1
  'projects:', //                  2
  '  - slug: demo', //             3
  '    name: Demo', //             4
  '    ecosystem: PyPI', //        5
  '    contacts:', //              6
  '      primary:', //             7
  '        email: a@example.org', // 8
];

describe('examples', () => {
  it('every file in examples/ loads', async () => {
    const files = (await readdir(EXAMPLES)).filter((name) => name.endsWith('.yaml'));
    assert.ok(files.includes('embargo.yaml'));
    for (const name of files) {
      const result = await loadPolicyFile(join(EXAMPLES, name));
      assert.ok(result.ok, result.ok ? '' : formatProblems(result.problems));
    }
  });

  it('the demo uses the slug "demo" and returns a deeply frozen policy', async () => {
    const result = await loadPolicyFile(join(EXAMPLES, 'embargo.yaml'));
    assert.ok(result.ok);
    const project = result.policy.projects[0]!;
    assert.equal(project.slug, 'demo');
    assert.ok(Object.isFrozen(result.policy));
    assert.ok(Object.isFrozen(project.timeline.resolution));
    assert.ok(Object.isFrozen(project.severityLevels[0]));
    assert.throws(() => {
      (project.timeline as { timezone: string }).timezone = 'UTC';
    }, TypeError);
  });

  it('pyufunc (000): email channel, credit, and no deadlines it never promised', async () => {
    const project = await loadExample('pyufunc');
    assert.equal(project.contacts.primary.email, 'luoxiangyong01@gmail.com');
    assert.equal(project.timeline.acknowledge, undefined);
    assert.equal(project.timeline.statusUpdate, undefined);
    assert.equal(project.disclosure.credit, 'credit');
    assert.match(project.disclosure.steps.join('\n'), /keeps the reporter informed/);
  });

  it('pynomaly (001): versions, required fields, timelines, scope and hall of fame', async () => {
    const project = await loadExample('pynomaly');
    assert.equal(project.contacts.primary.email, 'security@pynomaly.org');
    assert.deepEqual(project.supportedVersions, [
      { versions: '0.4.x', supported: true },
      { versions: '0.3.x', supported: true },
      { versions: '< 0.3', supported: false },
    ]);
    assert.deepEqual(project.report.requiredFields, ['description', 'stepsToReproduce', 'impact', 'suggestedFix']);
    assert.deepEqual(project.timeline.acknowledge, { amount: 48, unit: 'hours' });
    assert.deepEqual(project.timeline.initialAssessment, { amount: 5, unit: 'businessDays' });
    assert.deepEqual(project.timeline.resolution, { critical: { amount: 14, unit: 'days' } });
    assert.equal(project.scope.in.length, 5);
    assert.ok(project.scope.in.includes('Official Docker images'));
    assert.equal(project.disclosure.hallOfFame, true);
  });

  it('openperformance (002): no public issues, 48 h / 7 days, CVEs and advisory channels', async () => {
    const project = await loadExample('openperformance');
    assert.equal(project.contacts.primary.email, 'security@llamasearch.ai');
    assert.deepEqual(project.supportedVersions, [
      { versions: '1.0.x', supported: true },
      { versions: '< 1.0', supported: false },
    ]);
    assert.equal(project.disclosure.publicIssuesAllowed, false);
    assert.equal(project.disclosure.waitForFix, true);
    assert.deepEqual(project.timeline.acknowledge, { amount: 48, unit: 'hours' });
    assert.deepEqual(project.timeline.statusUpdate, { amount: 7, unit: 'days' });
    assert.equal(project.disclosure.cve, 'significant');
    const channels = project.disclosure.advisoryChannels.join('\n');
    assert.match(channels, /GitHub/);
    assert.match(channels, /RSS/);
    assert.match(channels, /Email notifications for critical issues/);
    assert.ok(project.notes.some((note) => /JWT/.test(note) && /RBAC/.test(note)));
  });

  it('py10x (003): two contacts, 48 h / 1 week, severity definitions, disclosure, credit, release types', async () => {
    const project = await loadExample('py10x');
    assert.equal(project.contacts.primary.email, 'security@10xconcepts.com');
    assert.equal(project.contacts.backup?.email, 'founders@10x-software.org');
    assert.deepEqual(project.supportedVersions, [
      { versions: '0.1.x', supported: true },
      { versions: '< 0.1', supported: false },
    ]);
    assert.deepEqual(project.timeline.acknowledge, { amount: 48, unit: 'hours' });
    assert.deepEqual(project.timeline.initialAssessment, { amount: 7, unit: 'days' });
    assert.deepEqual(
      project.severityLevels.map((level) => level.id),
      ['critical', 'high', 'medium', 'low'],
    );
    assert.equal(project.severityLevels[0]?.definition, 'Remote code execution, authentication bypass');
    assert.ok(project.severityLevels.every((level) => level.definition));
    assert.equal(project.disclosure.steps.length, 5);
    assert.equal(project.disclosure.credit, 'credit');
    assert.equal(project.disclosure.publicIssuesAllowed, false);
    assert.deepEqual(project.releaseTypes, { critical: 'patch', high: 'patch', medium: 'minor' });
    assert.equal(project.disclosure.advisoryChannels.length, 3);
  });

  it('pykour (004): report in the email body, 48 h + 48 h, third parties, pre-releases, handler, steps', async () => {
    const project = await loadExample('pykour');
    assert.equal(project.report.attachments, 'refused');
    assert.match(project.report.instructions ?? '', /entirety of the report within the email body/);
    assert.deepEqual(project.timeline.acknowledge, { amount: 48, unit: 'hours' });
    assert.deepEqual(project.timeline.detailedResponse, { amount: 48, unit: 'hours' });
    assert.match(project.scope.thirdParty ?? '', /third-party module/);
    assert.equal(project.prereleases.fixesGuaranteed, false);
    assert.equal(project.primaryHandler, project.contacts.primary.email);
    assert.deepEqual(project.disclosure.steps.length, 4);
    assert.match(project.disclosure.steps[0] ?? '', /^Confirm the issue and determine the affected versions/);
  });
});

describe('parsePolicy', () => {
  it('accepts a minimal policy and fills in the defaults', () => {
    const result = parsePolicy(HEAD.join('\n'), 'policy.yaml');
    assert.ok(result.ok, result.ok ? '' : formatProblems(result.problems));
    const project = result.policy.projects[0]!;
    assert.equal(project.timeline.timezone, 'UTC');
    assert.deepEqual(project.timeline.warnBefore, { amount: 12, unit: 'hours' });
    assert.equal(project.disclosure.waitForFix, false);
    assert.equal(project.severityLevels.length, 4);
  });

  it('reports a bad duration at its value', () => {
    const problem = problemOf([...HEAD, '    timeline:', '      acknowledge: 48 hrs']);
    assert.deepEqual([problem.line, problem.column, problem.path], [10, 20, 'projects[0].timeline.acknowledge']);
    assert.match(problem.message, /expected a positive duration such as "48 hours".*got "48 hrs"/);
  });

  it('reports a misspelt key at the key and suggests the right one', () => {
    const problem = problemOf([...HEAD, '    timeline:', '      acknowlege: 48 hours']);
    assert.deepEqual([problem.line, problem.column, problem.path], [10, 7, 'projects[0].timeline.acknowlege']);
    assert.equal(problem.message, 'key "acknowlege" is not recognised; did you mean "acknowledge"?');
  });

  it('lists the keys allowed when an unknown key resembles none of them', () => {
    const problem = problemOf([...HEAD, '    colour: blue']);
    assert.deepEqual([problem.line, problem.column, problem.path], [9, 5, 'projects[0].colour']);
    assert.match(problem.message, /^key "colour" is not recognised; keys allowed here: slug, name, /);
  });

  it('lists the allowed values of an enum', () => {
    const lines = [...HEAD];
    lines[4] = '    ecosystem: pypi';
    const problem = problemOf(lines);
    assert.deepEqual([problem.line, problem.column, problem.path], [5, 16, 'projects[0].ecosystem']);
    assert.equal(
      problem.message,
      'expected one of "PyPI", "npm", "crates.io", "Go", "Maven", "generic", got "pypi"; did you mean "PyPI"?',
    );
  });

  it('reports a missing key at the key of the mapping that should hold it', () => {
    const lines = [...HEAD.slice(0, 7), '        name: Ada'];
    const problem = problemOf(lines);
    assert.deepEqual([problem.line, problem.column, problem.path], [7, 7, 'projects[0].contacts.primary.email']);
    assert.equal(problem.message, 'missing required key "email": expected an email address');
  });

  it('reports a missing key of a list item at the start of the item', () => {
    const lines = HEAD.filter((line) => !line.includes('name:'));
    const problem = problemOf(lines);
    assert.deepEqual([problem.line, problem.column, problem.path], [3, 5, 'projects[0].name']);
    assert.match(problem.message, /^missing required key "name": expected text/);
  });

  it('reports an empty value at its key', () => {
    const lines = [...HEAD];
    lines[3] = '    name:';
    const problem = problemOf(lines);
    assert.deepEqual([problem.line, problem.column, problem.path], [4, 5, 'projects[0].name']);
    assert.equal(problem.message, 'expected text, got an empty value');
  });

  it('reports YAML syntax errors with their position', () => {
    const lines = [...HEAD];
    lines[3] = '    name: Demo: the library';
    const problem = problemOf(lines);
    assert.deepEqual([problem.line, problem.column, problem.path], [4, 11, '']);
    assert.match(problem.message, /^invalid YAML: .*put a value that contains ": " in quotes/);
  });

  it('reports a duplicate key at its second occurrence', () => {
    const problem = problemOf([...HEAD, '    name: Again']);
    assert.deepEqual([problem.line, problem.column, problem.path], [9, 5, 'projects[0].name']);
    assert.equal(problem.message, 'duplicate key "name"; already set on line 4');
  });

  it('reports a duplicate project slug at the second project', () => {
    const problem = problemOf([...HEAD, ...HEAD.slice(2)]);
    assert.deepEqual([problem.line, problem.column, problem.path], [9, 11, 'projects[1].slug']);
    assert.equal(problem.message, 'duplicate project slug "demo"');
  });

  it('reports a resolution for an undeclared severity level at its key', () => {
    const problem = problemOf([...HEAD, '    timeline:', '      resolution:', '        urgent: 3 days']);
    assert.deepEqual([problem.line, problem.column, problem.path], [11, 9, 'projects[0].timeline.resolution.urgent']);
    assert.equal(problem.message, 'unknown severity level "urgent"; declared levels: critical, high, medium, low');
  });

  it('reports a release type for an undeclared severity level at its key', () => {
    const problem = problemOf([...HEAD, '    releaseTypes:', '      severe: patch']);
    assert.deepEqual([problem.line, problem.column, problem.path], [10, 7, 'projects[0].releaseTypes.severe']);
  });

  it('tells the author to quote version numbers that YAML reads as numbers', () => {
    const problem = problemOf([...HEAD, '    supportedVersions:', '      - versions: 1.0', '        supported: true']);
    assert.deepEqual([problem.line, problem.column], [10, 19]);
    assert.equal(problem.path, 'projects[0].supportedVersions[0].versions');
    assert.equal(problem.message, 'expected text, got the number 1; put it in quotes so YAML keeps it as written');
  });

  it('reports every problem, sorted by position', () => {
    const result = parsePolicy([...HEAD, '    timeline:', '      acknowledge: soon', '    colour: blue'].join('\n'), 'p.yaml');
    assert.ok(!result.ok);
    assert.deepEqual(
      result.problems.map((problem) => problem.line),
      [10, 11],
    );
  });

  it('rejects an empty file with what it should contain', () => {
    const problem = problemOf(['']);
    assert.deepEqual([problem.line, problem.column, problem.path], [1, 1, '']);
    assert.match(problem.message, /expected a mapping with the keys "version" and "projects"/);
  });

  it('reports an alias without an anchor at the alias', () => {
    const problem = problemOf([...HEAD, '    description: *nothing']);
    assert.deepEqual([problem.line, problem.column, problem.path], [9, 18, 'projects[0].description']);
    assert.equal(problem.message, 'alias "*nothing" refers to no anchor "&nothing" above it');
  });

  it('refuses a "__proto__" key', () => {
    const problem = problemOf([...HEAD, '    releaseTypes:', '      __proto__: patch']);
    assert.deepEqual([problem.line, problem.column, problem.path], [10, 7, 'projects[0].releaseTypes.__proto__']);
  });

  it('expands anchors and aliases', () => {
    const lines = [...HEAD.slice(0, 4), '    description: &text A library.', ...HEAD.slice(4), '    notes: [*text]'];
    const result = parsePolicy(lines.join('\n'), 'policy.yaml');
    assert.ok(result.ok, result.ok ? '' : formatProblems(result.problems));
    assert.deepEqual(result.policy.projects[0]?.notes, ['A library.']);
  });
});

describe('loadPolicyFile', () => {
  it('reports a missing file as a single problem', async () => {
    const result = await loadPolicyFile('/nonexistent/embargo.yaml');
    assert.ok(!result.ok);
    assert.deepEqual(result.problems, [
      { file: '/nonexistent/embargo.yaml', line: 1, column: 1, path: '', message: 'policy file not found' },
    ]);
  });
});

describe('formatProblems', () => {
  it('writes one file:line:column: path: message line per problem', () => {
    const text = formatProblems([
      { file: 'embargo.yaml', line: 10, column: 20, path: 'projects[0].timeline.acknowledge', message: 'expected a duration' },
      { file: 'embargo.yaml', line: 3, column: 1, path: '', message: 'invalid YAML: bad' },
    ]);
    assert.equal(
      text,
      'embargo.yaml:10:20: projects[0].timeline.acknowledge: expected a duration\nembargo.yaml:3:1: invalid YAML: bad',
    );
  });
});

describe('semantic checks', () => {
  it('reports a supported-versions pattern the ecosystem cannot read, at its position', () => {
    const text = [
      'version: 1',
      'projects:',
      '  - slug: lib',
      '    name: Lib',
      '    contacts: { primary: { email: a@example.org } }',
      '    ecosystem: PyPI',
      '    supportedVersions:',
      '      - { versions: "banana", supported: true }',
    ].join('\n');
    const result = parsePolicy(text, 'p.yaml');
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.equal(result.problems.length, 1);
    assert.equal(result.problems[0]!.path, 'projects[0].supportedVersions[0].versions');
    assert.equal(result.problems[0]!.line, 8);
    assert.match(result.problems[0]!.message, /not a PyPI version pattern/);
  });

  it('reports duplicate severity level ids', () => {
    const text = [
      'version: 1',
      'projects:',
      '  - slug: lib',
      '    name: Lib',
      '    contacts: { primary: { email: a@example.org } }',
      '    ecosystem: npm',
      '    severityLevels:',
      '      - { id: high, name: High }',
      '      - { id: high, name: Also high }',
    ].join('\n');
    const result = parsePolicy(text, 'p.yaml');
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.deepEqual(result.problems.map((p) => [p.path, p.line]), [['projects[0].severityLevels[1].id', 9]]);
  });
});
