/**
 * The proof of detection: a test that cannot fail is a defect. The whole suite runs once,
 * against every sandbox variant side by side (one Playwright project each, so the start-up
 * is paid once), and must pass on the correct one and fail on each known-bad one, in the
 * checks meant to catch that bug, with isolation findings only. The variants whose target
 * fails (a 500, a hang) must fail as target errors, and must not count as caught. Every
 * variant runs every check the correct one runs. Then everything the run wrote is searched
 * for PHI.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from '@playwright/test';
import { PACT_FILE } from '../contracts/provider-states.ts';
import { verifyProvider } from '../contracts/provider-verification.ts';
import { VECTORS } from '../lib/authorization/vectors.ts';
import { startSandbox } from '../sandbox/server.ts';
import { chromiumExecutable, QUIET_CHROMIUM_ARGS } from '../lib/browser.ts';
import { after, before, describe, test } from 'node:test';
import { CHECKS, type CheckId } from '../lib/checks.ts';
import { VERDICT_FILE, type VerdictRecord } from '../lib/report/run-verdict.ts';
import { generateDataset } from '../fixtures/dataset.ts';
import { datasetOptionsFromEnv } from '../fixtures/options.ts';
import { VARIANT_NAMES, type VariantName } from '../sandbox/variants.ts';
import { caught, runSuite, type SuiteRun, type TestOutcome } from '../lib/suite-run.ts';
import { PROOF_ENV } from './support/proof.ts';
import { artifactTexts, findPhi } from './support/phi-scan.ts';

/** Bugs whose target still answers, and so must be caught by an isolation finding. */
type ScopingVariant = Exclude<VariantName, 'correct' | TargetFailureVariant>;
/** Bugs that break the target itself: the suite must fail, naming the target, and catch nothing. */
type TargetFailureVariant = 'export-server-error' | 'export-hangs';
const TARGET_FAILURES: readonly TargetFailureVariant[] = ['export-server-error', 'export-hangs'];

/**
 * A check that must catch a bug: by its id, and where it acts as a persona, for every
 * persona of that tenant type (`luna_admin` for the Luna admin).
 */
interface MustCatch {
  readonly check: CheckId;
  readonly type?: string;
}

const MUST_CATCH: Readonly<Record<ScopingVariant, readonly MustCatch[]>> = {
  'incident-2025-06-09': [
    { check: 'incident.2025-06-09.file', type: 'clinic' },
    { check: 'incident.2025-06-09.api', type: 'clinic' },
    { check: 'file.download', type: 'clinic' },
  ],
  'frontend-only-fix': [
    { check: 'incident.2025-06-09.api', type: 'clinic' },
    { check: 'api.list', type: 'clinic' },
    { check: 'surfaces.agree', type: 'clinic' },
    { check: 'api.export', type: 'health_system' },
    { check: 'api.export', type: 'urgent_care' },
    { check: 'api.own-organization', type: 'clinic' },
    { check: 'admin.export-each-tenant', type: 'luna_admin' },
  ],
  'trusted-org-param': [
    { check: 'api.other-organization', type: 'clinic' },
    { check: 'api.other-organization', type: 'health_system' },
    { check: 'api.other-organization', type: 'urgent_care' },
  ],
  'export-without-session': [{ check: 'api.anonymous' }],
  'health-system-unscoped': [
    { check: 'file.download', type: 'health_system' },
    { check: 'api.export', type: 'health_system' },
  ],
  'export-ignores-filters': [
    { check: 'file.download-filtered', type: 'clinic' },
    { check: 'api.export-filtered', type: 'health_system' },
  ],
  'export-drops-rows': [
    { check: 'file.download', type: 'clinic' },
    { check: 'surfaces.agree', type: 'luna_admin' },
    { check: 'admin.export-each-tenant', type: 'luna_admin' },
  ],
  'cross-tenant-cache': [{ check: 'pair.back-to-back' }],
  'late-leak': [
    { check: 'incident.2025-06-09.file', type: 'clinic' },
    { check: 'surfaces.agree', type: 'clinic' },
  ],
  'extra-columns': [
    { check: 'file.download', type: 'clinic' },
    { check: 'admin.export-all', type: 'luna_admin' },
  ],
  'formula-unescaped': [
    { check: 'file.download', type: 'clinic' },
    { check: 'api.export', type: 'clinic' },
  ],
  'tenant-header': [
    { check: 'vectors.list', type: 'clinic' },
    { check: 'vectors.export', type: 'health_system' },
    { check: 'vectors.export', type: 'urgent_care' },
  ],
  'lenient-tenant-param': [
    { check: 'vectors.list', type: 'clinic' },
    { check: 'vectors.export', type: 'clinic' },
    { check: 'vectors.export', type: 'urgent_care' },
  ],
  'duplicate-param': [
    { check: 'vectors.list', type: 'health_system' },
    { check: 'vectors.export', type: 'clinic' },
  ],
  'session-survives-sign-out': [
    { check: 'session.sign-out-api', type: 'clinic' },
    { check: 'session.sign-out-api', type: 'luna_admin' },
    { check: 'replay.page-requests', type: 'clinic' },
    { check: 'sign-in.page' },
  ],
  'recent-unscoped': [{ check: 'replay.page-requests', type: 'clinic' }],
  'loose-sessions': [
    { check: 'session.wrong-credentials', type: 'clinic' },
    { check: 'session.wrong-credentials', type: 'luna_admin' },
    { check: 'session.forged' },
    { check: 'session.two-cookies' },
    { check: 'session.sign-out-api', type: 'health_system' },
  ],
};

