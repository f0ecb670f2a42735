/**
 * `npm start [-- <playwright test options>]`: the suite against the environment TEST_ENV
 * names (the built-in sandbox by default), and its verdict as the exit code every command of
 * the project shares: 0 pass, 1 isolation finding, 2 usage or configuration error, 3 target
 * error, 4 suite error.
 *
 * The configuration is checked here first, so that a missing variable, an unknown profile
 * or variant is one line and exit 2, not a stack from inside the test runner. Then Playwright
 * runs as a child that stops with this process, and the verdict its reporter wrote decides
 * the exit code.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { environmentName, isReadOnly, loadEnvironment, readProfile } from '../lib/environment.ts';
import { EXIT_CODES, VERDICT_FILE, type VerdictRecord } from '../lib/report/run-verdict.ts';
import { plannedTargets } from '../lib/targets.ts';
import { command } from './command.ts';

const ROOT = join(import.meta.dirname, '..');
const PLAYWRIGHT_CLI = join(ROOT, 'node_modules/@playwright/test/cli.js');

const tool = command({
  name: 'npm start',
  usage: 'npm start [-- <playwright test options>]',
  summary: 'Runs the tenant-isolation suite against TEST_ENV (default: the built-in sandbox) and prints its verdict.',
  details: [
    'Options after -- go to `playwright test` (e.g. --grep @incident-2025-06-09, --project, --shard=1/3).',
    'Environment: TEST_ENV, TARGET_URL, SANDBOX_VARIANT, SANDBOX_VARIANTS; every variable is in .env.example.',
  ],
  passThrough: true,
});
const args = tool.parse(process.argv.slice(2)).rest;

tool.guard(() => {
  const profile = readProfile(environmentName());
  plannedTargets(profile);
  // Every variable the profile needs, named at once; the sandbox's address is known only once it starts.
  loadEnvironment(process.env, { offline: profile.startsSandbox === true });
  if (isReadOnly(profile) && args.some((arg) => /^--(grep-invert|project)\b/.test(arg))) {
    throw new Error(`${profile.name} is read-only: --grep-invert and --project could select checks that write, so they are refused there.`);
  }
});

// A verdict left by an earlier run must not speak for this one.
const verdictFile = join(process.env.SUITE_ARTIFACTS_DIR ?? ROOT, 'test-results', VERDICT_FILE);
rmSync(verdictFile, { force: true });
const child = spawn(process.execPath, [PLAYWRIGHT_CLI, 'test', ...args], { cwd: ROOT, stdio: 'inherit', env: process.env });
tool.stopsWith(child);
child.on('close', (code, signal) => {
  const file = verdictFile;
  if (signal) process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
  if (!existsSync(file)) {
    console.error(`npm start: the run ended without a verdict (Playwright exit ${code}); see its output above.`);
    process.exit(EXIT_CODES['suite-error']);
  }
  const record = JSON.parse(readFileSync(file, 'utf8')) as VerdictRecord;
  process.exit(record.exitCode);
});
