import { FAILURE_PREFIX } from '../lib/report/failure-kind.ts';
import { check, expect, PERSONAS, test } from './support/test.ts';

// docs/incident-2025-06-09.md, why 2: scoping existed for one tenant type and clinics fell
// through. A tenant the profile does not know, or a type no persona belongs to, is a tenant
// whose rows no check would ever look for: the run fails, naming it.

test('Every tenant the environment holds is listed in its profile, with its type', check('coverage.tenants'), async ({ universe, environment }) => {
  const rows = await universe();
  test.skip(rows === null, "the profile has neither a ground truth nor a Luna admin's view, so the tenants it holds cannot be seen");
  const held = new Map<string, string>();
  for (const row of rows ?? []) held.set(row.providerId, row.providerName);
  const listed = new Set(environment.tenants.map((tenant) => tenant.id));
  const unlisted = [...held].filter(([id]) => !listed.has(id)).map(([id, name]) => `${name} (${id})`);
  const untyped = environment.tenants.filter((tenant) => tenant.type === null).map((tenant) => `${tenant.name} (${tenant.id})`);
  expect.soft(unlisted, `${FAILURE_PREFIX.configuration}: tenants the environment holds but the ${environment.name} profile does not list`).toEqual([]);
  expect.soft(untyped, `${FAILURE_PREFIX.configuration}: tenants of the ${environment.name} profile whose type nobody has filled in`).toEqual([]);
});

test('Every tenant type has a persona whose checks run', check('coverage.types'), ({ environment }) => {
  const checked = new Set(PERSONAS.map((persona) => persona.tenant?.type).filter((type) => typeof type === 'string'));
  const held = new Set(environment.tenants.map((tenant) => tenant.type).filter((type) => typeof type === 'string'));
  const unchecked = [...held].filter((type) => !checked.has(type)).sort();
  expect(unchecked, `${FAILURE_PREFIX.configuration}: tenant types of the ${environment.name} profile that no persona belongs to, so no check runs as them`).toEqual([]);
});
