/**
 * `npm run mutation [-- <stryker run options>]`: the mutation score, a second measure of the
 * suite's power to detect, beside the proof of detection's hand-made variants. StrykerJS
 * mutates the sandbox's scoping, session, parameter and export code (stryker.config.ts), runs
 * the whole suite against each mutant, and this script prints the score and the survivors.
 *
 * Stryker's command runner counts any failing exit as a kill, but only an isolation finding
 * is a catch (README, "Exit codes"): a mutant that crashes the sandbox fails the suite with a
 * target error. So each mutant's run goes through this script too (`--mutant`), which keeps
 * its verdict in a ledger, and the summary says how many mutants were killed by an isolation
 * finding and how many by a crash.
 *
 * Exit codes: 0 every survivor is explained in docs/mutation-survivors.md and the scoping and
 * session code's score reaches its goal; 1 otherwise; 2 usage or configuration error; 4 Stryker
 * or the suite failed to run.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { command, USAGE_ERROR } from '../cli/command.ts';
import { EXIT_CODES, VERDICT_FILE, type RunVerdict, type VerdictRecord } from '../lib/report/run-verdict.ts';

const ROOT = join(import.meta.dirname, '..');
const REPORT_DIR = 'reports/mutation';
const REPORT_FILE = join(REPORT_DIR, 'mutation.json');
const LEDGER_FILE = join(REPORT_DIR, 'verdicts.jsonl');
const SUMMARY_FILE = join(REPORT_DIR, 'summary.md');
const SURVIVORS_DOC = 'docs/mutation-survivors.md';
/** The files whose score the goal is about: where whose rows and who asks are decided. */
const SCOPING_AND_SESSION = ['sandbox/scope.ts', 'sandbox/sessions.ts', 'sandbox/database.ts', 'sandbox/api.ts'];
const GOAL = 0.9;
/** Set by --full-crash-runs for each mutant's trial. */
const FULL_CRASH_RUNS_VARIABLE = 'MUTATION_FULL_CRASH_RUNS';
const FULL_CRASH_RUNS = '--full-crash-runs';

/**
 * The suite as each mutant meets it: the correct sandbox and the proofs' dataset, on which
 * every check still has its planted rows (test/support/proof.ts). A hung request is a target
 * error after 10 s rather than a Stryker timeout. Not SUITE_PROOF=1: it marks a failed check
 * as expected, so that --max-failures would never stop the run; stopped at its first
 * failure, a run has no worker to keep alive.
 */
const SUITE_ENV: NodeJS.ProcessEnv = {
  TEST_ENV: 'sandbox',
  SANDBOX_VARIANT: 'correct',
  SANDBOX_VARIANTS: '',
  TARGET_URL: '',
  DATASET_ROWS: '160',
  SUITE_PROOF: '',
  TARGET_REQUEST_TIMEOUT_MS: '10000',
};

interface LedgerEntry {
  readonly mutant: string | null;
  readonly exitCode: number;
  readonly verdict: RunVerdict | 'none';
  /** The ids of the checks that reported an isolation finding. */
  readonly checks: readonly string[];
  readonly seconds: number;
  /** Where the run stopped at a target or suite error: that first verdict, and how the full run went. */
  readonly firstVerdict?: RunVerdict | 'none';
  readonly fullRun?: 'completed' | 'cut short';
}

const tool = command({
  name: 'npm run mutation',
  usage: 'npm run mutation [-- <stryker run options, e.g. --mutate sandbox/scope.ts>]',
  summary: "Mutates the sandbox's scoping, session, parameter and export code, runs the suite against each mutant, and prints the score and the survivors.",
  details: [
    'Options after -- go to `stryker run` unread (e.g. --mutate sandbox/scope.ts:29-33 for a quick subset).',
    `${FULL_CRASH_RUNS}   tries each mutant killed by a target or suite error again in full, to see whether a check would also have found a leak (slower; the nightly's choice).`,
    '--report-only   prints the summary of the last run again (after editing the survivors list), without running Stryker.',
    `Reports: ${REPORT_FILE} (Stryker's JSON), ${REPORT_DIR}/mutation.html, and ${LEDGER_FILE} (each mutant's suite verdict).`,
    `Survivors explained (equivalent, or changing no tenant line) are listed in ${SURVIVORS_DOC}.`,
  ],
  exitCodes: [
    `0 every survivor is explained in ${SURVIVORS_DOC}, and the scoping and session code's score is at least ${GOAL * 100}%`,
    '1 a survivor nobody explained, or a score under the goal',
    '2 usage or configuration error',
    '4 Stryker or the suite could not run',
  ],
  passThrough: true,
});

