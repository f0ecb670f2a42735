/**
 * Runs the Playwright suite as a user would (`npm start`), in a child process with its own
 * artifacts folder, and reads back what it decided: exit code, output, and each check's
 * outcome with its error messages and verdicts. The incident repro and the project's own
 * tests both drive the suite through here.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHECK_ANNOTATION, PERSONA_ANNOTATION } from './checks.ts';
import type { Verdict } from './oracle/index.ts';
import { kindOfFailure, type FailureKind } from './report/failure-kind.ts';

/** The name of the JSON attachment in which each check leaves its verdicts. */
export const VERDICT_ATTACHMENT = 'verdict.json';

export interface TestOutcome {
  readonly title: string;
  readonly tags: readonly string[];
  /** The target the check judged (the project's), `''` where it judged none. */
  readonly target: string;
  /** The check's stable id (lib/checks.ts). */
  readonly check: string | undefined;
  /** The persona's key, its tenant's id (`all` for an admin) and type, where the check acts as one. */
  readonly persona: { readonly key: string; readonly tenant: string; readonly type: string } | undefined;
  readonly ok: boolean;
  readonly skipped: boolean;
  /** How it failed; `undefined` when it did not. */
  readonly kind: FailureKind | undefined;
  readonly errors: readonly string[];
  readonly verdicts: readonly Verdict[];
}

/** The one rule by which a failed check counts as having caught a leak: it failed, with isolation findings only. */
export function caught(outcome: TestOutcome): boolean {
  return !outcome.ok && outcome.kind === 'isolation';
}

export interface SuiteRun {
  readonly exitCode: number | null;
  readonly output: string;
  readonly artifactsDir: string;
  readonly outcomes: readonly TestOutcome[];
}

interface JsonTest {
  projectName: string;
  status: string;
  annotations?: { type: string; description?: string }[];
  results: { status: string; errors: { message?: string }[]; attachments?: { name: string; body?: string }[] }[];
}

interface JsonSuite {
  title: string;
  suites?: JsonSuite[];
  specs?: { title: string; ok: boolean; tags?: string[]; tests: JsonTest[] }[];
}

interface JsonReport {
  config?: { projects?: { name: string; metadata?: { target?: string } }[] };
  suites: JsonSuite[];
}

const ROOT = join(import.meta.dirname, '..');
const PLAYWRIGHT_CLI = join(ROOT, 'node_modules/@playwright/test/cli.js');

export async function runSuite(env: NodeJS.ProcessEnv, args: readonly string[] = [], onSpawn?: (child: ChildProcess) => void): Promise<SuiteRun> {
  const artifactsDir = mkdtempSync(join(tmpdir(), 'isolation-run-'));
  const { code, output } = await runNode([PLAYWRIGHT_CLI, 'test', ...args], { ...env, SUITE_ARTIFACTS_DIR: artifactsDir, FORCE_COLOR: '0' }, ROOT, onSpawn);
  return { exitCode: code, output, artifactsDir, outcomes: readOutcomes(artifactsDir) };
}

/**
 * Runs a Node script of this project in a child process, on this Node, and collects what it
 * printed. `onSpawn` lets a command tie the child to its own life (cli/command.ts, stopsWith).
 */
export async function runNode(args: readonly string[], env: NodeJS.ProcessEnv = {}, cwd: string = ROOT, onSpawn?: (child: ChildProcess) => void): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  onSpawn?.(child);
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
  let report: JsonReport;
  try {
    report = JSON.parse(readFileSync(join(artifactsDir, 'test-results', 'results.json'), 'utf8')) as JsonReport;
  } catch {
    return [];
  }
  const targets = new Map((report.config?.projects ?? []).map((project) => [project.name, project.metadata?.target ?? '']));
  const outcomes: TestOutcome[] = [];
  const walk = (suite: JsonSuite, path: readonly string[]): void => {
    const here = suite.title ? [...path, suite.title] : path;
    for (const spec of suite.specs ?? []) {
      for (const test of spec.tests) {
        const errors = test.results.flatMap((result) => result.errors.map((error) => error.message ?? ''));
        const verdicts = test.results.flatMap((result) =>
          (result.attachments ?? [])
            .filter((attachment) => attachment.name === VERDICT_ATTACHMENT && attachment.body)
            .map((attachment) => JSON.parse(Buffer.from(attachment.body ?? '', 'base64').toString('utf8')) as Verdict),
        );
        const annotation = (type: string) => test.annotations?.find((candidate) => candidate.type === type)?.description;
        const [key, tenant = '', type = ''] = annotation(PERSONA_ANNOTATION)?.split(' | ') ?? [];
        // What each check really ended with, not whether that was expected (see e2e/support/test.ts).
        const skipped = test.status === 'skipped';
        const ok = skipped || test.results.every((result) => result.status === 'passed');
        outcomes.push({
          title: [...here, spec.title].join(' › '),
          tags: spec.tags ?? [],
          target: targets.get(test.projectName) ?? '',
          check: annotation(CHECK_ANNOTATION),
          persona: key ? { key, tenant, type } : undefined,
          ok,
          skipped,
          kind: ok ? undefined : kindOfFailure(errors),
          errors,
          verdicts,
        });
      }
    }
    for (const child of suite.suites ?? []) walk(child, here);
  };
  for (const suite of report.suites) walk(suite, []);
  return outcomes;
}
