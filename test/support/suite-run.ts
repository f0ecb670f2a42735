/**
 * Runs the whole Playwright suite as a user would (`npm start`), in a child process with
 * its own artifacts folder, and reads back what it decided: exit code, output, and each
 * test's outcome with its error messages.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestOutcome {
  readonly title: string;
  readonly ok: boolean;
  readonly errors: readonly string[];
}

export interface SuiteRun {
  readonly exitCode: number | null;
  readonly output: string;
  readonly artifactsDir: string;
  readonly outcomes: readonly TestOutcome[];
}

interface JsonSuite {
  title: string;
  suites?: JsonSuite[];
  specs?: { title: string; ok: boolean; tests: { results: { errors: { message?: string }[] }[] }[] }[];
}

const PLAYWRIGHT_CLI = join(import.meta.dirname, '../../node_modules/@playwright/test/cli.js');

export async function runSuite(env: NodeJS.ProcessEnv, args: readonly string[] = []): Promise<SuiteRun> {
  const artifactsDir = mkdtempSync(join(tmpdir(), 'isolation-run-'));
  const child = spawn(process.execPath, [PLAYWRIGHT_CLI, 'test', ...args], {
    cwd: join(import.meta.dirname, '../..'),
    env: { ...process.env, ...env, SUITE_ARTIFACTS_DIR: artifactsDir, FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  return { exitCode, output: Buffer.concat(chunks).toString('utf8'), artifactsDir, outcomes: readOutcomes(artifactsDir) };
}

function readOutcomes(artifactsDir: string): TestOutcome[] {
  let report: { suites: JsonSuite[] };
  try {
    report = JSON.parse(readFileSync(join(artifactsDir, 'test-results', 'results.json'), 'utf8')) as { suites: JsonSuite[] };
  } catch {
    return [];
  }
  const outcomes: TestOutcome[] = [];
  const walk = (suite: JsonSuite, path: readonly string[]): void => {
    const here = suite.title ? [...path, suite.title] : path;
    for (const spec of suite.specs ?? []) {
      const errors = spec.tests.flatMap((test) => test.results.flatMap((result) => result.errors.map((error) => error.message ?? '')));
      outcomes.push({ title: [...here, spec.title].join(' › '), ok: spec.ok, errors });
    }
    for (const child of suite.suites ?? []) walk(child, here);
  };
  for (const suite of report.suites) walk(suite, []);
  return outcomes;
}
