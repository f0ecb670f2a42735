import { ADMIN_PERSONAS, check, expect, TENANT_PERSONAS, test } from './support/test.ts';

// The backend judged on its own, without the page: the incident's frontend fix left the
// API serving every tenant's rows, so each promise of docs/target.md is checked at the API.

test('Without a session, the list and the export answer 401', check('api.anonymous'), async ({ anonymousApi }) => {
  expect(await anonymousApi.get('/api/patients-treated')).toAnswer(401, 'the list without a session');
  expect(await anonymousApi.exportResponse()).toAnswer(401, 'the export without a session');
});

for (const persona of TENANT_PERSONAS) {
  test.describe(`${persona.title} calling the API`, () => {
    test.use({ persona: persona.key });

    test('gets only its own rows from the export API', check('api.export', persona), async ({ api, judge }) => {
      expect(await judge.exportResponse(await api.exportResponse())).toBeIsolated();
    });

    test('gets only its own rows from the export API in a date window', check('api.export-filtered', persona), async ({ api, judge, windows, signedIn }) => {
      const window = windows.of(signedIn);
      expect(await judge.exportResponse(await api.exportResponse(window), window)).toBeIsolated();
    });

    // Tagged @every-page: it pages through the whole list, which the volume run skips.
    test('gets only its own rows from the list API', check('api.list', persona, { tag: ['@every-page'] }), async ({ api, judge }) => {
      expect(await judge.rows(api.listAll(), 'api')).toBeIsolated();
    });

    test('may name its own organisation', check('api.own-organization', persona), async ({ api, judge, signedIn }) => {
      const query = { organizationId: signedIn.organizationId ?? undefined };
      expect(await judge.exportResponse(await api.exportResponse(query), query)).toBeIsolated();
    });

    test("is refused another organisation's rows (403)", check('api.other-organization', persona), async ({ api, environment, signedIn }) => {
      const others = environment.tenants.filter((tenant) => tenant.id !== signedIn.organizationId);
      expect(others.length, 'the environment has other organisations to ask for').toBeGreaterThan(0);
      for (const other of others) {
        const query = { organizationId: other.id };
        expect.soft(await api.get('/api/patients-treated', query)).toAnswer(403, `the list naming ${other.id}`);
        expect.soft(await api.exportResponse(query)).toAnswer(403, `the export naming ${other.id}`);
      }
    });
  });
}

for (const persona of ADMIN_PERSONAS) {
  test.describe(`${persona.title} calling the API`, () => {
    test.use({ persona: persona.key });

    test("holds every tenant's rows in the export (the positive control)", check('admin.export-all', persona), async ({ api, judge }) => {
      expect(await judge.exportResponse(await api.exportResponse())).toBeIsolated();
    });

    test("gets exactly one tenant's rows when naming it", check('admin.export-each-tenant', persona), async ({ api, judge, environment }) => {
      // Side by side: a target that hangs costs one wait, not one per tenant.
      const verdicts = await Promise.all(
        environment.tenants.map(async (tenant) => {
          const query = { organizationId: tenant.id };
          return judge.exportResponse(await api.exportResponse(query), query);
        }),
      );
      for (const verdict of verdicts) expect.soft(verdict).toBeIsolated();
    });
  });
}

// A cache keyed on the filters alone hands the second tenant the first one's file. The pair
// asks for a window no other check asks for, so its first request is the first of its kind.
const PAIR = TENANT_PERSONAS.slice(0, 2);

test.describe('Two tenants exporting back to back', () => {
  test.skip(PAIR.length < 2, 'the environment has fewer than two tenant personas to pair');

  test('each get their own file for the same window', check('pair.back-to-back'), async ({ viewOf, windows }) => {
    for (const persona of PAIR) {
      const { api, judge } = await viewOf(persona.key);
      expect.soft(await judge.exportResponse(await api.exportResponse(windows.pair), windows.pair)).toBeIsolated();
    }
  });
});
