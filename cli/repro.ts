/**
 * `npm run repro -- <incident> [--env <name>]`: brings an incident back, or tells whether an
 * environment still has it. An incident is a folder of incidents/: a short document, its
 * tagged specs, and the sandbox variant that carries its bug. The evidence printed is
 * tenants and counts from the verdicts, never patient data.
 *
 * Exit codes keep every command's convention, read as "0 = what you asked for happened":
 * - on the sandbox (the default) the variant is started and the incident's checks must catch
 *   it with isolation findings: REPRODUCED is what was asked for, exit 0. NOT REPRODUCED means
 *   the variant or the checks no longer do what they are for, a bug of ours: exit 4.
 * - against another environment: FIXED exit 0, STILL PRESENT exit 1 (an isolation finding).
 * - COULD NOT TELL, on either: 2 when the run was set up wrong, 4 when the suite failed, 3 when
 *   the target did not answer as docs/target.md says or nothing could be judged. An isolation finding
 *   outweighs every other failure of the run, as in the run's own verdict.
 * - 2 as well for a usage or configuration error found before the run (an unknown incident,
 *   profile or missing variable).
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadEnvironment, readProfile } from '../lib/environment.ts';
import type { Verdict } from '../lib/oracle/index.ts';
import { EXIT_CODES, VERDICT_FILE, type VerdictRecord } from '../lib/report/run-verdict.ts';
import { caught, runSuite, type TestOutcome } from '../lib/suite-run.ts';
import { parseVariant } from '../sandbox/variants.ts';
import { command } from './command.ts';

interface Incident {
  readonly id: string;
  readonly title: string;
  readonly tag: string;
  readonly variant: string;
  /** The stable ids of the checks that replay it (lib/checks.ts). */
  readonly checks: readonly string[];
}

const NAME = 'npm run repro';
const INCIDENTS_DIR = join(import.meta.dirname, '../incidents');
const known = readdirSync(INCIDENTS_DIR)
  .filter((entry) => existsSync(join(INCIDENTS_DIR, entry, 'incident.json')))
  .sort();

const tool = command({
  name: NAME,
  usage: `${NAME} -- <incident> [--env <name>]`,
  summary: 'Brings a past incident back on the sandbox, or tells whether an environment still has it.',
  details: [
    `<incident>    a folder of incidents/: ${known.join(', ') || 'none yet'}`,
    '--env NAME    the environment profile to check (default TEST_ENV, else sandbox: the incident\'s variant is started)',
  ],
  exitCodes: [
    '0 REPRODUCED on the sandbox, or FIXED in the environment',
    '1 STILL PRESENT in the environment (an isolation finding)',
    '2 usage or configuration error (an unknown incident or profile, a missing variable)',
    '3 COULD NOT TELL: the target did not answer as the dashboard spec says, or nothing could be judged',
    '4 NOT REPRODUCED on the sandbox (the variant or its checks are broken), or COULD NOT TELL because the suite failed',
  ],
  allowPositionals: true,
  options: { env: { type: 'string' } },
});
const { positionals, values } = tool.parse(process.argv.slice(2));
if (positionals.length === 0) tool.usageError(`which incident? incidents: ${known.join(', ')}`);
if (positionals.length > 1) tool.usageError(`one incident at a time, got ${positionals.join(' ')}`);
const id = positionals[0] ?? '';
if (!known.includes(id)) tool.usageError(`unknown incident ${id}; incidents: ${known.join(', ')}`);
const incident = JSON.parse(readFileSync(join(INCIDENTS_DIR, id, 'incident.json'), 'utf8')) as Incident;
const envName = typeof values.env === 'string' ? values.env : process.env.TEST_ENV || 'sandbox';

// The run's configuration is checked before Playwright starts, so that a missing variable is
// one line, not a run that ends COULD NOT TELL.
const onSandbox = tool.guard(() => {
  const profile = readProfile(envName);
  const startsSandbox = profile.startsSandbox === true;
  if (startsSandbox) parseVariant(incident.variant);
  loadEnvironment({ ...process.env, TEST_ENV: envName, ...(startsSandbox ? { TARGET_URL: '' } : {}) }, { offline: startsSandbox });
  return startsSandbox;
});
const started = Date.now();

