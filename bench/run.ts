/**
 * `npm run bench`: how the suite holds up at volume, on this machine, on one page.
 *
 *   1. the oracle on a 1,000,000-row export beside bare csv-parse on the same file, as the suite
 *      runs it and with other universes for scale, and its peak memory at 100,000 and 1,000,000 rows;
 *   2. the sandbox's export throughput at 1,000,000 rows and its peak memory;
 *   3. the wall time of `npm start` on the default sandbox, its contracts and each flow.
 *
 * A benchmark, not a test: a missed target is reported with its margin and the exit code
 * stays 0; only a figure that could not be measured makes it 4, a failure of ours (a mistaken
 * option, 2), as in every command's convention: 1 is an isolation finding, which a bench has none of.
 * `--help` says so; `--skip-suite` leaves out part 3, the slowest and noisiest. Every figure comes from a
 * process of its own (see judge-child.ts, sandbox-child.ts), so that one run's heap or JIT
 * state never colours another's. Progress goes to stderr, the page to stdout, and nothing
 * printed holds a cell of the data: the files and logs stay in a temp folder that is removed.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { arch, cpus, freemem, loadavg, release, tmpdir, totalmem, type } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { sandboxPassword } from '../fixtures/credentials.ts';
import { streamDataset } from '../fixtures/dataset.ts';
import { command } from '../cli/command.ts';
import { EXIT_CODES } from '../lib/report/run-verdict.ts';
import type { Measurement } from './judge-child.ts';
import type { SandboxReady, SandboxReport } from './sandbox-child.ts';

const ROOT = join(import.meta.dirname, '..');
const JUDGE_CHILD = join(import.meta.dirname, 'judge-child.ts');
const SANDBOX_CHILD = join(import.meta.dirname, 'sandbox-child.ts');

const SEED = 42;
const TENANTS = 50;
const LARGE = 1_000_000;
const SMALL = 100_000;
/** Five, so that the peak target is met (or not) in five fresh runs, as issue 10 asks. */
const ROUNDS = 5;
/** The clinic of the incident; the files are the Luna admin's, holding every tenant's rows. */
const SUBJECT = 'mhs-clinic';
const ADMIN = 'luna-admin';

/** Issue 10's targets: the oracle as run within 1.2x of csv-parse, under 150 MB at a million rows, npm start in 25 s. */
const TARGET = { ratio: 1.2, peakMB: 150, flatness: 0.1, npmStartSeconds: 25 } as const;
const LIMIT_MS = { judge: 120_000, sandboxLoad: 300_000, exportDownload: 300_000, npmStart: 600_000 } as const;

const tool = command({
  name: 'npm run bench',
  usage: 'npm run bench [-- --skip-suite]',
  summary: 'Measures the suite at volume on this machine: the oracle beside bare csv-parse on a 1,000,000-row export, its peak memory, the sandbox export, and npm start.',
  details: [
    '--skip-suite  leave out the npm start section (the whole Playwright suite, the slowest part)',
    'A benchmark, not a test: a missed target is reported with its margin and the exit code stays 0;',
    'exit 4 when a figure could not be measured, 2 for a usage error. Takes several minutes.',
  ],
  options: { 'skip-suite': { type: 'boolean' } },
});
const skipSuite = tool.parse(process.argv.slice(2)).values['skip-suite'] === true;

const started = performance.now();
const work = await mkdtemp(join(tmpdir(), 'isolation-bench-'));
const lines: string[] = [];
const print = (line = ''): void => {
  lines.push(line);
};
let unmeasured = 0;

function progress(message: string): void {
  process.stderr.write(`bench ${((performance.now() - started) / 1000).toFixed(0).padStart(4)}s  ${message}\n`);
}

async function section(title: string, body: () => Promise<void>): Promise<void> {
  print(title);
  try {
    await body();
  } catch (error) {
    unmeasured += 1;
    // Our own messages only: a child's output stays in its log in the work folder.
    print(`  not measured: ${error instanceof Error ? error.message : String(error)}`);
  }
  print();
}

