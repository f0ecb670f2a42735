/**
 * The isolation matrix: who (a persona, or no one: anonymous, a signed-out session) by where
 * (a surface, and the way it was reached: a vector family, a replayed request), each cell
 * pass, refused, FINDING, error or not run, with counts and tenants, never rows. Drawn as
 * text for the terminal, Markdown for CI's job summary, and HTML at the top of the report.
 */
import type { CellStatus } from '../checks.ts';

interface Cell {
  readonly status: CellStatus;
  readonly details: string[];
}

const RANK: Readonly<Record<CellStatus, number>> = { 'not run': 0, pass: 1, refused: 2, error: 3, finding: 4 };
const LABEL: Readonly<Record<CellStatus, string>> = { 'not run': 'not run', pass: 'pass', refused: 'refused', error: 'error', finding: 'FINDING' };
const COLOUR = new Map<CellStatus, string>([
  ['not run', '#e8e8e8'],
  ['pass', '#c8f0c8'],
  ['refused', '#d8e8ff'],
  ['error', '#ffe2a8'],
  ['finding', '#ff9c9c'],
]);
/** Rows that act as no persona: the checks without one, then those that ask as no one. */
const TRAILING_ROWS = ['(no persona)', 'anonymous', 'signed-out'];

export class IsolationMatrix {
  /** Target, then row, then column. */
  readonly #cells = new Map<string, Map<string, Map<string, Cell>>>();
  readonly #columns: string[] = [];

  /** `target` is `''` for checks that judge none (the contract's consumer side). */
  add(target: string, row: string, column: string, status: CellStatus, detail?: string): void {
    const table = target || "the page's contract (no target)";
    const rows = this.#cells.get(table) ?? new Map<string, Map<string, Cell>>();
    this.#cells.set(table, rows);
    const columns = rows.get(row) ?? new Map<string, Cell>();
    rows.set(row, columns);
    if (!this.#columns.includes(column)) {
      this.#columns.push(column);
      this.#columns.sort((a, b) => columnRank(a) - columnRank(b));
    }
    const current = columns.get(column);
    const details = [...(current?.details ?? []), ...(detail && status !== 'pass' ? [detail] : [])];
    const worst = current === undefined || RANK[status] > RANK[current.status] ? status : current.status;
    columns.set(column, { status: worst, details });
  }

  get isEmpty(): boolean {
    return this.#cells.size === 0;
  }

  /** For a terminal: one column per surface, a vector family or a replayed request folded into its kind. */
  text(): string[] {
    return this.#tables((column) => column.replace(/^(list|export) API · .*$/, 'vectors').replace(/^replay · .*$/, 'replay'), false).flatMap((table) => ['', ...table]);
  }

  /** For CI's job summary: every column, with what a failing cell found. */
  markdown(): string {
    return this.#tables((column) => column, true)
      .map((table) => table.join('\n'))
      .join('\n\n');
  }

  /** The matrix as a picture, with the verdict above it: the first thing the report shows. */
  html(verdict: string, failed: boolean): string {
    const parts = [
      `<section id="isolation-matrix" style="font:14px system-ui,sans-serif;margin:16px;padding:12px 16px;border:2px solid ${failed ? '#c00' : '#080'};border-radius:6px;background:#fff;overflow-x:auto">`,
      `<h1 style="font-size:20px;margin:0 0 8px;color:${failed ? '#c00' : '#080'}">${escape(verdict)}</h1>`,
      '<p style="margin:0 0 8px">Isolation matrix: who asked (rows) by where and how (columns). Cells name counts and tenants, never rows.</p>',
    ];
    for (const [target, rows] of this.#cells) {
      const columns = this.#columns.filter((column) => [...rows.values()].some((row) => row.has(column)));
      parts.push(`<div data-target="${escape(target)}">`, `<h2 style="font-size:16px;margin:12px 0 4px">${escape(target)}</h2>`, '<table style="border-collapse:collapse">');
      parts.push(`<thead><tr><th style="text-align:left;padding:4px">who</th>${columns.map((column) => `<th style="padding:4px;font-weight:600;text-align:left">${escape(column)}</th>`).join('')}</tr></thead><tbody>`);
      for (const row of sortedRows(rows)) {
        const cells = columns.map((column) => {
          const cell = rows.get(row)?.get(column);
          // No check of this kind acts as this row (the admin tries no vector, say): left blank.
          if (cell === undefined) return '<td data-status="none" style="background:#fafafa;padding:4px 6px;border:1px solid #fff;color:#999">-</td>';
          const detail = cell.details.join('; ');
          return `<td data-status="${cell.status}" title="${escape(detail)}" style="background:${COLOUR.get(cell.status) ?? '#fff'};padding:4px 6px;border:1px solid #fff;vertical-align:top"><b>${LABEL[cell.status]}</b>${detail ? `<div style="font-size:11px;max-width:22em">${escape(detail.slice(0, 200))}</div>` : ''}</td>`;
        });
        parts.push(`<tr><th style="text-align:left;padding:4px">${escape(row)}</th>${cells.join('')}</tr>`);
      }
      parts.push('</tbody></table>', '</div>');
    }
    parts.push('</section>');
    return parts.join('\n');
  }

  #tables(columnOf: (column: string) => string, withDetails: boolean): string[][] {
    const tables: string[][] = [];
    for (const [target, rows] of this.#cells) {
      const columns = [...new Set(this.#columns.filter((column) => [...rows.values()].some((row) => row.has(column))).map(columnOf))];
      const table = [`${target}:`, `| who | ${columns.join(' | ')} |`, `| --- | ${columns.map(() => '---').join(' | ')} |`];
      for (const row of sortedRows(rows)) {
        const folded = new Map<string, Cell>();
        for (const [column, cell] of rows.get(row) ?? []) {
          const key = columnOf(column);
          const current = folded.get(key);
          folded.set(key, current === undefined || RANK[cell.status] > RANK[current.status] ? cell : current);
        }
        const cells = columns.map((column) => {
          const cell = folded.get(column);
          if (!cell) return '-';
          return withDetails && cell.details.length > 0 ? `${LABEL[cell.status]}: ${cell.details.join('; ').replaceAll('|', '/').slice(0, 300)}` : LABEL[cell.status];
        });
        table.push(`| ${row} | ${cells.join(' | ')} |`);
      }
      tables.push(table);
    }
    return tables;
  }
}

/** Surfaces in the order a person reads them: what they download first, the ways round last. */
const COLUMN_ORDER = ['downloaded file', 'export API', 'list API', 'page', 'every surface', 'session', 'list API · ', 'export API · ', 'replay · ', 'contract', 'coverage'];

function columnRank(column: string): number {
  const exact = COLUMN_ORDER.indexOf(column);
  if (exact >= 0) return exact;
  const prefix = COLUMN_ORDER.findIndex((start) => start.endsWith(' · ') && column.startsWith(start));
  return prefix >= 0 ? prefix : COLUMN_ORDER.length;
}

function sortedRows(rows: ReadonlyMap<string, unknown>): string[] {
  const rank = (row: string) => TRAILING_ROWS.indexOf(row);
  return [...rows.keys()].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

function escape(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}
