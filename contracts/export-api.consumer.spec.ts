/**
 * The page's side of the contract: how it uses the list and export API of docs/target.md, for
 * each tenant type and the Luna admin. The export body is pinned to the exact bytes (a
 * pact cannot match CSV per row), so one leaked or missing row breaks verification; the
 * list pins every item's providerId to the caller's organisation.
 *
 * Each interaction is also judged by the isolation oracle here, so the contract can never
 * pin a leaky body by mistake.
 */
import { rmSync } from 'node:fs';
import { MatchersV3, PactV3 } from '@pact-foundation/pact';
import { exportBody, exportFilename, EXPORT_CONTENT_TYPE } from '../lib/contract.ts';
import { judgeExport, judgeRows, type Knowledge } from '../lib/oracle/index.ts';
import { dashboardClient, SESSION_COOKIE } from '../lib/target/client.ts';
import { exportResponseParts } from '../lib/target/export-response.ts';
import { check, expect, test } from '../e2e/support/test.ts';
import {
  CALLERS,
  foreignOrganization,
  PACT_CONSUMER,
  PACT_DIR,
  PACT_FILE,
  PACT_PROVIDER,
  tenantsState,
  TENANTS_STATE,
  visibleRows,
  type TenantsStateParams,
} from './provider-states.ts';

/** Pact's JSON map of state parameters; the state's params are plain JSON data. */
type StateParameters = NonNullable<Parameters<PactV3['given']>[1]>;

const { equal, integer, like, regex, iso8601Date, nullValue } = MatchersV3;

/** The consumer's session cookie; the provider's request filter swaps in a real one. */
const CONTRACT_SESSION = 'contract-session-token';
const SIGNED_IN = { Cookie: regex(`^${SESSION_COOKIE}=\\S+$`, `${SESSION_COOKIE}=${CONTRACT_SESSION}`) };
const TODAY = new Date().toISOString().slice(0, 10);

// Pact merges interactions into one file per consumer and provider; writes to it must not
// interleave, so the interactions run one after another in one worker.
test.describe.configure({ mode: 'serial' });

