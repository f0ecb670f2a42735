import { cellOfOutcomes, judgeAnswer, type AnswerOutcome } from '../lib/authorization/answers.ts';
import { VECTORS, type VectorRequest } from '../lib/authorization/vectors.ts';
import type { Persona } from '../lib/model.ts';
import type { Subject } from '../lib/oracle/index.ts';
import { dashboardClient, startSession } from '../lib/target/client.ts';
import { check, expect, PERSONAS, recordCell, TENANT_PERSONAS, test } from './support/test.ts';

// Every way a request can reach another tenant, as the security tools testers use (Burp's
// Autorize and AuthMatrix, ZAP's access control add-on) try them, but judged by the rows the
// answer holds rather than by its status or length (docs/authorization.md).

const SURFACES = {
  list: { path: '/api/patients-treated', query: { page: '1', pageSize: '500' }, whole: 'list' },
  export: { path: '/api/patients-treated/export', query: {}, whole: 'export' },
} as const;

for (const persona of TENANT_PERSONAS) {
  test.describe(`${persona.title} naming another tenant by anything but its session`, () => {
    test.use({ persona: persona.key });

    for (const [name, surface] of Object.entries(SURFACES)) {
      test(`gets its own rows or a refusal from the ${name} API, by every vector of the catalogue`, check(name === 'list' ? 'vectors.list' : 'vectors.export', persona), async ({ api, environment, knowledge, signedIn }, testInfo) => {
        // Another tenant to reach for: one of another type where there is one, as the incident's was.
        const others = environment.tenants.filter((tenant) => tenant.id !== signedIn.organizationId);
        const other = others.find((tenant) => tenant.type !== persona.tenant?.type) ?? others[0];
        expect(other, 'the environment has another tenant to reach for').toBeDefined();
        const known = await knowledge({});
        const outcomes = await inBatches(VECTORS, async (vector) => {
          const request: VectorRequest = { query: new URLSearchParams(surface.query), headers: {}, cookies: [] };
          vector.apply(request, { own: signedIn.organizationId, other: other?.id ?? '' });
          const response = await api.request(surface.path, request.query, request);
          return { vector, outcome: await judgeAnswer(response, subjectOf(signedIn), known, surface.whole) };
        });
        for (const family of new Set(VECTORS.map((vector) => vector.family))) {
          const ofFamily = outcomes.filter((entry) => entry.vector.family === family);
          recordCell(testInfo, { row: persona.key, column: `${name} API · ${family}`, ...cellOfOutcomes(ofFamily.map((entry) => ({ label: entry.vector.id, outcome: entry.outcome }))) });
        }
        for (const { vector, outcome } of outcomes) expect.soft(outcome).toBeAllowedAnswer(`the ${name} API with ${vector.id} naming ${other?.id}`);
      });
    }
  });
}

const [RECORDER] = TENANT_PERSONAS;

test.describe("The page's own requests to the API", () => {
  test.skip(RECORDER === undefined, 'the environment has no tenant persona whose page to record');
  test.use({ persona: RECORDER?.key ?? '' });

  test('replayed as every other persona, as no one and after sign-out, serve no one else’s rows', check('replay.page-requests', RECORDER), async ({ page, patientsTreated, environment, viewOf, knowledge, windows, signedIn }, testInfo) => {
    // Record, PHI-free, what the page asks the API for while a person uses it.
    const origin = new URL(environment.baseUrl).origin;
    const recorded = new Map<string, { method: string; path: string; parameters: string[] }>();
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.origin !== origin || !url.pathname.startsWith('/api/') || url.pathname === '/api/session' || request.method() !== 'GET') return;
      recorded.set(`${url.pathname}?${url.searchParams.toString()}`, { method: request.method(), path: url.pathname, parameters: [...new Set(url.searchParams.keys())].sort() });
    });
    await patientsTreated.open();
    await patientsTreated.nextPageIfAny();
    await patientsTreated.open(windows.of(signedIn));
    const download = await patientsTreated.downloadCsv();
    await download.delete();
    await testInfo.attach('surfaces.json', { body: JSON.stringify([...recorded.values()]), contentType: 'application/json' });
    expect(recorded.size, 'the page made requests to the API to replay').toBeGreaterThan(0);

    // Who replays them: each other persona, no one, and this persona's own session once ended.
    const ended = await startSession(environment.baseUrl, signedIn, environment.password(signedIn));
    await dashboardClient(environment.baseUrl, ended).signOut();
    const replayers: { row: string; subject: Subject; token: string | null }[] = [
      ...(await Promise.all(
        PERSONAS.map(async ({ key }) => {
          const { persona, api } = await viewOf(key);
          return { row: key, subject: subjectOf(persona), token: api.sessionToken };
        }),
      )),
      { row: 'anonymous', subject: nobody('anonymous'), token: null },
      { row: 'signed-out', subject: nobody(`${signedIn.key} after sign-out`), token: ended },
    ];
    const failures: { what: string; outcome: AnswerOutcome }[] = [];
    for (const [address, { path }] of recorded) {
      const query = new URLSearchParams(address.slice(address.indexOf('?') + 1));
      const filters = filtersIn(query);
      const known = await knowledge(filters);
      for (const replayer of replayers) {
        const response = await dashboardClient(environment.baseUrl, replayer.token).request(path, query);
        const outcome = await judgeAnswer(response, { ...replayer.subject, filters }, known, 'part');
        recordCell(testInfo, { row: replayer.row, column: `replay · ${path}`, ...cellOfOutcomes([{ label: path, outcome }]) });
        failures.push({ what: `GET ${path} (parameters: ${[...new Set(query.keys())].join(', ')}) replayed as ${replayer.row}`, outcome });
      }
    }
    for (const { what, outcome } of failures) expect.soft(outcome).toBeAllowedAnswer(what);
  });
});

/** Whom a verdict judges for: the persona's own tenant, everything for the Luna admin. */
function subjectOf(persona: Persona): Subject {
  return { persona: persona.key, organizationId: persona.organizationId, filters: {} };
}

/** The date filters a recorded request carried, as the oracle reads them. */
function filtersIn(query: URLSearchParams): { from?: string; to?: string } {
  const from = query.get('from');
  const to = query.get('to');
  return { ...(from ? { from } : {}), ...(to ? { to } : {}) };
}

/** No tenant at all: every row it receives belongs to someone else. */
function nobody(who: string): Subject {
  return { persona: who, organizationId: '(no tenant)', filters: {} };
}

/** A few at a time: the target answers side by side, and is not flooded. */
async function inBatches<T, R>(items: readonly T[], work: (item: T) => Promise<R>, size = 4): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += size) results.push(...(await Promise.all(items.slice(start, start + size).map(work))));
  return results;
}
