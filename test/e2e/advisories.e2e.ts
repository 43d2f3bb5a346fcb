import { expect, request as apiRequest, test, type Browser, type Page } from '@playwright/test';
import { XSS_PAYLOADS } from '../../src/platform/text/test-support/xss-payloads.js';
import { baseUrl, E2E_PASSWORD, expectAccessible, expectNoHorizontalScroll, screenshot, USERS, watchConsole } from './support.js';

/**
 * The public side of disclosure: a maintainer publishes advisories through the API (one credited by
 * handle, one drafted from a report whose reporter asked to stay anonymous, one withdrawn, one full of
 * markup that must stay text, one still under embargo), and the browser reads the advisory page, the
 * lists with their feeds, and the halls of fame. An embargoed or unknown advisory is a "page not found"
 * that names nothing, also for a signed-in team member.
 */
test.describe.configure({ mode: 'serial' });

let consoleProblems: string[] = [];
test.beforeEach(({ page }) => {
  consoleProblems = watchConsole(page);
});
test.afterEach(() => {
  expect(consoleProblems, 'no CSP violations or page errors').toEqual([]);
});

const NAMED = {
  title: 'Zip slip in archive extraction',
  cveId: 'CVE-2026-31337',
  summary: 'Extracting a crafted archive writes files **outside** the target directory. Upgrade to `0.4.3`.',
  details: [
    '# Impact',
    '',
    'An attacker who controls an archive can overwrite any file the process may write, for example:',
    '',
    '- `~/.bashrc`',
    '- files under `/etc` when run as root',
    '',
    '```python',
    'alpha.extract("evil.tar", "out")  # writes ../../etc/cron.d/x',
    '```',
    '',
    'See the [fix](https://github.com/alpha/alpha/pull/42) for details.',
  ].join('\n'),
  severity: 'high',
  cvss31: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:N',
  cwes: ['CWE-22'],
  affected: [{ package: 'alpha', ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0.2.0' }, { fixed: '0.4.3' }] }] }],
  patchedVersions: ['0.4.3'],
  references: [{ type: 'FIX', url: 'https://github.com/alpha/alpha/pull/42' }],
  credits: [
    { name: '@zipslip-finder', type: 'FINDER' },
    { name: 'Mia Maintainer', type: 'REMEDIATION_DEVELOPER' },
  ],
};
// A NUL character cannot be stored in a published document (jsonb): publishing answers 400, so that payload stays out.
const PUBLISHABLE_PAYLOADS = XSS_PAYLOADS.filter((payload) => !/\u0000/.test(payload));
const ANONYMOUS_REPORTER_EMAIL = 'quiet-reporter@example.net';
const EMBARGOED_TITLE = 'Heap overflow in the streaming decoder';

type Seeded = { named: { id: string; publishedAt: string }; anonymous: string; withdrawn: string; markup: string; embargoed: string };
let seeded: Promise<Seeded> | undefined;

/** Publishes the advisories once per run, through the same API the team desk uses. */
function seedAdvisories(): Promise<Seeded> {
  seeded ??= (async () => {
    const api = await apiRequest.newContext({ baseURL: baseUrl() });
    const login = await api.post('/api/v1/auth/login', { data: { email: USERS.maintainer, password: E2E_PASSWORD } });
    expect(login.status(), await login.text()).toBe(200);
    const headers = { authorization: `Bearer ${(await login.json()).accessToken}` };
    const call = async (method: 'POST' | 'PATCH', url: string, data?: object) => {
      const response = await api.fetch(url, { method, headers, ...(data ? { data } : {}) });
      expect(response.status(), `${method} ${url}: ${await response.text()}`).toBeLessThan(300);
      return response.json();
    };
    const affected = [{ package: 'alpha', ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '0.4.2' }] }] }];

    const named = await call('POST', '/api/v1/projects/alpha/advisories', NAMED);
    const published = await call('POST', `/api/v1/advisories/${named.id}/publish`);

    // The reporter asked to stay anonymous: the advisory drafted from the report credits them without a name.
    // (From a context of its own: the reporter has no account, and the maintainer's session cookie would ask for CSRF.)
    const reporter = await apiRequest.newContext({ baseURL: baseUrl() });
    const report = await reporter.post('/api/v1/projects/alpha/reports', {
      data: { title: 'Timing side channel in token check', description: 'compare() returns early.', stepsToReproduce: 'Time 10^6 guesses.', credit: { type: 'anonymous' }, contactEmail: ANONYMOUS_REPORTER_EMAIL },
    });
    expect(report.status(), await report.text()).toBe(201);
    const reportId = (await report.json()).id as string;
    await reporter.dispose();
    await call('POST', `/api/v1/reports/${reportId}/transitions`, { to: 'triaged' });
    const anonymous = await call('POST', `/api/v1/reports/${reportId}/advisory`, { title: 'Timing side channel in token comparison', summary: 'Tokens are compared in variable time.', severity: 'medium', affected });
    await call('POST', `/api/v1/advisories/${anonymous.id}/publish`);

    const withdrawn = await call('POST', '/api/v1/projects/alpha/advisories', { title: 'Sandbox escape in template loader', summary: 'Templates could read files.', affected, credits: [{ name: '@withdrawn-finder', type: 'FINDER' }] });
    await call('POST', `/api/v1/advisories/${withdrawn.id}/publish`);
    await call('POST', `/api/v1/advisories/${withdrawn.id}/withdraw`, { reason: 'The loader runs sandboxed; not exploitable' });

    const markup = await call('POST', '/api/v1/projects/alpha/advisories', { title: '<img src=x onerror=alert(1)> in titles', summary: 'Markup must stay text.', details: PUBLISHABLE_PAYLOADS.join('\n\n'), affected });
    await call('POST', `/api/v1/advisories/${markup.id}/publish`);

    const embargoed = await call('POST', '/api/v1/projects/alpha/advisories', { title: EMBARGOED_TITLE, summary: 'Not public yet.', affected, credits: [{ name: '@embargo-finder', type: 'FINDER' }], embargo: { publishAt: '2031-06-01T09:00', timezone: 'Europe/Berlin' } });
    expect(embargoed.status).toBe('scheduled');
    await api.dispose();
    return { named: { id: named.id, publishedAt: published.publishedAt }, anonymous: anonymous.id, withdrawn: withdrawn.id, markup: markup.id, embargoed: embargoed.id };
  })();
  return seeded;
}

