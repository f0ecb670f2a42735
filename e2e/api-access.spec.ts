import { DATE_FILTERS, expect, TENANT_PERSONAS, test } from './support/test.ts';

// The backend judged on its own, without the page: the incident's frontend fix left the
// API serving every tenant's rows, so each promise of TARGET.md is checked at the API.

test.describe('Without a session', { tag: ['@isolation', '@readonly'] }, () => {
  test('the list and the export answer 401', async ({ anonymousApi }) => {
    expect(await anonymousApi.get('/api/patients-treated')).toAnswer(401, 'the list without a session');
    expect(await anonymousApi.exportResponse()).toAnswer(401, 'the export without a session');
  });
});

for (const persona of TENANT_PERSONAS) {
  test.describe(`${persona} calling the API`, { tag: ['@isolation', '@readonly'] }, () => {
    test.use({ persona });

    test('gets only its own rows from the export API', async ({ api, judge }) => {
      expect(await judge.exportResponse(await api.exportResponse())).toBeIsolated();
    });

    test('gets only its own rows from the export API in the date filters', async ({ api, judge }) => {
      expect(await judge.exportResponse(await api.exportResponse(DATE_FILTERS), DATE_FILTERS)).toBeIsolated();
    });

    // Tagged @every-page: it pages through the whole list, which the volume run skips.
    test('gets only its own rows from the list API', { tag: '@every-page' }, async ({ api, judge }) => {
      expect(await judge.rows(api.listAll(), 'api')).toBeIsolated();
    });

    test('may name its own organisation', async ({ api, judge, signedIn }) => {
      const query = { organizationId: signedIn.organizationId ?? undefined };
      expect(await judge.exportResponse(await api.exportResponse(query), query)).toBeIsolated();
    });

    test("is refused another organisation's rows (403)", async ({ api, environment, signedIn }) => {
      const others = environment.organizations.filter((organization) => organization.id !== signedIn.organizationId);
      expect(others.length, 'the environment has other organisations to ask for').toBeGreaterThan(0);
      for (const other of others) {
        const query = { organizationId: other.id };
        expect.soft(await api.get('/api/patients-treated', query)).toAnswer(403, `the list naming ${other.id}`);
        expect.soft(await api.exportResponse(query)).toAnswer(403, `the export naming ${other.id}`);
      }
    });
  });
}

test.describe('The Luna admin calling the API', { tag: ['@isolation', '@readonly'] }, () => {
  test.use({ persona: 'luna-admin' });

  test("holds every tenant's rows in the export (the positive control)", async ({ api, judge }) => {
    expect(await judge.exportResponse(await api.exportResponse())).toBeIsolated();
  });

  test("gets exactly one tenant's rows when naming it", async ({ api, judge, environment }) => {
    for (const organization of environment.organizations) {
      const query = { organizationId: organization.id };
      expect.soft(await judge.exportResponse(await api.exportResponse(query), query)).toBeIsolated();
    }
  });
});

test.describe('Two tenants exporting back to back', { tag: ['@isolation', '@readonly'] }, () => {
  // Filters no other check uses, so that the first request of this pair is the first of its kind.
  const filters = { from: '2024-02-01', to: '2025-05-31' };

  test('each get their own file for the same filters', async ({ viewOf }) => {
    for (const key of ['mhs-clinic', 'decoy-clinic'] as const) {
      const { api, judge } = await viewOf(key);
      expect.soft(await judge.exportResponse(await api.exportResponse(filters), filters)).toBeIsolated();
    }
  });
});
