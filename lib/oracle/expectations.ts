/**
 * What the subject should have received, worked out from the knowledge alone: the oracle
 * applies the subject's filters to the universe itself rather than trusting any surface,
 * which gives the expected own rows and the foreign rows that could have leaked.
 *
 * The universe may be a lazy sequence of a million rows in any order, regenerated each time
 * it is iterated, so it is read once per verdict and only the subject's own rows are kept;
 * where it offers the subject's share, only that share is read and the others are counted.
 */
import { compareRows, type Canary, type PatientTreated } from '../model.ts';
import { EXPORT_COLUMNS } from '../contract.ts';
import { unknownTenantRef } from './refs.ts';
import type { Knowledge, KnowledgeLevel, KnownOrganization, Subject } from './types.ts';

/** A row's cells as text in the export's column order: the form every surface is compared in. */
export type Cells = readonly string[];

/** Joins an expected row's cells into one string: the cheapest form to keep and to compare. */
export const CELL_SEPARATOR = '\u001f';

function canonicalCells(row: PatientTreated): Cells {
  return EXPORT_COLUMNS.map((column) => String(row[column.field]));
}

export function rowKey(row: { readonly patientId: string; readonly providerId: string }): string {
  return `${row.providerId}\u0000${row.patientId}`;
}

export interface ExpectedRow {
  readonly patientId: string;
  readonly providerId: string;
  /** 1-based place in the dashboard's order among the expected rows. */
  readonly position: number;
  /** The cells joined by CELL_SEPARATOR: one string per row rather than seven. */
  readonly joined: string;
  /** Kept only when a cell holds CELL_SEPARATOR itself, which makes `joined` ambiguous. */
  readonly cells: Cells | undefined;
  /** The next expected row of the same patient id (another organisation's episode), once the index is built. */
  samePatient?: ExpectedRow | undefined;
}

/** The expected rows in the dashboard's order, found by patient and provider without building a key. */
export class ExpectedRows {
  readonly #inOrder: readonly ExpectedRow[];
  /** Built at the first look-up that the order cannot answer: a surface in order never needs it. */
  #byPatient: ReadonlyMap<string, ExpectedRow> | undefined;

  /** A row the universe repeats exactly (a view that lists it twice) is expected once. */
  constructor(sortedRows: readonly PatientTreated[]) {
    const inOrder: ExpectedRow[] = [];
    let previous: PatientTreated | undefined;
    for (const row of sortedRows) {
      if (previous !== undefined && compareRows(previous, row) === 0) continue;
      previous = row;
      const cells = canonicalCells(row);
      inOrder.push({
        patientId: row.patientId,
        providerId: row.providerId,
        position: inOrder.length + 1,
        joined: cells.join(CELL_SEPARATOR),
        cells: cells.some((cell) => cell.includes(CELL_SEPARATOR)) ? cells : undefined,
      });
    }
    this.#inOrder = inOrder;
  }

  get size(): number {
    return this.#inOrder.length;
  }

  /** In the dashboard's order; an expected row's index here is its position less one. */
  get inOrder(): readonly ExpectedRow[] {
    return this.#inOrder;
  }

