/**
 * `npm run env:init` as QA would use it on a deployment it has never seen (issue 9, item 4):
 * against a running sandbox, it writes a profile listing every tenant the Luna admin sees and
 * every persona, with passwords as `${VAR}`, and `TEST_ENV=<name> npm start` passes with it
 * and the same variables. Each refusal (an existing profile, a dead or foreign URL, a refused
 * password, an admin that is not one, a persona that is an admin, a variable that is not set)
 * is one line with its exit code, and writes nothing.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sandboxPassword } from '../fixtures/credentials.ts';
import { generateDataset, streamDataset } from '../fixtures/dataset.ts';
import type { Profile } from '../lib/environment.ts';
import type { Persona } from '../lib/model.ts';
import { organizationOf, personaOf as personaOfDataset } from './support/dataset-lookup.ts';
import { freePort } from './support/ports.ts';
import { EXIT_CODES, VERDICT_FILE, type VerdictRecord } from '../lib/report/run-verdict.ts';
import { startSandbox, type Sandbox } from '../sandbox/server.ts';
import { runScript } from './support/command.ts';
import { artifactTexts, findPhi } from './support/phi-scan.ts';

const dataset = streamDataset();
const personaOf = (key: string): Persona => personaOfDataset(dataset, key);
const MHS = personaOf('mhs-clinic');
const RIVERSIDE = personaOf('decoy-clinic');
const NORTHWIND = personaOf('health-system');
const BAYVIEW = personaOf('urgent-care');
const ADMIN = personaOf('luna-admin');

/** The variables a QA engineer would set: one per user, holding its password. */
const VARIABLES: NodeJS.ProcessEnv = {
  QA_MHS_PASSWORD: sandboxPassword(MHS),
  QA_RIVERSIDE_PASSWORD: sandboxPassword(RIVERSIDE),
  QA_NORTHWIND_PASSWORD: sandboxPassword(NORTHWIND),
  QA_BAYVIEW_PASSWORD: sandboxPassword(BAYVIEW),
  QA_ADMIN_PASSWORD: sandboxPassword(ADMIN),
};

/** Every user, one persona per tenant type and a second clinic under a key of our choosing. */
const USERS = [
  '--admin', `${ADMIN.email}=QA_ADMIN_PASSWORD`,
  '--persona', `${MHS.email}=QA_MHS_PASSWORD`,
  '--persona', `riverside:${RIVERSIDE.email}=QA_RIVERSIDE_PASSWORD`,
  '--persona', `${NORTHWIND.email}=QA_NORTHWIND_PASSWORD`,
  '--persona', `${BAYVIEW.email}=QA_BAYVIEW_PASSWORD`,
];

/** The one tenant no persona belongs to. */
const LAKESHORE = organizationOf(dataset, 'org-lakeshore-health');

const profiles = mkdtempSync(join(tmpdir(), 'env-init-profiles-'));
const runsDir = mkdtempSync(join(tmpdir(), 'env-init-run-'));
let sandbox: Sandbox;

before(async () => {
  sandbox = await startSandbox({ dataset });
});
after(async () => {
  await sandbox?.close();
  rmSync(profiles, { recursive: true, force: true });
  rmSync(runsDir, { recursive: true, force: true });
});

/** `npm run env:init -- ...` as typed, with the profiles in a folder of the test's own. */
function envInit(args: readonly string[], env: NodeJS.ProcessEnv = VARIABLES) {
  return runScript('cli/env-init.ts', args, { SUITE_PROFILES_DIR: profiles, ...env });
}

function readWritten(name: string): Omit<Profile, 'name'> {
  return JSON.parse(readFileSync(join(profiles, `${name}.json`), 'utf8')) as Omit<Profile, 'name'>;
}

