import { ALL_PERSONAS, DATE_FILTERS, expect, test } from './support/test.ts';

// What a person gets from the page's Download CSV, judged as a file: the surface of the
// 2025-06-09 incident, for every persona and so every tenant type.
for (const persona of ALL_PERSONAS) {
  test.describe(`${persona} downloading Patients Treated`, { tag: ['@isolation', '@readonly'] }, () => {
    test.use({ persona });

    test('gets a file holding its own rows, whole and only', async ({ patientsTreated, judge }) => {
      await patientsTreated.open();
      const verdict = await judge.download(await patientsTreated.downloadCsv());
      expect(verdict).toBeIsolated();
    });

    test('gets a file holding its own rows in the date filters, whole and only', async ({ patientsTreated, judge }) => {
      await patientsTreated.open(DATE_FILTERS);
      const verdict = await judge.download(await patientsTreated.downloadCsv(), DATE_FILTERS);
      expect(verdict).toBeIsolated();
    });
  });
}
