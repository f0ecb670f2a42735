import { check, expect, PERSONAS, test } from './support/test.ts';

// What a person gets from the page's Download CSV, judged as a file: the surface of the
// 2025-06-09 incident, for every persona and so every tenant type.
for (const persona of PERSONAS) {
  test.describe(`${persona.title} downloading Patients Treated`, () => {
    test.use({ persona: persona.key });

    test('gets a file holding its own rows, whole and only', check('file.download', persona), async ({ patientsTreated, judge }) => {
      await patientsTreated.open();
      expect(await judge.download(await patientsTreated.downloadCsv())).toBeIsolated();
    });

    test('gets a file holding its own rows in a date window, whole and only', check('file.download-filtered', persona), async ({ patientsTreated, judge, windows, signedIn }) => {
      const window = windows.of(signedIn);
      await patientsTreated.open(window);
      expect(await judge.download(await patientsTreated.downloadCsv(), window)).toBeIsolated();
    });
  });
}