try {
  printMachine();
  const files = { large: join(work, `export-${LARGE}.csv`), small: join(work, `export-${SMALL}.csv`) };
  await section(`Sandbox export, ${count(LARGE)} rows over HTTP (${TENANTS} tenants, seed ${SEED}; the Luna admin's export of every row)`, () =>
    sandboxSection(files),
  );
  await section(`Oracle on a ${count(LARGE)}-row export beside bare csv-parse on the same file`, () => oracleSection(files));
  if (skipSuite) print('npm start on the default sandbox: left out (--skip-suite)');
  else await section('npm start on the default sandbox', npmStartSection);
} finally {
  await cleanUp();
}
process.stdout.write(`${lines.join('\n')}\n`);
process.exitCode = unmeasured > 0 ? EXIT_CODES['suite-error'] : EXIT_CODES.pass;

/** The exports hold the generated people, so they never outlive the run; logs stay only to explain a failure. */
async function cleanUp(): Promise<void> {
  if (unmeasured === 0) {
    await rm(work, { recursive: true, force: true });
    progress('done');
    return;
  }
  for (const name of await readdir(work)) if (name.endsWith('.csv')) await rm(join(work, name), { force: true });
  progress(`done; ${unmeasured} section(s) could not be measured, logs in ${work}`);
}

function printMachine(): void {
  const cores = cpus();
  print(`Benchmark of the tenant isolation suite, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`);
  print(`Machine: ${cores[0]?.model.trim() ?? 'unknown CPU'}, ${cores.length} cores, ${gigabytes(totalmem())} GB memory (${gigabytes(freemem())} GB free)`);
  print(`         ${osName()}, ${arch()}, Node ${process.version}; load average at start ${loadavg().map((load) => load.toFixed(2)).join(' ')}`);
  print(`Figures: the oracle's are medians of ${ROUNDS} rounds, the sandbox's of one; each run is a fresh process, and peak memory is its maxRSS.`);
  print();
}

// 1. The sandbox builds the files the oracle is measured on, and is measured doing it.

async function sandboxSection(files: { large: string; small: string }): Promise<void> {
  progress(`sandbox: loading ${count(LARGE)} rows`);
  const large = await exportFromSandbox(LARGE, files.large);
  const mb = large.bytes / 1e6;
  const seconds = large.exportMs / 1000;
  print(`  load into the sandbox        ${secs(large.loadMs)}, peak RSS after loading ${mbFigure(large.peakAfterLoadMB)}`);
  print(`  export, sent and received    ${secs(large.exportMs)}: ${count(Math.round(LARGE / seconds))} rows/s, ${(mb / seconds).toFixed(1)} MB/s (${mb.toFixed(1)} MB)`);
  print(`  sandbox peak RSS             ${mbFigure(large.peakMB)} (${signedMB(large.peakMB - large.peakAfterLoadMB)} while exporting)`);
  progress(`sandbox: loading ${count(SMALL)} rows`);
  await exportFromSandbox(SMALL, files.small);
}

interface SandboxExport {
  readonly loadMs: number;
  readonly exportMs: number;
  readonly bytes: number;
  readonly peakAfterLoadMB: number;
  readonly peakMB: number;
}