/** For each scoping bug, the contract interactions whose verification it must break; the failure names them. */
const CONTRACT_MUST_BREAK: Readonly<Partial<Record<ScopingVariant, readonly string[]>>> = {
  'incident-2025-06-09': ['a clinic user exports its patients treated'],
  'frontend-only-fix': ['a clinic user lists its patients treated', 'a health_system user exports its patients treated', 'a urgent_care user exports its patients treated'],
  'trusted-org-param': ["a clinic user asks for another organisation's export", "a health_system user asks for another organisation's list"],
  'export-without-session': ["an anonymous caller exports beside a clinic user's tenant"],
  'health-system-unscoped': ['a health_system user exports its patients treated'],
  'export-drops-rows': ['a clinic user exports its patients treated', 'the Luna admin exports its patients treated'],
  'extra-columns': ['a health_system user exports its patients treated'],
};

/** Checks shown to fail somewhere other than MUST_CATCH, and where. */
const PROVEN_ELSEWHERE: Readonly<Partial<Record<CheckId, string>>> = {
  'contract.verify': 'CONTRACT_MUST_BREAK, above',
  'coverage.tenants': 'test/coverage.test.ts, on profiles that leave a tenant out or untyped',
  'coverage.types': 'test/coverage.test.ts, on a profile with a type no persona has',
  // It judges the contract this suite writes, against pact's mock of the API: no target takes
  // part, so no variant can reach it. It guards the contract's own rows against our edits.
  'contract.consumer': 'no target takes part: the rows it pins are judged by the oracle, whose own tests (test/oracle.test.ts) fail on foreign rows',
};

const dataset = generateDataset(datasetOptionsFromEnv(PROOF_ENV));
const DETECTION_VARIANTS = VARIANT_NAMES.filter((name) => !TARGET_FAILURES.includes(name as TargetFailureVariant));
let run: SuiteRun;
let failing: SuiteRun;
before(async () => {
  // Side by side: the second run mostly waits on targets that do not answer, so it costs
  // little beside the first. It judges the checks that read the export, which is what fails.
  [run, failing] = await Promise.all([
    runSuite({ ...PROOF_ENV, SANDBOX_VARIANTS: DETECTION_VARIANTS.join(','), TARGET_URL: '', CI: '' }),
    runSuite({ ...PROOF_ENV, SANDBOX_VARIANTS: TARGET_FAILURES.join(','), TARGET_URL: '', CI: '', TARGET_REQUEST_TIMEOUT_MS: '5000', PW_WORKERS: '2' }, [
      'e2e/api-access.spec.ts',
      'e2e/export-download.spec.ts',
    ]),
  ]);
});
after(() => {
  for (const done of [run, failing]) if (done) rmSync(done.artifactsDir, { recursive: true, force: true });
});

