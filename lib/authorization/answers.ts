/**
 * Judging an answer to a request the suite did not write itself: a replayed request of the
 * page's, or a catalogue vector. Security tools judge such answers by status, length or a
 * pattern; this judges their rows. A refusal docs/target.md allows is fine; a success is read for
 * patient-treated rows wherever they sit (a CSV file, a JSON list, an object nested in JSON),
 * and each row must be the receiver's own, judged by the oracle.
 */
import type { CellStatus } from '../checks.ts';
import type { PatientTreated } from '../model.ts';
import { judgeExport, judgeRows, type Knowledge, type Subject, type Verdict } from '../oracle/index.ts';
import { exportResponseParts } from '../target/export-response.ts';
import { ALLOWED_REFUSALS } from './vectors.ts';

export type AnswerOutcome =
  | { readonly kind: 'refused'; readonly status: number }
  /** A success that carries no patient-treated row at all (who am I, say). */
  | { readonly kind: 'no-rows'; readonly status: number }
  | { readonly kind: 'judged'; readonly status: number; readonly verdict: Verdict }
  /** Neither a refusal docs/target.md allows nor a success: the target's error, not a finding. */
  | { readonly kind: 'unexpected'; readonly status: number };

/**
 * `whole`: the answer should hold every row the subject may see (an export; a list whose
 * one page holds its total). Otherwise only what it holds is judged.
 */
export async function judgeAnswer(response: Response, subject: Subject, knowledge: Knowledge, whole: 'export' | 'list' | 'part'): Promise<AnswerOutcome> {
  const { status } = response;
  if (ALLOWED_REFUSALS.has(status)) {
    await response.body?.cancel();
    return { kind: 'refused', status };
  }
  if (status < 200 || status >= 300) {
    await response.body?.cancel();
    return { kind: 'unexpected', status };
  }
  const contentType = response.headers.get('content-type') ?? '';
  if (/^text\/csv/i.test(contentType)) {
    const { body, contentType: type, filename } = exportResponseParts(response);
    // A replayed file is judged for its rows: its name follows whoever asked, so it is not checked.
    return { kind: 'judged', status, verdict: await judgeExport(body, subject, knowledge, whole === 'export' ? { contentType: type, filename } : {}) };
  }
  let json: unknown;
  try {
    json = await response.json();
  } catch {
    return { kind: 'no-rows', status };
  }
  const rows = rowsIn(json);
  if (rows.length === 0) return { kind: 'no-rows', status };
  const total = typeof json === 'object' && json !== null && 'total' in json ? json.total : undefined;
  const complete = whole !== 'part' && total === rows.length;
  return { kind: 'judged', status, verdict: await judgeRows(rows as PatientTreated[], 'api', subject, knowledge, { whole: complete }) };
}

/** Every object in the answer that names a patient and a provider: a row, wherever it sits. */
function rowsIn(json: unknown): unknown[] {
  const found: unknown[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
    } else if (typeof value === 'object' && value !== null) {
      if ('patientId' in value && 'providerId' in value) found.push(value);
      else for (const child of Object.values(value)) visit(child);
    }
  };
  visit(json);
  return found;
}

/** One PHI-free line for a cell of the matrix: how the answer came out. */
export function describeOutcome(outcome: AnswerOutcome): string {
  switch (outcome.kind) {
    case 'refused':
      return `refused (${outcome.status})`;
    case 'no-rows':
      return `no rows (${outcome.status})`;
    case 'unexpected':
      return `answered ${outcome.status}`;
    case 'judged': {
      const { verdict } = outcome;
      if (verdict.status === 'pass') return `own rows only (${verdict.rowsRead})`;
      // Each tenant once, with the most rows any finding counted of it.
      const perTenant = new Map<string, number>();
      for (const tenant of verdict.findings.flatMap((finding) => finding.byTenant ?? [])) {
        const name = tenant.name ?? tenant.organizationId;
        perTenant.set(name, Math.max(perTenant.get(name) ?? 0, tenant.count));
      }
      const tenants = [...perTenant].map(([name, count]) => `${name} ${count}`);
      return `${verdict.findings.map((finding) => `${finding.kind} ${finding.count}`).join(', ')}${tenants.length > 0 ? ` (${tenants.join('; ')})` : ''}`;
    }
  }
}

/** A matrix cell from several answers: any finding wins, then any error; all refused reads as refused. */
export function cellOfOutcomes(entries: readonly { label: string; outcome: AnswerOutcome }[]): { status: CellStatus; detail: string } {
  const findings = entries.filter(({ outcome }) => outcome.kind === 'judged' && outcome.verdict.status !== 'pass');
  const errors = entries.filter(({ outcome }) => outcome.kind === 'unexpected');
  const refused = entries.filter(({ outcome }) => outcome.kind === 'refused');
  if (findings.length > 0) return { status: 'finding', detail: findings.map(({ label, outcome }) => `${label}: ${describeOutcome(outcome)}`).join('; ') };
  if (errors.length > 0) return { status: 'error', detail: errors.map(({ label, outcome }) => `${label}: ${describeOutcome(outcome)}`).join('; ') };
  if (refused.length === entries.length) return { status: 'refused', detail: `${refused.length} refused` };
  return { status: 'pass', detail: `${entries.length - refused.length} answered with own rows only, ${refused.length} refused` };
}

