/**
 * What a run concluded, in one word and one exit code shared by every command of the
 * project, and the record of it (`verdict.json`) that CI's alerts and the project's own tools
 * read. A leak is never reported as infrastructure trouble: an isolation finding outweighs
 * every other failure of the same run.
 */
export type RunVerdict = 'pass' | 'finding' | 'config-error' | 'target-error' | 'suite-error';

/** The one exit-code convention (README, "Exit codes"). */
export const EXIT_CODES: Readonly<Record<RunVerdict, number>> = {
  pass: 0,
  finding: 1,
  'config-error': 2,
  'target-error': 3,
  'suite-error': 4,
};

/** The file each run leaves in its results folder. */
export const VERDICT_FILE = 'verdict.json';

/** One isolation finding, as an alert may carry it: who, where, how many rows of whose. */
export interface FindingRecord {
  readonly check: string;
  readonly target: string;
  readonly persona: string | null;
  readonly tenant: string | null;
  readonly type: string | null;
  readonly surface: string;
  /** Rows of other tenants the persona received, where a verdict counted them. */
  readonly foreignRows: number;
  /** The organisations whose rows were wrongly served, lost or changed. */
  readonly tenants: readonly string[];
  /** One PHI-free line. */
  readonly summary: string;
}

export interface VerdictRecord {
  readonly verdict: RunVerdict;
  readonly exitCode: number;
  /** One PHI-free line, as the run's last line says it. */
  readonly summary: string;
  readonly checks: { readonly passed: number; readonly findings: number; readonly targetErrors: number; readonly suiteErrors: number; readonly configErrors: number; readonly skipped: number };
  readonly findings: readonly FindingRecord[];
}
