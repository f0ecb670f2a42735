/**
 * The suite's one `test` and `expect`. Specs import from here only.
 *
 * - `persona` picks who is signed in; the sign-in project saved each persona's session once.
 * - `api` is that persona's session on the backend, `anonymousApi` has none: the backend is
 *   judged directly, not only through the page (INCIDENT: the frontend-only fix).
 * - `judge` feeds whatever a surface served to the isolation oracle and records the verdict
 *   in the report, which holds tenants, counts and opaque references, never patient data.
 */
import { readFile } from 'node:fs/promises';
import { test as base, expect as baseExpect, type Download, type TestInfo } from '@playwright/test';
import type { PatientTreated, Persona, PersonaKey } from '../../fixtures/dataset.ts';
import { knowledgeOf, loadEnvironment, type Environment } from '../../lib/environment.ts';
import { formatVerdict, judgeExport, judgeRows, type Knowledge, type Subject, type Verdict } from '../../lib/oracle/index.ts';
import { dashboardClient, SESSION_COOKIE, startSession, type DashboardClient, type ExportQuery, type Filters } from '../../lib/target/client.ts';
import { ISOLATION_FAILURE } from '../../lib/report/isolation-failure.ts';
import { VERDICT_ATTACHMENT } from '../../lib/suite-run.ts';
import { exportResponseParts } from '../../lib/target/export-response.ts';
import { PatientsTreatedPage } from '../../lib/target/patients-treated-page.ts';
import { storageStatePath } from './auth-state.ts';

export const TENANT_PERSONAS: readonly PersonaKey[] = ['mhs-clinic', 'decoy-clinic', 'health-system'];
export const ALL_PERSONAS: readonly PersonaKey[] = [...TENANT_PERSONAS, 'luna-admin'];

/** Inside the window every tenant of the default dataset has rows on both sides. */
export const DATE_FILTERS: Filters = { from: '2025-01-01', to: '2025-03-31' };

export { storageStatePath };

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

interface TestFixtures {
  persona: PersonaKey;
  signedIn: Persona;
  api: DashboardClient;
  anonymousApi: DashboardClient;
  patientsTreated: PatientsTreatedPage;
  judge: Judge;
  /** Another persona's view, for checks that need two tenants in one test. */
  viewOf: (persona: PersonaKey) => Promise<PersonaView>;
}

interface WorkerFixtures {
  environment: Environment;
  /** What the oracle may know for these filters; fetched once per worker and filters. */
  knowledge: (filters: Filters) => Promise<Knowledge>;
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  environment: [async ({}, use) => use(loadEnvironment()), { scope: 'worker' }],
  knowledge: [
    async ({ environment }, use) => {
      const known = new Map<string, Promise<Knowledge>>();
      await use((filters) => {
        const key = `${filters.from ?? ''}..${filters.to ?? ''}`;
        const cached = known.get(key) ?? knowledgeWithAdminView(environment, filters);
        known.set(key, cached);
        return cached;
      });
    },
    { scope: 'worker' },
  ],
  persona: ['mhs-clinic', { option: true }],
  baseURL: async ({ environment }, use) => use(environment.baseUrl),
  storageState: async ({ persona }, use) => use(storageStatePath(persona)),
  viewOf: async ({ environment, knowledge }, use, testInfo) => {
    const clients: { api: DashboardClient; saved: string }[] = [];
    await use(async (key) => {
      const persona = environment.persona(key);
      // A session that ends mid-run is renewed once through the API; a second 401 fails, naming the persona.
      const signInAgain = () => startSession(environment.baseUrl, persona, environment.password(persona));
      const saved = await savedSessionToken(key);
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
  patientsTreated: async ({ page }, use) => use(new PatientsTreatedPage(page)),
  judge: async ({ knowledge, signedIn }, use, testInfo) => use(judgeFor(signedIn, knowledge, testInfo)),
});

export const expect = baseExpect.extend({
  /** Passes only on a `pass` verdict: `inconclusive` (nothing foreign to see) fails too. */
  toBeIsolated(verdict: Verdict) {
    return {
      name: 'toBeIsolated',
      pass: verdict.status === 'pass',
      message: () => `${ISOLATION_FAILURE}:\n${formatVerdict(verdict)}`,
    };
  },

  /** The status a request must get; the message names the status only, never the body. */
  toAnswer(response: Response, status: number, what: string) {
    return {
      name: 'toAnswer',
      pass: response.status === status,
      message: () => `${ISOLATION_FAILURE}: ${what} answered ${response.status}, expected ${status}.`,
    };
  },

  /** The same rows in the same order on every surface, compared by fingerprint. */
  toAgreeRowForRow(verdicts: readonly Verdict[]) {
    const fingerprints = new Set(verdicts.map((verdict) => verdict.fingerprint));
    const counts = verdicts.map((verdict) => `${verdict.surface}: ${verdict.rowsRead} rows`).join(', ');
    return {
      name: 'toAgreeRowForRow',
      pass: fingerprints.size === 1,
      message: () => `${ISOLATION_FAILURE}: the surfaces do not agree row for row (${counts}).`,
    };
  },
});

/** The admin's list for these filters, where the profile judges by the admin's view. */
async function knowledgeWithAdminView(environment: Environment, filters: Filters): Promise<Knowledge> {
  if (environment.groundTruth || !environment.oracles.includes('admin-view')) return knowledgeOf(environment);
  const admin = dashboardClient(environment.baseUrl, await savedSessionToken('luna-admin'));
  const rows: PatientTreated[] = [];
  for await (const row of admin.listAll({ ...(filters.from ? { from: filters.from } : {}), ...(filters.to ? { to: filters.to } : {}) })) rows.push(row);
  return knowledgeOf(environment, rows);
}

async function savedSessionToken(persona: PersonaKey): Promise<string> {
  const state = JSON.parse(await readFile(storageStatePath(persona), 'utf8')) as { cookies: { name: string; value: string }[] };
  const cookie = state.cookies.find((candidate) => candidate.name === SESSION_COOKIE);
  if (!cookie) throw new Error(`The saved session of persona "${persona}" holds no ${SESSION_COOKIE} cookie: did the sign-in project run?`);
  return cookie.value;
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
        const verdict = await judgeExport(await download.createReadStream(), subjectFor(filters), await knowledge(filters), {
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

async function record(testInfo: TestInfo, verdict: Verdict): Promise<Verdict> {
  testInfo.annotations.push({ type: 'isolation', description: `${verdict.subject.persona} | ${verdict.surface} | ${verdict.status}` });
  await testInfo.attach(`verdict-${verdict.surface}`, { body: formatVerdict(verdict), contentType: 'text/plain' });
  // The same, for tools that read the results (npm run repro): verdicts carry no PHI.
  await testInfo.attach(VERDICT_ATTACHMENT, { body: JSON.stringify(verdict), contentType: 'application/json' });
  return verdict;
}