async function exportFromSandbox(rows: number, file: string): Promise<SandboxExport> {
  const log = createWriteStream(join(work, `sandbox-${rows}.log`));
  const child = fork(SANDBOX_CHILD, [String(SEED), String(TENANTS), String(rows)], { execPath: process.execPath, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  // A stopped bench stops what it started.
  tool.stopsWith(child);
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  try {
    const ready = await nextMessage<SandboxReady>(child, 'ready', LIMIT_MS.sandboxLoad, `the ${count(rows)}-row sandbox did not start`);
    const admin = streamDataset({ seed: SEED, tenants: TENANTS, rows }).personas.find((persona) => persona.key === ADMIN);
    if (!admin) throw new Error('the dataset has no Luna admin');
    const signal = AbortSignal.timeout(LIMIT_MS.exportDownload);
    const session = await fetch(`${ready.url}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: admin.email, password: sandboxPassword(admin) }),
      signal,
    });
    const cookie = session.headers.get('set-cookie')?.split(';')[0];
    if (session.status !== 204 || !cookie) throw new Error(`the Luna admin could not sign in to the sandbox (HTTP ${session.status})`);
    const exportStarted = performance.now();
    const response = await fetch(`${ready.url}/api/patients-treated/export`, { headers: { cookie }, signal });
    if (response.status !== 200 || !response.body) throw new Error(`the export answered HTTP ${response.status}`);
    await pipeline(response.body, createWriteStream(file));
    const exportMs = performance.now() - exportStarted;
    child.send('report');
    const report = await nextMessage<SandboxReport>(child, 'report', 10_000, 'the sandbox did not report its memory');
    return { loadMs: ready.loadMs, exportMs, bytes: (await stat(file)).size, peakAfterLoadMB: ready.peakRssAfterLoadMB, peakMB: report.peakRssMB };
  } finally {
    await stopChild(child);
  }
}

// 2. The oracle beside bare csv-parse, paired round by round on the same file.

type Universe = 'suite' | 'stream' | 'memory';

async function oracleSection(files: { large: string; small: string }): Promise<void> {
  if (!existsSync(files.large) || !existsSync(files.small)) throw new Error('the sandbox did not produce the export files');
  const judge = (file: string, rows: number, persona: string, universe: Universe): string[] =>
    ['oracle', file, String(SEED), String(TENANTS), String(rows), persona, universe];
  const rounds: Round[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    progress(`oracle: round ${round} of ${ROUNDS}`);
    // The machine's load drifts: each oracle run is set beside the bare run of its own round,
    // and which of the pair goes first alternates, so that drift favours neither.
    const bareFirst = round % 2 === 1;
    const measured: { -readonly [Kind in keyof Round]?: Measurement } = {};
    for (const kind of bareFirst ? (['bare', 'suite', 'stream', 'memory'] as const) : (['suite', 'bare', 'memory', 'stream'] as const)) {
      measured[kind] = await judgeChild(kind === 'bare' ? ['bare', files.large] : judge(files.large, LARGE, SUBJECT, kind));
    }
    measured.small = await judgeChild(judge(files.small, SMALL, SUBJECT, 'suite'));
    rounds.push(measured as Round);
  }
  progress("oracle: its live heap, the ground truth's passes, and the Luna admin judging its own export");
  const weigh = (file: string, rows: number): string[] => ['live-heap', file, String(SEED), String(TENANTS), String(rows), SUBJECT];
  const smallLive = await judgeChild(weigh(files.small, SMALL), ['--expose-gc']);
  const largeLive = await judgeChild(weigh(files.large, LARGE), ['--expose-gc']);
  const everyRow = await judgeChild(['universe', String(SEED), String(TENANTS), String(LARGE)]);
  const share = await judgeChild(['universe', String(SEED), String(TENANTS), String(LARGE), SUBJECT]);
  const admin = await judgeChild(judge(files.large, LARGE, ADMIN, 'suite'));

  const of = (kind: keyof Round): Measurement[] => rounds.map((round) => round[kind]);
  const first = rounds[0]?.suite;
  const size = (await stat(files.large)).size / 1e6;
  print(`  The realistic worst case for a tenant: the Luna admin's full export, every tenant's rows,`);
  print(`  judged as the MHS clinic (the 2025-06-09 incident at volume). Every row is read; the verdict`);
  print(`  keeps MHS's own ${count(first?.expectedOwnRows ?? 0)} rows and counts the other ${count(first?.foreignRowsSeen ?? 0)} per tenant. Verdict: ${first?.status ?? '?'} (a leak, as it must).`);
  print(`  file: ${count(first?.rowsRead ?? 0)} rows, ${size.toFixed(1)} MB, as the sandbox exported it`);
  print(`  ratios: each run over the bare run of its own round, the median of ${ROUNDS} rounds; wall time, and the`);
  print(`  main thread's CPU time, which a busy machine does not stretch (it makes processes wait for a core)`);
  print(`  ${''.padEnd(44)} ${'wall'.padStart(14)} ${'main-thread CPU'.padStart(16)}   walls of each round`);
  const bare = median(of('bare').map((run) => run.wallMs));
  const bareCpu = median(of('bare').map((run) => run.mainThreadCpuMs));
  const seconds = (measured: readonly Measurement[]): string => measured.map((run) => (run.wallMs / 1000).toFixed(2)).join(' ');
  const timing = (label: string, kind: Universe): void => {
    const wall = median(of(kind).map((run) => run.wallMs));
    const cpu = median(of(kind).map((run) => run.mainThreadCpuMs));
    const wallRatio = median(rounds.map((round) => round[kind].wallMs / round.bare.wallMs));
    const cpuRatio = median(rounds.map((round) => round[kind].mainThreadCpuMs / round.bare.mainThreadCpuMs));
    const met = (ratio: number): string => (ratio <= TARGET.ratio ? 'met' : `missed by ${(ratio - TARGET.ratio).toFixed(2)}x`);
    print(
      `  ${label.padEnd(44)} ${secs(wall).padStart(8)} ${ratio(wallRatio)} ${secs(cpu).padStart(9)} ${ratio(cpuRatio)}   (${seconds(of(kind))})  target ≤ ${TARGET.ratio}x: wall ${met(wallRatio)}, CPU ${met(cpuRatio)}`,
    );
  };
  print(`  ${'bare csv-parse'.padEnd(44)} ${secs(bare).padStart(8)} ${ratio(1)} ${secs(bareCpu).padStart(9)} ${ratio(1)}   (${seconds(of('bare'))})`);
  timing("oracle as run (the suite's ground truth)", 'suite');
  timing('oracle, every row held in memory', 'memory');
  timing('oracle, every row regenerated (no share)', 'stream');
  print(`  ${''.padEnd(44)} the ground truth's part: MHS's share ${secs(share.wallMs)}; every row regenerated ${secs(everyRow.wallMs)}`);

  const smallPeaks = of('small').map((run) => run.peakRssMB);
  const largePeaks = of('suite').map((run) => run.peakRssMB);
  const smallPeak = Math.max(...smallPeaks);
  const largePeak = Math.max(...largePeaks);
  const growth = (largePeak - smallPeak) / smallPeak;
  const peaks = (values: readonly number[]): string => values.map((value) => value.toFixed(0)).join(' ');
  print(`  peak memory as run, the highest of ${ROUNDS} fresh processes (each one's in brackets, MB):`);
  print(`    ${count(SMALL).padStart(9)} rows ${mbFigure(smallPeak)}  (${peaks(smallPeaks)})  ${verdictAtMost(smallPeak, TARGET.peakMB, ' MB', `${TARGET.peakMB} MB`)}`);
  print(`    ${count(LARGE).padStart(9)} rows ${mbFigure(largePeak)}  (${peaks(largePeaks)})  ${verdictAtMost(largePeak, TARGET.peakMB, ' MB', `${TARGET.peakMB} MB`)}`);
  const flat = growth <= TARGET.flatness ? 'met' : `missed by ${mbFigure(largePeak - smallPeak * (1 + TARGET.flatness))}`;
  print(`    flat (1M within ${TARGET.flatness * 100}% of 100k): ${signedMB(largePeak - smallPeak)} (${signedPercent(growth)}), ${flat}`);
  const highest = (kind: keyof Round): string => mbFigure(Math.max(...of(kind).map((run) => run.peakRssMB)));
  print(`    for scale: bare csv-parse ${highest('bare')}; every row in memory ${highest('memory')}; every row regenerated ${highest('stream')};`);
  print(`    MHS's share alone ${mbFigure(share.peakRssMB)}, every row regenerated alone ${mbFigure(everyRow.peakRssMB)}`);
  const live = (run: Measurement): string => mbFigure(run.liveHeapMB ?? Number.NaN);
  print(`    what the oracle keeps: its live heap, collected and weighed every 4 MB of the file, peaks at`);
  print(`    ${live(smallLive)} at ${count(SMALL)} rows and ${live(largeLive)} at ${count(LARGE)} (own rows expected: ${count(rounds[0]?.small.expectedOwnRows ?? 0)} and ${count(first?.expectedOwnRows ?? 0)});`);
  print(`    the rest of the peak is Node, the loaded modules and the garbage collector's room to work`);
  const adminRatio = admin.wallMs / bare;
  print(`  the Luna admin judging its own export, every row expected (memory grows with the expected rows`);
  print(`  by design): ${secs(admin.wallMs)}, ${adminRatio.toFixed(2)}x, peak ${mbFigure(admin.peakRssMB)}, verdict ${admin.status ?? '?'}`);
}

/** One round: bare csv-parse and the oracle on the large file, each in its own process, and the oracle on the small one. */
interface Round {
  readonly bare: Measurement;
  readonly suite: Measurement;
  readonly stream: Measurement;
  readonly memory: Measurement;
  readonly small: Measurement;
}

async function judgeChild(args: readonly string[], nodeFlags: readonly string[] = []): Promise<Measurement> {
  const log = join(work, `judge-${args[0] ?? 'child'}.log`);
  const { code, stdout, stderr } = await runProcess(process.execPath, [...nodeFlags, JUDGE_CHILD, ...args], {}, LIMIT_MS.judge);
  await writeFile(log, stderr, { flag: 'a' });
  const last = stdout.trim().split('\n').at(-1);
  if (code !== 0 || !last) throw new Error(`a ${args[0] ?? ''} measurement ${code === null ? 'ran out of time' : `exited with code ${code}`}`);
  return JSON.parse(last) as Measurement;
}

// 3. npm start, as a person would type it, on the default sandbox.

interface JsonResult {
  readonly duration: number;
  readonly startTime: string;
  readonly status: string;
}
interface JsonSuite {
  readonly file?: string;
  readonly suites?: readonly JsonSuite[];
  readonly specs?: readonly { readonly file?: string; readonly tests: readonly { readonly projectName: string; readonly results: readonly JsonResult[] }[] }[];
}
interface JsonReport {
  readonly config?: { readonly workers?: number };
  readonly stats: { readonly startTime: string; readonly duration: number; readonly expected: number; readonly unexpected: number; readonly flaky: number; readonly skipped: number };
  readonly suites: readonly JsonSuite[];
}

interface Span {
  readonly project: string;
  tests: number;
  busyMs: number;
  first: number;
  last: number;
}

async function npmStartSection(): Promise<void> {
  const artifacts = join(work, 'npm-start');
  const env: NodeJS.ProcessEnv = { SUITE_ARTIFACTS_DIR: artifacts, FORCE_COLOR: '0' };
  // The default sandbox: no dataset size, variant or target from the caller's environment.
  const cleared = ['DATASET_SEED', 'DATASET_TENANTS', 'DATASET_ROWS', 'SANDBOX_VARIANT', 'SANDBOX_LATE_LEAK_AFTER', 'TARGET_URL', 'TEST_ENV'];
  progress('npm start: running the suite on the default sandbox');
  const runStarted = performance.now();
  const { code, stdout, stderr } = await runProcess('npm', ['start'], env, LIMIT_MS.npmStart, cleared);
  const wallMs = performance.now() - runStarted;
  await writeFile(join(work, 'npm-start.log'), stdout + stderr);
  const resultsFile = join(artifacts, 'test-results', 'results.json');
  if (!existsSync(resultsFile)) throw new Error(`npm start ${code === null ? 'ran out of time' : `exited with code ${code}`} and wrote no results`);
  const report = JSON.parse(readFileSync(resultsFile, 'utf8')) as JsonReport;

  const byFile = new Map<string, Span>();
  const byGroup = new Map<string, Span>();
  const visit = (suite: JsonSuite): void => {
    for (const spec of suite.specs ?? []) {
      for (const test of spec.tests) {
        for (const result of test.results) {
          const begin = Date.parse(result.startTime);
          const file = spec.file ?? suite.file ?? '?';
          // The provider's side of the contract runs in the target's project, beside the flows.
          const group = test.projectName.startsWith('contracts') || file.startsWith('contracts/') ? 'contracts' : test.projectName;
          add(byFile, `${test.projectName}\u0000${file}`, test.projectName, begin, result.duration);
          add(byGroup, group, group, begin, result.duration);
        }
      }
    }
    for (const child of suite.suites ?? []) visit(child);
  };
  for (const suite of report.suites) visit(suite);
  const everything = [...byGroup.values()];
  const firstTest = Math.min(...everything.map((span) => span.first));
  const lastTest = Math.max(...everything.map((span) => span.last));
  const playwrightStarted = Date.parse(report.stats.startTime);

  const { expected, unexpected, flaky, skipped } = report.stats;
  // The verdict's kind only: the rest of its line names the target and the findings.
  const verdict = /^VERDICT: ([A-Z]+(?: [A-Z]+)?)\b/m.exec(stdout)?.[1] ?? 'none printed';
  print(`  wall time of npm start       ${secs(wallMs)}  ${verdictAtMost(wallMs / 1000, TARGET.npmStartSeconds, ' s', `${TARGET.npmStartSeconds} s`)}`);
  print(`  outcome                      exit code ${code ?? 'none (timed out)'}, verdict ${verdict}: ${expected} passed, ${unexpected} failed, ${flaky} flaky, ${skipped} skipped`);
  print(`  of which                     bootstrap and start-up ${secs(Math.max(0, wallMs - report.stats.duration))}, global setup ${secs(firstTest - playwrightStarted)},`);
  print(`                               tests ${secs(lastTest - firstTest)} (first start to last end), ${report.config?.workers ?? '?'} workers`);
  print(`  ${'part'.padEnd(44)} ${'wall'.padStart(8)} ${'busy'.padStart(8)}  tests`);
  const contracts = byGroup.get('contracts');
  if (contracts) print(`  ${'contracts (consumer and provider)'.padEnd(44)} ${spanLine(contracts)}`);
  const flows = [...byFile.entries()]
    .filter(([key, span]) => span.project.startsWith('isolation') && !(key.split('\u0000')[1] ?? '').startsWith('contracts/'))
    .sort(([a], [b]) => a.localeCompare(b));
  for (const [key, span] of flows) print(`  ${`  ${key.split('\u0000')[1] ?? key}`.padEnd(44)} ${spanLine(span)}`);
  for (const [group, span] of [...byGroup].filter(([name]) => name.startsWith('isolation'))) print(`  ${`flows together (${group})`.padEnd(44)} ${spanLine(span)}`);
  print(`  (wall: a part's first start to its last end; the parts overlap, as they share the workers.`);
  print(`   busy: its tests' durations added up)`);
}

function add(spans: Map<string, Span>, key: string, project: string, begin: number, duration: number): void {
  const span = spans.get(key) ?? { project, tests: 0, busyMs: 0, first: begin, last: begin };
  span.tests += 1;
  span.busyMs += duration;
  span.first = Math.min(span.first, begin);
  span.last = Math.max(span.last, begin + duration);
  spans.set(key, span);
}

function spanLine(span: Span): string {
  return `${secs(span.last - span.first).padStart(8)} ${secs(span.busyMs).padStart(8)}  ${String(span.tests).padStart(5)}`;
}

// Processes, bounded in time.

async function runProcess(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  limitMs: number,
  clear: readonly string[] = [],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const inherited = Object.entries(process.env).filter(([name]) => !clear.includes(name));
  const childEnv = { ...Object.fromEntries(inherited), ...env };
  const child = spawn(command, args, { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  tool.stopsWith(child);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
  // npm passes SIGTERM on to Playwright, which stops its workers and browsers; SIGKILL if not.
  const timers: NodeJS.Timeout[] = [];
  timers.push(
    setTimeout(() => {
      child.kill('SIGTERM');
      timers.push(setTimeout(() => child.kill('SIGKILL'), 15_000));
    }, limitMs),
  );
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (exitCode) => resolve(exitCode));
  }).finally(() => timers.forEach(clearTimeout));
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

function nextMessage<T extends { readonly kind: string }>(child: ChildProcess, kind: T['kind'], limitMs: number, failure: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`${failure} within ${limitMs / 1000} s`)), limitMs);
    const onMessage = (message: unknown): void => {
      if (typeof message === 'object' && message !== null && 'kind' in message && message.kind === kind) finish(undefined, message as T);
    };
    const onExit = (code: number | null): void => finish(new Error(`${failure}: it exited with code ${code}`));
    const finish = (error?: Error, message?: T): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (message) resolve(message);
      else reject(error ?? new Error(failure));
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (child.connected) child.send('stop');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

// Formatting.

function verdictAtMost(value: number, target: number, unit: string, targetText: string): string {
  if (value <= target) return `target ≤ ${targetText}: met`;
  const over = value - target;
  return `target ≤ ${targetText}: missed by ${unit.trim() === 'x' ? over.toFixed(2) : over.toFixed(over < 10 ? 1 : 0)}${unit} (${signedPercent(over / target)})`;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

function ratio(value: number): string {
  return `${value.toFixed(2)}x`.padStart(6);
}

function secs(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

function mbFigure(mb: number): string {
  return `${mb.toFixed(0)} MB`;
}

function signedMB(mb: number): string {
  return `${mb >= 0 ? '+' : '-'}${Math.abs(mb).toFixed(0)} MB`;
}

function signedPercent(fraction: number): string {
  return `${fraction >= 0 ? '+' : '-'}${Math.abs(fraction * 100).toFixed(0)}%`;
}

function count(value: number): string {
  return value.toLocaleString('en-US');
}

function gigabytes(bytes: number): string {
  return (bytes / 1024 ** 3).toFixed(1);
}

function osName(): string {
  try {
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1];
    return `${pretty ?? type()} (${type()} ${release()})`;
  } catch {
    return `${type()} ${release()}`;
  }
}
