import { defineConfig } from '@playwright/test';
import { chromiumExecutable, QUIET_CHROMIUM_ARGS } from './lib/browser.ts';
import { environmentName, readProfile } from './lib/environment.ts';

// Playwright attaches an ARIA snapshot of the page to every failure, and the page is a
// table of patients: PHI must never reach a report, so the snapshot is turned off.
process.env.PLAYWRIGHT_NO_COPY_PROMPT = '1';

// A read-only environment (any production one) runs only the checks tagged @readonly and
// never the contracts, whose provider verification seeds data.
const profile = readProfile(environmentName());
const readOnly = profile.production === true || profile.readOnly === true;

// Where this run writes its results and report; the project's own tests give each run its own.
const artifacts = process.env.SUITE_ARTIFACTS_DIR ?? '.';

export default defineConfig({
  outputDir: `${artifacts}/test-results`,
  fullyParallel: true,
  forbidOnly: Boolean(process.env.CI),
  // A retry would turn a flaky isolation check into a green one; flakes are bugs here.
  retries: 0,
  workers: Number(process.env.PW_WORKERS ?? 2),
  // A million-row run (npm run volume) needs longer than the default dataset's.
  timeout: Number(process.env.PW_TEST_TIMEOUT_MS ?? 60_000),
  ...(readOnly ? { grep: /@readonly/ } : {}),
  expect: { timeout: 10_000 },
  globalSetup: './e2e/global-setup.ts',
  reporter: [
    ['list'],
    ['html', { open: 'never', outputFolder: `${artifacts}/playwright-report` }],
    ['junit', { outputFile: `${artifacts}/test-results/junit.xml` }],
    ['json', { outputFile: `${artifacts}/test-results/results.json` }],
    ['./lib/report/verdict-reporter.ts'],
  ],
  use: {
    // Traces, screenshots and videos record the page, and the page shows patients.
    trace: 'off',
    screenshot: 'off',
    video: 'off',
    acceptDownloads: true,
    timezoneId: 'UTC',
    locale: 'en-US',
    actionTimeout: 10_000,
    navigationTimeout: 15_000,
    launchOptions: { executablePath: chromiumExecutable(), args: QUIET_CHROMIUM_ARGS },
  },
  projects: [
    { name: 'sign-in', testDir: './e2e', testMatch: /.*\.setup\.ts/ },
    // The flows, and each incident's own scenario (incidents/<date>/), share one sign-in.
    { name: 'isolation', testDir: '.', testMatch: /(e2e|incidents)\/.*\.spec\.ts/, dependencies: ['sign-in'] },
    ...(readOnly
      ? []
      : [
          // The consumer writes the pact file that the provider verification then replays.
          { name: 'contracts-consumer', testDir: './contracts', testMatch: /.*\.consumer\.spec\.ts/ },
          { name: 'contracts-provider', testDir: './contracts', testMatch: /.*\.provider\.spec\.ts/, dependencies: ['contracts-consumer'] },
        ]),
  ],
});
