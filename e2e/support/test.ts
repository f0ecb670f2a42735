/**
 * The suite's one `test` and `expect`. Specs import from here only.
 *
 * - `PERSONAS` is the environment's personas, read from its profile when the specs load:
 *   every check loops over them, never over a list in code, so a tenant type nobody wrote
 *   about still gets every check.
 * - `check(id, persona)` gives a test its stable id and persona as annotations; reports and
 *   the project's own proofs find checks by these, never by their titles.
 * - `persona` picks who is signed in; global setup signed each one in through the API and
 *   saved its session, per target.
 * - `api` is that persona's session on the backend, `anonymousApi` has none: the backend is
 *   judged directly, not only through the page (docs/incident-2025-06-09.md: the frontend fix).
 * - `judge` feeds whatever a surface served to the isolation oracle and records the verdict
 *   in the report, which holds tenants, counts and opaque references, never patient data.
 * - `windows` are date windows chosen from the environment's own data.
 */
import { test as base, expect as baseExpect, type Browser, type BrowserContext, type Download, type TestDetails, type TestInfo } from '@playwright/test';
import { CONTEXT_OPTIONS, PAGE_TIMEOUTS } from '../../lib/browser.ts';
import { describeOutcome, type AnswerOutcome } from '../../lib/authorization/answers.ts';
import { ALLOWED_REFUSALS } from '../../lib/authorization/vectors.ts';
import { CELL_ANNOTATION, CHECK_ANNOTATION, PERSONA_ANNOTATION, type CheckId, type MatrixCell } from '../../lib/checks.ts';
import { knowledgeOf, loadEnvironment, type Environment, type KnownTenant } from '../../lib/environment.ts';
import { describePersona, type PatientTreated, type Persona } from '../../lib/model.ts';
import { formatVerdict, judgeExport, judgeRows, type Knowledge, type Subject, type Verdict } from '../../lib/oracle/index.ts';
import { FAILURE_PREFIX, kindOfVerdict } from '../../lib/report/failure-kind.ts';
import { VERDICT_ATTACHMENT } from '../../lib/suite-run.ts';
import { targetUrl } from '../../lib/targets.ts';
import { dashboardClient, REQUEST_TIMEOUT_MS, startSession, TargetTimeoutError, type DashboardClient, type ExportQuery, type Filters } from '../../lib/target/client.ts';
import { exportResponseParts } from '../../lib/target/export-response.ts';
import { PatientsTreatedPage } from '../../lib/target/patients-treated-page.ts';
import { DayCounts, pairWindow, windowFor, type DateWindow } from '../../lib/windows.ts';
import { savedSessionToken, storageStatePath } from './auth-state.ts';

/** A persona as the specs loop over it: who, whose tenant, and how titles name it. */
export interface PersonaCase {
  readonly key: string;
  readonly persona: Persona;
  readonly tenant: KnownTenant | null;
  /** `mhs-clinic (MHS, clinic)`, or `luna-admin (Luna admin, every tenant)`. */
  readonly title: string;
}

/**
 * The profile as the specs see it when they load: its personas and tenants, without a target
 * (the sandbox's address is known only once global setup started it).
 */
const planned = loadEnvironment(process.env, { offline: true });

export const PERSONAS: readonly PersonaCase[] = planned.personas.map((persona) => {
  const tenant = planned.tenantOf(persona);
  return { key: persona.key, persona, tenant, title: describePersona(persona, tenant) };
});
export const TENANT_PERSONAS = PERSONAS.filter((entry) => entry.persona.organizationId !== null);
export const ADMIN_PERSONAS = PERSONAS.filter((entry) => entry.persona.organizationId === null);

/**
 * A test's id and persona as annotations, and the tags every isolation check shares. A check
 * that only reads (and signs in) is `@readonly`, which is all a production environment runs.
 */
export function check(id: CheckId, persona?: PersonaCase, options: { readonly writes?: boolean; readonly tag?: readonly string[] } = {}): TestDetails {
  return {
    tag: ['@isolation', ...(options.writes ? [] : ['@readonly']), ...(options.tag ?? [])],
    annotation: [
      { type: CHECK_ANNOTATION, description: id },
      ...(persona ? [{ type: PERSONA_ANNOTATION, description: `${persona.key} | ${persona.tenant?.id ?? 'all'} | ${persona.tenant?.type ?? 'luna_admin'}` }] : []),
    ],
  };
}

export interface Judge {
  /** A file the browser downloaded, streamed into the oracle. */
  download(download: Download, filters?: Filters): Promise<Verdict>;
  /** An export response from the API, which must be a 200 before its body is judged. */
  exportResponse(response: Response, query?: ExportQuery): Promise<Verdict>;
  /** Rows of the JSON list or the page's table. */
  rows(rows: AsyncIterable<PatientTreated>, surface: 'api' | 'page', query?: ExportQuery): Promise<Verdict>;
}

