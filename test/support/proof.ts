/**
 * How the proofs run the suite: against sandboxes, with a bound on every request short
 * enough that a variant which hangs fails each check in seconds rather than in thirty, and
 * a smaller dataset than `npm start`'s where the checks need no more: every tenant keeps its
 * planted rows (the names that break CSV, the canaries, the person treated twice) and rows on
 * both sides of every window, and the Luna admin's table still spans several pages.
 */
export const PROOF_ENV: NodeJS.ProcessEnv = {
  TARGET_REQUEST_TIMEOUT_MS: '2000',
  DATASET_ROWS: '160',
  SUITE_PROOF: '1',
};
