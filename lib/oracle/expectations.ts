/**
 * What the subject should have received, worked out from the knowledge alone: the oracle
 * applies the subject's filters to the universe itself rather than trusting any surface,
 * which gives the expected own rows and the foreign rows that could have leaked.
 */
import { compareRows } from '../../fixtures/dataset.ts';
import type { Canary, Organization, OrganizationType, PatientTreated } from '../../fixtures/dataset.ts';
import { EXPORT_COLUMNS } from '../contract.ts';
import { unknownTenantRef } from './refs.ts';
import type { Knowledge, KnowledgeLevel, Subject } from './types.ts';

/** A row's cells as text in the export's column order: the form every surface is compared in. */
export type Cells = readonly string[];

export function canonicalCells(row: PatientTreated): Cells {
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
  readonly cells: Cells;
}

export interface TenantIdentity {
  readonly organizationId: string;
  readonly name?: string;
  readonly type?: OrganizationType;
}

export interface Expectations {
  readonly subject: Subject;
  readonly level: KnowledgeLevel;
  readonly filtered: boolean;
  readonly filtersText: string;
  readonly inWindow: (lastVisit: string) => boolean;
  /** Keyed by rowKey; `null` when no universe is known, so completeness cannot be judged. */
  readonly expected: ReadonlyMap<string, ExpectedRow> | null;
  readonly expectedByTenant: ReadonlyMap<string, number>;
  readonly foreignRowsAvailable: number | null;
  /** Canary patient id to the organisation it belongs to, for canaries the subject must not see. */
  readonly foreignCanaryOwners: ReadonlyMap<string, string>;
  /** Keyed by rowKey: the subject's own canaries that must appear. */
  readonly ownCanariesDue: ReadonlyMap<string, Canary>;
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

  const organizationsById = new Map<string, Organization>(knowledge.organizations.map((organization) => [organization.id, organization]));
  const tenant = (organizationId: string): TenantIdentity => {
    const organization = organizationsById.get(organizationId);
    return organization
      ? { organizationId: organization.id, name: organization.name, type: organization.type }
      : { organizationId: unknownTenantRef(organizationId) };
  };

  let expected: Map<string, ExpectedRow> | null = null;
  const expectedByTenant = new Map<string, number>();
  let foreignRowsAvailable: number | null = null;
  if (knowledge.universe) {
    const inFilters: PatientTreated[] = [];
    let foreignInWindow = 0;
    for (const row of knowledge.universe.rows) {
      if (!inWindow(row.lastVisit)) continue;
      if (belongsToSubject(row.providerId)) inFilters.push(row);
      else foreignInWindow += 1;
    }
    expected = new Map();
    let position = 0;
    for (const row of inFilters.sort(compareRows)) {
      position += 1;
      expected.set(rowKey(row), { patientId: row.patientId, providerId: row.providerId, position, cells: canonicalCells(row) });
      expectedByTenant.set(row.providerId, (expectedByTenant.get(row.providerId) ?? 0) + 1);
    }
    foreignRowsAvailable = isAdmin ? null : foreignInWindow;
  }

  const canaries = knowledge.canaries ?? [];
  const foreignCanaryOwners = new Map<string, string>();
  const ownCanariesDue = new Map<string, Canary>();
  for (const canary of canaries) {
    const key = rowKey({ patientId: canary.patientId, providerId: canary.organizationId });
    if (!belongsToSubject(canary.organizationId)) foreignCanaryOwners.set(canary.patientId, canary.organizationId);
    else if (expected?.has(key) || !filtered) ownCanariesDue.set(key, canary);
  }

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