/** A persona's own view of the target: its saved session and a judge bound to it. */
export interface PersonaView {
  readonly persona: Persona;
  readonly api: DashboardClient;
  readonly judge: Judge;
}

/** Date windows from the environment's data: one per persona, and one that no other check asks for. */
export interface Windows {
  of(persona: Persona): DateWindow;
  readonly pair: DateWindow;
}

interface TestFixtures {
  /** See its fixture: the proof of detection's one concession to Playwright's worker lifecycle. */
  keepsWorkerInProof: undefined;
  persona: string;
  signedIn: Persona;
  api: DashboardClient;
  anonymousApi: DashboardClient;
  patientsTreated: PatientsTreatedPage;
  judge: Judge;
  /** Another persona's view, for checks that need two tenants in one test. */
  viewOf: (persona: string) => Promise<PersonaView>;
}

interface WorkerFixtures {
  /** The target this project judges; set per project by the config. */
  targetName: string;
  /**
   * One browser context per persona and worker, signed in with its saved session: each test
   * opens a page of its own in it. A context costs more than the page a check needs, and the
   * checks only read, so they share it and pay for a fresh page only.
   */
  personaContext: (persona: string) => Promise<BrowserContext>;
  environment: Environment;
  /** What the oracle may know for these filters; fetched once per worker and filters. */
  knowledge: (filters: Filters) => Promise<Knowledge>;
  /** Every row the environment can show: the ground truth, or the Luna admin's view; `null` where neither is known. */
  universe: () => Promise<readonly PatientTreated[] | Iterable<PatientTreated> | null>;
  windows: Windows;
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  targetName: ['', { option: true, scope: 'worker' }],
  environment: [
    async ({ targetName }, use) => {
      const url = targetUrl(targetName);
      await use(loadEnvironment({ ...process.env, TARGET_URL: url }));
    },
    { scope: 'worker' },
  ],
  universe: [
    async ({ environment, targetName }, use) => {
      let read: Promise<readonly PatientTreated[] | Iterable<PatientTreated> | null> | undefined;
      await use(() => (read ??= universeOf(environment, targetName, {})));
    },
    { scope: 'worker' },
  ],
  knowledge: [
    async ({ environment, targetName }, use) => {
      const known = new Map<string, Promise<Knowledge>>();
      await use((filters) => {
        const key = `${filters.from ?? ''}..${filters.to ?? ''}`;
        const cached = known.get(key) ?? knowledgeWithAdminView(environment, targetName, filters);
        known.set(key, cached);
        return cached;
      });
    },
    { scope: 'worker' },
  ],
  windows: [
    async ({ universe, environment }, use) => {
      const rows = await universe();
      const counts = rows ? DayCounts.of(rows) : new DayCounts();
      const byPersona = new Map(environment.personas.map((persona) => [persona.key, windowFor(counts, persona.organizationId)]));
      const taken = [...byPersona.values()].filter((window): window is DateWindow => window !== undefined);
      const pair = pairWindow(counts, taken);
      // With no view of the data a window cannot be chosen; the oracle then finds the check
      // inconclusive for want of knowledge, not for a calendar that is not ours.
      const fallback = { from: '0001-01-01', to: '9999-12-31' };
      await use({ of: (persona) => byPersona.get(persona.key) ?? fallback, pair: pair ?? fallback });
    },
    { scope: 'worker' },
  ],
  personaContext: [
    async ({ browser, targetName }, use) => {
      const contexts = new Map<string, Promise<BrowserContext>>();
      await use((persona) => {
        const context = contexts.get(persona) ?? openContext(browser, targetName, storageStatePath(targetName, persona));
        contexts.set(persona, context);
        return context;
      });
      await Promise.all([...contexts.values()].map(async (context) => (await context).close()));
    },
    { scope: 'worker' },
  ],
  // A check without a persona (signing in through the page) gets a context of its own, empty.
  context: async ({ browser, persona, personaContext, targetName }, use) => {
    if (persona) return use(await personaContext(persona));
    const context = await openContext(browser, targetName, undefined);
    await use(context);
    await context.close();
  },
  page: async ({ context }, use) => {
    const page = await context.newPage();
    await use(page);
    await page.close();
  },
  /**
   * Playwright retires a worker after every failed test, and starts a new one (a process, its
   * modules, its browser contexts): 1.2 s of CPU each on two cores. The proof of detection
   * fails hundreds of checks on purpose, and the restarts cost more than the checks. There
   * alone (SUITE_PROOF=1), a check that failed is marked as expected to, after the fact, so
   * its worker carries on; it still reports every error, and the verdict reporter and the
   * proof read the status the check really ended with, never the expectation.
   */
  keepsWorkerInProof: [
    async ({}, use, testInfo) => {
      await use(undefined);
      if (process.env.SUITE_PROOF === '1' && testInfo.status !== 'skipped') testInfo.expectedStatus = testInfo.status ?? 'passed';
    },
    { auto: true },
  ],
  persona: ['', { option: true }],
  // The contract's consumer side judges no target, and has no address.
  baseURL: async ({ targetName }, use) => use(targetName ? targetUrl(targetName) : undefined),
  viewOf: async ({ environment, knowledge, targetName }, use, testInfo) => {
    const clients: { api: DashboardClient; saved: string }[] = [];
    await use(async (key) => {
      const persona = environment.persona(key);
      // A session that ends mid-run is renewed once through the API; a second 401 fails, naming the persona.
      const signInAgain = () => startSession(environment.baseUrl, persona, environment.password(persona));
      const saved = await savedSessionToken(targetName, key);
      const api = dashboardClient(environment.baseUrl, saved, { persona: key, signInAgain });
      clients.push({ api, saved });
      return { persona, api, judge: judgeFor(persona, knowledge, testInfo) };
    });
    // A session this test signed in anew is its own to end; the saved ones end at global teardown.
    for (const { api, saved } of clients) if (api.sessionToken !== saved) await api.signOut();
  },
  signedIn: async ({ environment, persona }, use) => use(environment.persona(persona)),
  api: async ({ viewOf, persona }, use) => use((await viewOf(persona)).api),
  anonymousApi: async ({ environment }, use) => use(dashboardClient(environment.baseUrl, null)),
  patientsTreated: async ({ page }, use) => use(new PatientsTreatedPage(page, REQUEST_TIMEOUT_MS)),
  judge: async ({ knowledge, signedIn }, use, testInfo) => use(judgeFor(signedIn, knowledge, testInfo)),
});

