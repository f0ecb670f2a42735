/**
 * `npm run fixtures:seed -- [--env <name>] [--seed N] [--rows-per-tenant N]`: plans the canary
 * and decoy data the target needs (fixtures/seed-plan.ts) and applies it through the
 * profile's adapter: the sandbox's seed API (a sandbox in test mode at TARGET_URL), or,
 * where a target has no such API, a plan written to seed-plans/<env>/ as JSON and SQL for
 * the dashboard team to apply. A read-only profile is never seeded.
 *
 * Exit codes, as every command's: 0 seeded or planned; 2 usage or configuration (a read-only
 * profile, a missing variable, no TARGET_URL for the sandbox adapter); 3 the target did not
 * take the seed (down, or not in test mode); 4 a bug of ours.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { planSeed, planSql, type SeedPlan } from '../fixtures/seed-plan.ts';
import { isReadOnly, loadEnvironment, readProfile, type Environment } from '../lib/environment.ts';
import type { Organization } from '../lib/model.ts';
import { EXIT_CODES } from '../lib/report/run-verdict.ts';
import { command, wholeNumber } from './command.ts';

const NAME = 'npm run fixtures:seed';

const tool = command({
  name: NAME,
  usage: `${NAME} -- [--env <name>] [--seed N] [--rows-per-tenant N]`,
  summary: 'Plans canaries in every tenant and decoy tenants for an environment, and applies them (sandbox seed API) or writes the plan for the dashboard team.',
  details: [
    '--env NAME             the environment profile (default TEST_ENV, else sandbox); read-only profiles are refused',
    '--seed N               seed of the plan (default 20250609); the same seed plans the same data',
    '--rows-per-tenant N    generated rows per tenant beside its canary (default 25)',
    'The sandbox adapter needs TARGET_URL: a sandbox started with `SANDBOX_TEST_MODE=1 npm run sandbox`.',
    'Other adapters write seed-plans/<env>/plan.json and plan.sql in the current folder.',
  ],
  exitCodes: [
    '0 seeded, or the plan written',
    '2 usage or configuration error (a read-only profile, a missing variable, no TARGET_URL)',
    '3 target error: the target did not take the seed (down, or not in test mode)',
    '4 suite error (a bug of ours)',
  ],
  options: {
    env: { type: 'string' },
    seed: { type: 'string', default: '20250609' },
    'rows-per-tenant': { type: 'string', default: '25' },
  },
});
const { values } = tool.parse(process.argv.slice(2));
const envName = typeof values.env === 'string' ? values.env : process.env.TEST_ENV || 'sandbox';
const seed = wholeNumber(String(values.seed), 0) ?? tool.usageError(`--seed must be a whole number, got "${String(values.seed)}"`);
const rowsPerTenant = wholeNumber(String(values['rows-per-tenant']), 1) ?? tool.usageError(`--rows-per-tenant must be a whole number of at least 1, got "${String(values['rows-per-tenant'])}"`);

/** The target would not take the seed: not our bug, not the user's arguments. */
class SeedRefusedError extends Error {}

const environment = tool.guard(() => {
  const profile = readProfile(envName);
  if (isReadOnly(profile)) throw new Error(`${profile.name} is read-only${profile.production ? ' (production)' : ''}; nothing is ever seeded there.`);
  const loaded = loadEnvironment({ ...process.env, TEST_ENV: envName }, { tenantsOnly: true, offline: true });
  if (loaded.seedAdapter === 'sandbox' && !process.env.TARGET_URL) {
    throw new Error('the sandbox adapter needs TARGET_URL: start one with `SANDBOX_TEST_MODE=1 npm run sandbox` and pass its URL.');
  }
  return loaded;
});

try {
  const plan = planSeed(environment.name, environment.tenants.filter((tenant): tenant is Organization => tenant.type !== null), { seed, rowsPerTenant });
  console.log(`Seed plan for ${environment.name}: ${plan.organizations.length} tenants, ${plan.rows.length} episodes, ${plan.canaries.length} canaries.`);
  await (environment.seedAdapter === 'sandbox' ? applyToSandbox(environment, plan) : writePlan(plan));
  console.log(`Canaries for the profile: ${environment.name.toUpperCase()}_CANARIES=${plan.canaries.map((canary) => `${canary.organizationId}:${canary.patientId}`).join(',')}`);
} catch (error) {
  if (error instanceof SeedRefusedError) {
    console.error(`${NAME}: ${error.message}`);
    process.exit(EXIT_CODES['target-error']);
  }
  console.error(`${NAME}: failed inside the suite: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(EXIT_CODES['suite-error']);
}

async function applyToSandbox(target: Environment, plan: SeedPlan): Promise<void> {
  let response: Response;
  try {
    response = await fetch(new URL('/_test/seed', target.baseUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ organizations: plan.organizations, rows: plan.rows }),
      signal: AbortSignal.timeout(Number(process.env.TARGET_REQUEST_TIMEOUT_MS) || 30_000),
    });
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : error instanceof Error ? error.message : String(error);
    throw new SeedRefusedError(`the sandbox at ${target.baseUrl} did not answer (${cause}): is it running?`);
  }
  if (response.status !== 204) throw new SeedRefusedError(`the sandbox at ${target.baseUrl} refused the seed (${response.status}): is it in test mode?`);
  console.log(`Applied to the sandbox at ${target.baseUrl}.`);
}

function writePlan(plan: SeedPlan): void {
  const folder = join('seed-plans', plan.environment);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'plan.json'), `${JSON.stringify(plan, null, 2)}\n`);
  writeFileSync(join(folder, 'plan.sql'), planSql(plan));
  console.log(`${plan.environment} has no seed API: the plan is in ${folder}/plan.json and plan.sql, for the dashboard team to apply.`);
}
