/**
 * The export file (docs/target.md, "The export file"), written here and nowhere else in the
 * sandbox. The suite's oracle judges it with code of its own, so a misreading of the file's
 * contract in one cannot hide the same misreading in the other.
 */
import type { ServerResponse } from 'node:http';
import type { ClinicalDatabase, RowQuery } from './database.ts';
import type { VariantHooks } from './variants.ts';

const CSV_HEADER = ['patient_id', 'patient_name', 'date_of_birth', 'provider_id', 'provider_name', 'last_visit', 'visits'];
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;
const BYTE_ORDER_MARK = '\uFEFF';
/** Rows are sent in batches of about this many characters rather than one write per row. */
const WRITE_BATCH_CHARS = 64 * 1024;

export function exportFilename(organizationId: string | null): string {
  return `patients-treated-${organizationId ?? 'all'}-${new Date().toISOString().slice(0, 10)}.csv`;
}

export function writeExportHead(response: ServerResponse, filename: string): void {
  response.writeHead(200, {
    'Content-Type': 'text/csv; charset=utf-8',
    'Content-Disposition': `attachment; filename="${filename}"`,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
}

/** The file as a sequence of pieces: the header record with its byte-order mark, then one record per row. */
export function* exportRecords(database: ClinicalDatabase, query: RowQuery, hooks: VariantHooks): Generator<string, void, undefined> {
  const guardFormulas = hooks.exportUnguardedFormulas !== true;
  const withPhone = hooks.exportExtraColumn === true;
  const exported = hooks.exportQuery ? hooks.exportQuery(query) : query;
  const limit = hooks.exportLimit ? hooks.exportLimit(database.countRows(exported)) : undefined;

  yield BYTE_ORDER_MARK + csvRecord(withPhone ? [...CSV_HEADER, 'phone'] : CSV_HEADER, guardFormulas);
  let rowNumber = 0;
  for (const row of database.iterateRows(exported, limit)) {
    const cells = [row.patientId, row.patientName, row.dateOfBirth, row.providerId, row.providerName, row.lastVisit, String(row.visits)];
    if (withPhone) cells.push(`555-01${String(rowNumber % 100).padStart(2, '0')}`);
    rowNumber++;
    yield csvRecord(cells, guardFormulas);
  }
}

function csvRecord(cells: readonly string[], guardFormulas: boolean): string {
  return `${cells.map((cell) => csvField(cell, guardFormulas)).join(',')}\r\n`;
}

function csvField(value: string, guardFormulas: boolean): string {
  const text = guardFormulas && FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * Writes the pieces as they come, waiting whenever the client reads slower than the rows
 * arrive. Returns false if the client went away first; stopping the loop releases the
 * database statement behind the pieces.
 */
export async function writeInBatches(response: ServerResponse, pieces: Iterable<string>): Promise<boolean> {
  let batch = '';
  for (const piece of pieces) {
    batch += piece;
    if (batch.length < WRITE_BATCH_CHARS) continue;
    if (response.destroyed) return false;
    const accepted = response.write(batch);
    batch = '';
    if (!accepted) {
      await drainedOrClosed(response);
      if (response.destroyed) return false;
    }
  }
  if (response.destroyed) return false;
  response.end(batch);
  return true;
}

function drainedOrClosed(response: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const settle = (): void => {
      response.off('drain', settle);
      response.off('close', settle);
      resolve();
    };
    response.on('drain', settle);
    response.on('close', settle);
  });
}
