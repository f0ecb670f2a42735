/**
 * Every check of the suite by a stable id. A test carries its id (and its persona, where it
 * has one) as annotations; the proof of detection, `npm run repro`, the verdict reporter and
 * the matrix find checks by these, never by their titles, which are sentences for people.
 */

/** Where a check looks: the surfaces a tenant can be reached through, plainly named. */
export type CheckSurface =
  | 'downloaded file'
  | 'export API'
  | 'list API'
  | 'page'
  | 'every surface'
  | "the page's requests"
  | 'session'
  | 'coverage'
  | 'contract';

export interface CheckSpec {
  readonly surface: CheckSurface;
  /** What failing it means, in a few words. */
  readonly meaning: string;
}

export const CHECKS = {
  'sign-in.page': { surface: 'session', meaning: 'the login page signs a tenant user and a Luna admin in, and its Sign out ends the session on the server' },
  'file.download': { surface: 'downloaded file', meaning: "Download CSV gives the persona's own rows, whole and only" },
  'file.download-filtered': { surface: 'downloaded file', meaning: "Download CSV in a date window gives the persona's own rows there, whole and only" },
  'api.anonymous': { surface: 'export API', meaning: 'the list and the export refuse a caller without a session (401)' },
  'api.export': { surface: 'export API', meaning: "the export API serves the persona's own rows, whole and only" },
  'api.export-filtered': { surface: 'export API', meaning: "the export API in a date window serves the persona's own rows there" },
  'api.list': { surface: 'list API', meaning: "the list API over every page serves the persona's own rows, whole and only" },
  'api.own-organization': { surface: 'export API', meaning: 'naming its own organisation gives the persona its own rows' },
  'api.other-organization': { surface: 'export API', meaning: "naming another organisation is refused (403) on the list and the export" },
  'admin.export-all': { surface: 'export API', meaning: "the Luna admin's export holds every tenant's rows (the positive control)" },
  'admin.export-each-tenant': { surface: 'export API', meaning: "the Luna admin naming a tenant gets exactly that tenant's rows" },
  'pair.back-to-back': { surface: 'export API', meaning: 'two tenants exporting the same window back to back each get their own file' },
  'surfaces.agree': { surface: 'every surface', meaning: 'every page of the table, the list API and the file hold the same rows in the same order' },
  'incident.2025-06-09.file': { surface: 'downloaded file', meaning: "a clinic's downloaded export holds only its own patients (the 2025-06-09 incident)" },
  'incident.2025-06-09.api': { surface: 'export API', meaning: "the export API behind a clinic's page serves only its own patients (the 2025-06-09 incident)" },
  'vectors.list': { surface: 'list API', meaning: "no way of naming another tenant but the session (parameters, headers, cookies, ambiguous forms) reaches its rows through the list" },
  'vectors.export': { surface: 'export API', meaning: "no way of naming another tenant but the session reaches its rows through the export" },
  'replay.page-requests': { surface: "the page's requests", meaning: "every API request the page makes, replayed as every other persona, as no one and after sign-out, serves no one else's rows" },
  'session.sign-out-api': { surface: 'session', meaning: 'after DELETE /api/session the old cookie gets 401 on /api/me, the list and the export' },
  'session.two-cookies': { surface: 'session', meaning: "a request carrying two personas' sessions gets one persona's rows or a refusal, never a mix" },
  'session.forged': { surface: 'session', meaning: 'a session token the target never issued gets 401' },
  'session.wrong-credentials': { surface: 'session', meaning: 'a wrong password or an unknown email signs no one in (401)' },
  'coverage.tenants': { surface: 'coverage', meaning: 'every tenant the environment holds is listed in its profile, with its type' },
  'coverage.types': { surface: 'coverage', meaning: 'every tenant type has a persona whose checks run' },
  'contract.consumer': { surface: 'contract', meaning: "the page's contract pins only rows the oracle finds isolated (the pact is written here)" },
  'contract.verify': { surface: 'contract', meaning: "the API keeps every interaction of the page's contract" },
} as const satisfies Readonly<Record<string, CheckSpec>>;

export type CheckId = keyof typeof CHECKS;

/** Annotation types a test carries; read back from reports by the reporter and the tools. */
export const CHECK_ANNOTATION = 'check';
export const PERSONA_ANNOTATION = 'persona';
/** A cell of the isolation matrix a check fills itself (one per vector family, per replayed request): JSON of `MatrixCell`. */
export const CELL_ANNOTATION = 'matrix-cell';

export type CellStatus = 'pass' | 'refused' | 'finding' | 'error' | 'not run';

export interface MatrixCell {
  /** A persona's key, or who else asked: `anonymous`, `signed-out`. */
  readonly row: string;
  /** The surface and the way it was reached: `export API · header`. */
  readonly column: string;
  readonly status: CellStatus;
  /** Counts and tenants, never rows. */
  readonly detail: string;
}

export function isCheckId(value: string): value is CheckId {
  return Object.hasOwn(CHECKS, value);
}