console.log(`Incident ${incident.id}: ${incident.title}`);
console.log(onSandbox ? `Bringing it back on the sandbox (variant ${incident.variant})...` : `Checking ${envName} for it...`);
const run = await runSuite(
  {
    TEST_ENV: envName,
    ...(onSandbox ? { SANDBOX_VARIANT: incident.variant, SANDBOX_VARIANTS: '', TARGET_URL: '', TARGET_URLS: '' } : {}),
  },
  // The incident's checks need no pact, so the consumer contract project they follow is not run.
  ['--project=isolation', '--no-deps', `--grep=${incident.tag}`],
  // A kill of repro stops Playwright, and Playwright its sandbox and browsers.
  (child) => tool.stopsWith(child),
);
const runVerdict = readRunVerdict(run.artifactsDir);
rmSync(run.artifactsDir, { recursive: true, force: true });

const checks = run.outcomes.filter((outcome) => outcome.check !== undefined && incident.checks.includes(outcome.check) && !outcome.skipped);
// Only an isolation finding is a catch: a target that failed to answer proves nothing either way.
const findings = checks.filter(caught);
const crashed = checks.filter((outcome) => !outcome.ok && !caught(outcome));
const seconds = ((Date.now() - started) / 1000).toFixed(1);

if (findings.length > 0) {
  console.log(`\n${onSandbox ? 'REPRODUCED' : `STILL PRESENT in ${envName}`} in ${seconds}s: ${findings.length} of ${checks.length} check(s) caught it.`);
  for (const outcome of findings) printEvidence(outcome);
  if (crashed.length > 0) console.log(`  (${crashed.length} other check(s) failed for another reason; the findings above stand.)`);
  process.exit(onSandbox ? EXIT_CODES.pass : EXIT_CODES.finding);
}
if (checks.length === 0 || crashed.length > 0) {
  const code = couldNotTellCode(crashed);
  console.log(`\nCOULD NOT TELL in ${seconds}s: ${checks.length === 0 ? 'no check of the incident ran' : `${crashed.length} check(s) failed for another reason`}.`);
  const reasons = crashed.flatMap((outcome) => outcome.errors.slice(0, 1).map((error) => `  - ${outcome.title.split(' › ').at(-1)}: ${error.split('\n')[0]}`));
  const runLines = run.output.split('\n').filter((line) => /Error|error/.test(line));
  console.log((reasons.length > 0 ? reasons : runLines).slice(0, 10).join('\n'));
  process.exit(code);
}
if (onSandbox) {
  console.log(`\nNOT REPRODUCED in ${seconds}s: all ${checks.length} check(s) of the incident passed on its own variant; the variant or the checks are broken.`);
  process.exit(EXIT_CODES['suite-error']);
}
console.log(`\nFIXED in ${envName} in ${seconds}s: all ${checks.length} check(s) of the incident passed.`);
process.exit(EXIT_CODES.pass);

/** The exit code of a run that neither caught the incident nor cleared it, by the kind of its failures. */
function couldNotTellCode(failed: readonly TestOutcome[]): number {
  const kinds = new Set(failed.map((outcome) => outcome.kind));
  if (kinds.has('configuration')) return EXIT_CODES['config-error'];
  if (kinds.has('suite')) return EXIT_CODES['suite-error'];
  if (kinds.has('target')) return EXIT_CODES['target-error'];
  // No check of the incident ran: the run's own verdict says why (a dead target, a setup
  // error), and a run that judged nothing at all is a target with nothing to judge.
  if (runVerdict && runVerdict.exitCode !== EXIT_CODES.pass && runVerdict.exitCode !== EXIT_CODES.finding) return runVerdict.exitCode;
  return run.outcomes.length === 0 && !runVerdict ? EXIT_CODES['suite-error'] : EXIT_CODES['target-error'];
}

function readRunVerdict(artifactsDir: string): VerdictRecord | null {
  try {
    return JSON.parse(readFileSync(join(artifactsDir, 'test-results', VERDICT_FILE), 'utf8')) as VerdictRecord;
  } catch {
    return null;
  }
}

function printEvidence(outcome: TestOutcome): void {
  console.log(`  - ${outcome.title.split(' › ').at(-1)}`);
  for (const verdict of outcome.verdicts.filter((candidate: Verdict) => candidate.status !== 'pass')) {
    console.log(`      ${verdict.surface} received by ${verdict.subject.persona} (${verdict.subject.organizationId ?? 'all'}): ${verdict.rowsRead} rows, ${verdict.foreignRowsSeen} of other tenants`);
    for (const finding of verdict.findings) {
      const tenants = (finding.byTenant ?? []).map((tenant) => `${tenant.name ?? tenant.organizationId} ${tenant.count}`).join(', ');
      console.log(`        ${finding.kind}: ${finding.count}${tenants ? ` (${tenants})` : ''}`);
    }
  }
}
