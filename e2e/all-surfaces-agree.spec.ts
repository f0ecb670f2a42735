import { check, expect, PERSONAS, test } from './support/test.ts';

// The page, the JSON list and the file are three views of one query. A fix made in one of
// them alone (docs/incident-2025-06-09.md: the frontend fix that changed nothing) shows
// here as disagreement. The table is compared as a browser shows it, the list and the file
// exactly. Tagged @every-page: it clicks through every page, which the volume run skips.
// Its file name sorts first so that Playwright starts these, the longest checks, before the
// short ones, which then fill in around them rather than leave them to run last.
for (const persona of PERSONAS) {
  test.describe(`${persona.title} reading every surface`, () => {
    test.use({ persona: persona.key });

    test('sees the same rows on every page of the table, in the list API and in the file', check('surfaces.agree', persona, { tag: ['@every-page'] }), async ({ patientsTreated, api, judge }) => {
      await patientsTreated.open();
      const page = await judge.rows(patientsTreated.allRows(), 'page');
      const list = await judge.rows(api.listAll(), 'api');
      const file = await judge.exportResponse(await api.exportResponse());
      expect.soft(page).toBeIsolated();
      expect.soft(list).toBeIsolated();
      expect.soft(file).toBeIsolated();
      expect([page, list, file]).toAgreeRowForRow();
    });
  });
}
