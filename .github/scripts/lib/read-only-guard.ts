/**
 * The read-only guard of a production run, run before `npm start` and before any request.
 *
 * The workflow checks this file out from the default branch (the trusted ref) and points it
 * at the run's checkout, so a branch cannot switch off the read-only rule by editing the
 * guard along with the rule. It asks the checkout's own Playwright what it would run
 * (`playwright test --list`, which loads the config and the specs but starts no browser, no
 * global setup and no request) and refuses unless:
 *
 * - the environment's profile says `production: true` (the GitHub environment holding its
 *   credentials is a production one, so a profile that says otherwise is switching the rule off);
 * - at least one check would run, every check is tagged `@readonly`, and none is a contract
 *   (provider verification seeds data).
 *
 * Dependency-free on purpose: it must not load anything the checked branch could replace
 * beyond the Playwright it asks.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ListedCheck {
  readonly file: string;
  readonly title: string;
  readonly tags: readonly string[];
}

interface JsonSuite {
  readonly specs?: readonly { readonly file?: string; readonly title?: string; readonly tags?: readonly string[] }[];
  readonly suites?: readonly JsonSuite[];
}

/** Every check in a `playwright test --list --reporter=json` report, with its tags as written (`@readonly`). */
export function listedChecks(report: { readonly suites?: readonly JsonSuite[] }): ListedCheck[] {
  const checks: ListedCheck[] = [];
  const walk = (suite: JsonSuite): void => {
    for (const spec of suite.specs ?? []) {
      checks.push({ file: spec.file ?? '?', title: spec.title ?? '?', tags: (spec.tags ?? []).map((tag) => (tag.startsWith('@') ? tag : `@${tag}`)) });
    }
    for (const child of suite.suites ?? []) walk(child);
  };
  for (const suite of report.suites ?? []) walk(suite);
  return checks;
}

export function readOnlyProblems(environment: string, profile: { readonly production?: unknown } | null, checks: readonly ListedCheck[]): string[] {
  const problems: string[] = [];
  if (!profile) problems.push(`environments/${environment}.json is missing or not JSON.`);
  else if (profile.production !== true) {
    problems.push(`environments/${environment}.json does not say "production": true, but the ${environment} credentials are production ones.`);
  }
  if (checks.length === 0) problems.push('Playwright lists no check to run: nothing would be judged.');
  for (const check of checks) {
    if (!check.tags.includes('@readonly')) problems.push(`${check.file}: "${check.title}" would run without the @readonly tag.`);
    else if (check.tags.includes('@contract') || /(^|\/)contracts\//.test(check.file)) problems.push(`${check.file}: "${check.title}" is a contract check, which seeds data.`);
  }
  return problems;
}

export interface GuardOutput {
  log(line: string): void;
}

/** `read-only-guard.ts <environment> [checkout]`: 0 when the run is read-only, 2 when it is not or cannot be told. */
export function runReadOnlyGuard(args: readonly string[], env: NodeJS.ProcessEnv, output: GuardOutput = { log: console.log }): number {
  const [environment, checkout = '.'] = args;
  if (!environment || !/^[a-z0-9][a-z0-9-]*$/.test(environment)) {
    output.log('usage: node read-only-guard.ts <environment> [checkout]');
    return 2;
  }
  const profile = readProfile(join(checkout, 'environments', `${environment}.json`));
  const scratch = mkdtempSync(join(tmpdir(), 'read-only-guard-'));
  const reportFile = join(scratch, 'list.json');
  try {
    const listing = spawnSync(join(checkout, 'node_modules/.bin/playwright'), ['test', '--list', '--reporter=json'], {
      cwd: checkout,
      encoding: 'utf8',
      env: { ...env, TEST_ENV: environment, PLAYWRIGHT_JSON_OUTPUT_FILE: reportFile },
      timeout: 120_000,
    });
    if (listing.status !== 0 || !existsSync(reportFile)) {
      output.log(`ReadOnlyGuardError: could not list the checks of ${environment} (playwright exited ${listing.status ?? 'by signal'}); refusing to run against production.`);
      output.log((listing.stderr ?? '').split('\n').slice(-5).join('\n'));
      return 2;
    }
    const problems = readOnlyProblems(environment, profile, listedChecks(JSON.parse(readFileSync(reportFile, 'utf8')) as { suites?: JsonSuite[] }));
    if (problems.length > 0) {
      output.log(`ReadOnlyGuardError: this run is not read-only against ${environment}; nothing was sent to it.`);
      for (const problem of problems) output.log(`  - ${problem}`);
      return 2;
    }
    output.log(`Read-only guard: ${environment} is a production profile and every check that would run is @readonly.`);
    return 0;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The profile as the checkout has it; missing or malformed is no profile, which the guard refuses. */
function readProfile(file: string): { readonly production?: unknown } | null {
  try {
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { production?: unknown }) : null;
  } catch {
    return null;
  }
}
