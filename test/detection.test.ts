/**
 * The proof of detection: a test that cannot fail is a defect. The whole suite runs on the
 * correct sandbox and must pass, then on each known-bad variant and must fail, with the
 * failure in the checks meant to catch that bug and every failure an isolation finding
 * (a crash or a timeout does not count as catching anything). Each failing run's output,
 * results and report are then searched for the dataset's PHI.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { ISOLATION_FAILURE } from '../lib/report/isolation-failure.ts';
import { generateDataset } from '../fixtures/dataset.ts';
import { datasetOptionsFromEnv } from '../fixtures/options.ts';
import { VARIANT_NAMES, type VariantName } from '../sandbox/variants.ts';
import { artifactTexts, findPhi } from './support/phi-scan.ts';
import { runSuite, type SuiteRun } from '../lib/suite-run.ts';

type BadVariant = Exclude<VariantName, 'correct'>;

/** For each bug, the checks that exist to catch it (matched against the full test title). */
const MUST_CATCH: Readonly<Record<BadVariant, readonly RegExp[]>> = {
  'incident-2025-06-09': [
    /Incident 2025-06-09.*the downloaded file holds only MHS patients/,
    /Incident 2025-06-09.*the export API behind the page serves only MHS patients/,
    /decoy-clinic downloading Patients Treated › gets a file holding its own rows, whole and only/,
  ],
  'frontend-only-fix': [
    /Incident 2025-06-09.*the export API behind the page serves only MHS patients/,
    /mhs-clinic calling the API › gets only its own rows from the list API/,
    /mhs-clinic reading every surface › sees the same rows/,
    /health-system calling the API › gets only its own rows from the export API$/,
  ],
  'trusted-org-param': [
    /mhs-clinic calling the API › is refused another organisation's rows/,
    /health-system calling the API › is refused another organisation's rows/,
  ],
  'export-without-session': [/Without a session › the list and the export answer 401/],
  'health-system-unscoped': [
    /health-system downloading Patients Treated › gets a file holding its own rows, whole and only/,
    /health-system calling the API › gets only its own rows from the export API$/,
  ],
  'export-ignores-filters': [
    /mhs-clinic downloading Patients Treated › gets a file holding its own rows in the date filters/,
    /health-system calling the API › gets only its own rows from the export API in the date filters/,
  ],
  'export-drops-rows': [
    /mhs-clinic downloading Patients Treated › gets a file holding its own rows, whole and only/,
    /luna-admin reading every surface › sees the same rows/,
  ],
  'cross-tenant-cache': [/Two tenants exporting back to back › each get their own file for the same filters/],
  'late-leak': [
    /Incident 2025-06-09.*the downloaded file holds only MHS patients/,
    /mhs-clinic reading every surface › sees the same rows/,
  ],
  'extra-columns': [
    /mhs-clinic downloading Patients Treated › gets a file holding its own rows, whole and only/,
    /The Luna admin calling the API › holds every tenant's rows/,
  ],
  'formula-unescaped': [
    /mhs-clinic downloading Patients Treated › gets a file holding its own rows, whole and only/,
    /decoy-clinic calling the API › gets only its own rows from the export API$/,
  ],
};

/**
 * For each scoping bug, the contract interactions whose verification it must break; the
 * failure must name them.
 */
const CONTRACT_MUST_BREAK: Readonly<Partial<Record<BadVariant, readonly string[]>>> = {
  'incident-2025-06-09': ['a clinic user exports its patients treated'],
  'frontend-only-fix': ['a clinic user lists its patients treated', 'a health_system user exports its patients treated'],
  'trusted-org-param': ["a clinic user asks for another organisation's export", "a health_system user asks for another organisation's list"],
  'export-without-session': ["an anonymous caller exports beside a clinic user's tenant"],
  'health-system-unscoped': ['a health_system user exports its patients treated'],
  'export-drops-rows': ['a clinic user exports its patients treated', 'the Luna admin exports its patients treated'],
  'extra-columns': ['a health_system user exports its patients treated'],
};
const CONTRACT_CHECK = /the patients-treated API keeps every interaction of the page's contract/;

const dataset = generateDataset(datasetOptionsFromEnv());
const runs: SuiteRun[] = [];
after(() => {
  for (const run of runs) rmSync(run.artifactsDir, { recursive: true, force: true });
});

async function runAgainst(variant: VariantName): Promise<SuiteRun> {
  const run = await runSuite({ SANDBOX_VARIANT: variant, TARGET_URL: '', CI: '' });
  runs.push(run);
  return run;
}

describe('the PHI scan', () => {
  test('finds a planted name and date of birth, and says where without saying what', () => {
    const [row] = dataset.rows;
    assert.ok(row);
    const sources = new Map([['clean', 'tenant org-mhs: 3 rows'], ['leaky', `x ${JSON.stringify({ name: row.patientName })} ${row.dateOfBirth}`]]);
    assert.deepEqual(findPhi(sources, dataset), [
      { where: 'leaky', kind: 'patient name' },
      { where: 'leaky', kind: 'date of birth' },
    ]);
  });
});

describe('the suite on the correct sandbox', () => {
  test('passes every check and says so', async () => {
    const run = await runAgainst('correct');
    const failed = run.outcomes.filter((outcome) => !outcome.ok).map((outcome) => outcome.title);
    assert.deepEqual(failed, [], `checks failed on the correct sandbox:\n${run.output}`);
    assert.ok(run.outcomes.length > 20, `only ${run.outcomes.length} checks ran`);
    assert.equal(run.exitCode, 0, run.output);
    assert.match(run.output, /VERDICT: PASS/);
  });
});

describe('the suite on each known-bad sandbox variant', () => {
  for (const variant of VARIANT_NAMES.filter((name): name is BadVariant => name !== 'correct')) {
    test(`catches ${variant}`, async () => {
      const run = await runAgainst(variant);
      assert.notEqual(run.exitCode, 0, `the suite passed on ${variant}:\n${run.output}`);
      assert.match(run.output, /VERDICT: FAIL/);

      const failed = run.outcomes.filter((outcome) => !outcome.ok);
      for (const expected of MUST_CATCH[variant]) {
        assert.ok(
          failed.some((outcome) => expected.test(outcome.title)),
          `no failing check matches ${expected} on ${variant}; failed: ${failed.map((outcome) => outcome.title).join('; ') || 'none'}`,
        );
      }
      const contract = failed.find((outcome) => CONTRACT_CHECK.test(outcome.title));
      for (const interaction of CONTRACT_MUST_BREAK[variant] ?? []) {
        assert.ok(
          contract?.errors.some((message) => message.includes(interaction)),
          `contract verification on ${variant} did not name the broken interaction "${interaction}"`,
        );
      }
      for (const outcome of failed) {
        const unrelated = outcome.errors.filter((message) => !message.includes(ISOLATION_FAILURE));
        assert.deepEqual(unrelated, [], `"${outcome.title}" failed on ${variant} for a reason that is not an isolation finding`);
      }

      const sources = artifactTexts(run.artifactsDir);
      sources.set('output', run.output);
      assert.ok(
        [...sources].some(([where, text]) => where.includes('playwright-report/index.html!') && text.includes(ISOLATION_FAILURE)),
        'the scan did not open the HTML report, so it could not have seen PHI there',
      );
      const phi = findPhi(sources, dataset);
      assert.deepEqual(phi, [], `PHI found in what the ${variant} run produced`);
    });
  }
});