  find(patientId: string, providerId: string): ExpectedRow | undefined {
    this.#byPatient ??= indexByPatient(this.#inOrder);
    return ofProvider(this.#byPatient.get(patientId), providerId);
  }

  /** Several rows at once: one pass over the rows, unless the index is already built. */
  locate(wanted: readonly { readonly patientId: string; readonly providerId: string }[]): (ExpectedRow | undefined)[] {
    if (this.#byPatient !== undefined) return wanted.map((row) => this.find(row.patientId, row.providerId));
    const wantedPatients = new Set(wanted.map((row) => row.patientId));
    const wantedKeys = new Set(wanted.map(rowKey));
    const found = new Map<string, ExpectedRow>();
    for (const row of this.#inOrder) {
      if (!wantedPatients.has(row.patientId)) continue;
      const key = rowKey(row);
      if (wantedKeys.has(key) && !found.has(key)) found.set(key, row);
    }
    return wanted.map((row) => found.get(rowKey(row)));
  }

  /**
   * `find`, trying first the row at `position` (1-based): a surface that keeps the
   * dashboard's order shows its rows where expected, and a look-up in a map of a million
   * rows costs more than the rest of a row's judgement.
   */
  findFrom(position: number, patientId: string, providerId: string): ExpectedRow | undefined {
    const next = this.#inOrder[position - 1];
    if (next !== undefined && next.patientId === patientId && next.providerId === providerId) return next;
    return this.find(patientId, providerId);
  }
}

/** Each patient id to its expected rows, the first in the dashboard's order first. */
function indexByPatient(inOrder: readonly ExpectedRow[]): ReadonlyMap<string, ExpectedRow> {
  const byPatient = new Map<string, ExpectedRow>();
  for (let index = inOrder.length - 1; index >= 0; index--) {
    const row = inOrder[index];
    if (row === undefined) continue;
    row.samePatient = byPatient.get(row.patientId);
    byPatient.set(row.patientId, row);
  }
  return byPatient;
}

function ofProvider(samePatient: ExpectedRow | undefined, providerId: string): ExpectedRow | undefined {
  let candidate = samePatient;
  while (candidate !== undefined && candidate.providerId !== providerId) candidate = candidate.samePatient;
  return candidate;
}

/** The cells an expected row should show, for naming the columns that drifted. */
export function expectedCells(row: ExpectedRow): Cells {
  return row.cells ?? row.joined.split(CELL_SEPARATOR);
}

/** An own canary the subject must receive, with its expected row when the universe holds it. */
export interface DueCanary extends Canary {
  readonly expected: ExpectedRow | undefined;
}

export interface TenantIdentity {
  readonly organizationId: string;
  readonly name?: string;
  readonly type?: string | null;
}

export interface Expectations {
  readonly subject: Subject;
  readonly level: KnowledgeLevel;
  readonly filtered: boolean;
  readonly filtersText: string;
  readonly inWindow: (lastVisit: string) => boolean;
  /** `null` when no universe is known, so completeness cannot be judged. */
  readonly expected: ExpectedRows | null;
  readonly expectedByTenant: ReadonlyMap<string, number>;
  readonly foreignRowsAvailable: number | null;
  /** Canary patient id to the organisation it belongs to, for canaries the subject must not see. */
  readonly foreignCanaryOwners: ReadonlyMap<string, string>;
  /** Keyed by rowKey: the subject's own canaries that must appear. */
  readonly ownCanariesDue: ReadonlyMap<string, DueCanary>;
  /** Why a pass would prove nothing, or `undefined` when a leak had something to show. */
  readonly vacuity: string | undefined;
  readonly tenant: (organizationId: string) => TenantIdentity;
}

export function deriveExpectations(subject: Subject, knowledge: Knowledge): Expectations {
  const from = subject.filters.from || undefined;
  const to = subject.filters.to || undefined;
  const inWindow = (lastVisit: string): boolean => (from === undefined || lastVisit >= from) && (to === undefined || lastVisit <= to);
  const filtered = from !== undefined || to !== undefined;
  const isAdmin = subject.organizationId === null;
  const belongsToSubject = (organizationId: string): boolean => isAdmin || organizationId === subject.organizationId;

  const organizationsById = new Map<string, KnownOrganization>(knowledge.organizations.map((organization) => [organization.id, organization]));
  const tenant = (organizationId: string): TenantIdentity => {
    const organization = organizationsById.get(organizationId);
    return organization
      ? { organizationId: organization.id, name: organization.name, type: organization.type }
      : { organizationId: unknownTenantRef(organizationId) };
  };

  let expected: ExpectedRows | null = null;
  const expectedByTenant = new Map<string, number>();
  let foreignRowsAvailable: number | null = null;
  if (knowledge.universe) {
    // Foreign rows are only counted: a tenant's verdict keeps its own share of the universe.
    const own: PatientTreated[] = [];
    let foreignInWindow = 0;
    const share = knowledge.universe.shareOf?.(subject.organizationId, { from, to });
    // A share's rows pass the same filter, so one holding a row it should not is still judged right.
    for (const row of share?.rows ?? knowledge.universe.rows) {
      if (!inWindow(row.lastVisit)) continue;
      if (belongsToSubject(row.providerId)) own.push(row);
      else foreignInWindow += 1;
    }
    if (share) foreignInWindow += share.othersInWindow;
    // Positions follow the dashboard's order whatever order the universe came in.
    expected = new ExpectedRows(own.sort(compareRows));
    for (const row of expected.inOrder) expectedByTenant.set(row.providerId, (expectedByTenant.get(row.providerId) ?? 0) + 1);
    foreignRowsAvailable = isAdmin ? null : foreignInWindow;
  }

  const canaries = knowledge.canaries ?? [];
  const foreignCanaryOwners = new Map<string, string>();
  for (const canary of canaries) if (!belongsToSubject(canary.organizationId)) foreignCanaryOwners.set(canary.patientId, canary.organizationId);
  const ownCanaries = canaries.filter((canary) => belongsToSubject(canary.organizationId));
  const ownCanaryRows = expected?.locate(ownCanaries.map((canary) => ({ patientId: canary.patientId, providerId: canary.organizationId })));
  const ownCanariesDue = new Map<string, DueCanary>();
  ownCanaries.forEach((canary, index) => {
    const expectedRow = ownCanaryRows?.[index];
    if (expectedRow !== undefined || !filtered) {
      ownCanariesDue.set(rowKey({ patientId: canary.patientId, providerId: canary.organizationId }), { ...canary, expected: expectedRow });
    }
  });

  const level: KnowledgeLevel = knowledge.universe?.source ?? (canaries.length > 0 ? 'canaries' : 'none');
  const filtersText = filtered ? `lastVisit ${from ?? 'any'}..${to ?? 'any'}` : 'no date filter';

  let vacuity: string | undefined;
  if (isAdmin) {
    const tenantsExpected = expected
      ? expectedByTenant.size
      : new Set([...ownCanariesDue.values()].map((canary) => canary.organizationId)).size;
    if (tenantsExpected < 2) {
      vacuity = `the Luna admin should see ${tenantsExpected} tenant(s) (${filtersText}); seeing every tenant cannot be shown with fewer than two`;
    }
  } else if (foreignRowsAvailable === 0) {
    vacuity = `no row of another tenant falls within the filters (${filtersText}), so a leak would have had nothing to show`;
  } else if (foreignRowsAvailable === null && foreignCanaryOwners.size === 0) {
    vacuity = 'neither a universe nor a canary of another tenant is known, so nothing shows there was anything to leak';
  }

  return {
    subject,
    level,
    filtered,
    filtersText,
    inWindow,
    expected,
    expectedByTenant,
    foreignRowsAvailable,
    foreignCanaryOwners,
    ownCanariesDue,
    vacuity,
    tenant,
  };
}
