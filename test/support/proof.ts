/**
 * How the proofs run the suite: against sandboxes with a smaller dataset than `npm start`'s
 * where the checks need no more (every tenant keeps its planted rows: the names that break
 * CSV, the canaries, the person treated twice; rows on both sides of every window; the Luna
 * admin's table still spans several pages), and with SUITE_PROOF=1 (e2e/support/test.ts),
 * which keeps Playwright's workers alive through the failures the proof causes on purpose.
 */
export const PROOF_ENV: NodeJS.ProcessEnv = {
  DATASET_ROWS: '160',
  SUITE_PROOF: '1',
};
