import { expect, test } from '../../e2e/support/test.ts';

// INCIDENT-2025-06-09, as it happened: MHS, a clinic-type tenant, downloads its Patients
// Treated export. The file must hold MHS's patients and no one else's, and so must the
// export API behind the page, since the first fix changed only the page.
test.describe('Incident 2025-06-09: MHS downloading Patients Treated', { tag: ['@isolation', '@readonly', '@incident-2025-06-09'] }, () => {
  test.use({ persona: 'mhs-clinic' });

  test('the downloaded file holds only MHS patients', async ({ patientsTreated, judge }) => {
    await patientsTreated.open();
    expect(await judge.download(await patientsTreated.downloadCsv())).toBeIsolated();
  });

  test('the export API behind the page serves only MHS patients', async ({ api, judge }) => {
    expect(await judge.exportResponse(await api.exportResponse())).toBeIsolated();
  });
});