/** A refusal: its exit code, one line that says what (matching `names`), and no profile written. */
function assertRefused(result: { code: number | null; output: string }, code: number, names: RegExp, name: string): void {
  assert.equal(result.code, code, result.output);
  const lines = result.output.trim().split('\n');
  assert.equal(lines.length, 1, `not one line:\n${result.output}`);
  assert.match(result.output, names);
  assert.ok(!existsSync(join(profiles, `${name}.json`)), 'a refused env:init wrote a profile');
}

describe('npm run env:init', () => {
  test('writes every tenant the admin sees and every persona, passwords as ${VAR}, and says which types to fill in', async () => {
    const result = await envInit(['qa', '--url', sandbox.url, ...USERS]);
    assert.equal(result.code, 0, result.output);
    const profile = readWritten('qa');
    assert.equal(profile.baseUrl, sandbox.url);
    assert.deepEqual(profile.oracles, ['admin-view']);
    const expectedTenants = dataset.organizations.map(({ id, name, type }) => ({ id, name, type: id === LAKESHORE.id ? null : type }));
    const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);
    assert.deepEqual([...(profile.tenants as readonly object[])].sort(byId as never), expectedTenants.sort(byId));
    assert.deepEqual(profile.personas, {
      mhs: { email: MHS.email, password: '${QA_MHS_PASSWORD}', tenant: MHS.organizationId },
      riverside: { email: RIVERSIDE.email, password: '${QA_RIVERSIDE_PASSWORD}', tenant: RIVERSIDE.organizationId },
      'northwind-health-system': { email: NORTHWIND.email, password: '${QA_NORTHWIND_PASSWORD}', tenant: NORTHWIND.organizationId },
      'bayview-urgent-care': { email: BAYVIEW.email, password: '${QA_BAYVIEW_PASSWORD}', tenant: BAYVIEW.organizationId },
      'luna-admin': { email: ADMIN.email, password: '${QA_ADMIN_PASSWORD}', role: 'luna_admin' },
    });
    const text = readFileSync(join(profiles, 'qa.json'), 'utf8') + result.output;
    for (const [variable, password] of Object.entries(VARIABLES)) assert.ok(password && !text.includes(password), `the password in ${variable} was written or printed`);
    assert.match(result.output, new RegExp(`Fill in the type of ${LAKESHORE.name} \\(${LAKESHORE.id}\\)`));
    assert.match(result.output, /Next: TEST_ENV=qa npm start/);
  });

  test('refuses to overwrite a profile without --force, and leaves it as it was', async () => {
    const before = readFileSync(join(profiles, 'qa.json'), 'utf8');
    const result = await envInit(['qa', '--url', sandbox.url, ...USERS, '--tenant-type', `${LAKESHORE.id}=health_system`]);
    assert.equal(result.code, EXIT_CODES['config-error'], result.output);
    assert.equal(result.output.trim().split('\n').length, 1, result.output);
    assert.match(result.output, /qa\.json exists; --force overwrites it/);
    assert.equal(readFileSync(join(profiles, 'qa.json'), 'utf8'), before);
  });

  test('with --force and --tenant-type, writes a profile with which `TEST_ENV=qa npm start` passes, with the same variables', async () => {
    const result = await envInit(['qa', '--url', sandbox.url, ...USERS, '--tenant-type', `${LAKESHORE.id}=health_system`, '--force']);
    assert.equal(result.code, 0, result.output);
    assert.doesNotMatch(result.output, /Fill in/);
    const tenants = readWritten('qa').tenants as readonly { id: string; type: string | null }[];
    assert.equal(tenants.find((tenant) => tenant.id === LAKESHORE.id)?.type, 'health_system');

    // One short run as a user types it: preflight of every persona, the coverage checks, the
    // login page with the emails as written, and the incident's checks for each clinic persona.
    const run = await runScript(
      'cli/start.ts',
      ['--grep', 'Every tenant the environment holds is listed|Every tenant type has a persona|The login page signs|@incident-2025-06-09', '--no-deps'],
      { ...VARIABLES, TEST_ENV: 'qa', SUITE_PROFILES_DIR: profiles, SUITE_ARTIFACTS_DIR: runsDir, TARGET_URL: '', TARGET_URLS: '' },
    );
    assert.equal(run.code, EXIT_CODES.pass, run.output.slice(-3000));
    const record = JSON.parse(readFileSync(join(runsDir, 'test-results', VERDICT_FILE), 'utf8')) as VerdictRecord;
    // coverage.tenants, coverage.types, sign-in.page, and two incident checks for each of the two clinics.
    assert.deepEqual({ passed: record.checks.passed, skipped: record.checks.skipped }, { passed: 7, skipped: 0 }, run.output.slice(-3000));
    const sources = artifactTexts(runsDir);
    sources.set('output', run.output);
    assert.deepEqual(findPhi(sources, generateDataset()), []);
  });

  test('names an unreachable URL, or one that is not the dashboard, in one line (exit 3)', async () => {
    const deadUrl = `http://127.0.0.1:${await freePort()}`;
    assertRefused(await envInit(['unreachable', '--url', deadUrl, ...USERS]), EXIT_CODES['target-error'], /did not answer GET \/api\/me: connect ECONNREFUSED/, 'unreachable');

    const foreign = createServer((_, response) => response.end('<html>a login page of something else</html>'));
    await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
    try {
      const foreignUrl = `http://127.0.0.1:${(foreign.address() as AddressInfo).port}`;
      assertRefused(await envInit(['foreign', '--url', foreignUrl, ...USERS]), EXIT_CODES['target-error'], /answered GET \/api\/me without a session with 200/, 'foreign');
    } finally {
      foreign.closeAllConnections();
      await new Promise<void>((resolve) => foreign.close(() => resolve()));
    }
  });

  test('names the user whose password is refused, never the password (exit 2)', async () => {
    const wrong = 'not-the-password-of-northwind';
    const result = await envInit(['refused', '--url', sandbox.url, ...USERS], { ...VARIABLES, QA_NORTHWIND_PASSWORD: wrong });
    assertRefused(result, EXIT_CODES['config-error'], new RegExp(`refused the password of --persona ${NORTHWIND.email} \\(QA_NORTHWIND_PASSWORD\\)`), 'refused');
    assert.ok(!result.output.includes(wrong), 'the refused password was printed');
  });

  test('refuses an --admin that is not a Luna admin, and a --persona that is one (exit 2)', async () => {
    assertRefused(
      await envInit(['not-admin', '--url', sandbox.url, '--admin', `${MHS.email}=QA_MHS_PASSWORD`, '--persona', `${NORTHWIND.email}=QA_NORTHWIND_PASSWORD`]),
      EXIT_CODES['config-error'],
      new RegExp(`--admin ${MHS.email} is not a Luna admin \\(GET /api/me: role provider_user, of MHS \\(org-mhs\\)\\)`),
      'not-admin',
    );
    // The two flags swapped: both mistakes named in the one line.
    assertRefused(
      await envInit(['swapped', '--url', sandbox.url, '--admin', `${MHS.email}=QA_MHS_PASSWORD`, '--persona', `${ADMIN.email}=QA_ADMIN_PASSWORD`]),
      EXIT_CODES['config-error'],
      new RegExp(`--persona ${ADMIN.email} is a Luna admin, not a tenant's user: give it as --admin; --admin ${MHS.email} is not a Luna admin`),
      'swapped',
    );
  });

  test('names every variable that is not set, before it calls the target (exit 2)', async () => {
    assertRefused(
      await envInit(['missing', '--url', 'http://127.0.0.1:9', ...USERS], { ...VARIABLES, QA_ADMIN_PASSWORD: '', QA_BAYVIEW_PASSWORD: '' }),
      EXIT_CODES['config-error'],
      /QA_BAYVIEW_PASSWORD, QA_ADMIN_PASSWORD are not set: set them in the environment or in \.env\.missing\.local/,
      'missing',
    );
  });
});
