/**
 * The run's verdict, after Playwright's own output: the isolation matrix (who by which
 * surface), one line per finding (who, which surface, how many rows of which tenants), one
 * per target or suite error, and the verdict with its exit code. It writes the same as
 * `verdict.json` and the matrix as Markdown for CI's job summary.
 *
 * Failures are told apart by kind (lib/report/failure-kind.ts): only an isolation finding is
 * a catch. The reporter reads test annotations, error messages the suite wrote, and the
 * verdicts tests attached: tenants, counts and opaque references, never patient data.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { stripVTControlCharacters } from 'node:util';
import { join, resolve } from 'node:path';
import type { FullConfig, FullResult, Reporter, TestCase, TestError, TestResult } from '@playwright/test/reporter';
import { CELL_ANNOTATION, CHECK_ANNOTATION, CHECKS, isCheckId, PERSONA_ANNOTATION, type CellStatus, type CheckSurface, type MatrixCell } from '../checks.ts';
import { IsolationMatrix } from './matrix.ts';
import { describeFindings, type Verdict } from '../oracle/index.ts';
import { VERDICT_ATTACHMENT } from '../suite-run.ts';
import { kindOfFailure, kindOfMessage, type FailureKind } from './failure-kind.ts';
import { EXIT_CODES, VERDICT_FILE, type FindingRecord, type RunVerdict, type VerdictRecord } from './run-verdict.ts';

const CELL_OF_KIND: Readonly<Record<FailureKind, CellStatus>> = { isolation: 'finding', target: 'error', configuration: 'error', suite: 'error' };
/** The matrix row of checks that act as no one in particular. */
const NO_PERSONA = '(no persona)';

interface Failure {
  readonly kind: FailureKind;
  readonly line: string;
}

export default class VerdictReporter implements Reporter {
  private readonly findings: FindingRecord[] = [];
  private readonly failures: Failure[] = [];
  private readonly matrix = new IsolationMatrix();
  private readonly counts = { passed: 0, findings: 0, targetErrors: 0, suiteErrors: 0, configErrors: 0, skipped: 0 };
  private setupError: Failure | undefined;
  private outputDir = 'test-results';
  private htmlReport: string | undefined;
  private verdictLine = '';
  private failed = false;

  onBegin(config: FullConfig): void {
    const outputDir = config.projects[0]?.outputDir;
    if (outputDir) this.outputDir = outputDir;
    const html = config.reporter.find(([name]) => name === 'html');
    const folder = (html?.[1] as { outputFolder?: string } | undefined)?.outputFolder;
    if (html) this.htmlReport = join(resolve(config.rootDir, folder ?? 'playwright-report'), 'index.html');
  }

  onError(error: TestError): void {
    // An error outside any test: global setup stopped the run (a dead target, a missing variable, a preflight).
    const message = error.message ?? error.value ?? 'unknown error';
    this.setupError ??= { kind: kindOfMessage(message), line: firstLine(message) };
  }

