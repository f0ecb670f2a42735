/**
 * `npm run fixtures:seed -- --env <name> [--seed N] [--rows-per-tenant N]`: plans the canary
 * and decoy data the target needs (fixtures/seed-plan.ts) and applies it through the
 * profile's adapter: the sandbox's seed API (a sandbox in test mode at TARGET_URL), or,
 * where a target has no such API, a plan written to seed-plans/<env>/ as JSON and SQL for
 * the dashboard team to apply. A read-only profile is never seeded.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { planSeed, planSql, type SeedPlan } from '../fixtures/seed-plan.ts';
import { loadEnvironment, readProfile, type Environment } from '../lib/environment.ts';
import type { Organization } from '../lib/model.ts';

const { values } = parseArgs({
  options: {
    env: { type: 'string', default: 'sandbox' },
    seed: { type: 'string', default: '20250609' },
    'rows-per-tenant': { type: 'string', default: '25' },
  },
});

try {
  const profile = readProfile(values.env);
  if (profile.production || profile.readOnly) {
    console.error(`fixtures:seed: ${profile.name} is read-only${profile.production ? ' (production)' : ''}; nothing is ever seeded there.`);
    process.exit(2);
  }
  const environment = loadEnvironment({ ...process.env, TEST_ENV: values.env }, { tenantsOnly: true, offline: true });
  const plan = planSeed(environment.name, environment.tenants.filter((tenant): tenant is Organization => tenant.type !== null), { seed: Number(values.seed), rowsPerTenant: Number(values['rows-per-tenant']) });
  console.log(`Seed plan for ${environment.name}: ${plan.organizations.length} tenants, ${plan.rows.length} episodes, ${plan.canaries.length} canaries.`);
  await (environment.seedAdapter === 'sandbox' ? applyToSandbox(environment, plan) : writePlan(plan));
  console.log(`Canaries for the profile: ${environment.name.toUpperCase()}_CANARIES=${plan.canaries.map((canary) => `${canary.organizationId}:${canary.patientId}`).join(',')}`);
} catch (error) {
  console.error(`fixtures:seed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

async function applyToSandbox(environment: Environment, plan: SeedPlan): Promise<void> {
  if (!process.env.TARGET_URL) throw new Error('the sandbox adapter needs TARGET_URL: start one with `SANDBOX_TEST_MODE=1 npm run sandbox`.');
  const response = await fetch(new URL('/_test/seed', environment.baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ organizations: plan.organizations, rows: plan.rows }),
  });
  if (response.status !== 204) throw new Error(`the sandbox at ${environment.baseUrl} refused the seed (${response.status}): is it in test mode?`);
  console.log(`Applied to the sandbox at ${environment.baseUrl}.`);
}

function writePlan(plan: SeedPlan): void {
  const folder = join('seed-plans', plan.environment);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'plan.json'), `${JSON.stringify(plan, null, 2)}\n`);
  writeFileSync(join(folder, 'plan.sql'), planSql(plan));
  console.log(`${plan.environment} has no seed API: the plan is in ${folder}/plan.json and plan.sql, for the dashboard team to apply.`);
}
