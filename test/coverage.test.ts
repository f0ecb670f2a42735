/**
 * The coverage checks can fail (issue 9, item 3): a tenant the environment holds but its
 * profile does not list, a tenant whose type nobody filled in, and a tenant type no persona
 * belongs to each fail the run as the user's configuration mistake, naming the tenant (name
 * and id) or the type. A check that cannot fail is how the incident's unchecked tenant type
 * went unseen (docs/incident-2025-06-09.md, why 2).
 *
 * Two profiles, written by hand into a folder of their own, describe one sandbox holding a
 * tenant type beyond the default three (home_health); each is run with the coverage checks
 * only. Each run is the other's control: the check that is not provoked must pass, so a
 * check that fails whatever the profile says would be caught too. That preflight stops a
 * persona whose account is another's is proven in test/failing-targets.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sandboxPassword } from '../fixtures/credentials.ts';
import { generateDataset, streamDataset, type DatasetOptions } from '../fixtures/dataset.ts';
import type { Profile, ProfilePersona, ProfileTenant } from '../lib/environment.ts';
import type { Organization } from '../lib/model.ts';
import { organizationOf } from './support/dataset-lookup.ts';
import { VERDICT_FILE, type VerdictRecord } from '../lib/report/run-verdict.ts';
import { runSuite, type SuiteRun, type TestOutcome } from '../lib/suite-run.ts';
import { startSandbox, type Sandbox } from '../sandbox/server.ts';
import { artifactTexts, findPhi } from './support/phi-scan.ts';

// The five named tenants, and a sixth of a type the default dataset does not have.
const OPTIONS: Partial<DatasetOptions> = { tenants: 6, rows: 240, types: ['home_health'] };
const dataset = streamDataset(OPTIONS);
const organization = (id: string): Organization => organizationOf(dataset, id);
const MHS = organization('org-mhs');
const RIVERSIDE = organization('org-riverside-clinic');
const NORTHWIND = organization('org-northwind-health');
const LAKESHORE = organization('org-lakeshore-health');
const BAYVIEW = organization('org-bayview-urgent-care');
const [HOME_HEALTH] = dataset.organizations.filter((candidate) => candidate.type === 'home_health');
assert.ok(HOME_HEALTH, 'the dataset has no home_health tenant');

/** One persona per type the default dataset knows (none for home_health), and the admin, as a profile writes them. */
const PERSONAS: Readonly<Record<string, ProfilePersona>> = Object.fromEntries(
  dataset.personas
    .filter((persona) => persona.key !== 'decoy-clinic')
    .map((persona) => [
      persona.key,
      persona.organizationId === null
        ? { email: persona.email, password: sandboxPassword(persona), role: 'luna_admin' as const }
        : { email: persona.email, password: sandboxPassword(persona), tenant: persona.organizationId },
    ]),
);

const listed = (tenant: Organization, type: string | null = tenant.type): ProfileTenant => ({ id: tenant.id, name: tenant.name, type });

/** Riverside is left out, and the home_health tenant's type left open: coverage.tenants must name both; every listed type has a persona. */
const unlistedProfile = (baseUrl: string): Omit<Profile, 'name'> => ({
  baseUrl,
  oracles: ['admin-view'],
  tenants: [listed(MHS), listed(NORTHWIND), listed(LAKESHORE), listed(BAYVIEW), listed(HOME_HEALTH, null)],
  personas: PERSONAS,
});

/** Every tenant listed with its type, but no persona of the home_health type: coverage.types must name it. */
const uncheckedTypeProfile = (baseUrl: string): Omit<Profile, 'name'> => ({
  baseUrl,
  oracles: ['admin-view'],
  tenants: [listed(MHS), listed(RIVERSIDE), listed(NORTHWIND), listed(LAKESHORE), listed(BAYVIEW), listed(HOME_HEALTH)],
  personas: PERSONAS,
});

/** The two coverage checks by their titles (Playwright's --grep ignores case, so "every tenant" alone would match the admin's checks too). */
const COVERAGE_CHECKS = 'Every tenant the environment holds is listed|Every tenant type has a persona';

