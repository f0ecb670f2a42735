import { sandboxPassword } from '../../fixtures/credentials.ts';
import type { Dataset } from '../../fixtures/dataset.ts';

/**
 * The variables of environments/alpha.json or omega.json (prefix ALPHA or OMEGA), filled
 * with a sandbox's values, so the real profile can be run against the sandbox.
 */
export function profileVariablesFor(prefix: 'ALPHA' | 'OMEGA', baseUrl: string, dataset: Dataset): NodeJS.ProcessEnv {
  const personaPrefix: Record<string, string> = {
    'mhs-clinic': `${prefix}_MHS_CLINIC`,
    'decoy-clinic': `${prefix}_DECOY_CLINIC`,
    'health-system': `${prefix}_HEALTH_SYSTEM`,
    'luna-admin': `${prefix}_LUNA_ADMIN`,
  };
  const variables: NodeJS.ProcessEnv = {
    TEST_ENV: prefix.toLowerCase(),
    TARGET_URL: '',
    [`${prefix}_BASE_URL`]: baseUrl,
    [`${prefix}_CANARIES`]: dataset.canaries.map((canary) => `${canary.organizationId}:${canary.patientId}`).join(','),
  };
  for (const persona of dataset.personas) {
    const personaVariables = personaPrefix[persona.key];
    variables[`${personaVariables}_EMAIL`] = persona.email;
    variables[`${personaVariables}_PASSWORD`] = sandboxPassword(persona);
    const organization = dataset.organizations.find((candidate) => candidate.id === persona.organizationId);
    if (!organization) continue;
    // MHS's organisation is named in the profile itself; only its id is a variable.
    const organizationVariables = persona.key === 'mhs-clinic' ? `${prefix}_MHS` : personaVariables;
    variables[`${organizationVariables}_ORG_ID`] = organization.id;
    variables[`${organizationVariables}_ORG_NAME`] = organization.name;
  }
  return variables;
}
