import { readFileSync } from 'node:fs';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { baseUrl, E2E_PASSWORD, expectAccessible, expectNoHorizontalScroll, screenshot, totp, USERS, watchConsole } from './support.js';

/**
 * The whole round trip through the browser: a reporter reports (plainly and encrypted in the
 * browser), a maintainer signs in, triages and answers, the reporter reads the answer, an outsider is
 * turned away. The steps build on each other, so they run in order in one worker.
 */
test.describe.configure({ mode: 'serial' });

const shared: { statusUrl?: string; reportId?: string; encryptedUrl?: string; encryptedId?: string } = {};
let consoleProblems: string[] = [];

test.beforeEach(({ page }) => {
  consoleProblems = watchConsole(page);
});
test.afterEach(() => {
  expect(consoleProblems, 'no CSP violations or page errors').toEqual([]);
});

async function signIn(page: Page, email: string) {
  await page.goto(`${baseUrl()}/login`);
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(E2E_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Inbox' })).toBeVisible();
}

async function newPage(browser: Browser, viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  consoleProblems = watchConsole(page);
  return page;
}

test('the public policy page renders the policy and checks the form like the API', async ({ page }) => {
  await page.goto(`${baseUrl()}/p/alpha`);
  await expect(page.getByRole('heading', { level: 1, name: 'Alpha security policy' })).toBeVisible();
  await expect(page.getByText('We answer your report within 48 hours to confirm we received it.')).toBeVisible();
  await expect(page.getByRole('table', { name: /Versions of Alpha/ })).toContainText('0.4.x');
  await expect(page.getByText('Remote code execution or full compromise.')).toBeVisible();
  await expect(page.getByRole('main').getByRole('link', { name: 'Hall of fame' })).toBeVisible();
  await expectAccessible(page, 'policy page');
  await screenshot(page, '01-policy-page');

  await page.getByRole('button', { name: 'Send report privately' }).click();
  const summary = page.getByRole('alert').filter({ hasText: 'There are' });
  await expect(summary).toContainText('Title: must not be empty');
  await expect(summary).toContainText('Description: must not be empty');
  await expect(summary).toContainText("Steps to reproduce: Alpha's security policy requires this field");
  await page.getByLabel(/^Contact email/).fill('not-an-email');
  await page.getByRole('button', { name: 'Send report privately' }).click();
  await expect(summary).toContainText('Contact email: must be an email address');
  await expectAccessible(page, 'report form with errors');
  await screenshot(page, '02-report-form-errors');
});

test('a reporter submits a report and sees the status page with its deadlines', async ({ page }) => {
  await page.goto(`${baseUrl()}/p/alpha#report`);
  await page.getByLabel(/^Title/).fill('Path traversal in archive loader');
  await page.getByLabel(/^Description/).fill('Archive.extract() follows ../ in member names and writes outside the target directory.');
  await page.getByLabel(/^Steps to reproduce/).fill('1. Build a tar with ../../evil\n2. alpha.extract("x.tar", "out")');
  await page.getByLabel(/^Affected versions/).fill('0.4.1, 0.2.0');
  await page.getByLabel('How should we credit you?').selectOption('handle');
  await page.getByLabel('Your handle').fill('@finder');
  await page.getByLabel(/^Contact email/).fill('finder@example.net');
  await page.getByRole('button', { name: 'Send report privately' }).click();

  await expect(page).toHaveURL(/\/r\/[0-9a-f-]{36}#emb_/);
  await expect(page.getByText('Thank you: your report was received.')).toBeVisible();
  await expect(page.getByText("Keep this page's link.")).toBeVisible();
  const deadlines = page.getByRole('region', { name: 'What the team promised', exact: true });
  await expect(deadlines).toContainText('First answer (acknowledgement)');
  await expect(deadlines).toContainText('Open: due in');
  await expect(page.getByText('Received. Nobody has answered yet.')).toBeVisible();
  shared.statusUrl = page.url();
  shared.reportId = new URL(page.url()).pathname.split('/')[2];
  await expectAccessible(page, 'status page');
  await screenshot(page, '03-status-page');
});

test('a reporter encrypts the report in the browser: the server stores only ciphertext', async ({ page, request }) => {
  await page.goto(`${baseUrl()}/p/alpha#report`);
  await page.getByLabel(/^Title/).fill('Memory disclosure in decoder');
  await page.getByLabel(/^Description/).fill('SECRET-DETAIL: the decoder returns uninitialised buffer contents.');
  await page.getByLabel(/^Steps to reproduce/).fill('decode(b"\\x00" * 3)');
  await page.getByLabel('Encrypt my report in this browser before sending').check();
  await page.getByRole('button', { name: 'Send report privately' }).click();
  await expect(page).toHaveURL(/\/r\/[0-9a-f-]{36}#emb_/, { timeout: 20_000 });
  shared.encryptedUrl = page.url();
  shared.encryptedId = new URL(page.url()).pathname.split('/')[2];

  const token = new URL(page.url()).hash.slice(1);
  const stored = await (await request.get(`${baseUrl()}/api/v1/reports/${shared.encryptedId}`, { headers: { authorization: `Bearer ${token}` } })).json();
  expect(stored.title).toBe('Memory disclosure in decoder');
  expect(stored.description).toMatch(/^-----BEGIN PGP MESSAGE-----/);
  expect(stored.stepsToReproduce).toMatch(/^-----BEGIN PGP MESSAGE-----/);
  expect(JSON.stringify(stored)).not.toContain('SECRET-DETAIL');
});

test('a maintainer signs in, finds the report, acknowledges it, triages it with CVSS and replies', async ({ page }) => {
  await page.goto(`${baseUrl()}/login`);
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in to the team desk' })).toBeVisible();
  await expectAccessible(page, 'login page');
  await screenshot(page, '04-login');
  await signIn(page, USERS.maintainer);

  const row = page.getByRole('row').filter({ hasText: 'Path traversal in archive loader' });
  await expect(row).toBeVisible();
  await expect(row).toContainText('due in');
  await expectAccessible(page, 'inbox');
  await screenshot(page, '05-inbox');

  // Search (titles are encrypted at rest: the server decrypts the candidates) and keyboard navigation.
  await page.keyboard.press('/');
  await expect(page.getByLabel('Search titles')).toBeFocused();
  await page.keyboard.type('traversal');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/q=traversal/);
  await expect(page.getByRole('row')).toHaveCount(2);
  await page.getByRole('link', { name: 'Path traversal in archive loader' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: 'Path traversal in archive loader' })).toBeVisible();
  await expect(page).toHaveURL(new RegExp(`/team/reports/${shared.reportId}$`));

  // Version check against the policy.
  const versions = page.getByRole('region', { name: 'Affected versions', exact: true });
  await expect(versions.getByRole('row', { name: /0\.4\.1/ })).toContainText('Supported');
  await expect(versions.getByRole('row', { name: /0\.2\.0/ })).toContainText('Not supported');
  await expectAccessible(page, 'report page');

  // The moves come from the API's allowedTransitions.
  const stateSection = page.getByRole('region', { name: 'State', exact: true });
  await stateSection.getByRole('button', { name: 'Acknowledge' }).click();
  await stateSection.getByRole('button', { name: 'Confirm: Acknowledged' }).click();
  await expect(page.locator('.report-meta')).toContainText('Acknowledged');
  await expect(stateSection.getByRole('button', { name: 'Mark triaged' })).toBeVisible();

  // CVSS 3.1 scored live in the browser, then saved.
  const cvss = page.getByRole('region', { name: 'CVSS', exact: true });
  await cvss.getByRole('button', { name: /^CVSS 3\.1/ }).click();
  for (const [metric, value] of [
    ['Attack vector', 'Network'],
    ['Attack complexity', 'Low'],
    ['Privileges required', 'None'],
    ['User interaction', 'Required'],
    ['Scope', 'Unchanged'],
    ['Confidentiality', 'High'],
    ['Integrity', 'High'],
    ['Availability', 'None'],
  ] as const) {
    await cvss.getByRole('group', { name: new RegExp(`^${metric} `) }).getByText(value, { exact: true }).click();
  }
  await expect(cvss.locator('.cvss__score')).toContainText('8.1');
  await expect(cvss.getByLabel('CVSS 3.1 vector')).toHaveValue('CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:N');
  await cvss.getByRole('button', { name: 'Save CVSS 3.1' }).click();
  await expect(cvss.getByText('Saved: CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:N (8.1 high)')).toBeVisible();

  // Severity (suggested from the CVSS score) and handler.
  const triage = page.getByRole('region', { name: 'Severity and handlers', exact: true });
  await triage.getByRole('button', { name: 'Use it' }).click();
  await expect(triage.getByLabel('Severity')).toHaveValue('high');
  await triage.getByLabel('Handler', { exact: true }).selectOption({ label: 'Mia Maintainer (you)' });
  await triage.getByRole('button', { name: 'Save severity and handlers' }).click();
  await expect(page.locator('.report-meta')).toContainText('Severity: high');
  await expect(page.locator('.report-meta')).toContainText('Handler: You');

  // A message to the reporter and an internal note.
  const thread = page.getByRole('region', { name: 'Thread and internal notes', exact: true });
  await thread.getByLabel('Message to the reporter, or internal note').fill('Thanks! We reproduced it and are preparing a fix.');
  await thread.getByRole('button', { name: 'Send message' }).click();
  await expect(thread.locator('.message--team')).toContainText('Thanks! We reproduced it');
  await thread.getByLabel('Message to the reporter, or internal note').fill('Internal: affects tarfile fallback too.');
  await thread.getByLabel('Internal note (the reporter does not see it)').check();
  await thread.getByRole('button', { name: 'Add internal note' }).click();
  await expect(thread.locator('.message--internal')).toContainText('affects tarfile fallback');

  const audit = page.getByRole('region', { name: 'Audit history', exact: true });
  await expect(audit).toContainText('State: New → Acknowledged');
  await expect(audit).toContainText('Updated CVSS 3.1');
  await expect(audit).toContainText('Updated severity, handler');
  await expectAccessible(page, 'report page after triage');
  await screenshot(page, '06-report-page');
});

test('a maintainer decrypts a browser-encrypted report with their key, in the browser', async ({ page }) => {
  await signIn(page, USERS.maintainer);
  await page.goto(`${baseUrl()}/team/reports/${shared.encryptedId}`);
  await expect(page.getByText('2 fields were encrypted in the reporter\'s browser.')).toBeVisible();
  await page.getByLabel('Private key (ASCII-armored)').fill(readFileSync(process.env.E2E_PRIVATE_KEY_FILE!, 'utf8'));
  await page.getByRole('button', { name: 'Decrypt in this browser' }).click();
  const contents = page.getByRole('region', { name: 'Report', exact: true });
  await expect(contents).toContainText('SECRET-DETAIL: the decoder returns uninitialised buffer contents.');
  await expect(contents).toContainText('decode(b"\\x00" * 3)');
  await expectAccessible(page, 'report page, decrypted');
});

test('the reporter sees the state and the reply on their page, not the internal note', async ({ page }) => {
  await page.goto(shared.statusUrl!);
  await expect(page.getByRole('heading', { level: 1, name: 'Your report to alpha' })).toBeVisible();
  await expect(page.getByText('The team has seen your report and is looking at it.')).toBeVisible();
  const messages = page.getByRole('region', { name: 'Messages', exact: true });
  await expect(messages).toContainText('Thanks! We reproduced it and are preparing a fix.');
  await expect(messages).toContainText('Security team');
  await expect(page.getByText('affects tarfile fallback')).toHaveCount(0);
  await expect(page.getByText('Mia Maintainer')).toHaveCount(0);
  await expect(page.getByRole('region', { name: 'What the team promised', exact: true })).toContainText('Met on time');

  await page.getByLabel('Reply to the team').fill('Great, happy to test the fix.');
  await page.getByRole('button', { name: 'Send message' }).click();
  await expect(messages.locator('.message--reporter')).toContainText('Great, happy to test the fix.');
  await expectAccessible(page, 'status page with thread');
  await screenshot(page, '07-status-page-with-reply');
});

test('an outsider cannot open the report: another project\'s maintainer, or a wrong link', async ({ browser }) => {
  const page = await newPage(browser);
  await signIn(page, USERS.outsider);
  await expect(page.getByText('Path traversal in archive loader')).toHaveCount(0);
  await page.goto(`${baseUrl()}/team/reports/${shared.reportId}`);
  await expect(page.getByRole('heading', { level: 1, name: 'Report not found' })).toBeVisible();
  await expect(page.getByText('Path traversal')).toHaveCount(0);
  await expectAccessible(page, 'report not found');

  const stranger = await newPage(browser);
  await stranger.goto(`${baseUrl()}/r/${shared.reportId}#emb_r_not-the-token`);
  await expect(stranger.getByText('This link does not open a report.')).toBeVisible();
  await stranger.goto(`${baseUrl()}/team/reports/${shared.reportId}`);
  await expect(stranger).toHaveURL(/\/login\?next=/);
  await screenshot(stranger, '08-outsider-login-redirect');
});

test('a reporter attaches a file in the form and a team member sees and downloads it', async ({ page, browser }) => {
  const content = 'E2E-ATTACHMENT-MARKER: input that crashes the parser\n\u0041\u0042\n';
  await page.goto(`${baseUrl()}/p/alpha#report`);
  await page.getByLabel(/^Title/).fill('Parser crash with attached input');
  await page.getByLabel(/^Description/).fill('The attached input makes parse() crash.');
  await page.getByLabel(/^Steps to reproduce/).fill('alpha.parse(open("crash-input.txt").read())');
  await page.getByLabel(/^Files/).setInputFiles({ name: 'crash-input.txt', mimeType: 'text/plain', buffer: Buffer.from(content) });
  await expect(page.getByRole('list', { name: 'Files to attach' })).toContainText('crash-input.txt');
  await page.getByRole('button', { name: 'Send report privately' }).click();

  // The report is created first, then the file goes up with the report's token.
  await expect(page).toHaveURL(/\/r\/[0-9a-f-]{36}#emb_/, { timeout: 20_000 });
  const reportId = new URL(page.url()).pathname.split('/')[2]!;
  const files = page.getByRole('region', { name: 'Files', exact: true });
  const reporterDownload = page.waitForEvent('download');
  await files.getByRole('button', { name: 'crash-input.txt' }).click();
  const saved = await reporterDownload;
  expect(saved.suggestedFilename()).toBe('crash-input.txt');
  expect(readFileSync((await saved.path())!, 'utf8')).toBe(content);

  // The reporter adds another file later, from their page.
  await files.getByLabel('Add files').setInputFiles({ name: 'trace.log', mimeType: '', buffer: Buffer.from('Traceback (most recent call last):\n  parse\n') });
  await files.getByRole('button', { name: 'Attach file' }).click();
  await expect(files.getByRole('list', { name: 'File uploads' })).toContainText('Attached');
  await expect(files.getByRole('list', { name: 'Files of this report' })).toContainText('trace.log');
  await expectAccessible(page, 'status page with files');

  const team = await newPage(browser);
  await signIn(team, USERS.maintainer);
  await team.goto(`${baseUrl()}/team/reports/${reportId}`);
  await expect(team.getByRole('heading', { level: 1, name: 'Parser crash with attached input' })).toBeVisible();
  const teamFiles = team.getByRole('region', { name: 'Files', exact: true });
  const link = teamFiles.getByRole('link', { name: 'crash-input.txt' });
  await expect(link).toBeVisible();
  await expect(teamFiles).toContainText('trace.log');
  const teamDownload = team.waitForEvent('download');
  await link.click();
  const downloaded = await teamDownload;
  expect(downloaded.suggestedFilename()).toBe('crash-input.txt');
  expect(readFileSync((await downloaded.path())!, 'utf8')).toBe(content);
  // The link is the download-only route: an attachment, an allow-listed type, no sniffing, a sandbox.
  const response = await team.context().request.get(`${baseUrl()}${(await link.getAttribute('href'))!}`);
  expect(response.headers()['content-disposition']).toMatch(/^attachment; filename="crash-input.txt"/);
  expect(response.headers()['content-type']).toBe('text/plain');
  expect(response.headers()['x-content-type-options']).toBe('nosniff');
  expect(response.headers()['content-security-policy']).toContain('sandbox');
  await expectAccessible(team, 'report page with files');
});

test('the metrics, policy and account pages work and are accessible', async ({ page, request }) => {
  await signIn(page, USERS.maintainer);
  await page.getByRole('link', { name: 'Metrics', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Metrics' })).toBeVisible();
  await expect(page.getByText('open reports', { exact: true })).toBeVisible();
  await expect(page.getByRole('img', { name: /Time to acknowledge per month/ })).toBeVisible();
  await expect(page.getByRole('img', { name: /Open reports by age/ })).toBeVisible();
  const csvHref = await page.getByRole('link', { name: 'Download CSV' }).getAttribute('href');
  const cookies = await page.context().cookies();
  const csv = await request.get(`${baseUrl()}${csvHref}`, { headers: { cookie: cookies.map((cookie) => `${cookie.name}=${cookie.value}`).join('; ') } });
  expect(csv.status()).toBe(200);
  expect(await csv.text()).toMatch(/^month,received,acknowledged/);
  await expectAccessible(page, 'metrics');
  await screenshot(page, '09-metrics');

  await page.getByRole('link', { name: 'Policy', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Alpha: policy as loaded' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Problems and gaps', exact: true })).toContainText('SECURITY.md lint score');
  await expect(page.getByRole('region', { name: 'Clocks', exact: true })).toContainText('Europe/Berlin');
  await expectAccessible(page, 'policy settings');
  await screenshot(page, '10-project-policy');

  await page.getByRole('link', { name: 'Account', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Your account' })).toBeVisible();
  await expect(page.getByText('this session')).toBeVisible();
  await expectAccessible(page, 'account');
  await screenshot(page, '11-account');

  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto(`${baseUrl()}/team`);
  await expect(page).toHaveURL(/\/login\?next=%2Fteam/);
});

test('signing in with two-factor authentication asks for the code', async ({ page, request }) => {
  // Enrol through the API, as the account page does.
  const login = await request.post(`${baseUrl()}/api/v1/auth/login`, { data: { email: USERS.twoFactor, password: E2E_PASSWORD } });
  const { accessToken } = await login.json();
  const auth = { authorization: `Bearer ${accessToken}` };
  const { secret } = await (await request.post(`${baseUrl()}/api/v1/auth/2fa/setup`, { headers: auth })).json();
  const confirmed = await request.post(`${baseUrl()}/api/v1/auth/2fa/confirm`, { headers: auth, data: { code: totp(secret) } });
  expect(confirmed.status()).toBe(200);
  const { recoveryCodes } = await confirmed.json();

  await page.goto(`${baseUrl()}/login`);
  await page.getByLabel('Email address').fill(USERS.twoFactor);
  await page.getByLabel('Password').fill(E2E_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByText(`Two-factor authentication is on for ${USERS.twoFactor}.`)).toBeVisible();
  await expect(page.getByLabel('Code from your authenticator app')).toBeFocused();
  await expectAccessible(page, 'login, code step');
  await screenshot(page, '12-login-two-factor');
  await page.getByLabel('Code from your authenticator app').fill('000000');
  await page.getByRole('button', { name: 'Verify and sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('That code is not valid.');
  // The code just used for enrolment cannot be replayed; a recovery code works once.
  await page.getByLabel('Code from your authenticator app').fill(recoveryCodes[0]);
  await page.getByRole('button', { name: 'Verify and sign in' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Inbox' })).toBeVisible();
  // A viewer sees reports but is offered no moves.
  await page.getByRole('link', { name: 'Path traversal in archive loader' }).click();
  await expect(page.getByText('Your role on this project cannot change its state.')).toBeVisible();
});

test('pages fit a 360 px wide screen', async ({ browser }) => {
  const page = await newPage(browser, { width: 360, height: 740 });
  await page.goto(`${baseUrl()}/p/alpha`);
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  await expectNoHorizontalScroll(page, 'policy page');
  await expectAccessible(page, 'policy page at 360 px');
  await screenshot(page, '13-policy-360');

  await page.goto(shared.statusUrl!);
  await expect(page.getByRole('heading', { level: 1, name: 'Your report to alpha' })).toBeVisible();
  await expectNoHorizontalScroll(page, 'status page');
  await screenshot(page, '14-status-360');

  await signIn(page, USERS.maintainer);
  await expectNoHorizontalScroll(page, 'inbox');
  await expectAccessible(page, 'inbox at 360 px');
  await screenshot(page, '15-inbox-360');
  await page.getByRole('link', { name: 'Path traversal in archive loader' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Path traversal in archive loader' })).toBeVisible();
  await expectNoHorizontalScroll(page, 'report page');
  await screenshot(page, '16-report-360');
});