  onTestEnd(test: TestCase, result: TestResult): void {
    const checkId = annotation(test, CHECK_ANNOTATION);
    const [personaKey, tenant, type] = (annotation(test, PERSONA_ANNOTATION) ?? '').split(' | ');
    const surface: CheckSurface = checkId && isCheckId(checkId) ? CHECKS[checkId].surface : 'session';
    const target = String(test.parent.project()?.metadata?.target ?? '');
    const who = personaKey || NO_PERSONA;
    const place = `${who} · ${surface}${target ? ` · ${target}` : ''} [${checkId ?? test.title}]`;
    // A check that fills cells of its own (a vector family, a replayed request) is drawn by them.
    const cells = result.annotations.filter((candidate) => candidate.type === CELL_ANNOTATION && candidate.description).map((candidate) => JSON.parse(candidate.description ?? '{}') as MatrixCell);
    for (const cell of cells) this.matrix.add(target, cell.row, cell.column, cell.status, cell.detail);
    const mark = (status: CellStatus, detail?: string) => {
      if (cells.length === 0) this.matrix.add(target, who, surface, status, detail);
    };

    if (result.status === 'skipped') {
      this.counts.skipped++;
      mark('not run', result.annotations.find((candidate) => candidate.type === 'skip')?.description);
      return;
    }
    // The status the check ended with decides, never what it was expected to end with: the
    // suite expects every check to pass, and the proof marks failures as expected (e2e/support).
    if (result.status === 'passed') {
      this.counts.passed++;
      mark('pass');
      return;
    }
    const messages = result.errors.map((error) => error.message ?? error.value ?? '');
    const kind = kindOfFailure(messages);
    const verdicts = failingVerdicts(result);
    // A verdict says what it found in counts and tenants; a message says it in its first line.
    mark(CELL_OF_KIND[kind], verdicts.length > 0 ? verdicts.map((verdict) => `${verdict.surface}: ${describeFindings(verdict)}`).join('; ') : firstLine(messages[0] ?? ''));
    if (kind !== 'isolation') {
      this.counts[kind === 'target' ? 'targetErrors' : kind === 'suite' ? 'suiteErrors' : 'configErrors']++;
      this.failures.push({ kind, line: `${place}: ${firstLine(messages[0] ?? 'failed without a message')}` });
      return;
    }
    this.counts.findings++;
    const base = { check: checkId ?? test.title, target, persona: personaKey || null, tenant: tenant && tenant !== 'all' ? tenant : null, type: type ?? null };
    if (verdicts.length === 0) {
      // A status, agreement or vector check: its own messages say what was wrong, and hold no row.
      const more = messages.length > 1 ? ` (and ${messages.length - 1} more like it)` : '';
      this.findings.push({ ...base, surface, foreignRows: 0, tenants: [], summary: `${place}: ${firstLine(messages[0] ?? '').replace(/^Isolation finding: /, '')}${more}` });
      return;
    }
    for (const verdict of verdicts) {
      const shown = verdict.surface === 'page' ? 'page' : verdict.surface === 'api' ? 'list API' : surface === 'downloaded file' ? surface : 'export API';
      const tenants = [...new Set(verdict.findings.flatMap((finding) => (finding.byTenant ?? []).map((count) => count.organizationId)))];
      const kinds = verdict.findings.filter((finding) => finding.severity === 'fail').map((finding) => `${finding.kind} ${finding.count}`);
      // Each tenant once, with the most rows any finding counted of it.
      const perTenant = new Map<string, number>();
      for (const count of verdict.findings.flatMap((finding) => finding.byTenant ?? [])) {
        const name = count.name ?? count.organizationId;
        perTenant.set(name, Math.max(perTenant.get(name) ?? 0, count.count));
      }
      const byTenant = [...perTenant].sort(([, a], [, b]) => b - a).map(([name, count]) => `${name} ${count}`);
      const receiver = personaKey || verdict.subject.persona;
      this.findings.push({
        ...base,
        persona: receiver,
        surface: shown,
        foreignRows: verdict.foreignRowsSeen,
        tenants,
        summary: `${receiver} · ${shown}${target ? ` · ${target}` : ''} [${base.check}]: ${kinds.join(', ')}${byTenant.length > 0 ? ` (${byTenant.join('; ')})` : ''}`,
      });
    }
  }

  onEnd(result: FullResult): void {
    const target = process.env.TARGET_NAME ?? process.env.TARGET_URL ?? 'the target';
    const verdict = this.verdict(result);
    const checks = this.counts.passed + this.counts.findings + this.counts.targetErrors + this.counts.suiteErrors + this.counts.configErrors;
    const summary = this.summary(verdict, checks, target);
    const lines = this.matrix.isEmpty ? [''] : ['', `Isolation matrix against ${target} (who by where):`, ...this.matrix.text().map((line) => `  ${line}`), ''];
    for (const finding of this.findings) lines.push(`FINDING  ${finding.summary}`);
    for (const failure of this.failures) lines.push(`${labelOf(failure.kind)}  ${failure.line}`);
    lines.push('', summary);
    console.log(lines.join('\n'));

    const record: VerdictRecord = { verdict, exitCode: EXIT_CODES[verdict], summary, checks: this.counts, findings: this.findings };
    mkdirSync(this.outputDir, { recursive: true });
    writeFileSync(join(this.outputDir, VERDICT_FILE), `${JSON.stringify(record, null, 2)}\n`);
    writeFileSync(join(this.outputDir, 'isolation-matrix.md'), `## Isolation matrix: ${target}\n\n${summary}\n\n${this.matrix.markdown()}\n`);
    this.verdictLine = summary;
    this.failed = verdict !== 'pass';
  }