const outcomesOf = (variant: VariantName): TestOutcome[] => [...run.outcomes, ...failing.outcomes].filter((outcome) => outcome.target === variant);
const ran = (outcome: TestOutcome): string => `${outcome.check} as ${outcome.persona?.key ?? 'no persona'}`;

describe('the suite on the correct sandbox', () => {
  test('passes every check', () => {
    const outcomes = outcomesOf('correct');
    assert.ok(outcomes.length > 40, `only ${outcomes.length} checks ran on the correct sandbox:\n${run.output.slice(-3000)}`);
    const failed = outcomes.filter((outcome) => !outcome.ok).map((outcome) => `${outcome.title}: ${outcome.errors[0]?.split('\n')[0]}`);
    assert.deepEqual(failed, [], 'checks failed on the correct sandbox');
    assert.deepEqual(outcomes.filter((outcome) => outcome.skipped).map((outcome) => outcome.title), [], 'checks were skipped on the correct sandbox');
  });
});

describe('the suite on each known-bad sandbox variant', () => {
  for (const variant of DETECTION_VARIANTS.filter((name): name is ScopingVariant => name !== 'correct')) {
    test(`catches ${variant} in the checks meant to catch it, with isolation findings only`, () => {
      const outcomes = outcomesOf(variant);
      for (const expected of MUST_CATCH[variant]) {
        const meant = outcomes.filter((outcome) => outcome.check === expected.check && (expected.type === undefined || outcome.persona?.type === expected.type));
        assert.ok(meant.length > 0, `no check ${expected.check}${expected.type ? ` as a ${expected.type} persona` : ''} ran on ${variant}`);
        for (const outcome of meant) {
          assert.ok(caught(outcome), `${ran(outcome)} did not catch ${variant}: ${outcome.ok ? 'it passed' : `it failed as a ${outcome.kind} error: ${outcome.errors[0]?.split('\n')[0]}`}`);
        }
      }
      const contract = outcomes.find((outcome) => outcome.check === 'contract.verify');
      for (const interaction of CONTRACT_MUST_BREAK[variant] ?? []) {
        assert.ok(contract?.errors.some((message) => message.includes(interaction)), `contract verification on ${variant} did not name the broken interaction "${interaction}"`);
      }
      const notFindings = outcomes.filter((outcome) => !outcome.ok && !caught(outcome)).map((outcome) => `${ran(outcome)}: ${outcome.kind}`);
      assert.deepEqual(notFindings, [], `checks failed on ${variant} for a reason that is not an isolation finding`);
    });
  }
});

describe('the suite on a target that fails to answer', () => {
  for (const variant of TARGET_FAILURES) {
    test(`fails on ${variant} as target errors, and the proof does not count it as caught`, () => {
      const failed = outcomesOf(variant).filter((outcome) => !outcome.ok);
      assert.ok(failed.some((outcome) => outcome.check === 'file.download'), `the downloads did not fail on ${variant}`);
      assert.ok(failed.some((outcome) => outcome.check === 'api.export'), `the export API checks did not fail on ${variant}`);
      assert.deepEqual(failed.filter((outcome) => outcome.kind !== 'target').map((outcome) => `${ran(outcome)}: ${outcome.kind}`), [], `checks failed on ${variant} as something other than target errors`);
      assert.deepEqual(failed.filter(caught).map(ran), [], `the proof would count ${variant} as caught`);
    });
  }
});

