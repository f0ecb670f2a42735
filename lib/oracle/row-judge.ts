/**
 * The one row judgement every surface shares: the export file, the JSON list and the page's
 * table all reduce to a sequence of rows in the export's column order, judged here.
 *
 * Memory holds only what the verdict needs, however many rows are read: the expected rows
 * (each with a seen flag), the own rows the universe does not hold (for duplicates among
 * them), the previous row (for order), counters per tenant and a few opaque samples. Foreign
 * rows are counted and forgotten. A million rows pass through here, so the path of a row
 * allocates little and a sample's row reference is hashed only for the few samples kept.
 */
import { createHash, type Hash } from 'node:crypto';
import { compareRows, type PatientTreated } from '../model.ts';
import { EXPORT_COLUMNS } from '../contract.ts';
import { CELL_SEPARATOR, deriveExpectations, expectedCells, rowKey, type Expectations, type ExpectedRow, type TenantIdentity } from './expectations.ts';
import { rowRef } from './refs.ts';
import type { Finding, FindingKind, Knowledge, Subject, Surface, TenantCount, Verdict } from './types.ts';

const MAX_SAMPLES = 5;
/**
 * Tenants counted one by one per finding. A file whose provider column holds something else
 * (shifted columns, say) would otherwise make every row a tenant of its own; past this many,
 * the rest are counted together.
 */
const MAX_TENANTS_NAMED = 1_000;
/** The count of the tenants past MAX_TENANTS_NAMED, all together. */
export const UNLISTED_TENANTS = 'unknown:others';

/** A row as a surface showed it, in the export's column order; `undefined` is a column it lacked. */
export type ObservedCells = readonly (string | undefined)[];

/** What a sample calls a row: `line 57` of a file, `item 3` of a list, `row 12` of a table. */
export type RowUnit = 'line' | 'item' | 'row';