  /**
   * After every reporter has finished, the HTML report opens on the verdict and the matrix:
   * they go in before the report's own page, which renders beside them and leaves them be.
   */
  async onExit(): Promise<void> {
    if (!this.htmlReport || !existsSync(this.htmlReport)) return;
    const html = readFileSync(this.htmlReport, 'utf8');
    if (html.includes('id="isolation-matrix"')) return;
    writeFileSync(this.htmlReport, html.replace(/<body([^>]*)>/, (body) => `${body}\n${this.matrix.html(this.verdictLine, this.failed)}\n`));
  }

  printsToStdio(): boolean {
    return true;
  }

  private verdict(result: FullResult): RunVerdict {
    if (this.counts.findings > 0) return 'finding';
    if (this.setupError) return this.setupError.kind === 'configuration' ? 'config-error' : this.setupError.kind === 'target' ? 'target-error' : 'suite-error';
    if (this.counts.configErrors > 0) return 'config-error';
    if (this.counts.suiteErrors > 0) return 'suite-error';
    if (this.counts.targetErrors > 0) return 'target-error';
    // Nothing failed, yet the run did not pass (interrupted, timed out) or judged nothing.
    if (result.status !== 'passed' || this.counts.passed === 0) return 'suite-error';
    return 'pass';
  }

  private summary(verdict: RunVerdict, checks: number, target: string): string {
    const skipped = this.counts.skipped > 0 ? ` (${this.counts.skipped} skipped)` : '';
    switch (verdict) {
      case 'pass':
        return `VERDICT: PASS, ${checks} checks${skipped}: no tenant saw another tenant's rows on ${target}.`;
      case 'finding':
        return `VERDICT: FINDING, ${this.counts.findings} of ${checks} checks found tenant data where it must not be on ${target}.`;
      case 'config-error':
        return `VERDICT: CONFIGURATION ERROR on ${target}: ${this.setupError?.line ?? `${this.counts.configErrors} check(s) found the run set up wrong`}.`;
      case 'target-error':
        return `VERDICT: TARGET ERROR on ${target}: ${this.setupError?.line ?? `${this.counts.targetErrors} of ${checks} checks could not judge what the target answered`}.`;
      case 'suite-error':
        return `VERDICT: SUITE ERROR on ${target}: ${this.setupError?.line ?? (checks === 0 ? 'no check ran' : `${this.counts.suiteErrors} check(s) failed for a reason of the suite's own`)}.`;
    }
  }
}

function annotation(test: TestCase, type: string): string | undefined {
  return test.annotations.find((candidate) => candidate.type === type)?.description;
}

function failingVerdicts(result: TestResult): Verdict[] {
  return result.attachments
    .filter((attachment) => attachment.name === VERDICT_ATTACHMENT && attachment.body)
    .map((attachment) => JSON.parse(attachment.body?.toString('utf8') ?? '{}') as Verdict)
    .filter((verdict) => verdict.status !== 'pass');
}

function firstLine(message: string): string {
  const lines = stripVTControlCharacters(message).split('\n').map((line) => line.trim()).filter(Boolean);
  // An expect() with a message of its own puts it first, the matcher's words after; ours say all.
  return (lines[0] ?? '').replace(/^Error: /, '');
}

function labelOf(kind: FailureKind): string {
  return { isolation: 'FINDING', target: 'TARGET ERROR', configuration: 'CONFIGURATION ERROR', suite: 'SUITE ERROR' }[kind];
}
