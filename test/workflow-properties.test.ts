/**
 * The workflows read as data (YAML), and held to what they promise, so that none of it can
 * regress without a failing test: what each job needs, when it alerts, which GitHub
 * environment holds which secret, that only pull requests cancel their runs, that no job
 * starts after a cancel, that actions stay on majors that run on a supported Node.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';

const ROOT = join(import.meta.dirname, '..');

interface Step {
  readonly id?: string;
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly if?: string;
  readonly with?: Record<string, string>;
  readonly env?: Record<string, string>;
  readonly 'timeout-minutes'?: number;
}

interface Job {
  readonly needs?: string | readonly string[];
  readonly if?: string;
  readonly environment?: string;
  readonly env?: Record<string, string>;
  readonly outputs?: Record<string, string>;
  readonly steps?: readonly Step[];
  readonly strategy?: { readonly matrix?: Record<string, unknown> };
  readonly 'timeout-minutes'?: number;
}

interface Workflow {
  readonly on: Record<string, unknown>;
  readonly concurrency?: { readonly group: string; readonly 'cancel-in-progress': boolean | string };
  readonly jobs: Record<string, Job>;
}

const workflowNames = readdirSync(join(ROOT, '.github/workflows'))
  .filter((file) => file.endsWith('.yml'))
  .map((file) => file.replace(/\.yml$/, ''));
const workflows = new Map(workflowNames.map((name) => [name, parse(readFileSync(join(ROOT, `.github/workflows/${name}.yml`), 'utf8')) as Workflow]));
const actionNames = readdirSync(join(ROOT, '.github/actions'));
const actions = new Map(
  actionNames.map((name) => [name, parse(readFileSync(join(ROOT, `.github/actions/${name}/action.yml`), 'utf8')) as { runs: { steps: Step[] } }]),
);

function workflow(name: string): Workflow {
  const found = workflows.get(name);
  assert.ok(found, `no ${name} workflow`);
  return found;
}

function job(workflowName: string, jobName: string): Job {
  const found = workflow(workflowName).jobs[jobName];
  assert.ok(found, `${workflowName} has no job ${jobName}`);
  return found;
}

function needsOf(entry: Job): string[] {
  return entry.needs === undefined ? [] : typeof entry.needs === 'string' ? [entry.needs] : [...entry.needs];
}

const allJobs = (): [string, string, Job][] =>
  [...workflows].flatMap(([workflowName, parsed]) => Object.entries(parsed.jobs).map(([jobName, entry]): [string, string, Job] => [workflowName, jobName, entry]));

/** A job's steps with each local composite action's steps inlined, so that order holds across them. */
function flatSteps(entry: Job): Step[] {
  return (entry.steps ?? []).flatMap((step) => {
    const local = step.uses?.match(/^\.\/\.github\/actions\/([\w-]+)$/)?.[1];
    const action = local ? actions.get(local) : undefined;
    return action ? [step, ...action.runs.steps] : [step];
  });
}

const runsSuite = (step: Step) => /\bnpm start\b|\bnpm run (--silent )?repro\b/.test(step.run ?? '');
const secretsIn = (text: string) => [...text.matchAll(/secrets\.([A-Z0-9_]+)/g)].map((match) => match[1] ?? '');

/** Every variable a profile reads that is not committed in `.env.<name>`: each must be a secret. */
function profileSecrets(environment: string): string[] {
  const profile = readFileSync(join(ROOT, `environments/${environment}.json`), 'utf8');
  const committedFile = join(ROOT, `.env.${environment}`);
  const committed = existsSync(committedFile) ? [...readFileSync(committedFile, 'utf8').matchAll(/^([A-Z0-9_]+)=/gm)].map((match) => match[1]) : [];
  return [...new Set([...profile.matchAll(/\$\{([A-Z0-9_]+)\}/g)].map((match) => match[1] ?? ''))].filter((name) => !committed.includes(name)).sort();
}

