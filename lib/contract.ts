/**
 * The suite's reading of docs/target.md for the export: one place that says what a correct
 * file looks like, so the oracle and anything else that reasons about the file agree.
 */
import type { PatientTreated } from './model.ts';

/** The export's columns in their contractual order, each with the row field it carries. */
export const EXPORT_COLUMNS = [
  { name: 'patient_id', field: 'patientId' },
  { name: 'patient_name', field: 'patientName' },
  { name: 'date_of_birth', field: 'dateOfBirth' },
  { name: 'provider_id', field: 'providerId' },
  { name: 'provider_name', field: 'providerName' },
  { name: 'last_visit', field: 'lastVisit' },
  { name: 'visits', field: 'visits' },
] as const satisfies readonly { readonly name: string; readonly field: keyof PatientTreated }[];

export type ExportColumnName = (typeof EXPORT_COLUMNS)[number]['name'];

export const EXPORT_HEADER: readonly ExportColumnName[] = EXPORT_COLUMNS.map((column) => column.name);

export const EXPORT_DELIMITER = ',';
export const EXPORT_RECORD_TERMINATOR = '\r\n';
export const UTF8_BOM_BYTES: readonly number[] = [0xef, 0xbb, 0xbf];

/** A cell that begins with one of these is prefixed with FORMULA_ESCAPE before quoting. */
export const FORMULA_TRIGGERS: readonly string[] = ['=', '+', '-', '@', '\t', '\r'];
export const FORMULA_ESCAPE = "'";

export const EXPORT_CONTENT_TYPE = 'text/csv; charset=utf-8';

/** `date` is the UTC day of the response, `YYYY-MM-DD`; a Luna admin's file is named `all`. */
export function exportFilename(organizationId: string | null, date: string): string {
  return `patients-treated-${organizationId ?? 'all'}-${date}.csv`;
}

/**
 * The exact bytes a correct export of these rows is, per docs/target.md: BOM, header, CRLF after
 * every record, formula-like cells prefixed with a quote before RFC 4180 quoting. Contracts
 * pin the body with it; the sandbox keeps its own writer so judge and judged stay apart.
 */
export function exportBody(rows: Iterable<PatientTreated>): string {
  const records = [EXPORT_HEADER.join(EXPORT_DELIMITER)];
  for (const row of rows) records.push(EXPORT_COLUMNS.map((column) => exportCell(String(row[column.field]))).join(EXPORT_DELIMITER));
  return `\uFEFF${records.join(EXPORT_RECORD_TERMINATOR)}${EXPORT_RECORD_TERMINATOR}`;
}

function exportCell(value: string): string {
  const escaped = FORMULA_TRIGGERS.some((trigger) => value.startsWith(trigger)) ? `${FORMULA_ESCAPE}${value}` : value;
  return /[",\r\n]/.test(escaped) ? `"${escaped.replaceAll('"', '""')}"` : escaped;
}
