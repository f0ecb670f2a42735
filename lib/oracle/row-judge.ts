/**
 * The one row judgement every surface shares: the export file, the JSON list and the page's
 * table all reduce to a sequence of rows in the export's column order, judged here.
 *
 * Memory holds only what the verdict needs: the expected rows, the keys seen (for duplicates
 * and completeness), the previous row (for order), counters and a few opaque samples.
 */
import { createHash, type Hash } from 'node:crypto';
import { compareRows, type PatientTreated } from '../../fixtures/dataset.ts';
import { EXPORT_COLUMNS } from '../contract.ts';
import { deriveExpectations, rowKey, type Expectations, type TenantIdentity } from './expectations.ts';
import { rowRef } from './refs.ts';
import type { Finding, FindingKind, Knowledge, Subject, Surface, TenantCount, Verdict } from './types.ts';

const MAX_SAMPLES = 5;

/** A row as a surface showed it, in the export's column order; `undefined` is a column it lacked. */
export type ObservedCells = readonly (string | undefined)[];

const CELL_SEPARATOR = '\u001f';
const ROW_SEPARATOR = '\u001e';
const MISSING_CELL = '\u0000';

/** Counts one kind of finding, keeping a few samples and, where it matters, a count per tenant. */
export class Tally {
  count = 0;
  readonly samples: string[] = [];
  readonly perTenant = new Map<string, number>();

  add(sample: string, organizationId?: string): void {
    this.count += 1;
    if (this.samples.length < MAX_SAMPLES) this.samples.push(sample);
    if (organizationId !== undefined) this.perTenant.set(organizationId, (this.perTenant.get(organizationId) ?? 0) + 1);
  }
}

export interface Ending {
  /** The surface was read to its end, so rows it lacks are truly missing. */
  readonly readToEnd: boolean;
  /** Findings about the surface's form, judged by its reader. */
  readonly formatFindings: readonly Finding[];
}

export class RowJudge {
  readonly #surface: Surface;
  readonly #expectations: Expectations;
  readonly #fingerprint: Hash = createHash('sha256');
  readonly #seen = new Set<string>();
  #previous: PatientTreated | undefined;
  #rowsRead = 0;
  #foreignRowsSeen = 0;
  readonly #foreign = new Tally();
  readonly #foreignCanary = new Tally();
  readonly #unexpected = new Tally();
  readonly #outsideFilters = new Tally();
  readonly #duplicates = new Tally();
  readonly #cellDrift = new Tally();
  readonly #orderDrift = new Tally();
  readonly #shape = new Tally();

  constructor(surface: Surface, subject: Subject, knowledge: Knowledge) {
    this.#surface = surface;
    this.#expectations = deriveExpectations(subject, knowledge);
  }

  /** A row whose shape is wrong: it is read but cannot be judged, and it breaks the fingerprint. */
  rejectShape(location: string, detail: string): void {
    this.#rowsRead += 1;
    this.#fingerprint.update(`${MISSING_CELL}unreadable${ROW_SEPARATOR}`);
    this.#shape.add(`${location} ${detail}`);
  }

