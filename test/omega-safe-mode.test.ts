/**
 * Omega is production: the suite may read it and nothing else. These tests run the real
 * omega profile, with its variables pointed at a sandbox that records every request's
 * method and path, and prove that the run wrote nothing, left no trace, screenshot or video,
 * and passed; and that a missing credential stops the run before any browser starts.
 */
import assert from 'node:assert/strict';
import { readdirSync, rmSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { generateDataset } from '../fixtures/dataset.ts';
import { PROOF_ENV } from './support/proof.ts';
import { startSandbox } from '../sandbox/server.ts';
import { artifactTexts, findPhi } from './support/phi-scan.ts';
import { profileVariablesFor } from './support/profile-variables.ts';
import { runSuite, type SuiteRun } from '../lib/suite-run.ts';

// Shaped like the profiles it stands in for: MHS, a decoy clinic and a health system; as small
// as the proofs' datasets (test/support/proof.ts), which every check's planted rows survive.
const dataset = generateDataset({ tenants: 3, rows: Number(PROOF_ENV.DATASET_ROWS) });
const runs: SuiteRun[] = [];
after(() => {
  for (const run of runs) rmSync(run.artifactsDir, { recursive: true, force: true });
});

describe('the omega profile', () => {
  test('against a sandbox, passes with nothing but GETs, sign-ins and sign-outs, and leaves no trace, screenshot or video', async () => {
    const requests: string[] = [];
    const sandbox = await startSandbox({ dataset, onRequest: (method, path) => requests.push(`${method} ${path}`) });
    let run: SuiteRun;
    try {
      run = await runSuite(profileVariablesFor('OMEGA', sandbox.url, dataset));
      runs.push(run);
    } finally {
      await sandbox.close();
    }

    assert.equal(run.exitCode, 0, run.output);
    assert.ok(run.outcomes.length > 20, `only ${run.outcomes.length} checks ran`);
    assert.ok(run.outcomes.every((outcome) => !/contract/i.test(outcome.title)), 'a contract check ran on a read-only environment');

    const allowed = (request: string) => request.startsWith('GET ') || request === 'POST /api/session' || request === 'DELETE /api/session';
    assert.deepEqual([...new Set(requests.filter((request) => !allowed(request)))], [], 'requests other than GET, sign-in and sign-out reached omega');
    assert.ok(requests.filter((request) => request === 'DELETE /api/session').length >= 4, 'the personas were not signed out');

    const recordings = readdirSync(run.artifactsDir, { recursive: true, encoding: 'utf8' }).filter((file) => /trace\.zip$|\.png$|\.webm$|\.jpe?g$/.test(file));
    assert.deepEqual(recordings, [], 'a read-only run recorded the page');

    const sources = artifactTexts(run.artifactsDir);
    sources.set('output', run.output);
    assert.deepEqual(findPhi(sources, dataset), []);
  });

  test('with no credentials set, stops before any browser starts and names every missing variable', async () => {
    const run = await runSuite({ TEST_ENV: 'omega', TARGET_URL: '' });
    runs.push(run);
    assert.notEqual(run.exitCode, 0);
    assert.deepEqual(run.outcomes, [], 'checks ran without credentials');
    for (const variable of ['OMEGA_MHS_CLINIC_PASSWORD', 'OMEGA_LUNA_ADMIN_EMAIL', 'OMEGA_MHS_ORG_ID', 'OMEGA_CANARIES']) {
      assert.match(run.output, new RegExp(variable), `the message does not name ${variable}`);
    }
    assert.doesNotMatch(run.output, /signs in|✓|✘/, 'a check started, so a browser may have');
  });
});
