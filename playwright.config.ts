import { defineConfig, type Project } from '@playwright/test';
import { chromiumExecutable, CONTEXT_OPTIONS, PAGE_TIMEOUTS, QUIET_CHROMIUM_ARGS } from './lib/browser.ts';
import { environmentName, isReadOnly, readProfile } from './lib/environment.ts';
import { plannedTargets } from './lib/targets.ts';

// Playwright attaches an ARIA snapshot of the page to every failure, and the page is a
// table of patients: PHI must never reach a report, so the snapshot is turned off.
process.env.PLAYWRIGHT_NO_COPY_PROMPT = '1';

const profile = readProfile(environmentName());
// A read-only environment (any production one) runs only the checks tagged @readonly and
// never the contracts, whose provider verification seeds data.
const readOnly = isReadOnly(profile);
const targets = plannedTargets(profile);

// Where this run writes its results and report; the project's own tests give each run its own.
const artifacts = process.env.SUITE_ARTIFACTS_DIR ?? '.';

/**
 * One project per target: the flows, each incident's own scenario (incidents/<date>/) and
 * the provider side of the contract, judged against that target. The consumer side of the
 * contract needs no target and runs once, before them, writing the pact they verify.
 */
const targetProjects: Project[] = targets.map((target) => ({
  name: targets.length === 1 ? 'isolation' : `isolation@${target.name}`,
  testDir: '.',
  testMatch: readOnly ? /(e2e|incidents)\/.*\.spec\.ts/ : /(e2e|incidents|contracts)\/.*(?<!\.consumer)\.spec\.ts/,
  use: { targetName: target.name },
  metadata: { target: target.name },
  ...(readOnly ? {} : { dependencies: ['contracts-consumer'] }),
}));

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
    ...CONTEXT_OPTIONS,
    ...PAGE_TIMEOUTS,
    launchOptions: { executablePath: chromiumExecutable(), args: QUIET_CHROMIUM_ARGS },
  },
  projects: [
    ...(readOnly ? [] : [{ name: 'contracts-consumer', testDir: './contracts', testMatch: /.*\.consumer\.spec\.ts/ }]),
    ...targetProjects,
  ],
});
