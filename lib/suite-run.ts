/**
 * Runs the Playwright suite as a user would (`npm start`), in a child process with its own
 * artifacts folder, and reads back what it decided: exit code, output, and each check's
 * outcome with its error messages and verdicts. The incident repro and the project's own
 * tests both drive the suite through here.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Verdict } from './oracle/index.ts';

/** The name of the JSON attachment in which each check leaves its verdicts. */
export const VERDICT_ATTACHMENT = 'verdict.json';

export interface TestOutcome {
  readonly title: string;
  readonly tags: readonly string[];
  readonly ok: boolean;
  readonly errors: readonly string[];
  readonly verdicts: readonly Verdict[];
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
  specs?: {
    title: string;
    ok: boolean;
    tags?: string[];
    tests: { results: { errors: { message?: string }[]; attachments?: { name: string; body?: string }[] }[] }[];
  }[];
}

const ROOT = join(import.meta.dirname, '..');
const PLAYWRIGHT_CLI = join(ROOT, 'node_modules/@playwright/test/cli.js');

export async function runSuite(env: NodeJS.ProcessEnv, args: readonly string[] = []): Promise<SuiteRun> {
  const artifactsDir = mkdtempSync(join(tmpdir(), 'isolation-run-'));
  const { code, output } = await runNode([PLAYWRIGHT_CLI, 'test', ...args], { ...env, SUITE_ARTIFACTS_DIR: artifactsDir, FORCE_COLOR: '0' });
  return { exitCode: code, output, artifactsDir, outcomes: readOutcomes(artifactsDir) };
}

/** Runs a Node script of this project in a child process, on this Node, and collects what it printed. */
export async function runNode(args: readonly string[], env: NodeJS.ProcessEnv = {}, cwd: string = ROOT): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  return { code, output: Buffer.concat(chunks).toString('utf8') };
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
      const results = spec.tests.flatMap((test) => test.results);
      const errors = results.flatMap((result) => result.errors.map((error) => error.message ?? ''));
      const verdicts = results.flatMap((result) =>
        (result.attachments ?? [])
          .filter((attachment) => attachment.name === VERDICT_ATTACHMENT && attachment.body)
          .map((attachment) => JSON.parse(Buffer.from(attachment.body ?? '', 'base64').toString('utf8')) as Verdict),
      );
      outcomes.push({ title: [...here, spec.title].join(' › '), tags: spec.tags ?? [], ok: spec.ok, errors, verdicts });
    }
    for (const child of suite.suites ?? []) walk(child, here);
  };
  for (const suite of report.suites) walk(suite, []);
  return outcomes;
}