const utcText = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

async function newPage(browser: Browser, options: { viewport?: { width: number; height: number }; timezoneId?: string } = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 900 }, ...(options.timezoneId ? { timezoneId: options.timezoneId } : {}) });
  const page = await context.newPage();
  consoleProblems = watchConsole(page);
  return page;
}

test('advisory page: from the policy page to a published advisory with its facts, dates, credits and downloads', async ({ browser, request }) => {
  const { named } = await seedAdvisories();
  const page = await newPage(browser, { timezoneId: 'America/New_York' });
  await page.goto(`${baseUrl()}/p/alpha`);
  await page.getByRole('link', { name: 'Published security advisories' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Alpha security advisories' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Atom feed' })).toHaveAttribute('href', '/p/alpha/advisories.atom');
  await expect(page.getByRole('link', { name: 'RSS feed' })).toHaveAttribute('href', '/p/alpha/advisories.rss');
  await expect(page.getByRole('link', { name: EMBARGOED_TITLE })).toHaveCount(0);
  await expectAccessible(page, 'project advisory list');
  await screenshot(page, '20-advisory-list');

  await page.getByRole('link', { name: NAMED.title }).click();
  await expect(page).toHaveURL(`${baseUrl()}/p/alpha/advisories/${named.id}`);
  await expect(page.getByRole('heading', { level: 1, name: NAMED.title })).toBeVisible();
  const facts = page.locator('.advisory__facts');
  const fact = (label: string) => facts.locator('div').filter({ has: page.getByRole('term').getByText(label, { exact: true }) }).getByRole('definition');
  await expect(fact('Advisory ID')).toHaveText(named.id);
  await expect(fact('CVE ID').getByRole('link', { name: NAMED.cveId })).toHaveAttribute('href', `https://www.cve.org/CVERecord?id=${NAMED.cveId}`);
  await expect(fact('Severity')).toHaveText('High');
  await expect(fact('Fix shipped as')).toHaveText('Patch release');
  await expect(fact('CVSS 3.1')).toContainText('8.1 high');
  await expect(fact('CVSS 3.1')).toContainText(NAMED.cvss31);
  // Published: the instant in UTC for everyone, then in the reader's zone, named.
  await expect(fact('Published').locator('time')).toHaveText(utcText(named.publishedAt));
  await expect(fact('Published').locator('time')).toHaveAttribute('datetime', named.publishedAt);
  await expect(fact('Published')).toContainText('(America/New_York)');
  await expect(fact('Last updated').locator('time')).toHaveText(utcText(named.publishedAt));

  // Markdown, rendered from an allow-list: headings below the page's own, lists, code, safe links.
  await expect(page.getByRole('region', { name: 'Summary' }).locator('strong')).toHaveText('outside');
  const details = page.getByRole('region', { name: 'Details' });
  await expect(details.getByRole('heading', { level: 3, name: 'Impact' })).toBeVisible();
  await expect(details.getByRole('listitem')).toHaveCount(2);
  await expect(details.locator('pre code')).toContainText('alpha.extract("evil.tar", "out")');
  await expect(details.getByRole('link', { name: 'fix' })).toHaveAttribute('href', 'https://github.com/alpha/alpha/pull/42');

  const affected = page.getByRole('region', { name: 'Affected packages' });
  await expect(affected).toContainText('>= 0.2.0, < 0.4.3');
  await expect(affected.locator('div').filter({ has: page.getByText('Fixed in', { exact: true }) }).getByRole('definition')).toHaveText('0.4.3');
  await expect(affected).toContainText('pkg:pypi/alpha');
  await expect(page.getByRole('region', { name: 'Weaknesses' }).getByRole('link', { name: 'CWE-22' })).toHaveAttribute('href', 'https://cwe.mitre.org/data/definitions/22.html');
  await expect(page.getByRole('region', { name: 'References' }).getByRole('link')).toHaveAttribute('href', 'https://github.com/alpha/alpha/pull/42');
  const credits = page.getByRole('region', { name: 'Credits' });
  await expect(credits).toContainText('@zipslip-finder (found the issue)');
  await expect(credits).toContainText('Mia Maintainer (developed the fix)');
  await expect(page.getByRole('region', { name: 'History' })).toContainText(`${utcText(named.publishedAt)}: `);

  // Every download answers with its document.
  const downloads = page.getByRole('region', { name: 'Downloads' });
  for (const [name, check] of [
    ['OSV record (JSON)', (body: string) => expect(JSON.parse(body).id).toContain(named.id)],
    ['CVE record (CVE JSON 5)', (body: string) => expect(JSON.parse(body).cveMetadata.cveId).toBe(NAMED.cveId)],
    ['CSAF 2.0 advisory (JSON)', (body: string) => expect(JSON.parse(body).document.title).toBe(NAMED.title)],
    ['CHANGELOG entry (Markdown)', (body: string) => expect(body).toContain(`${named.id}: ${NAMED.title}`)],
  ] as const) {
    const href = await downloads.getByRole('link', { name }).getAttribute('href');
    const response = await request.get(`${baseUrl()}${href}`);
    expect(response.status(), `${name}: ${href}`).toBe(200);
    check(await response.text());
  }
  await expectAccessible(page, 'advisory page');
  await screenshot(page, '21-advisory-page');

  // The advisory's address is its `url` in the API and the feeds: a browser gets this page, the API its JSON.
  const json = await request.get(`${baseUrl()}/p/alpha/advisories/${named.id}`);
  expect(json.headers()['content-type']).toMatch(/^application\/json/);
  expect((await json.json()).url).toBe(`${baseUrl()}/p/alpha/advisories/${named.id}`);
  const atom = await (await request.get(`${baseUrl()}/p/alpha/advisories.atom`)).text();
  expect(atom).toContain(`${baseUrl()}/p/alpha/advisories/${named.id}`);
  await page.reload();
  await expect(page.getByRole('heading', { level: 1, name: NAMED.title })).toBeVisible();
});