const args = process.argv.slice(2);
if (args[0] === '--mutant') await runMutant();
else if (args[0] === '--report-only') {
  tool.parse(args.slice(1));
  if (!existsSync(join(ROOT, REPORT_FILE))) tool.usageError(`no ${REPORT_FILE} to summarise: run \`npm run mutation\` first`);
  process.exit(summarise(readReport(join(ROOT, REPORT_FILE)), readLedger(join(ROOT, LEDGER_FILE)), undefined));
}
else await mutationTest(tool.parse(args).rest);

/**
 * One mutant's trial, as Stryker's command runner asks for it: in Stryker's copy of the tree,
 * with the mutant to activate in __STRYKER_ACTIVE_MUTANT__ (none for the dry run).
 *
 * The suite stops at its first failing check: one is enough to kill a mutant. But a first
 * failure that is a target or suite error stops the run before a check that would have found
 * a leak had its turn, and only a finding is a catch. With --full-crash-runs (the nightly's
 * choice: it costs a whole suite run per crash) such a mutant is tried again in full, and
 * the full run's verdict, where a finding outweighs any other failure, is its own. The full
 * run gets as long as the clean dry run took, which stays inside Stryker's timeout for the
 * mutant (30 s plus 1.5 times the dry run); a run cut short keeps the first verdict.
 */
async function runMutant(): Promise<void> {
  const mutant = process.env.__STRYKER_ACTIVE_MUTANT__ || null;
  const ledger = process.env.MUTATION_LEDGER;
  const reporter = '--reporter=dot,./lib/report/verdict-reporter.ts';
  // The consumer side of the contract runs against pact's mock, never the sandbox, so no
  // mutant can change it; the dry run wrote its pact, which the provider check verifies.
  const skipConsumer = mutant !== null && hasPact() ? ['--no-deps', '--project=isolation'] : [];
  // A signal stops the trial: Stryker's timeout, or Ctrl+C. The suite gets it too (runSuite).
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => (stopping = true));
  const started = Date.now();
  const first = await runSuite([reporter, ...(mutant === null ? [] : ['--max-failures=1']), ...skipConsumer], {});
  let final = first;
  let fullRun: LedgerEntry['fullRun'];
  const budget = ledger && process.env[FULL_CRASH_RUNS_VARIABLE] === '1' ? dryRunSeconds(ledger) : undefined;
  if (stopping) process.exit(first.exitCode);
  if (mutant !== null && first.exitCode !== EXIT_CODES.pass && first.exitCode !== EXIT_CODES.finding && budget !== undefined) {
    // SUITE_PROOF=1 keeps the workers alive through the failures of a run not stopped at the first.
    const full = await runSuite([reporter, ...skipConsumer], { SUITE_PROOF: '1' }, budget * 1000);
    if (stopping) process.exit(full.exitCode);
    fullRun = full.cut ? 'cut short' : 'completed';
    if (!full.cut) final = full;
  }
  const entry: LedgerEntry = {
    mutant,
    exitCode: final.exitCode,
    verdict: final.record?.verdict ?? 'none',
    checks: [...new Set(final.record?.findings.map((finding) => finding.check) ?? [])].sort(),
    seconds: Math.round((Date.now() - started) / 1000),
    ...(fullRun === undefined ? {} : { firstVerdict: first.record?.verdict ?? 'none', fullRun }),
  };
  if (ledger) appendFileSync(ledger, `${JSON.stringify(entry)}\n`);
  // What Stryker keeps as a killed mutant's reason: the verdict's PHI-free line, the checks
  // that found it, and for anything but a pass or a finding the end of the run's output.
  console.log(final.record?.summary ?? `no verdict (exit ${final.exitCode})`);
  if (entry.checks.length > 0) console.log(`isolation findings by: ${entry.checks.join(', ')}`);
  if (final.exitCode !== EXIT_CODES.pass && final.exitCode !== EXIT_CODES.finding) console.log(final.output.split('\n').slice(-25).join('\n'));
  process.exit(final.exitCode);
}

interface SuiteResult {
  readonly exitCode: number;
  readonly record: VerdictRecord | undefined;
  readonly output: string;
  /** Stopped for running past its time. */
  readonly cut: boolean;
}