const MISSING_CELL = '\u0000';
const UNREADABLE_RECORD = `${MISSING_CELL}unreadable\r\n`;
const NEEDS_QUOTES = /[",\r\n]/;
const HASH_BATCH_CHARS = 16 * 1024;

const SEPARATOR_CODE = CELL_SEPARATOR.charCodeAt(0);
const PATIENT_ID = 0;
const PROVIDER_ID = 3;
const LAST_VISIT = 5;

/** Counts one kind of finding, keeping a few samples and, where it matters, a count per tenant. */
export class Tally {
  count = 0;
  readonly samples: string[] = [];
  /** Boxed, so that a row of a tenant already counted costs one lookup. */
  readonly #perTenant = new Map<string, { count: number }>();
  #unlisted = 0;

  /** Rows per tenant; past MAX_TENANTS_NAMED tenants, the rest under UNLISTED_TENANTS. */
  get perTenant(): ReadonlyMap<string, number> {
    const counts = new Map([...this.#perTenant].map(([organizationId, { count }]) => [organizationId, count]));
    if (this.#unlisted > 0) counts.set(UNLISTED_TENANTS, this.#unlisted);
    return counts;
  }

  add(sample: string, organizationId?: string): void {
    if (this.note(organizationId)) this.keep(sample);
  }

  /** Counts one more and says whether its sample is wanted, so that most are never built. */
  note(organizationId?: string): boolean {
    this.count += 1;
    if (organizationId !== undefined) {
      const tenant = this.#perTenant.get(organizationId);
      if (tenant !== undefined) tenant.count += 1;
      else if (this.#perTenant.size < MAX_TENANTS_NAMED) this.#perTenant.set(organizationId, { count: 1 });
      else this.#unlisted += 1;
    }
    return this.samples.length < MAX_SAMPLES;
  }

  keep(sample: string): void {
    if (this.samples.length < MAX_SAMPLES) this.samples.push(sample);
  }
}

export interface Ending {
  /** The surface was read to its end, so rows it lacks are truly missing. */
  readonly readToEnd: boolean;
  /** Findings about the surface's form, judged by its reader. */
  readonly formatFindings: readonly Finding[];
}

/** A row's place in the dashboard's order, in objects reused row after row rather than made per row. */
type OrderKey = { -readonly [Field in keyof PatientTreated]: PatientTreated[Field] };

export class RowJudge {
  readonly #surface: Surface;
  readonly #expectations: Expectations;
  readonly #fingerprint = new Fingerprint();
  /** Indexed by an expected row's position less one. */
  readonly #expectedSeen: Uint8Array;
  /** Own rows the universe does not hold (all own rows when no universe is known), for duplicates. */
  readonly #unexpectedSeen = new Set<string>();
  #previous: OrderKey = blankOrderKey();
  #current: OrderKey = blankOrderKey();
  #hasPrevious = false;
  /** The expected row after the last one seen: where the next row should be, in the dashboard's order. */
  #nextExpected = 1;
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

  /** The shortest and longest foreign canary id: most patient ids fall outside and are never looked up. */
  readonly #canaryIdLengths: { readonly shortest: number; readonly longest: number };

  constructor(surface: Surface, subject: Subject, knowledge: Knowledge) {
    this.#surface = surface;
    this.#expectations = deriveExpectations(subject, knowledge);
    this.#expectedSeen = new Uint8Array(this.#expectations.expected?.size ?? 0);
    const lengths = [...this.#expectations.foreignCanaryOwners.keys()].map((patientId) => patientId.length);
    this.#canaryIdLengths = { shortest: Math.min(...lengths), longest: Math.max(...lengths) };
  }

  /** A row whose shape is wrong: it is read but cannot be judged, and it breaks the fingerprint. */
  rejectShape(location: string, detail: string): void {
    this.#rowsRead += 1;
    this.#fingerprint.addRecord(UNREADABLE_RECORD);
    this.#shape.add(`${location} ${detail}`);
  }

  /**
   * A row with every column. `unit` and `index` place it for a sample, such as `line 57`;
   * they are put together only for a sample that is kept.
   */
  observe(cells: readonly string[], unit: RowUnit, index: number): void {
    this.#fingerprint.addRecord(canonicalRecord(cells));
    this.#judge(cells, true, unit, index);
  }

  /** A row read under a header that lacks columns: those are `undefined` and never compared. */
  observePartial(cells: ObservedCells, unit: RowUnit, index: number): void {
    this.#fingerprint.addRecord(canonicalRecord(cells.map((cell) => cell ?? MISSING_CELL)));
    this.#judge(cells, false, unit, index);
  }

  /** A row whose canonical record the caller has passed to `fingerprintBytes`, as the file's own bytes. */
  observeFingerprinted(cells: readonly string[], unit: RowUnit, index: number): void {
    this.#judge(cells, true, unit, index);
  }

  /** Bytes that are, record for record, the canonical records of rows observed with `observeFingerprinted`. */
  fingerprintBytes(bytes: Uint8Array): void {
    this.#fingerprint.addBytes(bytes);
  }

  #judge(cells: ObservedCells, complete: boolean, unit: RowUnit, index: number): void {
    this.#rowsRead += 1;
    const patientId = cells[PATIENT_ID] ?? '';
    const providerId = cells[PROVIDER_ID] ?? '';
    const lastVisit = cells[LAST_VISIT] ?? '';
    const expectations = this.#expectations;

    const current = this.#current;
    current.patientId = patientId;
    current.providerId = providerId;
    current.lastVisit = lastVisit;
    if (this.#hasPrevious && compareRows(this.#previous, current) > 0 && this.#orderDrift.note()) {
      this.#orderDrift.keep(sampleOf(unit, index, patientId, providerId));
    }
    this.#current = this.#previous;
    this.#previous = current;
    this.#hasPrevious = true;

    // A foreign canary is recognised by its patient id whatever provider it carries, so a
    // leak that relabels rows with the viewer's organisation still shows.
    const canaryOwner = this.#mayBeForeignCanary(patientId) ? expectations.foreignCanaryOwners.get(patientId) : undefined;
    let expectedRow: ExpectedRow | undefined;
    if (canaryOwner !== undefined) {
      expectedRow = expectations.expected?.find(patientId, providerId);
      if (expectedRow === undefined) {
        this.#foreignRowsSeen += 1;
        const sampled = this.#foreignCanary.note(canaryOwner);
        if (this.#foreign.note(canaryOwner) || sampled) {
          const sample = sampleOf(unit, index, patientId, providerId);
          this.#foreignCanary.keep(sample);
          this.#foreign.keep(sample);
        }
        return;
      }
    }
    const ownOrganization = expectations.subject.organizationId;
    if (ownOrganization !== null && providerId !== ownOrganization) {
      this.#foreignRowsSeen += 1;
      if (this.#foreign.note(providerId)) this.#foreign.keep(sampleOf(unit, index, patientId, providerId));
      return;
    }

    expectedRow ??= expectations.expected?.findFrom(this.#nextExpected, patientId, providerId);
    if (expectedRow !== undefined) {
      this.#nextExpected = expectedRow.position + 1;
      const slot = expectedRow.position - 1;
      if (this.#expectedSeen[slot] === 1) {
        if (this.#duplicates.note()) this.#duplicates.keep(sampleOf(unit, index, patientId, providerId));
        return;
      }
      this.#expectedSeen[slot] = 1;
      const unchanged = complete && expectedRow.cells === undefined && sameAsJoined(cells, expectedRow.joined);
      const drifted = unchanged ? [] : driftedColumns(cells, expectedRow, this.#surface === 'page' ? asBrowserShows : exactly);
      if (drifted.length > 0 && this.#cellDrift.note(providerId)) {
        this.#cellDrift.keep(`${sampleOf(unit, index, patientId, providerId)} (${drifted.join(', ')})`);
      }
      return;
    }

    const key = rowKey({ patientId, providerId });
    if (this.#unexpectedSeen.has(key)) {
      if (this.#duplicates.note()) this.#duplicates.keep(sampleOf(unit, index, patientId, providerId));
      return;
    }
    this.#unexpectedSeen.add(key);
    if (!expectations.inWindow(lastVisit)) {
      if (this.#outsideFilters.note(providerId)) this.#outsideFilters.keep(sampleOf(unit, index, patientId, providerId));
    } else if (expectations.expected !== null) {
      if (this.#unexpected.note(providerId)) this.#unexpected.keep(sampleOf(unit, index, patientId, providerId));
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
      fingerprint: this.#fingerprint.digest(),
    };
  }

  #mayBeForeignCanary(patientId: string): boolean {
    return patientId.length >= this.#canaryIdLengths.shortest && patientId.length <= this.#canaryIdLengths.longest;
  }


  #missingRows(): Tally {
    const missing = new Tally();
    for (const expectedRow of this.#expectations.expected?.inOrder ?? []) {
      if (this.#expectedSeen[expectedRow.position - 1] === 1) continue;
      if (missing.note(expectedRow.providerId)) missing.keep(`expected #${expectedRow.position} ${rowRef(expectedRow)}`);
    }
    return missing;
  }

  #missingCanaries(): Tally {
    const missing = new Tally();
    for (const [key, canary] of this.#expectations.ownCanariesDue) {
      const seen = canary.expected ? this.#expectedSeen[canary.expected.position - 1] === 1 : this.#unexpectedSeen.has(key);
      if (!seen) {
        missing.add(rowRef({ patientId: canary.patientId, providerId: canary.organizationId }), canary.organizationId);
      }
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

/**
 * sha256 over the rows in order, each as its canonical record: RFC 4180 with a field quoted
 * only where it must be, CRLF after it, and no formula prefix. A file's rows are mostly that
 * already, byte for byte, so the file hashes its own bytes and spares building the text.
 */
class Fingerprint {
  readonly #hash: Hash = createHash('sha256');
  /** Text not yet hashed: records are hashed a batch at a time, not one by one. */
  #pending = '';

  addRecord(record: string): void {
    this.#pending += record;
    if (this.#pending.length >= HASH_BATCH_CHARS) this.#flush();
  }

  addBytes(bytes: Uint8Array): void {
    this.#flush();
    this.#hash.update(bytes);
  }

  digest(): string {
    this.#flush();
    return this.#hash.copy().digest('hex');
  }

  #flush(): void {
    if (this.#pending.length === 0) return;
    this.#hash.update(this.#pending, 'utf8');
    this.#pending = '';
  }
}

/**
 * The record a correct export holds for these cells, before any formula prefix, with line
 * breaks as a browser shows them: every surface is fingerprinted alike, so a server-rendered
 * table (whose HTML parser turns CR LF into LF) agrees with the file it was made from. Each
 * surface's cells are still compared exactly (the page's as a browser shows them) with the universe.
 */
export function canonicalRecord(cells: readonly string[]): string {
  let record = '';
  for (let index = 0; index < cells.length; index++) {
    const raw = cells[index] ?? '';
    const cell = raw.includes('\r') ? asBrowserShows(raw) : raw;
    if (index > 0) record += ',';
    record += NEEDS_QUOTES.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
  }
  return `${record}\r\n`;
}

function blankOrderKey(): OrderKey {
  return { patientId: '', patientName: '', dateOfBirth: '', providerId: '', providerName: '', lastVisit: '', visits: 0 };
}

function sampleOf(unit: RowUnit, index: number, patientId: string, providerId: string): string {
  return `${unit} ${index} ${rowRef({ patientId, providerId })}`;
}

/**
 * Whether the cells, joined, are exactly `joined`, without joining them. `joined` must come
 * from cells free of CELL_SEPARATOR: then matching every cell and separator in place is equality.
 */
function sameAsJoined(cells: ObservedCells, joined: string): boolean {
  let offset = 0;
  for (const cell of cells) {
    if (cell === undefined) return false;
    if (offset > 0) {
      if (joined.charCodeAt(offset) !== SEPARATOR_CODE) return false;
      offset += 1;
    }
    if (!joined.startsWith(cell, offset)) return false;
    offset += cell.length;
  }
  return offset === joined.length;
}

/** Columns a surface lacked are not compared; `shown` is how the surface shows a cell. */
function driftedColumns(cells: ObservedCells, expectedRow: ExpectedRow, shown: (text: string) => string): string[] {
  const expected = expectedCells(expectedRow);
  return EXPORT_COLUMNS.filter((_column, index) => {
    const cell = cells[index];
    return cell !== undefined && shown(cell) !== shown(expected[index] ?? '');
  }).map((column) => column.name);
}

/**
 * Text as a browser shows it in a table cell: HTML parsing turns CR LF and a lone CR into LF
 * (WHATWG HTML, "preprocessing the input stream"), so a server-rendered page cannot show a CR
 * that the file rightly holds. The page's cells are compared in this form; the file's and the
 * list's exactly.
 */
function asBrowserShows(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}

function exactly(text: string): string {
  return text;
}

function tenantCounts(perTenant: ReadonlyMap<string, number>, tenant: (organizationId: string) => TenantIdentity): TenantCount[] {
  return [...perTenant]
    .map(([organizationId, count]) => ({ ...(organizationId === UNLISTED_TENANTS ? { organizationId } : tenant(organizationId)), count }))
    .sort((a, b) => b.count - a.count || (a.organizationId < b.organizationId ? -1 : 1));
}

export function describeTenant(tenant: TenantIdentity): string {
  if (tenant.organizationId === UNLISTED_TENANTS) return `organisations beyond the first ${MAX_TENANTS_NAMED} named (${UNLISTED_TENANTS})`;
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
