import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { findOutbox } from '../../src/modules/notifications/outbox.repository.js';
import { ADVISORY_POLICY, LONG_SESSIONS, completeAdvisory, createDraft, publish } from '../support/advisories.js';
import { bearer, createTestApp, type TestApp } from '../support/test-app.js';

type Person = { id: string; token: string };

describe('advisories: drafting, editing, publishing by hand', () => {
  let t: TestApp;
  let maintainer: Person;
  let viewer: Person;
  let betaMaintainer: Person;

  before(async () => {
    t = await createTestApp({ policyFile: ADVISORY_POLICY, settings: LONG_SESSIONS });
    maintainer = await t.user('maintainer', 'alpha');
    viewer = await t.user('viewer', 'alpha');
    betaMaintainer = await t.user('maintainer', 'beta');
  });
  after(() => t.close());

  const inject = (method: 'GET' | 'POST' | 'PATCH', url: string, token?: string, payload?: object) =>
    t.app.inject({ method, url, headers: token ? bearer(token) : {}, ...(payload ? { payload } : {}) });

  async function acceptedReport(project = 'alpha', credit?: object, state = 'triaged') {
    const body = { title: 'Zip slip in alpha.load()', description: 'Archive members with ../ escape', stepsToReproduce: 'load(evil.zip)', ...(credit ? { credit } : {}) };
    const report = (await inject('POST', `/api/v1/projects/${project}/reports`, undefined, body)).json() as { id: string; accessToken: string };
    for (const to of state === 'new' ? [] : ['acknowledged', 'triaged', ...(state === 'fix_in_progress' ? ['fix_in_progress'] : [])]) {
      const moved = await inject('POST', `/api/v1/reports/${report.id}/transitions`, maintainer.token, { to });
      assert.equal(moved.statusCode, 200, moved.body);
    }
    const patched = await inject('PATCH', `/api/v1/reports/${report.id}`, maintainer.token, { severity: 'high', cvss31: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:N/I:H/A:N' });
    assert.equal(patched.statusCode, 200, patched.body);
    return report;
  }

  it('drafts from an accepted report only, with triage data and the credit the reporter asked for', async () => {
    const fresh = await acceptedReport('alpha', undefined, 'new');
    const refused = await inject('POST', `/api/v1/reports/${fresh.id}/advisory`, maintainer.token, {});
    assert.equal(refused.statusCode, 409);
    assert.equal(refused.json().error.code, 'REPORT_NOT_ACCEPTED');

    const report = await acceptedReport('alpha', { type: 'handle', value: '@janedoe' });
    const created = await inject('POST', `/api/v1/reports/${report.id}/advisory`, maintainer.token, {});
    assert.equal(created.statusCode, 201, created.body);
    const draft = created.json();
    assert.match(draft.id, /^EMB-2026-\d{4}$/);
    assert.equal(draft.audience, 'team');
    assert.equal(draft.status, 'draft');
    assert.equal(draft.title, 'Zip slip in alpha.load()');
    assert.equal(draft.severity, 'high');
    assert.equal(draft.releaseType, 'minor', 'the policy maps high to a minor release');
    assert.equal(draft.cvss31.score, 6.5);
    assert.deepEqual(draft.credits, [{ name: '@janedoe', type: 'FINDER' }]);
    assert.deepEqual(draft.reports, [report.id]);
    assert.ok(draft.publicationProblems.some((problem: { field: string }) => problem.field === 'affected'));

    const again = await inject('POST', `/api/v1/reports/${report.id}/advisory`, maintainer.token, {});
    assert.equal(again.json().error.code, 'ADVISORY_EXISTS');
    const audit = await t.context.db.selectFrom('audit_events').select('action').where('stream', '=', `report:${report.id}`).execute();
    assert.ok(audit.some((event) => event.action === 'report.advisory_drafted'));

    // Even the title is a secret before publication: nothing readable is stored in clear.
    const row = await t.context.db.selectFrom('advisories').selectAll().where('public_id', '=', draft.id).executeTakeFirstOrThrow();
    assert.ok(!row.content_enc.includes('Zip slip'));
    assert.equal(row.public_doc, null);
  });

  it('keeps anonymous reporters anonymous, and follows a policy that credits no one by name', async () => {
    const anonymous = await acceptedReport('alpha', { type: 'anonymous' });
    const draft = (await inject('POST', `/api/v1/reports/${anonymous.id}/advisory`, maintainer.token, {})).json();
    assert.deepEqual(draft.credits, [{ name: null, type: 'FINDER' }]);
    const admin = await t.user('admin');
    const gamma = (await inject('POST', '/api/v1/projects/gamma/reports', undefined, { title: 'x', description: 'y', credit: { type: 'name', value: 'Erika' } })).json();
    for (const to of ['acknowledged', 'triaged']) await inject('POST', `/api/v1/reports/${gamma.id}/transitions`, admin.token, { to });
    const gammaDraft = (await inject('POST', `/api/v1/reports/${gamma.id}/advisory`, admin.token, {})).json();
    assert.deepEqual(gammaDraft.credits, [{ name: null, type: 'FINDER' }]);
    assert.match(gammaDraft.id, /^GAMMA-2026-0001$/, 'the default prefix is the slug in capitals');
  });

  it('numbers ids per prefix and year without gaps or repeats, even in parallel', async () => {
    const ids = await Promise.all(Array.from({ length: 6 }, (_, index) => createDraft(t, betaMaintainer.token, 'beta', { title: `Beta ${index}` }).then((draft) => draft.id)));
    assert.deepEqual([...ids].sort(), ['BETA-2026-0001', 'BETA-2026-0002', 'BETA-2026-0003', 'BETA-2026-0004', 'BETA-2026-0005', 'BETA-2026-0006']);
  });

  it('validates packages, versions in ecosystem order, CVSS and severity', async () => {
    const draft = await createDraft(t, maintainer.token, 'alpha', { title: 'Ordering' });
    const patch = (body: object) => inject('PATCH', `/api/v1/advisories/${draft.id}`, maintainer.token, body);
    const badVersion = await patch({ affected: [{ package: 'alpha', ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: 'banana' }] }] }] });
    assert.equal(badVersion.statusCode, 400);
    assert.equal(badVersion.json().error.fields[0].field, 'affected.0.ranges.0.events.1');
    const noStart = await patch({ affected: [{ package: 'alpha', ranges: [{ type: 'ECOSYSTEM', events: [{ fixed: '1.0' }] }] }] });
    assert.equal(noStart.json().error.fields[0].code, 'missing_introduced');
    const wrongPurl = await patch({ affected: [{ package: 'alpha', purl: 'pkg:npm/alpha', ranges: [] }] });
    assert.equal(wrongPurl.json().error.fields[0].field, 'affected.0.purl');
    const badCvss = await patch({ cvss31: 'CVSS:3.1/AV:N' });
    assert.equal(badCvss.json().error.code, 'INVALID_CVSS_VECTOR');
    const badSeverity = await patch({ severity: 'apocalyptic' });
    assert.equal(badSeverity.json().error.code, 'UNKNOWN_SEVERITY');
    const nul = await patch({ summary: 'before\u0000after', affected: [{ package: 'alpha', ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0\u0000' }] }] }] });
    assert.equal(nul.statusCode, 400, nul.body);
    assert.deepEqual(nul.json().error.fields.map((f: { field: string }) => f.field).sort(), ['affected.0.ranges.0.events.0.introduced', 'summary']);

    // PEP 440 order, not text order: 0.10 comes after 0.9, and 1.0rc1 before 1.0.
    const ok = await patch({
      affected: [
        { package: 'Alpha_Lib', ranges: [{ type: 'ECOSYSTEM', events: [{ fixed: '1.0' }, { introduced: '1.0rc1' }, { fixed: '0.10' }, { introduced: '0' }] }] },
        { ecosystem: 'npm', package: '@acme/widgets', ranges: [{ type: 'SEMVER', events: [{ fixed: '2.10.0' }, { introduced: '2.9.0' }] }] },
      ],
    });
    assert.equal(ok.statusCode, 200, ok.body);
    const [pypi, npm] = ok.json().affected;
    assert.equal(pypi.purl, 'pkg:pypi/alpha-lib');
    assert.deepEqual(pypi.ranges[0].events, [{ introduced: '0' }, { fixed: '0.10' }, { introduced: '1.0rc1' }, { fixed: '1.0' }]);
    assert.equal(npm.purl, 'pkg:npm/%40acme/widgets');
    assert.deepEqual(npm.ranges[0].events, [{ introduced: '2.9.0' }, { fixed: '2.10.0' }]);
  });

  it('lets the team see drafts and the confidential details; others see nothing, not even that it exists', async () => {
    const draft = await createDraft(t, maintainer.token, 'alpha', completeAdvisory());
    const asViewer = await inject('GET', `/api/v1/advisories/${draft.id}`, viewer.token);
    assert.equal(asViewer.statusCode, 200);
    assert.equal(asViewer.json().confidentialDetails, completeAdvisory().confidentialDetails);
    assert.equal(asViewer.json().abilities.publish, false);
    const missing = await inject('GET', '/api/v1/advisories/EMB-2026-9999');
    for (const token of [undefined, betaMaintainer.token]) {
      const response = await inject('GET', `/api/v1/advisories/${draft.id}`, token);
      assert.equal(response.statusCode, 404);
      assert.deepEqual(response.json(), missing.json(), 'a draft answers exactly like an id that does not exist');
    }
    const list = await inject('GET', '/api/v1/advisories', betaMaintainer.token);
    assert.ok(!list.json().items.some((item: { id: string }) => item.id === draft.id));
    const teamList = await inject('GET', '/api/v1/advisories?project=alpha&status=draft', viewer.token);
    assert.ok(teamList.json().items.some((item: { id: string }) => item.id === draft.id));
  });

  it('publishes by hand: maintainers only, complete drafts only, once', async () => {
    const report = await acceptedReport('alpha', { type: 'name', value: 'Jane Doe' }, 'fix_in_progress');
    const id = (await inject('POST', `/api/v1/reports/${report.id}/advisory`, maintainer.token, {})).json().id as string;
    assert.equal((await inject('POST', `/api/v1/advisories/${id}/publish`, viewer.token)).json().error.code, 'FORBIDDEN');
    assert.equal((await inject('POST', `/api/v1/advisories/${id}/publish`, betaMaintainer.token)).json().error.code, 'ADVISORY_NOT_FOUND');
    const incomplete = await inject('POST', `/api/v1/advisories/${id}/publish`, maintainer.token);
    assert.equal(incomplete.statusCode, 409);
    assert.equal(incomplete.json().error.code, 'ADVISORY_INCOMPLETE');
    const { title: _title, ...rest } = completeAdvisory();
    assert.equal((await inject('PATCH', `/api/v1/advisories/${id}`, maintainer.token, rest)).statusCode, 200);

    t.clock.advance(60_000);
    const published = await publish(t, maintainer.token, id);
    assert.equal(published.status, 'published');
    assert.equal(published.publishedAt, t.clock.now().toISOString());
    assert.deepEqual(published.revisions, [{ number: 1, date: t.clock.now().toISOString(), summary: 'Initial public release.' }]);
    const twice = await inject('POST', `/api/v1/advisories/${id}/publish`, maintainer.token);
    assert.equal(twice.json().error.code, 'INVALID_ADVISORY_STATE');

    const events = (await findOutbox(t.context.db, 'advisory.published')).filter((row) => (row.payload as { advisoryId: string }).advisoryId === id);
    assert.equal(events.length, 1);
    assert.equal((events[0]!.payload as { title: string }).title, 'Zip slip in alpha.load()');
    assert.ok(!JSON.stringify(events[0]!.payload).includes('CONFIDENTIAL'), 'event payloads are public facts only');

    // The linked report went fix_in_progress -> fixed -> disclosed through the triage transitions.
    const reportView = (await inject('GET', `/api/v1/reports/${report.id}`, report.accessToken)).json();
    assert.equal(reportView.state, 'disclosed');
    const transitions = await t.context.db.selectFrom('audit_events').select(['action', 'data', 'reason']).where('stream', '=', `report:${report.id}`).where('action', '=', 'report.transitioned').execute();
    assert.deepEqual(transitions.slice(-2).map((event) => (event.data as { to: string }).to), ['fixed', 'disclosed']);
    assert.equal(transitions.at(-1)!.reason, `Advisory ${id} was published.`);

    const anonymous = await inject('GET', `/api/v1/advisories/${id}`);
    assert.equal(anonymous.json().audience, 'public');
    assert.equal(anonymous.json().confidentialDetails, undefined);
    assert.ok(!anonymous.body.includes('CONFIDENTIAL'));
    assert.deepEqual(anonymous.json().credits, [{ name: 'Jane Doe', type: 'FINDER' }]);
  });

  it('revises a published advisory with history, and withdraws it', async () => {
    const draft = await createDraft(t, maintainer.token, 'alpha', completeAdvisory({ title: 'Revisable' }));
    const first = await publish(t, maintainer.token, draft.id);
    t.clock.advance(86_400_000);
    const url = `/api/v1/advisories/${draft.id}`;
    const confidentialOnly = await inject('PATCH', url, maintainer.token, { confidentialDetails: 'new internal note' });
    assert.equal(confidentialOnly.json().revisions.length, 1, 'a confidential edit is no public revision');
    assert.equal(confidentialOnly.json().modifiedAt, first.modifiedAt);
    const revised = await inject('PATCH', url, maintainer.token, { patchedVersions: ['0.4.3', '0.3.9'], revisionSummary: 'Backported the fix to 0.3.9.' });
    assert.equal(revised.statusCode, 200, revised.body);
    assert.equal(revised.json().modifiedAt, t.clock.now().toISOString());
    assert.deepEqual(revised.json().revisions.map((revision: { number: number; summary: string }) => [revision.number, revision.summary]), [
      [1, 'Initial public release.'],
      [2, 'Backported the fix to 0.3.9.'],
    ]);
    assert.deepEqual((await inject('GET', url)).json().patchedVersions, ['0.4.3', '0.3.9']);
    const history = await t.context.db.selectFrom('advisory_revisions').select(['number', 'document']).where('advisory_id', '=', (await t.context.db.selectFrom('advisories').select('id').where('public_id', '=', draft.id).executeTakeFirstOrThrow()).id).orderBy('number').execute();
    assert.deepEqual((history[0]!.document as { patchedVersions: string[] }).patchedVersions, ['0.4.3'], 'the first version is kept as it was');
    assert.equal((await inject('PATCH', url, maintainer.token, { embargo: { publishAt: '2030-01-01T00:00', timezone: 'UTC' } })).json().error.code, 'INVALID_ADVISORY_STATE');
    assert.equal((await inject('PATCH', url, maintainer.token, { affected: [] })).json().error.code, 'ADVISORY_INCOMPLETE');
    assert.equal((await findOutbox(t.context.db, 'advisory.updated')).filter((row) => (row.payload as { advisoryId: string }).advisoryId === draft.id).length, 1);

    assert.equal((await inject('POST', `${url}/withdraw`, viewer.token, { reason: 'x' })).json().error.code, 'FORBIDDEN');
    const withdrawn = await inject('POST', `${url}/withdraw`, maintainer.token, { reason: 'Not a vulnerability: the behaviour is documented.' });
    assert.equal(withdrawn.statusCode, 200, withdrawn.body);
    assert.equal(withdrawn.json().status, 'withdrawn');
    assert.equal(withdrawn.json().withdrawnAt, t.clock.now().toISOString());
    assert.equal(withdrawn.json().revisions.at(-1).summary, 'Withdrawn: Not a vulnerability: the behaviour is documented.');
    assert.equal((await inject('GET', url)).json().status, 'withdrawn', 'withdrawn advisories stay public, marked');
    assert.equal((await inject('GET', `/v1/vulns/x_${draft.id}`)).json().withdrawn, t.clock.now().toISOString().replace('.000Z', 'Z'));
    const query = await inject('POST', '/v1/query', undefined, { package: { name: 'alpha', ecosystem: 'PyPI' }, version: '0.4.0' });
    assert.ok(!(query.json().vulns ?? []).some((vuln: { id: string }) => vuln.id === `x_${draft.id}`), 'OSV queries leave withdrawn advisories out');
    assert.ok(!(await inject('GET', '/p/alpha/hall-of-fame')).body.includes(draft.id));
    assert.equal((await inject('POST', `${url}/withdraw`, maintainer.token, { reason: 'again' })).json().error.code, 'INVALID_ADVISORY_STATE');
    assert.equal((await inject('PATCH', url, maintainer.token, { summary: 'late edit' })).json().error.code, 'INVALID_ADVISORY_STATE');
    const draftWithdraw = await inject('POST', `/api/v1/advisories/${(await createDraft(t, maintainer.token, 'alpha', { title: 'd' })).id}/withdraw`, maintainer.token, { reason: 'x' });
    assert.equal(draftWithdraw.json().error.code, 'INVALID_ADVISORY_STATE');
  });
});