const profiles = mkdtempSync(join(tmpdir(), 'coverage-profiles-'));
let sandbox: Sandbox;
let unlisted: SuiteRun;
let uncheckedType: SuiteRun;

before(async () => {
  sandbox = await startSandbox({ dataset });
  writeFileSync(join(profiles, 'coverage-unlisted.json'), JSON.stringify(unlistedProfile(sandbox.url)));
  writeFileSync(join(profiles, 'coverage-unchecked-type.json'), JSON.stringify(uncheckedTypeProfile(sandbox.url)));
  const run = (name: string) => runSuite({ TEST_ENV: name, SUITE_PROFILES_DIR: profiles, TARGET_URL: '', TARGET_URLS: '' }, ['--grep', COVERAGE_CHECKS, '--no-deps']);
  // Two small runs side by side: each has its own artifacts and saved sessions.
  [unlisted, uncheckedType] = await Promise.all([run('coverage-unlisted'), run('coverage-unchecked-type')]);
});

after(async () => {
  await sandbox?.close();
  for (const run of [unlisted, uncheckedType]) if (run) rmSync(run.artifactsDir, { recursive: true, force: true });
  rmSync(profiles, { recursive: true, force: true });
});

function outcome(run: SuiteRun, check: string): TestOutcome {
  const found = run.outcomes.filter((candidate) => candidate.check === check);
  assert.equal(found.length, 1, `expected one ${check} check, got ${found.length}:\n${run.output.slice(-3000)}`);
  return found[0] as TestOutcome;
}

/** The run's verdict as `npm start` would turn it into its exit code (2 for a configuration error). */
function verdictOf(run: SuiteRun): VerdictRecord['verdict'] {
  return (JSON.parse(readFileSync(join(run.artifactsDir, 'test-results', VERDICT_FILE), 'utf8')) as VerdictRecord).verdict;
}

function assertConfigurationFailure(found: TestOutcome, run: SuiteRun): string {
  assert.equal(found.ok, false, `${found.check} passed:\n${run.output.slice(-3000)}`);
  assert.equal(found.kind, 'configuration', `${found.check} failed as a ${found.kind} error: ${found.errors[0]}`);
  return found.errors.join('\n');
}

describe('the coverage check', () => {
  test('fails for a tenant the environment holds but the profile does not list, naming it, and for one whose type is not filled in', () => {
    const message = assertConfigurationFailure(outcome(unlisted, 'coverage.tenants'), unlisted);
    assert.ok(message.includes(`${RIVERSIDE.name} (${RIVERSIDE.id})`), `the failure does not name ${RIVERSIDE.name} by name and id:\n${message}`);
    assert.ok(message.includes(`${HOME_HEALTH.name} (${HOME_HEALTH.id})`), `the failure does not name ${HOME_HEALTH.name}, whose type is open:\n${message}`);
    assert.ok(!message.includes(`${MHS.name} (${MHS.id})`), `the failure names a tenant the profile lists with its type:\n${message}`);
    assert.ok(outcome(unlisted, 'coverage.types').ok, 'coverage.types failed where every listed type has a persona');
    assert.equal(verdictOf(unlisted), 'config-error');
  });

  test('fails for a tenant type no persona belongs to, naming the type', () => {
    const message = assertConfigurationFailure(outcome(uncheckedType, 'coverage.types'), uncheckedType);
    assert.match(message, /home_health/, `the failure does not name the type:\n${message}`);
    for (const checked of ['clinic', 'health_system', 'urgent_care']) assert.doesNotMatch(message, new RegExp(`"${checked}"`), `the failure names ${checked}, which has a persona`);
    assert.ok(outcome(uncheckedType, 'coverage.tenants').ok, 'coverage.tenants failed where every tenant is listed with its type');
    assert.equal(verdictOf(uncheckedType), 'config-error');
  });

  test('names tenants and types only: no patient data in anything the runs wrote', () => {
    const rows = generateDataset(OPTIONS);
    for (const run of [unlisted, uncheckedType]) {
      const sources = artifactTexts(run.artifactsDir);
      sources.set('output', run.output);
      assert.deepEqual(findPhi(sources, rows), []);
    }
  });
});