test.describe("The page's contract with the patients-treated API", check('contract.consumer', undefined, { writes: true, tag: ['@contract'] }), () => {
  // The pact file is rebuilt from these interactions on every run, never merged into an old one.
  test.beforeAll(() => rmSync(PACT_FILE, { force: true }));

  for (const caller of CALLERS) {
    const state = tenantsState(caller);
    const who = caller === 'luna_admin' ? 'the Luna admin' : `a ${caller} user`;
    const knowledge: Knowledge = { organizations: state.organizations, universe: { source: 'ground-truth', rows: state.rows } };
    const subject = (organizationId = state.persona.organizationId) => ({ persona: state.persona.key, organizationId, filters: {} });

    test(`${who} exporting its patients treated gets exactly its rows`, async () => {
      const rows = visibleRows(state);
      const pact = interaction(state, `${who} exports its patients treated`)
        .withRequest({ method: 'GET', path: '/api/patients-treated/export', headers: SIGNED_IN })
        .willRespondWith({ status: 200, headers: csvHeaders(state.persona.organizationId), body: exportBody(rows) });
      await pact.executeTest(async (mock) => {
        const response = await dashboardClient(mock.url, CONTRACT_SESSION).exportResponse();
        expect(response).toAnswer(200, `${who}'s export`);
        const { body, contentType, filename } = exportResponseParts(response);
        expect(await judgeExport(body, subject(), knowledge, { contentType, filename, today: TODAY })).toBeIsolated();
      });
    });

    test(`${who} listing its patients treated gets only its organisation's rows`, async () => {
      const rows = visibleRows(state);
      // One entry per row, not eachLike: the consumer reads real rows back and judges them,
      // and a list with a leaked row is then also the wrong length.
      const items = rows.map((row) => ({
        patientId: like(row.patientId),
        patientName: like(row.patientName),
        dateOfBirth: iso8601Date(row.dateOfBirth),
        // A tenant's list holds its own organisation only; the admin's may hold any.
        providerId: state.persona.organizationId === null ? like(row.providerId) : equal(state.persona.organizationId),
        providerName: like(row.providerName),
        lastVisit: iso8601Date(row.lastVisit),
        visits: integer(row.visits),
      }));
      const pact = interaction(state, `${who} lists its patients treated`)
        .withRequest({ method: 'GET', path: '/api/patients-treated', query: { page: '1', pageSize: '50' }, headers: SIGNED_IN })
        .willRespondWith({
          status: 200,
          body: {
            organizationId: state.persona.organizationId === null ? nullValue() : equal(state.persona.organizationId),
            page: equal(1),
            pageSize: equal(50),
            total: equal(rows.length),
            items,
          },
        });
      await pact.executeTest(async (mock) => {
        const list = await dashboardClient(mock.url, CONTRACT_SESSION).listPage({ page: 1, pageSize: 50 });
        expect(await judgeRows(list.items, 'api', subject(), knowledge)).toBeIsolated();
      });
    });

    if (caller === 'luna_admin') {
      const named = state.organizations[0];
      if (!named) throw new Error('The state has no organisations.');

      test(`${who} naming one organisation gets exactly that organisation's rows`, async () => {
        const pact = interaction(state, `${who} exports one named organisation`)
          .withRequest({ method: 'GET', path: '/api/patients-treated/export', query: { organizationId: named.id }, headers: SIGNED_IN })
          .willRespondWith({ status: 200, headers: csvHeaders(named.id), body: exportBody(visibleRows(state, named.id)) });
        await pact.executeTest(async (mock) => {
          const response = await dashboardClient(mock.url, CONTRACT_SESSION).exportResponse({ organizationId: named.id });
          const { body, contentType, filename } = exportResponseParts(response);
          expect(await judgeExport(body, subject(named.id), knowledge, { contentType, filename, today: TODAY })).toBeIsolated();
        });
      });

      test(`${who} naming an unknown organisation gets 404`, async () => {
        await expectError(state, `${who} names an unknown organisation`, { organizationId: 'org-contract-unknown' }, 404, 'not_found');
      });
    } else {
      const foreign = foreignOrganization(state);

      test(`${who} naming another organisation is refused (403)`, async () => {
        await expectError(state, `${who} asks for another organisation's export`, { organizationId: foreign.id }, 403, 'forbidden');
        await expectError(state, `${who} asks for another organisation's list`, { organizationId: foreign.id }, 403, 'forbidden', '/api/patients-treated');
      });
    }

    test(`${who}'s export without a session is refused (401)`, async () => {
      const pact = interaction(state, `an anonymous caller exports beside ${who}'s tenant`)
        .withRequest({ method: 'GET', path: '/api/patients-treated/export' })
        .willRespondWith({ status: 401, body: { error: equal('unauthenticated') } });
      await pact.executeTest(async (mock) => {
        expect(await dashboardClient(mock.url, null).exportResponse()).toAnswer(401, 'the export without a session');
      });
    });

    test(`${who} sending a malformed date gets 400`, async () => {
      await expectError(state, `${who} exports with a malformed date`, { from: '2025-13-45' }, 400, 'invalid_parameter');
    });
  }
});

function interaction(state: TenantsStateParams, description: string) {
  return new PactV3({ consumer: PACT_CONSUMER, provider: PACT_PROVIDER, dir: PACT_DIR, host: '127.0.0.1', logLevel: 'error' })
    .given(TENANTS_STATE, state as unknown as StateParameters)
    .uponReceiving(description);
}

function csvHeaders(organizationId: string | null) {
  const name = exportFilename(organizationId, 'DATE').replaceAll('.', '\\.').replace('DATE', '\\d{4}-\\d{2}-\\d{2}');
  return {
    'Content-Type': equal(EXPORT_CONTENT_TYPE),
    'Content-Disposition': regex(`^attachment; filename="${name}"$`, `attachment; filename="${exportFilename(organizationId, TODAY)}"`),
  };
}

async function expectError(
  state: TenantsStateParams,
  description: string,
  query: Record<string, string>,
  status: number,
  code: string,
  path = '/api/patients-treated/export',
): Promise<void> {
  const pact = interaction(state, description)
    .withRequest({ method: 'GET', path, query, headers: SIGNED_IN })
    .willRespondWith({ status, body: { error: equal(code) } });
  await pact.executeTest(async (mock) => {
    expect(await dashboardClient(mock.url, CONTRACT_SESSION).get(path, query)).toAnswer(status, description);
  });
}
