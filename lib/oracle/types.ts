import type { Canary, PatientTreated } from '../model.ts';

/** Who received the rows: a persona of one organisation, or a Luna admin (`null`) who sees all. */
export interface Subject {
  readonly persona: string;
  readonly organizationId: string | null;
  /** ISO dates, inclusive, on `lastVisit`; an empty string counts as absent, as in the API. */
  readonly filters: { readonly from?: string; readonly to?: string };
}

/**
 * Every row of every tenant the suite knows of. On the sandbox it is the generated dataset;
 * elsewhere the Luna admin's own view, which is only as trustworthy as that view.
 */
export interface Universe {
  readonly source: 'ground-truth' | 'admin-view';
  readonly rows: Iterable<PatientTreated>;
  /**
   * The same rows, one tenant's share: where the universe can give it without building every
   * tenant's rows (a generated ground truth can), a verdict on one tenant costs that tenant's
   * rows rather than a million. It must agree with `rows` exactly; without it, `rows` is read.
   */
  readonly shareOf?: (organizationId: string | null, window: VisitWindow) => UniverseShare;
}

/** Inclusive ISO dates on `lastVisit`; an absent end leaves that side open. */
export interface VisitWindow {
  readonly from?: string | undefined;
  readonly to?: string | undefined;
}

export interface UniverseShare {
  /** The rows of the tenant asked for (every tenant's for `null`) within the window, in any order. */
  readonly rows: Iterable<PatientTreated>;
  /** How many rows of the other tenants fall within the window. */
  readonly othersInWindow: number;
}

/** A tenant the suite can name; its type is `null` where nobody has said it. */
export interface KnownOrganization {
  readonly id: string;
  readonly name: string;
  readonly type: string | null;
}

/** Whatever the environment lets the suite know; the less it knows, the less a pass proves. */
export interface Knowledge {
  readonly organizations: readonly KnownOrganization[];
  readonly universe?: Universe;
  readonly canaries?: readonly Canary[];
}

export type Surface = 'file' | 'api' | 'page';

/** How much the verdict could lean on: a ground truth, the admin's view, canaries only, or nothing. */
export type KnowledgeLevel = 'ground-truth' | 'admin-view' | 'canaries' | 'none';

export type IsolationFindingKind =
  | 'foreign-canary'
  | 'foreign-rows'
  | 'missing-canary'
  | 'missing-rows'
  | 'unexpected-rows'
  | 'outside-filters'
  | 'duplicate-rows'
  | 'cell-drift'
  | 'order-drift'
  | 'row-shape';

export type FormatFindingKind =
  | 'empty-body'
  | 'not-csv'
  | 'malformed-csv'
  | 'wrong-delimiter'
  | 'header-drift'
  | 'bom'
  | 'line-endings'
  | 'truncated-record'
  | 'oversized-record'
  | 'formula-unescaped'
  | 'encoding'
  | 'content-type'
  | 'filename';

export type FindingKind = IsolationFindingKind | FormatFindingKind | 'stream-error' | 'oracle-error' | 'vacuous';

export interface TenantCount {
  /**
   * A known organisation's id, `unknown:<hash>` for an id the knowledge does not hold, or
   * `unknown:others` for every tenant past the first thousand of one finding, counted together.
   */
  readonly organizationId: string;
  readonly name?: string;
  readonly type?: string | null;
  readonly count: number;
}

/**
 * One thing the oracle noticed. Summaries and samples never carry a patient's name, birth
 * date or any other raw cell: only tenants, counts, line numbers and opaque row references.
 */
export interface Finding {
  readonly kind: FindingKind;
  readonly severity: 'fail' | 'inconclusive';
  readonly summary: string;
  readonly count: number;
  readonly byTenant?: readonly TenantCount[];
  /** At most five, such as `line 57 ref:3fa9c2d1e0`. */
  readonly samples: readonly string[];
}

/** `inconclusive` is not a pass: callers must treat it as a failure to prove isolation. */
export type VerdictStatus = 'pass' | 'fail' | 'inconclusive';

export interface Verdict {
  readonly status: VerdictStatus;
  readonly surface: Surface;
  readonly subject: Subject;
  readonly knowledge: KnowledgeLevel;
  readonly rowsRead: number;
  /** Rows the subject should have received; `null` when no universe is known. */
  readonly expectedOwnRows: number | null;
  /** Other tenants' rows within the filters; `null` when unknown or for a Luna admin. */
  readonly foreignRowsAvailable: number | null;
  readonly foreignRowsSeen: number;
  readonly findings: readonly Finding[];
  /**
   * sha256 over the rows in order, each as the RFC 4180 record a correct export holds for it
   * (before formula prefixes, line breaks as a browser shows them); equal fingerprints mean
   * two surfaces agree row for row.
   */
  readonly fingerprint: string;
}

/** What the export's HTTP response said about itself; a field left out is not checked. */
export interface ExportResponse {
  /** `null` means the response had no Content-Type. */
  readonly contentType?: string | null;
  /** The name from Content-Disposition; `null` means the response named no file. */
  readonly filename?: string | null;
  /** The UTC day of the response; without it, today or yesterday (UTC) is accepted. */
  readonly today?: string;
}