test('advisory pages: withdrawn advisories are marked, and markup in an advisory stays text', async ({ page }) => {
  const { withdrawn, markup } = await seedAdvisories();
  await page.goto(`${baseUrl()}/p/alpha/advisories`);
  await expect(page.getByRole('listitem').filter({ has: page.getByRole('link', { name: 'Sandbox escape in template loader' }) })).toContainText('Withdrawn');

  await page.goto(`${baseUrl()}/p/alpha/advisories/${withdrawn}`);
  await expect(page.getByRole('heading', { level: 1, name: /Sandbox escape in template loader/ })).toContainText('Withdrawn');
  await expect(page.getByText('This advisory was withdrawn.')).toBeVisible();
  await expect(page.locator('.notice')).toContainText('Withdrawn: The loader runs sandboxed; not exploitable.');
  await expectAccessible(page, 'withdrawn advisory');
  await screenshot(page, '22-advisory-withdrawn');

  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await page.goto(`${baseUrl()}/p/alpha/advisories/${markup}`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('<img src=x onerror=alert(1)> in titles');
  const details = page.getByRole('region', { name: 'Details' });
  await expect(details).toContainText('<script>alert(1)</script>');
  // Evaluated as a string through the DevTools protocol, like axe in support.ts (no DOM types in this project).
  const rendered = (await page.evaluate(`(() => {
    const section = document.getElementById('details').closest('section');
    return {
      dangerous: section.querySelectorAll('script, iframe, img, svg, math, object, embed, style, body, form, input').length,
      handlers: [...section.querySelectorAll('*')].flatMap((node) => node.getAttributeNames().filter((name) => name.startsWith('on') || name === 'style')),
      hrefs: [...section.querySelectorAll('a')].map((link) => link.getAttribute('href') || ''),
    };
  })()`)) as { dangerous: number; handlers: string[]; hrefs: string[] };
  expect(rendered.dangerous).toBe(0);
  expect(rendered.handlers).toEqual([]);
  for (const href of rendered.hrefs) expect(href).toMatch(/^(https?:\/\/|mailto:)/);
  expect(dialogs).toEqual([]);
});

test('hall of fame: credited reporters with their advisories, anonymous reporters counted but not named', async ({ page, request }) => {
  const { named, anonymous } = await seedAdvisories();
  await page.goto(`${baseUrl()}/`);
  await page.getByRole('navigation', { name: 'Site' }).getByRole('link', { name: 'Hall of fame' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Hall of fame' })).toBeVisible();
  const finder = page.getByRole('listitem').filter({ has: page.getByRole('heading', { level: 2, name: '@zipslip-finder' }) });
  await expect(finder.getByRole('link', { name: NAMED.title })).toHaveAttribute('href', `/p/alpha/advisories/${named.id}`);
  await expect(finder).toContainText(`${named.id}, Alpha, published ${utcText(named.publishedAt)}`);
  await expect(page.getByText(/(One more credit went to a reporter|\d+ more credits went to reporters) who asked to stay anonymous/)).toBeVisible();
  // The anonymous reporter's advisory is thanked under no name; team roles and withdrawn advisories are not listed.
  const main = page.getByRole('main');
  await expect(main.getByRole('link', { name: 'Timing side channel in token comparison' })).toHaveCount(0);
  for (const hidden of [ANONYMOUS_REPORTER_EMAIL, 'Mia Maintainer', '@withdrawn-finder', '@embargo-finder', EMBARGOED_TITLE]) await expect(main).not.toContainText(hidden);
  await expect(page.getByRole('navigation', { name: 'Site' }).getByRole('link', { name: 'Hall of fame' })).toHaveAttribute('aria-current', 'page');
  await expectAccessible(page, 'hall of fame');
  await screenshot(page, '23-hall-of-fame');

  // The project's own hall of fame, opened by address (the JSON API answers at the same address).
  await page.goto(`${baseUrl()}/p/alpha/hall-of-fame`);
  await expect(page.getByRole('heading', { level: 1, name: 'Alpha hall of fame' })).toBeVisible();
  await expect(page.getByRole('heading', { level: 2, name: '@zipslip-finder' })).toBeVisible();
  await expect(page.getByText(/who asked to stay anonymous/)).toBeVisible();
  const fame = await (await request.get(`${baseUrl()}/p/alpha/hall-of-fame`)).json();
  expect(fame.anonymousCount).toBeGreaterThanOrEqual(1);

  // The advisory of the anonymous report names nobody either.
  await page.goto(`${baseUrl()}/p/alpha/advisories/${anonymous}`);
  await expect(page.getByRole('heading', { level: 1, name: 'Timing side channel in token comparison' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Credits' })).toContainText('No one is credited by name.');
  await expect(page.getByRole('main')).not.toContainText(ANONYMOUS_REPORTER_EMAIL);

  // All projects' list, with its feeds; the withdrawn advisory is listed, marked.
  await page.getByRole('navigation', { name: 'Site' }).getByRole('link', { name: 'Advisories' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Security advisories' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Atom feed' })).toHaveAttribute('href', '/advisories.atom');
  await expect(page.getByRole('link', { name: NAMED.title })).toBeVisible();
  await expect(page.getByRole('listitem').filter({ has: page.getByRole('link', { name: 'Sandbox escape in template loader' }) })).toContainText('Withdrawn');
  await expect(page.getByRole('link', { name: EMBARGOED_TITLE })).toHaveCount(0);
  await expectAccessible(page, 'all advisories');
});

test('an embargoed or unknown advisory is a page not found that names nothing, for a signed-in maintainer too', async ({ page }) => {
  const { embargoed } = await seedAdvisories();
  const expectNotFound = async (url: string) => {
    await page.goto(url);
    await expect(page.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible();
    await expect(page).toHaveTitle('Page not found · Embargo');
    const text = await page.locator('body').innerText();
    for (const secret of [EMBARGOED_TITLE, '@embargo-finder', 'Not public yet', embargoed]) expect(text).not.toContain(secret);
  };
  await expectNotFound(`${baseUrl()}/p/alpha/advisories/${embargoed}`);
  await expectAccessible(page, 'embargoed advisory');
  await screenshot(page, '24-advisory-embargoed');
  await expectNotFound(`${baseUrl()}/p/alpha/advisories/ALPHA-1999-0001`);
  await expectNotFound(`${baseUrl()}/p/beta/advisories/${embargoed}`);
  await expectNotFound(`${baseUrl()}/p/nope/advisories`);

  await page.goto(`${baseUrl()}/login`);
  await page.getByLabel('Email address').fill(USERS.maintainer);
  await page.getByLabel('Password').fill(E2E_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Inbox' })).toBeVisible();
  await expectNotFound(`${baseUrl()}/p/alpha/advisories/${embargoed}`);
  await page.goto(`${baseUrl()}/advisories`);
  await expect(page.getByRole('link', { name: NAMED.title })).toBeVisible();
  await expect(page.getByRole('main')).not.toContainText(EMBARGOED_TITLE);
});

test('advisory pages fit a 360 px wide screen', async ({ browser }) => {
  const { named } = await seedAdvisories();
  const page = await newPage(browser, { viewport: { width: 360, height: 740 }, timezoneId: 'Asia/Tokyo' });
  for (const [path, name] of [
    [`/p/alpha/advisories/${named.id}`, 'advisory page'],
    ['/p/alpha/advisories', 'project advisory list'],
    ['/advisories', 'all advisories'],
    ['/hall-of-fame', 'hall of fame'],
  ] as const) {
    await page.goto(`${baseUrl()}${path}`);
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    await expect(page.getByRole('status')).toHaveCount(0);
    await expectNoHorizontalScroll(page, name);
  }
  await page.goto(`${baseUrl()}/p/alpha/advisories/${named.id}`);
  await expect(page.getByRole('heading', { level: 1, name: NAMED.title })).toBeVisible();
  await expect(page.getByText('(Asia/Tokyo)').first()).toBeVisible();
  await expectAccessible(page, 'advisory page at 360 px');
  await screenshot(page, '25-advisory-360');
});
