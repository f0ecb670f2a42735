/**
 * Prints the run's one-line verdict and the isolation matrix (persona by surface) after
 * Playwright's own output, and writes the matrix as Markdown for CI's job summary. It reads
 * only test titles, statuses and the verdict annotations, which hold no patient data.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FullConfig, FullResult, Reporter, TestCase, TestResult } from '@playwright/test/reporter';

type Cell = 'pass' | 'fail' | 'inconclusive';

export default class VerdictReporter implements Reporter {
  private readonly failed: string[] = [];
  private readonly matrix = new Map<string, Map<string, Cell>>();
  private passed = 0;
  private skipped = 0;
  private matrixFile = 'test-results/isolation-matrix.md';

  onBegin(config: FullConfig): void {
    const outputDir = config.projects[0]?.outputDir;
    if (outputDir) this.matrixFile = join(outputDir, 'isolation-matrix.md');
  }

  onTestEnd(test: TestCase, result: TestResult): void {
    if (result.status === 'skipped') this.skipped++;
    else if (result.status === test.expectedStatus) this.passed++;
    else this.failed.push(test.titlePath().filter(Boolean).join(' › '));
    for (const annotation of result.annotations) {
      if (annotation.type !== 'isolation' || !annotation.description) continue;
      const [persona = '?', surface = '?', status = 'fail'] = annotation.description.split(' | ');
      const row = this.matrix.get(persona) ?? new Map<string, Cell>();
      row.set(surface, worst(row.get(surface), status as Cell));
      this.matrix.set(persona, row);
    }
  }

  onEnd(result: FullResult): void {
    const target = process.env.TARGET_NAME ?? process.env.TARGET_URL ?? 'the target';
    const table = this.matrixTable();
    const lines = ['', `Isolation matrix against ${target} (persona by surface):`, ...table.map((line) => `  ${line}`), ''];
    if (this.failed.length > 0) {
      lines.push(`Failed checks (${this.failed.length}):`, ...this.failed.map((title) => `  - ${title}`), '');
    }
    const checks = this.passed + this.failed.length;
    if (result.status === 'passed' && this.failed.length === 0 && checks > 0) {
      const skipped = this.skipped > 0 ? ` (${this.skipped} skipped)` : '';
      lines.push(`VERDICT: PASS, ${checks} checks${skipped}: no tenant saw another tenant's rows on ${target}.`);
    } else if (this.failed.length > 0) {
      lines.push(`VERDICT: FAIL, ${this.failed.length} of ${checks} checks failed on ${target}.`);
    } else {
      lines.push(`VERDICT: ERROR, the run ended ${result.status} before judging anything on ${target}.`);
    }
    console.log(lines.join('\n'));
    mkdirSync(join(this.matrixFile, '..'), { recursive: true });
    writeFileSync(this.matrixFile, `## Isolation matrix: ${target}\n\n${table.join('\n')}\n\n${lines.at(-1) ?? ''}\n`);
  }

  printsToStdio(): boolean {
    return true;
  }

  private matrixTable(): string[] {
    const surfaces = ['file', 'api', 'page'];
    const table = [`| persona | ${surfaces.join(' | ')} |`, `| --- | ${surfaces.map(() => '---').join(' | ')} |`];
    for (const [persona, row] of [...this.matrix].sort(([a], [b]) => a.localeCompare(b))) {
      table.push(`| ${persona} | ${surfaces.map((surface) => row.get(surface) ?? '-').join(' | ')} |`);
    }
    return table;
  }
}

function worst(current: Cell | undefined, next: Cell): Cell {
  const rank: Record<Cell, number> = { pass: 0, inconclusive: 1, fail: 2 };
  return current === undefined || rank[next] > rank[current] ? next : current;
}
