/**
 * `npm run fixtures:seed`: a target with too little data gets canaries and decoy tenants,
 * through the sandbox's seed API or as a plan for the dashboard team; production never.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { sandboxPassword } from '../fixtures/credentials.ts';
import { generateDataset } from '../fixtures/dataset.ts';
import type { SeedPlan } from '../fixtures/seed-plan.ts';
import { signIn } from '../lib/target/client.ts';
import { startSandbox } from '../sandbox/server.ts';
import { runScript } from './support/command.ts';
import { profileVariablesFor } from './support/profile-variables.ts';

const dataset = generateDataset();
const scratch = mkdtempSync(join(tmpdir(), 'fixtures-seed-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('npm run fixtures:seed', () => {
  test('applies canaries in every tenant and decoy tenants through the sandbox seed API', async () => {
    const sandbox = await startSandbox({ dataset, testMode: true });
    try {
      const { code, output } = await runScript('cli/fixtures-seed.ts', ['--env', 'sandbox'], { TARGET_URL: sandbox.url });
      assert.equal(code, 0, output);
      const admin = dataset.personas.find((persona) => persona.key === 'luna-admin');
      assert.ok(admin);
      const client = await signIn(sandbox.url, admin, sandboxPassword(admin));
      const seen = new Set<string>();
      for await (const row of client.listAll()) seen.add(`${row.providerId}:${row.patientId}`);
      const canaries = output.match(/SANDBOX_CANARIES=(\S+)/)?.[1]?.split(',') ?? [];
      assert.equal(canaries.length, dataset.organizations.length + 2, output);
      assert.deepEqual(canaries.filter((canary) => !seen.has(canary)), [], 'planned canaries missing from the sandbox');
    } finally {
      await sandbox.close();
    }
  });

  test('writes the plan as JSON and SQL where the target has no seed API', async () => {
    const variables = profileVariablesFor('ALPHA', 'https://alpha.invalid', dataset);
    const { code, output } = await runScript('cli/fixtures-seed.ts', ['--env', 'alpha'], variables, scratch);
    assert.equal(code, 0, output);
    const plan = JSON.parse(readFileSync(join(scratch, 'seed-plans/alpha/plan.json'), 'utf8')) as SeedPlan;
    assert.equal(plan.canaries.length, plan.organizations.length);
    assert.ok(plan.organizations.some((organization) => organization.type === 'clinic' && organization.id.includes('decoy')));
    assert.ok(plan.organizations.some((organization) => organization.type === 'health_system' && organization.id.includes('decoy')));
    assert.match(readFileSync(join(scratch, 'seed-plans/alpha/plan.sql'), 'utf8'), /^INSERT INTO episodes/m);
  });

  test('refuses a read-only profile and writes nothing', async () => {
    const { code, output } = await runScript('cli/fixtures-seed.ts', ['--env', 'omega'], {}, scratch);
    assert.equal(code, 2);
    assert.match(output, /read-only/);
    assert.equal(existsSync(join(scratch, 'seed-plans/omega')), false);
  });
});
