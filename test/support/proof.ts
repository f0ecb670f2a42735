/**
 * How the proofs run the suite: against sandboxes with a smaller dataset than `npm start`'s
 * where the checks need no more (every tenant keeps its planted rows: the names that break
 * CSV, the canaries, the person treated twice; rows on both sides of every window; every
 * tenant's table spans more than one page), and with SUITE_PROOF=1 (e2e/support/test.ts),
 * which keeps Playwright's workers alive through the failures the proof causes on purpose.
 */
export const PROOF_ENV: NodeJS.ProcessEnv = {
  DATASET_ROWS: '160',
  // Pages short enough that MHS's rows span several, so the late-leak variant's foreign rows
  // really do begin past the first page, as they would at scale.
  SANDBOX_UI_PAGE_SIZE: '20',
  SUITE_PROOF: '1',
};
