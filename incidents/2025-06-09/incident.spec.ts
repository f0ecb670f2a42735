import { check, expect, TENANT_PERSONAS, test } from '../../e2e/support/test.ts';
import incident from './incident.json' with { type: 'json' };

// docs/incident-2025-06-09.md, as it happened: MHS, a clinic-type tenant, downloads its
// Patients Treated export. The file must hold its own patients and no one else's, and so must
// the export API behind the page, since the first fix changed only the page. Whatever the
// environment calls its clinics, each clinic persona replays it.
const CLINICS = TENANT_PERSONAS.filter((persona) => persona.tenant?.type === incident.tenantType);

// The tag is incident.json's, written out because tags must be literal where they are given.
test.describe(`Incident ${incident.id}`, { tag: '@incident-2025-06-09' }, () => {
  test.skip(CLINICS.length === 0, `the environment has no persona of a ${incident.tenantType}-type tenant to replay the incident as`);

  for (const persona of CLINICS) {
    test.describe(`${persona.title} downloading Patients Treated`, () => {
      test.use({ persona: persona.key });

      test('the downloaded file holds only its own patients', check('incident.2025-06-09.file', persona), async ({ patientsTreated, judge }) => {
        await patientsTreated.open();
        expect(await judge.download(await patientsTreated.downloadCsv())).toBeIsolated();
      });

      test('the export API behind the page serves only its own patients', check('incident.2025-06-09.api', persona), async ({ api, judge }) => {
        expect(await judge.exportResponse(await api.exportResponse())).toBeIsolated();
      });
    });
  }
});