describe('every workflow', () => {
  test('starts no job or step after a cancel: no always()', () => {
    for (const file of [...workflowNames.map((name) => `.github/workflows/${name}.yml`), ...actionNames.map((name) => `.github/actions/${name}/action.yml`)]) {
      assert.doesNotMatch(readFileSync(join(ROOT, file), 'utf8'), /always\(\)/, `${file} uses always()`);
    }
  });

  test('cancels runs in progress for pull requests only', () => {
    for (const [name, parsed] of workflows) {
      const cancel = parsed.concurrency?.['cancel-in-progress'];
      assert.ok(cancel === undefined || cancel === false || cancel === "${{ github.event_name == 'pull_request' }}", `${name} cancels in progress beyond pull requests`);
    }
    const pullRequest = workflow('pull-request').concurrency;
    assert.equal(pullRequest?.['cancel-in-progress'], "${{ github.event_name == 'pull_request' }}");
    assert.match(pullRequest?.group ?? '', /github\.sha/, 'a run on main has a group of its own commit, so the next push cannot cancel it');
  });

  test('bounds every job in time', () => {
    for (const [workflowName, jobName, entry] of allJobs()) assert.ok(entry['timeout-minutes'], `${workflowName}/${jobName} has no timeout-minutes`);
  });

  test('pins every action on a major that runs on a supported Node, one commit per action', () => {
    // The first majors whose runtime is Node 24; the ones before run on the retired Node 20.
    const firstNode24Major: Record<string, number> = {
      'actions/checkout': 5,
      'actions/setup-node': 5,
      'actions/upload-artifact': 6,
      'actions/download-artifact': 7,
    };
    const pins = new Map<string, Set<string>>();
    const files = [...workflowNames.map((name) => `.github/workflows/${name}.yml`), ...actionNames.map((name) => `.github/actions/${name}/action.yml`)];
    for (const file of files) {
      for (const match of readFileSync(join(ROOT, file), 'utf8').matchAll(/uses:\s*([\w-]+\/[\w-]+)@([0-9a-f]{40}) # v(\d+)\.\d+\.\d+/g)) {
        const [, action = '', sha = '', major = ''] = match;
        assert.ok(action in firstNode24Major, `${file}: ${action} is not an action this test knows; add its first Node 24 major`);
        assert.ok(Number(major) >= (firstNode24Major[action] ?? Infinity), `${file}: ${action} v${major} runs on the retired Node 20`);
        pins.set(action, (pins.get(action) ?? new Set()).add(sha));
      }
      for (const line of readFileSync(join(ROOT, file), 'utf8').split('\n').filter((text) => /^\s*-?\s*uses:\s*[\w-]+\//.test(text))) {
        assert.match(line, /@[0-9a-f]{40} # v\d+\.\d+\.\d+$/, `${file}: "${line.trim()}" is not pinned by commit with its exact version`);
      }
    }
    for (const [action, shas] of pins) assert.equal(shas.size, 1, `${action} is pinned to ${shas.size} different commits`);
  });

  test('are kept current by Dependabot, workflows and composite actions alike', () => {
    const dependabot = parse(readFileSync(join(ROOT, '.github/dependabot.yml'), 'utf8')) as { updates: { 'package-ecosystem': string; directories?: string[] }[] };
    const actionsUpdates = dependabot.updates.find((update) => update['package-ecosystem'] === 'github-actions');
    assert.ok(actionsUpdates, 'Dependabot does not update the actions');
    assert.deepEqual(actionsUpdates.directories, ['/', '/.github/actions/*']);
  });
});

describe('credentials', () => {
  const environmentOf: Record<string, string> = { ALPHA_: 'alpha', OMEGA_: 'omega', PACT_BROKER_: 'pact-broker' };

  test('each environment\'s secrets are read only in jobs that run in that GitHub environment', () => {
    for (const [workflowName, jobName, entry] of allJobs()) {
      for (const secret of secretsIn(JSON.stringify(entry))) {
        const prefix = Object.keys(environmentOf).find((candidate) => secret.startsWith(candidate));
        if (!prefix || secret.endsWith('_HEARTBEAT_URL')) continue;
        assert.equal(entry.environment, environmentOf[prefix], `${workflowName}/${jobName} reads ${secret} outside the ${environmentOf[prefix]} environment`);
      }
    }
  });

  test('are one secret per value, never a whole .env file', () => {
    for (const [workflowName, jobName, entry] of allJobs()) {
      assert.ok(!secretsIn(JSON.stringify(entry)).some((secret) => /ENV_FILE/.test(secret)), `${workflowName}/${jobName} still reads an env-file secret`);
    }
  });

  test('every job in alpha or omega passes each variable its profile needs, as the secret of the same name', () => {
    const environmentJobs = allJobs().filter(([, , entry]) => entry.environment === 'alpha' || entry.environment === 'omega');
    assert.ok(environmentJobs.length >= 5, 'the monitors, the release and the dispatch run in alpha or omega');
    for (const [workflowName, jobName, entry] of environmentJobs) {
      for (const name of profileSecrets(entry.environment ?? '')) {
        assert.equal(entry.env?.[name], `\${{ secrets.${name} }}`, `${workflowName}/${jobName} does not pass ${name}`);
      }
    }
  });

  test('a production run is guarded before any request, by the guard of the trusted ref', () => {
    const guard = actions.get('read-only-guard')?.runs.steps ?? [];
    assert.equal(guard[0]?.with?.ref, 'main', 'the guard is checked out from main, the branch the omega environment admits');
    assert.match(guard[1]?.run ?? '', /^node \.trusted\/\.github\/scripts\/read-only-guard\.ts /);
    for (const [workflowName, jobName, entry] of allJobs().filter(([, , candidate]) => candidate.environment === 'omega')) {
      const steps = flatSteps(entry);
      const guardAt = steps.findIndex((step) => step.uses === './.github/actions/read-only-guard');
      const suiteAt = steps.findIndex(runsSuite);
      assert.ok(guardAt >= 0 && suiteAt > guardAt, `${workflowName}/${jobName} runs against omega without the read-only guard first`);
    }
  });
});

describe('the pull-request workflow', () => {
  test('ends in one gate job that needs every part and fails unless each succeeded', () => {
    const gate = job('pull-request', 'gate');
    assert.deepEqual(needsOf(gate).sort(), ['contracts', 'own-tests', 'report', 'sandbox-suite', 'static']);
    assert.equal(gate.if, '${{ !cancelled() }}');
    assert.match(gate.steps?.[0]?.env?.RESULTS ?? '', /toJSON\(needs\)/);
    assert.match(gate.steps?.[0]?.run ?? '', /select\(\.value\.result != "success"\)/);
  });

  test('runs each check once: shards leave the contracts to their own job', () => {
    const shardRun = job('pull-request', 'sandbox-suite').steps?.find(runsSuite)?.run ?? '';
    assert.match(shardRun, /--shard=\$\{\{ matrix\.shard \}\}\/\$\{\{ strategy\.job-total \}\}/);
    assert.match(shardRun, /--grep-invert @contract/);
    assert.match(job('pull-request', 'contracts').steps?.find(runsSuite)?.run ?? '', /--grep @contract/);
  });

  test('publishes the pact from main only, after the gate, in the broker\'s environment, with the commit and branch', () => {
    const publish = job('pull-request', 'publish-pact');
    assert.deepEqual(needsOf(publish), ['gate']);
    assert.match(publish.if ?? '', /github\.ref == 'refs\/heads\/main'/);
    assert.equal(publish.environment, 'pact-broker');
    assert.equal(publish.env?.PACT_GATE_MODE, 'release');
    const step = publish.steps?.find((candidate) => candidate.run === 'npm run pact:publish');
    assert.deepEqual(step?.env, {
      PACT_APP_VERSION: '${{ github.sha }}',
      PACT_BRANCH: '${{ github.ref_name }}',
      PACT_BUILD_URL: '${{ github.server_url }}/${{ github.repository }}/actions/runs/${{ github.run_id }}',
    });
    assert.deepEqual(needsOf(job('pull-request', 'promote-contract')), ['publish-pact']);
  });
});

describe('the release workflow', () => {
  test('is started with the API version and target environment, not by this repository\'s tags', () => {
    const release = workflow('release');
    assert.deepEqual(Object.keys(release.on).sort(), ['repository_dispatch', 'workflow_dispatch']);
    assert.deepEqual((release.on.repository_dispatch as { types: string[] }).types, ['release-gate']);
    const inputs = (release.on.workflow_dispatch as { inputs: Record<string, { required?: boolean; options?: string[] }> }).inputs;
    assert.equal(inputs.api_version?.required, true);
    assert.deepEqual(inputs.environment?.options, ['alpha', 'omega']);
  });

  test('asks can-i-deploy for that API version against that environment, in release mode', () => {
    const canIDeploy = job('release', 'can-i-deploy');
    assert.deepEqual(needsOf(canIDeploy), ['trigger']);
    assert.equal(canIDeploy.environment, 'pact-broker');
    const step = canIDeploy.steps?.find((candidate) => candidate.run === 'npm run pact:can-i-deploy');
    assert.equal(step?.env?.PACT_GATE_MODE, 'release');
    assert.equal(step?.env?.PACT_PACTICIPANT, 'clinical-dashboard-api');
    assert.equal(step?.env?.PACT_PACTICIPANT_VERSION, '${{ needs.trigger.outputs.api-version }}');
    assert.equal(step?.env?.PACT_ENVIRONMENT, '${{ needs.trigger.outputs.environment }}');
  });

  test('runs the project\'s own tests and the suite on alpha, and gates on every part', () => {
    assert.ok(job('release', 'own-tests').steps?.some((step) => step.run === 'bash .ci/run'));
    assert.deepEqual(needsOf(job('release', 'alpha')).sort(), ['own-tests', 'trigger']);
    assert.equal(job('release', 'alpha').environment, 'alpha');
    const gate = job('release', 'gate');
    assert.deepEqual(needsOf(gate).sort(), ['alpha', 'can-i-deploy', 'own-tests', 'trigger']);
    assert.equal(gate.if, '${{ !cancelled() }}');
  });

  test('records deployments when the dashboard says they happened, and promotes the page only through can-i-deploy', () => {
    const record = workflow('record-deployment');
    assert.deepEqual((record.on.repository_dispatch as { types: string[] }).types, ['api-deployed', 'contract-verified']);
    const recordApi = job('record-deployment', 'record-api');
    assert.equal(recordApi.environment, 'pact-broker');
    assert.ok(recordApi.steps?.some((step) => step.run === 'npm run pact:record-deployment' && step.env?.PACT_GATE_MODE === 'release'));
    const promote = actions.get('promote-contract')?.runs.steps[0]?.run ?? '';
    assert.match(promote, /pact:can-i-deploy[\s\S]*0\) npm run --silent pact:record-deployment/);
  });
});

describe('the monitors', () => {
  for (const [workflowName, jobName, environment] of [
    ['omega-hourly', 'omega', 'omega'],
    ['nightly-alpha', 'alpha', 'alpha'],
  ] as const) {
    test(`${workflowName} runs on a schedule, one run at a time, in the ${environment} environment`, () => {
      const parsed = workflow(workflowName);
      assert.ok(Array.isArray(parsed.on.schedule));
      assert.equal(parsed.concurrency?.['cancel-in-progress'], false);
      assert.equal(job(workflowName, jobName).environment, environment);
    });

    test(`${workflowName} alerts on failure, timeout and cancellation, and pings its heartbeat on success`, () => {
      const monitor = job(workflowName, jobName);
      const steps = monitor.steps ?? [];
      const suite = steps.find(runsSuite);
      assert.ok(suite?.['timeout-minutes'] && suite['timeout-minutes'] < (monitor['timeout-minutes'] ?? 0), 'the suite times out inside the job, so the job still alerts');
      assert.match(suite.run ?? '', /echo "exit-code=\$code" >> "\$GITHUB_OUTPUT"/);
      const alert = steps.find((step) => step.uses === './.github/actions/alert');
      assert.equal(alert?.if, '${{ failure() || cancelled() }}');
      assert.equal(alert?.with?.['webhook-url'], '${{ secrets.ISOLATION_ALERT_WEBHOOK_URL }}');
      assert.equal(alert?.with?.['suite-exit-code'], `\${{ steps.${suite.id}.outputs.exit-code }}`);
      const heartbeat = steps.find((step) => /monitor\.ts heartbeat/.test(step.run ?? ''));
      assert.equal(heartbeat?.if, '${{ success() }}');
      assert.equal(heartbeat?.env?.HEARTBEAT_URL, `\${{ secrets.${environment.toUpperCase()}_HEARTBEAT_URL }}`);
      assert.equal(monitor.outputs?.alerted, `\${{ steps.${alert?.id}.outputs.alerted }}`);
      const backstop = job(workflowName, 'alert-backstop');
      assert.deepEqual(needsOf(backstop), [jobName]);
      assert.equal(backstop.if, `\${{ (failure() || cancelled()) && needs.${jobName}.outputs.alerted != 'true' }}`);
      assert.equal(backstop.steps?.at(-1)?.with?.['job-status'], `\${{ needs.${jobName}.result }}`);
    });
  }

  test('the alert action sends counts, tenants and the run URL from the PHI-free verdict file only', () => {
    const send = actions.get('alert')?.runs.steps[0];
    assert.equal(send?.env?.VERDICT_FILE, 'test-results/verdict.json');
    assert.match(send?.run ?? '', /monitor\.ts" alert$/);
  });
});

describe('the manual dispatch', () => {
  test('runs each environment in a job of its own and uploads what an incident repro printed', () => {
    assert.deepEqual(Object.keys(workflow('dispatch').jobs).sort(), ['alpha', 'omega', 'sandbox']);
    const run = actions.get('dispatch-run')?.runs.steps ?? [];
    assert.match(run.find((step) => /repro/.test(step.run ?? ''))?.run ?? '', /tee repro\/output\.txt/);
    assert.match(run.find((step) => step.uses === './.github/actions/results')?.with?.path ?? '', /repro\//);
  });
});
