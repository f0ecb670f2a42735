/**
 * A generated dataset's persona or tenant by its key or id, for tests that name them. A name
 * the dataset lacks is the test's own mistake, so it fails the test there, naming it.
 */
import assert from 'node:assert/strict';
import type { Organization, Persona } from '../../lib/model.ts';

interface Named {
  readonly personas: readonly Persona[];
  readonly organizations: readonly Organization[];
}

export function personaOf(dataset: Named, key: string): Persona {
  const persona = dataset.personas.find((candidate) => candidate.key === key);
  assert.ok(persona, `the dataset has no persona ${key}`);
  return persona;
}

export function organizationOf(dataset: Named, id: string): Organization {
  const organization = dataset.organizations.find((candidate) => candidate.id === id);
  assert.ok(organization, `the dataset has no tenant ${id}`);
  return organization;
}