async function runSuite(args: readonly string[], env: NodeJS.ProcessEnv, timeLimitMs?: number): Promise<SuiteResult> {
  const verdictFile = join(process.cwd(), 'test-results', VERDICT_FILE);
  rmSync(verdictFile, { force: true });
  const output: string[] = [];
  const child = spawn(process.execPath, ['cli/start.ts', ...args], { cwd: process.cwd(), env: { ...process.env, ...SUITE_ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  // Stryker stops a mutant's run (a timeout, Ctrl+C) by signals to this process: they reach the suite too.
  tool.stopsWith(child);
  child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  let cut = false;
  const timer =
    timeLimitMs === undefined
      ? undefined
      : setTimeout(() => {
          cut = true;
          // `npm start` stops Playwright, and Playwright its browsers.
          child.kill('SIGTERM');
        }, timeLimitMs);
  const exitCode = await new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? EXIT_CODES['suite-error'])));
  clearTimeout(timer);
  return { exitCode, record: cut ? undefined : readVerdict(verdictFile), output: output.join(''), cut };
}

/** How long the clean run took, from the ledger's dry-run entry. */
function dryRunSeconds(ledger: string): number | undefined {
  if (!existsSync(ledger)) return undefined;
  const entries = readFileSync(ledger, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as LedgerEntry);
  return entries.find((entry) => entry.mutant === null && entry.exitCode === EXIT_CODES.pass)?.seconds;
}

function hasPact(): boolean {
  const folder = join(process.cwd(), 'pacts');
  return existsSync(folder) && readdirSync(folder).some((name) => name.endsWith('.json'));
}

function readVerdict(path: string): VerdictRecord | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as VerdictRecord;
  } catch {
    return undefined;
  }
}

async function mutationTest(args: readonly string[]): Promise<void> {
  const fullCrashRuns = args.includes(FULL_CRASH_RUNS);
  const strykerArgs = args.filter((arg) => arg !== FULL_CRASH_RUNS);
  mkdirSync(join(ROOT, REPORT_DIR), { recursive: true });
  const ledger = join(ROOT, LEDGER_FILE);
  rmSync(ledger, { force: true });
  rmSync(join(ROOT, REPORT_FILE), { force: true });
  rmSync(join(ROOT, SUMMARY_FILE), { force: true });
  const started = Date.now();
  const stryker = spawn(process.execPath, [join(ROOT, 'node_modules/@stryker-mutator/core/bin/stryker.js'), 'run', 'stryker.config.ts', ...strykerArgs], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, MUTATION_LEDGER: ledger, [FULL_CRASH_RUNS_VARIABLE]: fullCrashRuns ? '1' : '' },
  });
  tool.stopsWith(stryker);
  const code = await new Promise<number | null>((resolve) => stryker.on('close', resolve));
  if (code !== 0 || !existsSync(join(ROOT, REPORT_FILE))) {
    console.error(`npm run mutation: Stryker did not finish (exit ${code}); see its output above.`);
    process.exit(code === USAGE_ERROR ? USAGE_ERROR : EXIT_CODES['suite-error']);
  }
  const minutes = (Date.now() - started) / 60_000;
  process.exit(summarise(readReport(join(ROOT, REPORT_FILE)), readLedger(ledger), minutes));
}

interface ReportMutant {
  readonly id: string;
  readonly mutatorName: string;
  readonly replacement?: string;
  readonly status: 'Killed' | 'Survived' | 'NoCoverage' | 'Timeout' | 'CompileError' | 'RuntimeError' | 'Ignored' | 'Pending';
  readonly location: { readonly start: { readonly line: number; readonly column: number }; readonly end: { readonly line: number; readonly column: number } };
}

interface Report {
  readonly files: Readonly<Record<string, { readonly source: string; readonly mutants: readonly ReportMutant[] }>>;
}

function readReport(path: string): Report {
  return JSON.parse(readFileSync(path, 'utf8')) as Report;
}

function readLedger(path: string): Map<string, LedgerEntry> {
  const entries = existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as LedgerEntry) : [];
  return new Map(entries.filter((entry) => entry.mutant !== null).map((entry) => [entry.mutant as string, entry]));
}

/** How a mutant ended, in the suite's words: only `finding` is a catch. */
type Outcome = 'finding' | 'crash' | 'timeout' | 'survived' | 'error';

function outcomeOf(mutant: ReportMutant, ledger: Map<string, LedgerEntry>): Outcome {
  if (mutant.status === 'Timeout') return 'timeout';
  if (mutant.status === 'Survived' || mutant.status === 'NoCoverage') return 'survived';
  if (mutant.status !== 'Killed') return 'error';
  return ledger.get(mutant.id)?.exitCode === EXIT_CODES.finding ? 'finding' : 'crash';
}

interface Tally {
  total: number;
  finding: number;
  crash: number;
  timeout: number;
  survived: number;
  error: number;
  equivalent: number;
  /** Explained survivors that change an answer but never whose rows: not equivalent, so the goal still counts them as survivors. */
  noTenantLine: number;
}

