/**
 * The JSON list and the page's table: they show raw values, so there is no CSV or formula
 * judgement here, only the shared row judgement. Items arrive from a response, so their
 * shape is checked at run time before they are trusted as rows.
 *
 * A source that fails while it is read (a timeout, a page of another shape, a refused
 * request) is not judged at all: its error goes to the caller as it is, so that a target's
 * failure is never mistaken for an isolation finding.
 */
import type { PatientTreated } from '../model.ts';
import { EXPORT_COLUMNS } from '../contract.ts';
import { rowRef } from './refs.ts';
import { RowJudge } from './row-judge.ts';
import type { Knowledge, Subject, Verdict } from './types.ts';

/**
 * `whole: false` judges rows that are a part of the subject's by design (one page of a list,
 * an endpoint's "latest five"): every row must be the subject's and right, but rows it lacks
 * are not missing.
 */
export async function judgeRows(
  rows: AsyncIterable<PatientTreated> | Iterable<PatientTreated>,
  surface: 'api' | 'page',
  subject: Subject,
  knowledge: Knowledge,
  options: { readonly whole?: boolean } = {},
): Promise<Verdict> {
  const judge = new RowJudge(surface, subject, knowledge);
  const itemName = surface === 'api' ? 'item' : 'row';
  let position = 0;
  for await (const item of rows) {
    position += 1;
    const problem = shapeProblem(item);
    if (problem === undefined) judge.observe(EXPORT_COLUMNS.map((column) => String(item[column.field])), itemName, position);
    else judge.rejectShape(identifiableLocation(item, `${itemName} ${position}`), problem);
  }
  return judge.verdict({ readToEnd: options.whole ?? true, formatFindings: [] });
}

/** Names the offending fields only: their values may be anything, patient data included. */
function shapeProblem(item: unknown): string | undefined {
  if (typeof item !== 'object' || item === null) return '(not an object)';
  const wrong = EXPORT_COLUMNS.filter((column) => {
    const value: unknown = Reflect.get(item, column.field);
    return column.field === 'visits' ? typeof value !== 'number' || !Number.isFinite(value) : typeof value !== 'string';
  }).map((column) => column.field);
  return wrong.length > 0 ? `(wrong or missing ${wrong.join(', ')})` : undefined;
}

function identifiableLocation(item: unknown, location: string): string {
  if (typeof item !== 'object' || item === null) return location;
  const patientId: unknown = Reflect.get(item, 'patientId');
  const providerId: unknown = Reflect.get(item, 'providerId');
  return typeof patientId === 'string' && typeof providerId === 'string' ? `${location} ${rowRef({ patientId, providerId })}` : location;
}
