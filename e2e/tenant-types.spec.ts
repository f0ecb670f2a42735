import { expect, TENANT_PERSONAS, test } from './support/test.ts';

// INCIDENT, why 2: scoping existed for one tenant type and clinics fell through. Every type
// the environment holds must have a persona whose checks run, or a new type would slip by.
test('every tenant type in the environment has a persona checking it', { tag: ['@isolation', '@readonly'] }, async ({ environment }) => {
  const checked = new Set(TENANT_PERSONAS.map((key) => environment.organizationOf(environment.persona(key))?.type));
  const unchecked = [...new Set(environment.organizations.map((organization) => organization.type))].filter((type) => !checked.has(type));
  expect(unchecked, `tenant types with no persona: ${unchecked.join(', ')}`).toEqual([]);
});