function emptyTally(): Tally {
  return { total: 0, finding: 0, crash: 0, timeout: 0, survived: 0, error: 0, equivalent: 0, noTenantLine: 0 };
}

/** Stryker's own score: killed (by anything) and timed out, over every valid mutant. */
function scoreOf(tally: Tally): number {
  const valid = tally.total - tally.error;
  return valid === 0 ? 1 : (tally.finding + tally.crash + tally.timeout) / valid;
}

/**
 * The score the goal is about: over the mutants that could be killed at all. A mutant the
 * survivors list explains as equivalent behaves as the original does for every request, so
 * no check could kill it. One explained as changing no tenant line still counts as a
 * survivor here: it is not equivalent, only outside what an isolation check should fail.
 */
function killableScoreOf(tally: Tally): number {
  const killable = tally.total - tally.error - tally.equivalent;
  return killable === 0 ? 1 : (tally.finding + tally.crash + tally.timeout) / killable;
}

function percent(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

function summarise(report: Report, ledger: Map<string, LedgerEntry>, minutes: number | undefined): number {
  const explained = readExplained(join(ROOT, SURVIVORS_DOC));
  const byFile = new Map<string, Tally>();
  const crashes = new Map<string, number>();
  const survivors: string[] = [];
  const unexplained: string[] = [];
  for (const [file, { source, mutants }] of Object.entries(report.files)) {
    const lines = source.split('\n');
    const tally = byFile.get(file) ?? emptyTally();
    byFile.set(file, tally);
    for (const mutant of mutants) {
      if (mutant.status === 'Ignored') continue;
      const outcome = outcomeOf(mutant, ledger);
      tally.total++;
      tally[outcome]++;
      if (outcome === 'crash') {
        const verdict = ledger.get(mutant.id)?.verdict ?? 'none';
        crashes.set(verdict, (crashes.get(verdict) ?? 0) + 1);
      }
      if (outcome !== 'survived') continue;
      const key = survivorKey(file, lines, mutant);
      const explanation = explained.get(key);
      if (explanation === 'equivalent') tally.equivalent++;
      if (explanation === 'no tenant line') tally.noTenantLine++;
      const line = `  ${file}:${mutant.location.start.line}:${mutant.location.start.column} ${mutant.mutatorName}: ${describeChange(lines, mutant)}${explanation === undefined ? '' : `  (${explanation}, see the list)`}`;
      survivors.push(line);
      if (explanation === undefined) unexplained.push(`  | ${key} | ... |`);
    }
  }

  const all = [...byFile.values()].reduce((sum, tally) => addTally(sum, tally), emptyTally());
  const core = SCOPING_AND_SESSION.map((file) => byFile.get(file)).filter((tally): tally is Tally => tally !== undefined).reduce(addTally, emptyTally());
  const header = ['file', 'mutants', 'by finding', 'by crash', 'timed out', 'survived', 'equivalent', 'no tenant line', 'score', 'goal score'];
  const rows = [...byFile.entries()].map(([file, tally]) => [relative('.', file), ...columns(tally)]);
  const out: string[] = [];
  out.push('');
  out.push('Mutation score of the suite against the sandbox (killed or timed out, over all mutants):');
  for (const line of table(header, [...rows, ['all', ...columns(all)]])) out.push(`  ${line}`);
  out.push('');
  out.push(`Score ${percent(scoreOf(all))}: ${all.finding + all.crash} of ${all.total} mutants killed (${all.finding} by an isolation finding, ${all.crash} by a crash), ${all.timeout} timed out, ${all.survived} survived (${all.equivalent} explained as equivalent, ${all.noTenantLine} as changing no tenant line)${minutes === undefined ? '' : `, in ${minutes.toFixed(0)} min`}.`);
  out.push(`Killed by an isolation finding alone: ${percent(all.total === 0 ? 1 : all.finding / all.total)} of the mutants.`);
  if (crashes.size > 0) {
    const byVerdict = [...crashes.entries()].map(([verdict, count]) => `${count} ${verdict}`).join(', ');
    const tried = [...ledger.values()].filter((entry) => entry.fullRun !== undefined);
    const cut = tried.filter((entry) => entry.fullRun === 'cut short').length;
    out.push(
      tried.length > 0
        ? `Killed by a crash, by the suite's verdict: ${byVerdict}. Each was tried again in full, and no isolation check found a leak${cut > 0 ? ` (${cut} full run(s) ran out of time and kept their first verdict)` : ''}.`
        : `Killed by a crash, by the suite's verdict: ${byVerdict}. A run stops at its first failure, so a check that would have found a leak later may not have run: the count by finding is a lower bound (${FULL_CRASH_RUNS} tries each again in full).`,
    );
  }
  out.push(`Over the mutants not explained as equivalent (the goal's measure): ${percent(killableScoreOf(all))}.`);
  const coreScore = killableScoreOf(core);
  const coreLine = `Scoping and session code (${SCOPING_AND_SESSION.join(', ')}): ${percent(coreScore)} of the mutants not explained as equivalent killed or timed out (${percent(scoreOf(core))} of all); goal ${percent(GOAL)}.`;
  if (core.total > 0) out.push(coreLine);
  out.push('');
  if (survivors.length === 0) out.push('No mutant survived.');
  else out.push(`Survivors (${survivors.length}):\n${survivors.join('\n')}`);
  if (unexplained.length > 0) {
    out.push('');
    out.push(`${unexplained.length} survivor(s) not explained in ${SURVIVORS_DOC}: kill each with a sharper check, or add its row (first column as below) with why it is equivalent:`);
    for (const line of unexplained) out.push(line);
  }
  for (const line of out) console.log(line);
  // The same, for CI's job summary.
  writeFileSync(join(ROOT, SUMMARY_FILE), `## Mutation score\n\n\`\`\`\n${out.join('\n').trim()}\n\`\`\`\n`);
  return unexplained.length > 0 || (core.total > 0 && coreScore < GOAL) ? 1 : 0;
}

function addTally(sum: Tally, tally: Tally): Tally {
  return {
    total: sum.total + tally.total,
    finding: sum.finding + tally.finding,
    crash: sum.crash + tally.crash,
    timeout: sum.timeout + tally.timeout,
    survived: sum.survived + tally.survived,
    error: sum.error + tally.error,
    equivalent: sum.equivalent + tally.equivalent,
    noTenantLine: sum.noTenantLine + tally.noTenantLine,
  };
}

function columns(tally: Tally): string[] {
  return [tally.total, tally.finding, tally.crash, tally.timeout, tally.survived, tally.equivalent, tally.noTenantLine].map(String).concat(percent(scoreOf(tally)), percent(killableScoreOf(tally)));
}

/** The code a mutant changed, and what it became, on one line each side. */
function describeChange(lines: readonly string[], mutant: ReportMutant): string {
  const original = originalText(lines, mutant);
  const squash = (text: string): string => {
    const flat = text.replace(/\s+/g, ' ').trim();
    return flat.length > 70 ? `${flat.slice(0, 67)}...` : flat;
  };
  return `${squash(original)} -> ${squash(mutant.replacement ?? '')}`;
}

function originalText(lines: readonly string[], mutant: ReportMutant): string {
  const { start, end } = mutant.location;
  const span = lines.slice(start.line - 1, end.line);
  if (span.length === 0) return '';
  if (span.length === 1) return (span[0] ?? '').slice(start.column - 1, end.column - 1);
  span[0] = (span[0] ?? '').slice(start.column - 1);
  span[span.length - 1] = (span[span.length - 1] ?? '').slice(0, end.column - 1);
  return span.join('\n');
}

/**
 * A survivor's key in the list of equivalents: its file, mutator, and the code before and
 * after, without line numbers, which move whenever someone edits the file above it.
 */
function survivorKey(file: string, lines: readonly string[], mutant: ReportMutant): string {
  // Backticks would end the code span, and a bare pipe the table cell.
  return `\`${file}\` ${mutant.mutatorName}: \`${describeChange(lines, mutant).replaceAll('`', "'").replaceAll('|', '\\|')}\``;
}

type Explanation = 'equivalent' | 'no tenant line';

/**
 * The survivors list's table rows: the key in the first column, and the reason's kind, read
 * from the bold words that open the second (**No tenant line.**, or any kind of equivalence).
 */
function readExplained(path: string): Map<string, Explanation> {
  if (!existsSync(path)) return new Map();
  const rows = readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line): [string, Explanation] => {
      const end = line.indexOf('` |', 2) + 1;
      return [line.slice(2, end), line.slice(end).startsWith(' | **No tenant line.') ? 'no tenant line' : 'equivalent'];
    });
  return new Map(rows);
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((cell, index) => Math.max(cell.length, ...rows.map((row) => (row[index] ?? '').length)));
  const format = (row: readonly string[]): string => row.map((cell, index) => (index === 0 ? cell.padEnd(widths[index] ?? 0) : cell.padStart(widths[index] ?? 0))).join('  ');
  return [format(header), ...rows.map(format)];
}
