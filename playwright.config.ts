import { defineConfig } from '@playwright/test';

/**
 * Browser tests of the web app on Debian's Chromium (never a downloaded browser). The global setup
 * starts a real Embargo server (temp data dir, its own policy with a PGP key, team members made with
 * the CLI) on a free port and serves the built app from web/dist: run `npm run build` first
 * (`npm run test:e2e` does both).
 */
export default defineConfig({
  testDir: 'test/e2e',
  testMatch: '**/*.e2e.ts',
  globalSetup: './test/e2e/global-setup.ts',
  outputDir: 'test-results/playwright',
  // The machine is small and shared; the flows also build on each other (report -> triage -> reply).
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
    viewport: { width: 1280, height: 900 },
    trace: 'off',
    screenshot: 'only-on-failure',
  },
});