async function openContext(browser: Browser, targetName: string, storageState: string | undefined): Promise<BrowserContext> {
  const context = await browser.newContext({ ...CONTEXT_OPTIONS, ...(targetName ? { baseURL: targetUrl(targetName) } : {}), ...(storageState ? { storageState } : {}) });
  context.setDefaultTimeout(PAGE_TIMEOUTS.actionTimeout);
  context.setDefaultNavigationTimeout(PAGE_TIMEOUTS.navigationTimeout);
  return context;
}

export const expect = baseExpect.extend({
  /** Passes only on a `pass` verdict: `inconclusive` (nothing foreign to see) fails too. */
  toBeIsolated(verdict: Verdict) {
    return {
      name: 'toBeIsolated',
      pass: verdict.status === 'pass',
      message: () => `${FAILURE_PREFIX[kindOfVerdict(verdict)]}:\n${formatVerdict(verdict)}`,
    };
  },

  /**
   * The status a request must get; the message names the status only, never the body. A
   * success where a refusal was due is a finding; any other wrong answer (a 5xx, another
   * refusal than docs/target.md's) is the target failing to answer as described.
   */
  toAnswer(response: Response, status: number, what: string) {
    const served = response.status >= 200 && response.status < 300;
    // A 2xx where one of docs/target.md's refusals was due served something it should not have.
    const kind = ALLOWED_REFUSALS.has(status) && served ? 'isolation' : 'target';
    return {
      name: 'toAnswer',
      pass: response.status === status,
      message: () => `${FAILURE_PREFIX[kind]}: ${what} answered ${response.status}, expected ${status}.`,
    };
  },

  /**
   * An answer to a request the suite did not write itself (a catalogue vector, a replayed
   * request): a refusal docs/target.md allows, a success without rows, or rows all the receiver's
   * own. Anything else names the request and the outcome, in counts and tenants.
   */
  toBeAllowedAnswer(outcome: AnswerOutcome, what: string) {
    const pass = outcome.kind === 'refused' || outcome.kind === 'no-rows' || (outcome.kind === 'judged' && outcome.verdict.status === 'pass');
    const kind = outcome.kind === 'judged' ? kindOfVerdict(outcome.verdict) : 'target';
    return { name: 'toBeAllowedAnswer', pass, message: () => `${FAILURE_PREFIX[kind]}: ${what}: ${describeOutcome(outcome)}.` };
  },

  /** The same rows in the same order on every surface, compared by fingerprint. */
  toAgreeRowForRow(verdicts: readonly Verdict[]) {
    const fingerprints = new Set(verdicts.map((verdict) => verdict.fingerprint));
    const counts = verdicts.map((verdict) => `${verdict.surface}: ${verdict.rowsRead} rows`).join(', ');
    return {
      name: 'toAgreeRowForRow',
      pass: fingerprints.size === 1,
      message: () => `${FAILURE_PREFIX.isolation}: the surfaces do not agree row for row (${counts}).`,
    };
  },
});

