/**
 * The list's and the export's query parameters, read as docs/target.md says: dates that exist,
 * pages from 1, page sizes from 1 to 500, an empty value as absent, and a parameter given
 * twice refused as ambiguous. Anything else is `400 invalid_parameter`.
 */
import { HttpError } from './http.ts';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

export interface Filters {
  readonly from: string | null;
  readonly to: string | null;
  readonly organizationId: string | null;
}

/** `repeated: 'first'` reads the first of a parameter given twice, where a variant's bug does. */
export function readFilters(url: URL, repeated: 'refused' | 'first' = 'refused'): Filters {
  return {
    from: dateParameter(url, 'from'),
    to: dateParameter(url, 'to'),
    organizationId: singleParameter(url, 'organizationId', repeated),
  };
}

export function readPaging(url: URL): { page: number; pageSize: number } {
  return {
    page: positiveIntegerParameter(url, 'page', null) ?? 1,
    pageSize: positiveIntegerParameter(url, 'pageSize', MAX_PAGE_SIZE) ?? DEFAULT_PAGE_SIZE,
  };
}

/** A parameter's value, `null` when absent or empty; given twice it is ambiguous, so refused. */
function singleParameter(url: URL, name: string, repeated: 'refused' | 'first' = 'refused'): string | null {
  const values = url.searchParams.getAll(name);
  if (values.length > 1 && repeated === 'refused') throw new HttpError(400, 'invalid_parameter', `${name} is given more than once.`);
  return values[0] || null;
}

function dateParameter(url: URL, name: string): string | null {
  const value = singleParameter(url, name);
  if (value === null) return null;
  // Date rolls 2025-02-30 over to March; only a date that survives the round trip exists.
  const time = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : Number.NaN;
  if (Number.isNaN(time) || new Date(time).toISOString().slice(0, 10) !== value) throw new HttpError(400, 'invalid_parameter', `${name} must be a calendar date YYYY-MM-DD.`);
  return value;
}

function positiveIntegerParameter(url: URL, name: string, max: number | null): number | null {
  const value = singleParameter(url, name);
  if (value === null) return null;
  const number = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(number) || number < 1 || (max !== null && number > max)) {
    throw new HttpError(400, 'invalid_parameter', `${name} must be an integer ${max === null ? 'of at least 1' : `from 1 to ${max}`}.`);
  }
  return number;
}