describe('the proof itself', () => {
  test('shows every check able to fail: each is meant to catch some variant, or is shown to fail elsewhere', () => {
    const meant = new Set(Object.values(MUST_CATCH).flatMap((entries) => entries.map((entry) => entry.check)));
    const unproven = (Object.keys(CHECKS) as CheckId[]).filter((id) => !meant.has(id) && PROVEN_ELSEWHERE[id] === undefined);
    assert.deepEqual(unproven, [], 'checks that no variant is shown to fail: a check that cannot fail is a defect');
  });

  test('runs every check of the correct sandbox on every variant, none skipped', () => {
    const expected = outcomesOf('correct').map(ran).sort();
    for (const variant of DETECTION_VARIANTS) {
      const outcomes = outcomesOf(variant);
      assert.deepEqual(outcomes.map(ran).sort(), expected, `${variant} did not run the same checks as the correct sandbox`);
      assert.deepEqual(outcomes.filter((outcome) => outcome.skipped).map(ran), [], `checks were skipped on ${variant}`);
    }
  });

  test('says FINDING, and ends with one line per finding', () => {
    const record = JSON.parse(readFileSync(join(run.artifactsDir, 'test-results', VERDICT_FILE), 'utf8')) as VerdictRecord;
    assert.equal(record.verdict, 'finding');
    assert.equal(record.exitCode, 1);
    assert.match(run.output, /^VERDICT: FINDING, \d+ of \d+ checks/m);
    assert.match(run.output, /^FINDING {2}mhs-clinic · downloaded file · incident-2025-06-09 \[file\.download\]: foreign-canary \d+, foreign-rows \d+ \(/m);
  });

  test('shows every vector of the catalogue failing on some variant, named in the finding', () => {
    const messages = run.outcomes.filter((outcome) => caught(outcome) && outcome.check?.startsWith('vectors.')).flatMap((outcome) => outcome.errors);
    const never = VECTORS.filter((vector) => !messages.some((message) => message.includes(`with ${vector.id} naming`))).map((vector) => vector.id);
    assert.deepEqual(never, [], 'vectors that no variant shows can fail');
  });

  test('opens the HTML report on the verdict and the matrix, as a person sees it in a browser', async () => {
    const browser = await chromium.launch({ executablePath: chromiumExecutable(), args: QUIET_CHROMIUM_ARGS });
    try {
      const page = await browser.newPage();
      await page.goto(pathToFileURL(join(run.artifactsDir, 'playwright-report', 'index.html')).href);
      const matrix = page.locator('#isolation-matrix');
      await matrix.waitFor();
      assert.match((await matrix.locator('h1').textContent()) ?? '', /^VERDICT: FINDING/);
      const box = await matrix.boundingBox();
      assert.ok(box && box.y < 50, 'the matrix is not at the top of the report');
      // The incident's variant: MHS's downloaded file is a finding, coloured and named.
      const incident = matrix.locator('[data-target="incident-2025-06-09"] table');
      const headers = await incident.locator('thead th').allTextContents();
      const mhs = incident.locator('tbody tr').filter({ has: page.locator('th', { hasText: /^mhs-clinic$/ }) });
      const fileCell = mhs.locator('td').nth(headers.indexOf('downloaded file') - 1);
      assert.equal(await fileCell.getAttribute('data-status'), 'finding');
      assert.match((await fileCell.textContent()) ?? '', /FINDING.*foreign-rows \d+/);
      // The report's own page still renders beside it.
      await page.waitForFunction(() => (document.querySelector('#root')?.childElementCount ?? 0) > 0);
    } finally {
      await browser.close();
    }
  });

  test("keeps pact's transcript out of every output: it holds the bodies, as the PHI scan sees", async () => {
    const provider = await startSandbox({ variant: 'incident-2025-06-09', testMode: true });
    try {
      const { broken, transcript } = await verifyProvider(provider.url, join(run.artifactsDir, 'pacts', basename(PACT_FILE)));
      assert.ok(broken.length > 0, 'the verification did not fail on the incident');
      // Had the transcript been printed (redaction off), the scan would have found the bodies' patients.
      assert.notDeepEqual(findPhi(new Map([['transcript', transcript]]), dataset), [], 'the transcript holds no patient: the scan would prove nothing');
      assert.deepEqual(findPhi(new Map([['what the run reports', broken.map((entry) => entry.message).join('\n')]]), dataset), []);
    } finally {
      await provider.close();
    }
  });

  test('leaves no patient name or date of birth in anything the run wrote', () => {
    const sources = artifactTexts(run.artifactsDir);
    sources.set('output', run.output);
    assert.ok(
      [...sources].some(([where, text]) => where.includes('playwright-report/index.html!') && text.includes('Isolation finding')),
      'the scan did not open the HTML report, so it could not have seen PHI there',
    );
    assert.deepEqual(findPhi(sources, dataset), [], 'PHI found in what the run produced');
  });

  test('leaves none in what the failing targets\' run wrote either: errors are where a body could slip out', () => {
    const sources = artifactTexts(failing.artifactsDir);
    sources.set('output', failing.output);
    assert.deepEqual(findPhi(sources, dataset), [], 'PHI found in what the failing targets\' run produced');
  });
});