  observe(cells: ObservedCells, location: string): void {
    this.#rowsRead += 1;
    this.#fingerprint.update(cells.map((cell) => cell ?? MISSING_CELL).join(CELL_SEPARATOR) + ROW_SEPARATOR);
    const row = rowFromCells(cells);
    const key = rowKey(row);
    const sample = `${location} ${rowRef(row)}`;
    const expectations = this.#expectations;

    if (this.#previous && compareRows(this.#previous, row) > 0) this.#orderDrift.add(sample);
    this.#previous = row;

    const isDuplicate = this.#seen.has(key);
    if (isDuplicate) this.#duplicates.add(sample);
    else this.#seen.add(key);

    const expectedRow = expectations.expected?.get(key);
    const canaryOwner = expectations.foreignCanaryOwners.get(row.patientId);
    // A foreign canary is recognised by its patient id whatever provider it carries, so a
    // leak that relabels rows with the viewer's organisation still shows.
    if (canaryOwner !== undefined && expectedRow === undefined) {
      this.#foreignRowsSeen += 1;
      this.#foreignCanary.add(sample, canaryOwner);
      this.#foreign.add(sample, canaryOwner);
      return;
    }
    const ownOrganization = expectations.subject.organizationId;
    if (ownOrganization !== null && row.providerId !== ownOrganization) {
      this.#foreignRowsSeen += 1;
      this.#foreign.add(sample, row.providerId);
      return;
    }
    if (isDuplicate) return;
    if (expectedRow) {
      const drifted = EXPORT_COLUMNS.filter((_column, index) => {
        const cell = cells[index];
        return cell !== undefined && cell !== expectedRow.cells[index];
      }).map((column) => column.name);
      if (drifted.length > 0) this.#cellDrift.add(`${sample} (${drifted.join(', ')})`, row.providerId);
    } else if (!expectations.inWindow(row.lastVisit)) {
      this.#outsideFilters.add(sample, row.providerId);
    } else if (expectations.expected !== null) {
      this.#unexpected.add(sample, row.providerId);
    }
  }

  verdict(ending: Ending): Verdict {
    const expectations = this.#expectations;
    const subject = expectations.subject;
    const viewer = describeSubject(subject);
    const tenantList = (tally: Tally) => tenantCounts(tally.perTenant, expectations.tenant);
    const findings: Finding[] = [];
    const add = (kind: FindingKind, tally: Tally, summary: string, withTenants = true): void => {
      if (tally.count === 0) return;
      const byTenant = withTenants ? tenantList(tally) : undefined;
      findings.push({
        kind,
        severity: 'fail',
        summary: byTenant ? `${summary}: ${byTenant.map(describeTenantCount).join('; ')}` : summary,
        count: tally.count,
        ...(byTenant ? { byTenant } : {}),
        samples: tally.samples,
      });
    };

    add('foreign-canary', this.#foreignCanary, `${this.#foreignCanary.count} row(s) of another tenant's canary patient reached ${viewer}, which proves a leak on its own`);
    add('foreign-rows', this.#foreign, `${this.#foreign.count} row(s) of other tenants reached ${viewer}`);
    if (ending.readToEnd) {
      add('missing-canary', this.#missingCanaries(), `${viewer} did not receive its own canary patient`);
      const missing = this.#missingRows();
      add('missing-rows', missing, `${this.#nothingRead()}${missing.count} expected row(s) did not reach ${viewer} (${expectations.filtersText})${this.#wholeTenantsMissing(missing)}`);
    }
    add('unexpected-rows', this.#unexpected, `${this.#unexpected.count} row(s) of ${viewer}'s own scope within the filters are not in the universe`);
    add('outside-filters', this.#outsideFilters, `${this.#outsideFilters.count} row(s) fall outside the filters (${expectations.filtersText})`);
    add('duplicate-rows', this.#duplicates, `${this.#duplicates.count} row(s) repeat a patient and provider already seen`, false);
    add('cell-drift', this.#cellDrift, `${this.#cellDrift.count} known row(s) differ from the universe in the columns named in the samples`);
    add('order-drift', this.#orderDrift, `${this.#orderDrift.count} row(s) are out of order: each belongs before the row above it (lastVisit desc, patientId, providerId)`, false);
    add('row-shape', this.#shape, `${this.#shape.count} row(s) do not have the shape of a patient-treated row and were not judged`, false);

    findings.push(...ending.formatFindings);
    const failed = findings.some((finding) => finding.severity === 'fail');
    if (!failed && expectations.vacuity !== undefined) {
      findings.push({ kind: 'vacuous', severity: 'inconclusive', summary: `Not a pass: ${expectations.vacuity}`, count: 1, samples: [] });
    }
    const status = failed ? 'fail' : findings.some((finding) => finding.severity === 'inconclusive') ? 'inconclusive' : 'pass';

    return {
      status,
      surface: this.#surface,
      subject,
      knowledge: expectations.level,
      rowsRead: this.#rowsRead,
      expectedOwnRows: expectations.expected?.size ?? null,
      foreignRowsAvailable: expectations.foreignRowsAvailable,
      foreignRowsSeen: this.#foreignRowsSeen,
      findings,
      fingerprint: this.#fingerprint.copy().digest('hex'),
    };
  }

  #missingRows(): Tally {
    const missing = new Tally();
    for (const [key, expectedRow] of this.#expectations.expected ?? []) {
      if (!this.#seen.has(key)) missing.add(`expected #${expectedRow.position} ${rowRef(expectedRow)}`, expectedRow.providerId);
    }
    return missing;
  }

  #missingCanaries(): Tally {
    const missing = new Tally();
    for (const [key, canary] of this.#expectations.ownCanariesDue) {
      if (!this.#seen.has(key)) missing.add(rowRef({ patientId: canary.patientId, providerId: canary.organizationId }), canary.organizationId);
    }
    return missing;
  }

  /** An export of its header alone is the plainest way to lose every row; it is said outright. */
  #nothingRead(): string {
    if (this.#rowsRead > 0) return '';
    return this.#surface === 'file' ? 'the file holds its header and no row: ' : `the ${this.#surface === 'api' ? 'list' : 'table'} held no row: `;
  }

  #wholeTenantsMissing(missing: Tally): string {
    const absent = [...missing.perTenant]
      .filter(([organizationId, count]) => count === this.#expectations.expectedByTenant.get(organizationId))
      .map(([organizationId]) => describeTenant(this.#expectations.tenant(organizationId)));
    return absent.length > 0 ? ` (every row of ${absent.join(', ')} is absent)` : '';
  }
}

/** The row as a surface showed it; columns it lacked are empty and never compared. */
function rowFromCells(cells: ObservedCells): PatientTreated {
  const [patientId = '', patientName = '', dateOfBirth = '', providerId = '', providerName = '', lastVisit = '', visits = ''] = cells;
  return { patientId, patientName, dateOfBirth, providerId, providerName, lastVisit, visits: Number(visits) };
}

function tenantCounts(perTenant: ReadonlyMap<string, number>, tenant: (organizationId: string) => TenantIdentity): TenantCount[] {
  return [...perTenant]
    .map(([organizationId, count]) => ({ ...tenant(organizationId), count }))
    .sort((a, b) => b.count - a.count || (a.organizationId < b.organizationId ? -1 : 1));
}

export function describeTenant(tenant: TenantIdentity): string {
  return tenant.name === undefined
    ? `an organisation the suite does not know (${tenant.organizationId})`
    : `${tenant.name} (${tenant.organizationId}, ${tenant.type ?? 'type unknown'})`;
}

function describeTenantCount(tenantCount: TenantCount): string {
  return `${describeTenant(tenantCount)} ${tenantCount.count}`;
}

export function describeSubject(subject: Subject): string {
  return `${subject.persona} (${subject.organizationId ?? 'all organisations'})`;
}
