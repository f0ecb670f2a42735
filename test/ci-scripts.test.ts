/**
 * The scripts the workflows run around a monitored run: the alert that tells a leak apart
 * from a broken monitor (with counts, tenant ids and the run's URL, never data), the
 * heartbeat, and the read-only guard that stands between a branch's code and production.
 * Webhooks are an MSW double started with `onUnhandledFrame: 'error'`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { classifyRun, runMonitor, type RunFacts, type VerdictFile } from '../.github/scripts/lib/monitor.ts';
import { listedChecks, readOnlyProblems, runReadOnlyGuard, type ListedCheck } from '../.github/scripts/lib/read-only-guard.ts';

const ROOT = join(import.meta.dirname, '..');
const HOOK = 'http://alerts.test/hook';
const HEARTBEAT = 'http://heartbeat.test/ping';
const RUN_URL = 'https://github.test/o/r/actions/runs/42';

const leak: VerdictFile = {
  verdict: 'finding',
  exitCode: 1,
  findings: [
    { persona: 'mhs-clinic', tenant: 'org-mhs', type: 'foreign-rows', surface: 'file', foreignRows: 12, tenants: ['org-decoy', 'org-health'] },
    { persona: 'mhs-clinic', tenant: 'org-mhs', type: 'foreign-rows', surface: 'api', foreignRows: 3, tenants: ['org-decoy'] },
  ],
};

const facts = (overrides: Partial<RunFacts>): RunFacts => ({
  environment: 'omega',
  jobStatus: 'failure',
  guardOutcome: 'success',
  suiteOutcome: 'failure',
  suiteExitCode: null,
  verdict: null,
  runUrl: RUN_URL,
  ...overrides,
});

describe('the monitor\'s alert', () => {
  test('reports an isolation finding as a leak, with counts, tenants and the run URL', () => {
    const report = classifyRun(facts({ suiteExitCode: 1, verdict: leak }));
    assert.equal(report.kind, 'finding');
    assert.equal(report.text, `TENANT ISOLATION FINDING on omega: 2 isolation finding(s), 15 foreign row(s), tenants org-decoy, org-health, org-mhs. ${RUN_URL}`);
  });

  test('never reports a leak as infrastructure trouble, even when the run was also broken', () => {
    const report = classifyRun(facts({ suiteExitCode: 3, verdict: leak }));
    assert.equal(report.kind, 'finding');
    assert.match(report.text, /the run was also broken \(exit 3\)/);
    assert.equal(classifyRun(facts({ suiteExitCode: 1, verdict: null })).kind, 'finding', 'exit 1 is a finding even without the verdict file');
  });

  test('reports every broken run as broken, not a leak, and says how it broke', () => {
    const cases: [Partial<RunFacts>, RegExp][] = [
      [{ guardOutcome: 'failure', suiteOutcome: 'skipped' }, /the read-only guard stopped the run before any request/],
      [{ suiteExitCode: 2 }, /configuration error \(exit 2\)/],
      [{ suiteExitCode: 3, verdict: { verdict: 'target-error', exitCode: 3, findings: [] } }, /target error \(exit 3\)/],
      [{ suiteExitCode: 4 }, /error of the suite itself \(exit 4\)/],
      [{ suiteOutcome: 'cancelled' }, /timed out or was cancelled before a verdict/],
      [{ jobStatus: 'cancelled', suiteOutcome: '' }, /timed out or was cancelled before a verdict/],
      [{ suiteOutcome: 'skipped' }, /setup failed before the suite ran/],
      [{ suiteOutcome: '' }, /setup failed before the suite ran/],
    ];
    for (const [overrides, reason] of cases) {
      const report = classifyRun(facts(overrides));
      assert.equal(report.kind, 'broken', JSON.stringify(overrides));
      assert.match(report.text, /^Isolation monitor BROKEN on omega \(not a leak, and no verdict on isolation this run\): /);
      assert.match(report.text, reason);
      assert.ok(report.text.endsWith(RUN_URL));
    }
  });
});

describe('the monitor\'s messages on the wire', () => {
  const received: { url: string; body: string }[] = [];
  const server = setupServer(
    http.post(HOOK, async ({ request }) => {
      received.push({ url: request.url, body: await request.text() });
      return HttpResponse.json({ ok: true });
    }),
    http.post(HEARTBEAT, async ({ request }) => {
      received.push({ url: request.url, body: await request.text() });
      return new HttpResponse('OK');
    }),
  );
  let scratch: string;
  before(() => server.listen({ onUnhandledFrame: 'error' }));
  beforeEach(() => {
    received.length = 0;
    scratch = mkdtempSync(join(tmpdir(), 'monitor-'));
  });
  afterEach(() => {
    server.resetHandlers();
    rmSync(scratch, { recursive: true, force: true });
  });
  after(() => server.close());

  const quiet = { log: () => undefined };

  test('posts a finding with the structured counts, and records that the alert went out', async () => {
    const verdictFile = join(scratch, 'verdict.json');
    const outputFile = join(scratch, 'output');
    writeFileSync(verdictFile, JSON.stringify({ ...leak, summary: 'one PHI-free line' }));
    writeFileSync(outputFile, '');
    const code = await runMonitor('alert', {
      ALERT_WEBHOOK_URL: HOOK,
      MONITOR_ENVIRONMENT: 'omega',
      JOB_STATUS: 'failure',
      SUITE_OUTCOME: 'failure',
      SUITE_EXIT_CODE: '1',
      VERDICT_FILE: verdictFile,
      RUN_URL,
      GITHUB_OUTPUT: outputFile,
    }, quiet);
    assert.equal(code, 0);
    const payload = JSON.parse(received[0]?.body ?? '{}') as Record<string, unknown>;
    assert.deepEqual(Object.keys(payload).sort(), ['environment', 'findings', 'foreignRows', 'kind', 'runUrl', 'tenants', 'text']);
    assert.deepEqual({ ...payload, text: undefined }, {
      text: undefined,
      environment: 'omega',
      kind: 'finding',
      findings: 2,
      foreignRows: 15,
      tenants: ['org-decoy', 'org-health', 'org-mhs'],
      runUrl: RUN_URL,
    });
    assert.ok(!received[0]?.body.includes('one PHI-free line'), 'nothing of the run but counts, tenants and its URL');
    assert.equal(readFileSync(outputFile, 'utf8'), 'alerted=true\n');
  });

  test('a backstop alert for a job that was killed says so, with no verdict file', async () => {
    const code = await runMonitor('alert', { ALERT_WEBHOOK_URL: HOOK, MONITOR_ENVIRONMENT: 'alpha', JOB_STATUS: 'cancelled', RUN_URL }, quiet);
    assert.equal(code, 0);
    assert.match(received[0]?.body ?? '', /BROKEN on alpha .*timed out or was cancelled/);
  });

  test('without a webhook the alert step fails, so the silence is itself an error on the run', async () => {
    const lines: string[] = [];
    const code = await runMonitor('alert', { MONITOR_ENVIRONMENT: 'omega', JOB_STATUS: 'failure', SUITE_EXIT_CODE: '3', RUN_URL }, { log: (line) => lines.push(line) });
    assert.equal(code, 1);
    assert.match(lines.join('\n'), /::error::No alert webhook is set/);
  });

  test('a webhook that refuses the alert fails the step', async () => {
    server.use(http.post(HOOK, () => new HttpResponse(null, { status: 500 })));
    const code = await runMonitor('alert', { ALERT_WEBHOOK_URL: HOOK, JOB_STATUS: 'failure', SUITE_EXIT_CODE: '2', RUN_URL }, quiet);
    assert.equal(code, 1);
  });

  test('the heartbeat pings its URL after a pass, and only warns when none is set', async () => {
    assert.equal(await runMonitor('heartbeat', { HEARTBEAT_URL: HEARTBEAT }, quiet), 0);
    assert.equal(received[0]?.url, HEARTBEAT);
    const lines: string[] = [];
    assert.equal(await runMonitor('heartbeat', {}, { log: (line) => lines.push(line) }), 0);
    assert.match(lines.join('\n'), /::warning::No heartbeat URL/);
  });
});

describe('the read-only guard', () => {
  const readOnlyCheck: ListedCheck = { file: 'e2e/export-download.spec.ts', title: 'gets only its own rows', tags: ['@isolation', '@readonly'] };

  test('passes a production profile whose every check is @readonly', () => {
    assert.deepEqual(readOnlyProblems('omega', { production: true }, [readOnlyCheck]), []);
  });

  test('refuses a branch that switched the rule off, in the profile or in what would run', () => {
    assert.match(readOnlyProblems('omega', { production: false }, [readOnlyCheck]).join('\n'), /does not say "production": true/);
    assert.match(readOnlyProblems('omega', null, [readOnlyCheck]).join('\n'), /missing or not JSON/);
    const writing = { file: 'e2e/seed.spec.ts', title: 'seeds a tenant', tags: ['@isolation'] };
    assert.match(readOnlyProblems('omega', { production: true }, [readOnlyCheck, writing]).join('\n'), /"seeds a tenant" would run without the @readonly tag/);
    const contract = { file: 'contracts/export-api.provider.spec.ts', title: 'verifies', tags: ['@contract', '@readonly'] };
    assert.match(readOnlyProblems('omega', { production: true }, [contract]).join('\n'), /contract check, which seeds data/);
    assert.match(readOnlyProblems('omega', { production: true }, []).join('\n'), /no check to run/);
  });

  test('reads Playwright\'s JSON listing, nested suites and bare tags alike', () => {
    const report = { suites: [{ specs: [{ file: 'a.spec.ts', title: 'a', tags: ['readonly'] }], suites: [{ specs: [{ file: 'a.spec.ts', title: 'b', tags: ['@isolation'] }] }] }] };
    assert.deepEqual(listedChecks(report), [
      { file: 'a.spec.ts', title: 'a', tags: ['@readonly'] },
      { file: 'a.spec.ts', title: 'b', tags: ['@isolation'] },
    ]);
  });

  test('passes this repository\'s omega profile, listing its checks without a request', () => {
    // Placeholder values: listing loads the profile and the specs, and sends nothing.
    const profile = readFileSync(join(ROOT, 'environments/omega.json'), 'utf8');
    const variables = Object.fromEntries([...profile.matchAll(/\$\{([A-Z0-9_]+)\}/g)].map((match) => [match[1] ?? '', `placeholder-${match[1]}`]));
    const lines: string[] = [];
    const code = runReadOnlyGuard(['omega', ROOT], { PATH: process.env.PATH, ...variables, OMEGA_CANARIES: 'org-a:patient-1', TARGET_URL: 'http://127.0.0.1:9' }, {
      log: (line) => lines.push(line),
    });
    assert.equal(code, 0, lines.join('\n'));
  });

  test('refuses an environment whose checks cannot even be listed', () => {
    const lines: string[] = [];
    const code = runReadOnlyGuard(['omega', join(ROOT, 'no-such-checkout')], { PATH: process.env.PATH }, { log: (line) => lines.push(line) });
    assert.equal(code, 2);
    assert.match(lines.join('\n'), /ReadOnlyGuardError/);
  });
});
