import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sweepAdvisoryPublications } from '../../src/modules/advisories/publication.js';
import { validateCnaContainer } from '../../src/modules/exports/cve5.js';
import { validateCsaf } from '../../src/modules/exports/csaf.validate.js';
import { validateCve5 } from '../../src/modules/exports/cve5.js';
import { validateOsv } from '../../src/modules/exports/osv.js';
import { findOutbox } from '../../src/modules/notifications/outbox.repository.js';
import { openDatabase } from '../../src/platform/db/database.js';
import { ADVISORY_POLICY, LONG_SESSIONS, NO_CORPUS, assertWellFormedXml, completeAdvisory, createDraft, publish, readZip } from '../support/advisories.js';
import { bearer, createTestApp, type TestApp } from '../support/test-app.js';
import { TEST_DB_KIND } from '../support/test-db.js';

type Person = { id: string; token: string };

// Title and details that must never be seen outside the team before publication.
const SECRET = 'EMBARGOED-7c1e';

describe('advisories: embargo, scheduled publication and the public surfaces', () => {
  let t: TestApp;
  let maintainer: Person;
  let betaMaintainer: Person;
  let reporter: { id: string; accessToken: string };
  let id: string;

  before(async () => {
    t = await createTestApp({ policyFile: ADVISORY_POLICY, settings: LONG_SESSIONS, now: '2026-03-02T09:00:00Z' });
    maintainer = await t.user('maintainer', 'alpha');
    betaMaintainer = await t.user('maintainer', 'beta');
  });
  after(() => t.close());

  const get = (url: string, token?: string) => t.app.inject({ method: 'GET', url, headers: token ? bearer(token) : {} });
  const post = (url: string, payload: object, token?: string) => t.app.inject({ method: 'POST', url, headers: token ? bearer(token) : {}, payload });

  /** Every public surface, as someone outside the team sees it. */
  async function surfaces(token?: string) {
    return {
      detail: await get(`/api/v1/advisories/${id}`, token),
      page: await get(`/p/alpha/advisories/${id}`, token),
      list: await get('/api/v1/advisories', token),
      projectList: await get('/p/alpha/advisories', token),
      atom: await get('/p/alpha/advisories.atom', token),
      rss: await get('/p/alpha/advisories.rss', token),
      allAtom: await get('/advisories.atom', token),
      allRss: await get('/advisories.rss', token),
      changelog: await get('/p/alpha/CHANGELOG.md', token),
      hallOfFame: await get('/p/alpha/hall-of-fame', token),
      allHallOfFame: await get('/api/v1/hall-of-fame', token),
      export: await get(`/api/v1/advisories/${id}/export?format=csaf`, token),
      osvIndex: await get('/osv/all.json', token),
      osvRecord: await get(`/osv/x_${id}.json`, token),
      osvVuln: await get(`/v1/vulns/x_${id}`, token),
      osvZip: await get('/osv/PyPI/all.zip', token),
      query: await post('/v1/query', { package: { name: 'alpha', ecosystem: 'PyPI' }, version: '0.4.2' }, token),
      batch: await post('/v1/querybatch', { queries: [{ package: { purl: 'pkg:pypi/alpha@0.4.0' } }] }, token),
      csafMetadata: await get('/.well-known/csaf/provider-metadata.json', token),
      csafIndex: await get('/.well-known/csaf/white/index.txt', token),
      csafChanges: await get('/.well-known/csaf/white/changes.csv', token),
      csafFile: await get(`/.well-known/csaf/white/2026/${id.toLowerCase()}.json`, token),
    };
  }

  it('drafts with a reporter credit and schedules publication in an explicit zone', async () => {
    const report = (await post('/api/v1/projects/alpha/reports', { title: SECRET, description: 'd', stepsToReproduce: 's', credit: { type: 'name', value: 'Jane <Doe> & Co' } })).json();
    reporter = report;
    for (const to of ['acknowledged', 'triaged', 'fix_in_progress', 'fixed']) assert.equal((await post(`/api/v1/reports/${report.id}/transitions`, { to }, maintainer.token)).statusCode, 200);
    const created = await post(`/api/v1/reports/${report.id}/advisory`, completeAdvisory({ title: `${SECRET} <script>alert("x")</script> & more`, cveId: 'CVE-2026-31337' }), maintainer.token);
    assert.equal(created.statusCode, 201, created.body);
    id = created.json().id;

    const url = `/api/v1/advisories/${id}`;
    const past = await t.app.inject({ method: 'PATCH', url, headers: bearer(maintainer.token), payload: { embargo: { publishAt: '2026-03-01T10:00', timezone: 'Europe/Berlin' } } });
    assert.equal(past.json().error.fields[0].code, 'in_the_past');
    const badZone = await t.app.inject({ method: 'PATCH', url, headers: bearer(maintainer.token), payload: { embargo: { publishAt: '2026-03-10T14:00', timezone: 'Mars/Olympus' } } });
    assert.equal(badZone.json().error.fields[0].code, 'invalid_timezone');
    const gap = await t.app.inject({ method: 'PATCH', url, headers: bearer(maintainer.token), payload: { embargo: { publishAt: '2026-03-29T02:30', timezone: 'Europe/Berlin' } } });
    assert.equal(gap.json().error.fields[0].code, 'nonexistent_time', '02:30 does not exist in Berlin on the day clocks go forward');
    const scheduled = await t.app.inject({ method: 'PATCH', url, headers: bearer(maintainer.token), payload: { embargo: { publishAt: '2026-03-10T14:00', timezone: 'Europe/Berlin' } } });
    assert.equal(scheduled.statusCode, 200, scheduled.body);
    assert.equal(scheduled.json().status, 'scheduled');
    assert.deepEqual(scheduled.json().embargo, {
      publishAt: '2026-03-10T13:00:00.000Z',
      timezone: 'Europe/Berlin',
      local: '2026-03-10T14:00:00+01:00',
      display: 'Tue 10 Mar 2026, 14:00 CET (Europe/Berlin) = 13:00 UTC',
    });
    const emptied = await t.app.inject({ method: 'PATCH', url, headers: bearer(maintainer.token), payload: { affected: [] } });
    assert.equal(emptied.json().error.code, 'ADVISORY_INCOMPLETE', 'a scheduled advisory must stay publishable');
  });

  it('shows nothing of the embargoed advisory outside the team, on any surface', async () => {
    for (const token of [undefined, betaMaintainer.token, reporter.accessToken]) {
      const answers = await surfaces(token);
      for (const [name, response] of Object.entries(answers)) {
        assert.ok(!response.body.includes(SECRET) && !response.body.includes(id), `${name} mentions the embargoed advisory: ${response.body.slice(0, 200)}`);
      }
      for (const name of ['detail', 'page', 'export', 'osvRecord', 'osvVuln', 'csafFile'] as const) assert.equal(answers[name].statusCode, 404, name);
      assert.deepEqual(answers.query.json(), {});
      assert.deepEqual(answers.batch.json(), { results: [{}] });
      assert.equal(readZip(answers.osvZip.rawPayload).size, 0);
      assert.equal(answers.csafIndex.body, '');
    }
    // The team sees the draft, and can preview its exports.
    const preview = await get(`/api/v1/advisories/${id}/export?format=osv`, maintainer.token);
    assert.equal(preview.statusCode, NO_CORPUS ? 500 : 200, preview.body);
  });

  it('is published by the scheduler at the embargo moment, exactly once across instances', async () => {
    t.clock.set('2026-03-10T12:59:59Z');
    assert.deepEqual(await sweepAdvisoryPublications(t.context), { published: 0, failed: 0 });
    assert.equal((await get(`/api/v1/advisories/${id}`)).statusCode, 404);

    t.clock.set('2026-03-10T13:00:00Z');
    // A second pool stands for a second server process (on PGlite one handle, serialized by the driver).
    const url = (t.database as { url?: string | null }).url ?? null;
    const second = TEST_DB_KIND === 'postgres' && url ? await openDatabase({ kind: 'postgres', url, poolSize: 4 }) : null;
    try {
      const other = { ...t.context, db: second?.db ?? t.context.db };
      const results = await Promise.all([sweepAdvisoryPublications(t.context), sweepAdvisoryPublications(other), sweepAdvisoryPublications(t.context), sweepAdvisoryPublications(other)]);
      assert.equal(results.reduce((sum, result) => sum + result.published, 0), 1);
      assert.equal(results.reduce((sum, result) => sum + result.failed, 0), 0);
    } finally {
      await second?.close();
    }
    assert.deepEqual(await sweepAdvisoryPublications(t.context), { published: 0, failed: 0 });
    const events = (await findOutbox(t.context.db, 'advisory.published')).filter((row) => (row.payload as { advisoryId: string }).advisoryId === id);
    assert.equal(events.length, 1);
    const audit = await t.context.db.selectFrom('audit_events').select(['action', 'actor_type']).where('action', '=', 'advisory.published').execute();
    assert.deepEqual(audit, [{ action: 'advisory.published', actor_type: 'system' }]);
    const view = (await get(`/api/v1/advisories/${id}`)).json();
    assert.equal(view.publishedAt, '2026-03-10T13:00:00.000Z');
    assert.equal((await get(`/api/v1/reports/${reporter.id}`, reporter.accessToken)).json().state, 'disclosed');
  });

  it('shows the published advisory on every public surface, escaped', async () => {
    const answers = await surfaces();
    for (const name of ['detail', 'page', 'projectList', 'changelog', 'hallOfFame', 'export', 'osvRecord', 'osvVuln', 'csafFile'] as const) {
      assert.equal(answers[name].statusCode, 200, `${name}: ${answers[name].body.slice(0, 300)}`);
      assert.ok(!answers[name].body.includes('CONFIDENTIAL'), `${name} leaks the confidential details`);
    }
    for (const name of ['atom', 'rss', 'allAtom', 'allRss'] as const) {
      assert.match(answers[name].headers['content-type'] as string, name.endsWith('tom') || name === 'atom' ? /atom\+xml/ : /rss\+xml/);
      assertWellFormedXml(answers[name].body);
      assert.ok(answers[name].body.includes(id), `${name} lists the advisory`);
      assert.ok(answers[name].body.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more'), `${name} escapes the title`);
    }
    assert.ok(answers.projectList.json().items.some((item: { id: string }) => item.id === id));
    assert.ok(answers.list.json().items.some((item: { id: string; embargo: unknown }) => item.id === id && item.embargo === null));

    const changelog = answers.changelog;
    assert.match(changelog.headers['content-type'] as string, /^text\/markdown/);
    assert.equal(changelog.headers['content-disposition'], 'attachment; filename="CHANGELOG.md"');
    assert.ok(changelog.body.startsWith('# Security changelog: Alpha\n'));
    for (const line of [`## ${id}: ${SECRET} &lt;script&gt;`, '- Severity: High', '- Release type: minor', '- Fixed in: 0.4.3, a minor release', '- CVE: CVE-2026-31337', '- Affected: `alpha` (PyPI) < 0.4.3', '- Credit: Jane &lt;Doe&gt; & Co (finder)']) {
      assert.ok(changelog.body.includes(line), `CHANGELOG lacks "${line}":\n${changelog.body}`);
    }
    const fame = answers.hallOfFame.json();
    assert.deepEqual(fame.entries.map((entry: { name: string }) => entry.name), ['Jane <Doe> & Co']);
    assert.equal(fame.entries[0].advisories[0].id, id);
    assert.equal(answers.allHallOfFame.json().entries[0].name, 'Jane <Doe> & Co');
    assert.equal((await get('/p/gamma/hall-of-fame')).statusCode, 404, "gamma's policy has no hall of fame");

    assert.deepEqual(answers.osvIndex.json(), [{ id: `x_${id}`, modified: '2026-03-10T13:00:00Z' }]);
    const zip = readZip(answers.osvZip.rawPayload);
    assert.deepEqual([...zip.keys()], [`x_${id}.json`]);
    assert.equal(JSON.parse(zip.get(`x_${id}.json`)!.toString('utf8')).id, `x_${id}`);
    assert.equal(answers.query.json().vulns[0].id, `x_${id}`);
    assert.deepEqual(answers.batch.json(), { results: [{ vulns: [{ id: `x_${id}`, modified: '2026-03-10T13:00:00Z' }] }] });
    assert.equal(answers.csafIndex.body, `2026/${id.toLowerCase()}.json\n`);
    assert.equal(answers.csafChanges.body, `"2026/${id.toLowerCase()}.json","2026-03-10T13:00:00Z"\n`);
  });

  it('exports valid OSV, CVE JSON 5 and CSAF documents, without confidential details', { skip: NO_CORPUS }, async () => {
    const exported: Record<string, unknown> = {};
    for (const format of ['osv', 'cve5', 'csaf'] as const) {
      const response = await get(`/api/v1/advisories/${id}/export?format=${format}`);
      assert.equal(response.statusCode, 200, response.body);
      assert.ok(!response.body.includes('CONFIDENTIAL'));
      exported[format] = response.json();
    }
    assert.deepEqual(validateOsv(exported.osv).errors, []);
    assert.deepEqual(validateCve5(exported.cve5).errors, []);
    assert.deepEqual(validateCnaContainer((exported.cve5 as { containers: { cna: unknown } }).containers.cna).errors, []);
    assert.deepEqual((await validateCsaf(exported.csaf)).errors, []);
    const hash = await get(`/.well-known/csaf/white/2026/${id.toLowerCase()}.json.sha256`);
    const file = await get(`/.well-known/csaf/white/2026/${id.toLowerCase()}.json`);
    const { createHash } = await import('node:crypto');
    assert.equal(hash.body, `${createHash('sha256').update(file.body).digest('hex')}  ${id.toLowerCase()}.json\n`);
  });

  it('refuses a CVE record without a CVE id, with a code of its own', async () => {
    const draft = await createDraft(t, maintainer.token, 'alpha', completeAdvisory({ title: 'No CVE yet' }));
    const response = await get(`/api/v1/advisories/${draft.id}/export?format=cve5`, maintainer.token);
    assert.equal(response.statusCode, 409);
    assert.equal(response.json().error.code, 'CVE_ID_REQUIRED');
    const beta = await createDraft(t, betaMaintainer.token, 'beta', { title: 'b', cveId: 'CVE-2026-40001' });
    const noCna = await get(`/api/v1/advisories/${beta.id}/export?format=cve5`, betaMaintainer.token);
    assert.equal(noCna.json().error.code, 'CNA_NOT_CONFIGURED');
    const generic = await createDraft(t, betaMaintainer.token, 'beta', { title: 'g', affected: [{ ecosystem: 'generic', package: 'appliance', versions: ['7.1'] }] });
    assert.equal((await get(`/api/v1/advisories/${generic.id}/export?format=osv`, betaMaintainer.token)).json().error.code, 'EXPORT_NOT_EXPRESSIBLE');
    assert.equal((await get(`/api/v1/advisories/${generic.id}/export?format=osv`)).statusCode, 404);
  });

  it('lists the newest first and pages with a cursor', async () => {
    for (const title of ['Second', 'Third']) {
      t.clock.advance(3_600_000);
      await publish(t, maintainer.token, (await createDraft(t, maintainer.token, 'alpha', completeAdvisory({ title }))).id);
    }
    const first = (await get('/api/v1/advisories?limit=2')).json();
    assert.deepEqual(first.items.map((item: { title: string }) => item.title), ['Third', 'Second']);
    const second = (await get(`/api/v1/advisories?limit=2&cursor=${first.nextCursor}`)).json();
    assert.equal(second.items[0].id, id);
    assert.equal(second.nextCursor, null);
    assert.equal((await get('/api/v1/advisories?cursor=bogus')).json().error.code, 'INVALID_CURSOR');
    const atom = (await get('/advisories.atom')).body;
    assert.ok(atom.indexOf('Third') < atom.indexOf('Second'), 'feeds are newest first');
  });
});