/** A cell of the isolation matrix that a check fills itself; the verdict reporter draws them. */
export function recordCell(testInfo: TestInfo, cell: MatrixCell): void {
  testInfo.annotations.push({ type: CELL_ANNOTATION, description: JSON.stringify(cell) });
}

/** What a check's id means, for a test's own failure messages. */
/**
 * Every row the environment can show: the generated ground truth, or every page of the Luna
 * admin's list. `null` where the profile uses neither.
 */
async function universeOf(environment: Environment, targetName: string, filters: Filters): Promise<readonly PatientTreated[] | Iterable<PatientTreated> | null> {
  if (environment.groundTruth && environment.oracles.includes('ground-truth')) return environment.groundTruth;
  const admin = environment.personas.find((persona) => persona.organizationId === null);
  if (!admin || !environment.oracles.includes('admin-view')) return null;
  const client = dashboardClient(environment.baseUrl, await savedSessionToken(targetName, admin.key), { persona: admin.key });
  const rows: PatientTreated[] = [];
  for await (const row of client.listAll({ ...(filters.from ? { from: filters.from } : {}), ...(filters.to ? { to: filters.to } : {}) })) rows.push(row);
  return rows;
}

/**
 * The admin's list for these filters, where the profile judges by the admin's view. The
 * tenants it shows join the profile's, named as the admin sees them, so a foreign row is
 * reported by its tenant's name even where the profile does not list that tenant.
 */
async function knowledgeWithAdminView(environment: Environment, targetName: string, filters: Filters): Promise<Knowledge> {
  if (environment.groundTruth || !environment.oracles.includes('admin-view')) return knowledgeOf(environment);
  const rows = await universeOf(environment, targetName, filters);
  if (!rows) return knowledgeOf(environment);
  const knowledge = knowledgeOf(environment, rows);
  const listed = new Set(knowledge.organizations.map((organization) => organization.id));
  const seen = new Map<string, string>();
  for (const row of rows) if (!listed.has(row.providerId)) seen.set(row.providerId, row.providerName);
  return { ...knowledge, organizations: [...knowledge.organizations, ...[...seen].map(([id, name]) => ({ id, name, type: null }))] };
}

function judgeFor(persona: Persona, knowledge: WorkerFixtures['knowledge'], testInfo: TestInfo): Judge {
  const subjectFor = (query: ExportQuery = {}): Subject => ({
    persona: persona.key,
    organizationId: query.organizationId ?? persona.organizationId,
    filters: { ...(query.from === undefined ? {} : { from: query.from }), ...(query.to === undefined ? {} : { to: query.to }) },
  });
  const today = new Date().toISOString().slice(0, 10);
  return {
    download: async (download, filters = {}) => {
      try {
        const verdict = await judgeExport(await finished(download), subjectFor(filters), await knowledge(filters), {
          filename: download.suggestedFilename(),
          today,
        });
        return await record(testInfo, verdict);
      } finally {
        // The file is patient data: it lives only as long as its judgement.
        await download.delete();
      }
    },
    exportResponse: async (response, query = {}) => {
      expect(response).toAnswer(200, `the export for ${persona.key}`);
      const { body, contentType, filename } = exportResponseParts(response);
      return record(testInfo, await judgeExport(body, subjectFor(query), await knowledge(query), { contentType, filename, today }));
    },
    rows: async (rows, surface, query = {}) => record(testInfo, await judgeRows(rows, surface, subjectFor(query), await knowledge(query))),
  };
}

/**
 * The downloaded file, once the browser has it whole. A download that never finishes (a body
 * that never ends) is given up after TARGET_REQUEST_TIMEOUT_MS, as every other wait on the
 * target is, and named as the target's failure.
 */
async function finished(download: Download): Promise<NodeJS.ReadableStream> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TargetTimeoutError(`The download of ${download.suggestedFilename()} did not finish within ${REQUEST_TIMEOUT_MS} ms (TARGET_REQUEST_TIMEOUT_MS).`)), REQUEST_TIMEOUT_MS);
  });
  try {
    return await Promise.race([download.createReadStream(), timedOut]);
  } catch (error) {
    await download.cancel();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** The verdict rides with the test as JSON for the reporter and the tools; it carries no PHI. */
async function record(testInfo: TestInfo, verdict: Verdict): Promise<Verdict> {
  await testInfo.attach(VERDICT_ATTACHMENT, { body: JSON.stringify(verdict), contentType: 'application/json' });
  return verdict;
}
