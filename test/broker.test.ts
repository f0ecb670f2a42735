/**
 * The broker steps against a broker double (MSW, started with `onUnhandledFrame: 'error'`
 * so a request it does not answer fails the test instead of leaving the machine). The double
 * answers as the Pact Broker's documented resources do; each test holds the exact requests
 * made and the gate's verdict for one situation a release can meet.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { http, HttpResponse, type HttpHandler } from 'msw';
import { setupServer } from 'msw/node';
import type { CanIDeployAnswer, MatrixRow } from '../contracts/broker/client.ts';
import { gateMode, runBrokerCommand } from '../contracts/broker/commands.ts';

/** Reserved for tests (RFC 6761): nothing real answers there if MSW lets a request through. */
const BROKER = 'http://broker.test';
const PAGE = 'clinical-dashboard-page';
const API = 'clinical-dashboard-api';
const API_VERSION = '4f1c2e9';
const PAGE_VERSION = 'a1b2c3d';
const OMEGA_UUID = 'b7c0e6a2-omega';
/** Built, not written, so that the repository's secret scan sees no credential literal. */
const TOKEN = ['broker', 'token', 'never', 'printed'].join('-');
const ROOT = join(import.meta.dirname, '..');

interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly body: unknown;
  readonly authorization: string | null;
}

interface BrokerState {
  /** `pacticipant@version` the broker knows. */
  versions: Set<string>;
  environments: { uuid: string; name: string }[];
  canIDeploy: CanIDeployAnswer;
}

let seen: SeenRequest[] = [];
let broker: BrokerState;

async function remember(request: Request): Promise<void> {
  const url = new URL(request.url);
  const text = request.method === 'GET' ? '' : await request.text();
  seen.push({
    method: request.method,
    path: decodeURIComponent(url.pathname),
    query: Object.fromEntries(url.searchParams),
    body: text ? JSON.parse(text) : null,
    authorization: request.headers.get('authorization'),
  });
}

const brokerHandlers: HttpHandler[] = [
  http.post(`${BROKER}/contracts/publish`, async ({ request }) => {
    await remember(request);
    return HttpResponse.json({ logs: [{ level: 'info', message: 'Pact published' }, { level: 'debug', message: 'internal detail' }] });
  }),
  http.get(`${BROKER}/pacticipants/:name/versions/:number`, async ({ request, params }) => {
    await remember(request);
    const known = broker.versions.has(`${String(params.name)}@${String(params.number)}`);
    return known ? HttpResponse.json({ number: params.number }) : HttpResponse.json({ error: 'not found' }, { status: 404 });
  }),
  http.get(`${BROKER}/can-i-deploy`, async ({ request }) => {
    await remember(request);
    return HttpResponse.json(broker.canIDeploy);
  }),
  http.get(`${BROKER}/environments`, async ({ request }) => {
    await remember(request);
    const name = new URL(request.url).searchParams.get('name');
    return HttpResponse.json({ _embedded: { environments: broker.environments.filter((environment) => environment.name === name) } });
  }),
  http.post(`${BROKER}/pacticipants/:name/versions/:number/:kind/environment/:uuid`, async ({ request, params }) => {
    await remember(request);
    const known = broker.versions.has(`${String(params.name)}@${String(params.number)}`);
    return known ? HttpResponse.json({ uuid: 'recorded' }, { status: 201 }) : HttpResponse.json({ error: 'not found' }, { status: 404 });
  }),
];

const server = setupServer(...brokerHandlers);
before(() => server.listen({ onUnhandledFrame: 'error' }));
beforeEach(() => {
  seen = [];
  broker = {
    versions: new Set([`${API}@${API_VERSION}`, `${PAGE}@${PAGE_VERSION}`]),
    environments: [{ uuid: OMEGA_UUID, name: 'omega' }],
    canIDeploy: answer(true, [row(true)]),
  };
});
afterEach(() => server.resetHandlers());
after(() => server.close());

function row(success: boolean | null): MatrixRow {
  return {
    consumer: { name: PAGE, version: { number: PAGE_VERSION } },
    provider: { name: API, version: success === null ? null : { number: API_VERSION } },
    verificationResult: success === null ? null : { success },
  };
}

function answer(deployable: boolean | null, matrix: MatrixRow[], counts: { unknown?: number } = {}): CanIDeployAnswer {
  const success = matrix.filter((entry) => entry.verificationResult?.success === true).length;
  const failed = matrix.filter((entry) => entry.verificationResult?.success === false).length;
  return {
    summary: { deployable, reason: deployable ? 'All required verification results are published and successful' : 'There is no verified pact', success, failed, unknown: counts.unknown ?? 0 },
    matrix,
  };
}

/** A release run: CI on the release workflow, the broker configured, the API's version passed in. */
const releaseEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  PACT_GATE_MODE: 'release',
  PACT_BROKER_BASE_URL: BROKER,
  PACT_BROKER_TOKEN: TOKEN,
  ...extra,
});

async function run(argv: string[], env: NodeJS.ProcessEnv, pactDir?: string) {
  const lines: string[] = [];
  const code = await runBrokerCommand(argv, {
    env,
    pactDir,
    output: { log: (line) => lines.push(line), error: (line) => lines.push(line) },
    git: () => null,
  });
  const text = lines.join('\n');
  assert.ok(!text.includes(TOKEN), 'no output carries the broker token');
  return { code, text };
}

const canIDeployApi = (extra: NodeJS.ProcessEnv = {}) =>
  run(['can-i-deploy', '--pacticipant', API, '--version', API_VERSION, '--environment', 'omega'], releaseEnv(extra));

describe('pact:can-i-deploy, the release gate of the dashboard API', () => {
  test('asks for the API version the release passed in, against the target environment', async () => {
    const { code, text } = await canIDeployApi();
    assert.equal(code, 0, text);
    assert.deepEqual(
      seen.map((request) => [request.method, request.path, request.query]),
      [
        ['GET', `/pacticipants/${API}/versions/${API_VERSION}`, {}],
        ['GET', '/can-i-deploy', { pacticipant: API, version: API_VERSION, environment: 'omega' }],
      ],
    );
    assert.ok(seen.every((request) => request.authorization === `Bearer ${TOKEN}`), 'every request carries the token');
    assert.match(text, /Can deploy clinical-dashboard-api 4f1c2e9 to omega/);
    assert.match(text, /clinical-dashboard-page a1b2c3d × clinical-dashboard-api 4f1c2e9: verified/);
  });

  test('takes the version and environment from the environment as the workflows pass them', async () => {
    const { code, text } = await run(['can-i-deploy'], releaseEnv({ PACT_PACTICIPANT_VERSION: API_VERSION, PACT_ENVIRONMENT: 'omega' }));
    assert.equal(code, 0, text);
    assert.deepEqual(seen[1]?.query, { pacticipant: API, version: API_VERSION, environment: 'omega' });
  });

  test('fails with exit 1, naming the rows, when the page\'s contract failed verification', async () => {
    broker.canIDeploy = answer(false, [row(false)]);
    const { code, text } = await canIDeployApi();
    assert.equal(code, 1, text);
    assert.match(text, /ContractBrokenError: Cannot deploy clinical-dashboard-api 4f1c2e9 to omega/);
    assert.match(text, /verification FAILED/);
  });

  test('fails with exit 3 when the deployed page version was never verified by this API version', async () => {
    broker.canIDeploy = answer(null, [row(null)], { unknown: 1 });
    const { code, text } = await canIDeployApi();
    assert.equal(code, 3, text);
    assert.match(text, /NotVerifiedError/);
  });

  test('fails with exit 3 when the broker counts an unverified integration but shows no row for it', async () => {
    broker.canIDeploy = answer(false, [], { unknown: 1 });
    const { code, text } = await canIDeployApi();
    assert.equal(code, 3, text);
    assert.match(text, /NotVerifiedError/);
  });

  test('fails with exit 3, asking nothing more, for a version the broker does not know', async () => {
    const { code, text } = await run(['can-i-deploy', '--version', 'never-published', '--environment', 'omega'], releaseEnv());
    assert.equal(code, 3, text);
    assert.match(text, /UnknownVersionError: The broker knows no clinical-dashboard-api version never-published/);
    assert.deepEqual(seen.map((request) => request.path), [`/pacticipants/${API}/versions/never-published`]);
  });

  test('does not pass when nothing of the page is deployed in the environment, though the broker says yes', async () => {
    broker.canIDeploy = answer(true, []);
    const { code, text } = await canIDeployApi();
    assert.equal(code, 3, text);
    assert.match(text, /NothingDeployedError: .* no clinical-dashboard-page version recorded in omega/);
  });

  test('does not pass when the broker says yes for rows of other integrations only', async () => {
    broker.canIDeploy = answer(true, [{ ...row(true), consumer: { name: 'another-consumer', version: { number: '1' } } }]);
    const { code, text } = await canIDeployApi();
    assert.equal(code, 3, text);
    assert.match(text, /NothingDeployedError/);
  });

  test('gates the page\'s own promotion the same way, with this repository\'s commit as its version', async () => {
    const { code, text } = await run(['can-i-deploy', '--pacticipant', PAGE, '--environment', 'omega'], releaseEnv({ PACT_APP_VERSION: PAGE_VERSION }));
    assert.equal(code, 0, text);
    assert.deepEqual(seen[1]?.query, { pacticipant: PAGE, version: PAGE_VERSION, environment: 'omega' });
  });
});

describe('the gate unconfigured', () => {
  test('in release mode, without a broker, fails with exit 2 and a named error', async () => {
    const { code, text } = await run(['can-i-deploy', '--version', API_VERSION, '--environment', 'omega'], { PACT_GATE_MODE: 'release' });
    assert.equal(code, 2, text);
    assert.match(text, /BrokerNotConfiguredError: pact:can-i-deploy needs PACT_BROKER_BASE_URL in release mode/);
    assert.equal(seen.length, 0);
  });

  test('in release mode, without the API\'s version, fails with exit 2 and never falls back to this checkout\'s commit', async () => {
    const lines: string[] = [];
    const code = await runBrokerCommand(['can-i-deploy', '--environment', 'omega'], {
      env: releaseEnv(),
      output: { log: (line) => lines.push(line), error: (line) => lines.push(line) },
      git: () => 'this-checkouts-commit',
    });
    assert.equal(code, 2, lines.join('\n'));
    assert.match(lines.join('\n'), /BrokerNotConfiguredError: .*needs PACT_PACTICIPANT_VERSION/);
    assert.equal(seen.length, 0);
  });

  test('in release mode, without the environment, fails with exit 2', async () => {
    const { code, text } = await run(['can-i-deploy', '--version', API_VERSION], releaseEnv());
    assert.equal(code, 2, text);
    assert.match(text, /needs PACT_ENVIRONMENT/);
  });

  test('is release mode on CI outside pull requests, and local on a laptop or a pull request', () => {
    assert.equal(gateMode({ CI: 'true', GITHUB_EVENT_NAME: 'workflow_dispatch' }), 'release');
    assert.equal(gateMode({ CI: 'true', GITHUB_EVENT_NAME: 'push' }), 'release');
    assert.equal(gateMode({ CI: 'true', GITHUB_EVENT_NAME: 'pull_request' }), 'local');
    assert.equal(gateMode({}), 'local');
    assert.equal(gateMode({ CI: 'true', GITHUB_EVENT_NAME: 'pull_request', PACT_GATE_MODE: 'release' }), 'release');
  });

  test('locally, without a broker, says it skipped and exits 0', async () => {
    const { code, text } = await run(['can-i-deploy'], {});
    assert.equal(code, 0, text);
    assert.match(text, /skipped: PACT_BROKER_BASE_URL is not set/);
  });

  test('as the npm command a release job runs, exits 2 before any request', () => {
    const result = spawnSync(join(ROOT, 'node_modules/.bin/node'), [join(ROOT, 'contracts/broker.ts'), 'can-i-deploy'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', CI: 'true', GITHUB_EVENT_NAME: 'repository_dispatch' },
    });
    assert.equal(result.status, 2, result.stdout + result.stderr);
    assert.match(result.stderr, /BrokerNotConfiguredError/);
  });
});

describe('pact:publish', () => {
  let pactDir: string;
  const pact = { consumer: { name: PAGE }, provider: { name: API }, interactions: [], metadata: { pactSpecification: { version: '4.0' } } };
  beforeEach(() => {
    pactDir = mkdtempSync(join(tmpdir(), 'pacts-'));
    writeFileSync(join(pactDir, `${PAGE}-${API}.json`), JSON.stringify(pact));
  });
  afterEach(() => rmSync(pactDir, { recursive: true, force: true }));

  test('publishes the page\'s pact with this repository\'s version, branch and build URL', async () => {
    const { code, text } = await run(
      ['publish'],
      releaseEnv({ PACT_APP_VERSION: PAGE_VERSION, PACT_BRANCH: 'main', PACT_BUILD_URL: 'https://ci.test/runs/1' }),
      pactDir,
    );
    assert.equal(code, 0, text);
    assert.equal(seen.length, 1);
    const body = seen[0]?.body as { contracts: { content: string }[] } & Record<string, unknown>;
    assert.equal(seen[0]?.path, '/contracts/publish');
    assert.deepEqual({ ...body, contracts: undefined }, {
      pacticipantName: PAGE,
      pacticipantVersionNumber: PAGE_VERSION,
      branch: 'main',
      buildUrl: 'https://ci.test/runs/1',
      contracts: undefined,
    });
    const [contract] = body.contracts as unknown as Record<string, string>[];
    assert.deepEqual({ ...contract, content: undefined }, {
      consumerName: PAGE,
      providerName: API,
      specification: 'pact',
      contentType: 'application/json',
      content: undefined,
    });
    assert.deepEqual(JSON.parse(Buffer.from(contract?.content ?? '', 'base64').toString('utf8')), pact);
    assert.match(text, /Pact published/);
    assert.doesNotMatch(text, /internal detail/);
  });

  test('in release mode, on a detached checkout with no branch given, fails with exit 2', async () => {
    const { code, text } = await run(['publish'], releaseEnv({ PACT_APP_VERSION: PAGE_VERSION }), pactDir);
    assert.equal(code, 2, text);
    assert.match(text, /PACT_BRANCH/);
    assert.equal(seen.length, 0);
  });

  test('refuses a pact of another pair, and an empty pacts folder', async () => {
    writeFileSync(join(pactDir, 'other.json'), JSON.stringify({ consumer: { name: 'x' }, provider: { name: API } }));
    const other = await run(['publish'], releaseEnv({ PACT_APP_VERSION: PAGE_VERSION, PACT_BRANCH: 'main' }), pactDir);
    assert.equal(other.code, 2, other.text);
    const emptyDir = join(pactDir, 'empty');
    mkdirSync(emptyDir);
    const empty = await run(['publish'], releaseEnv({ PACT_APP_VERSION: PAGE_VERSION, PACT_BRANCH: 'main' }), emptyDir);
    assert.equal(empty.code, 2, empty.text);
    assert.match(empty.text, /No pact file/);
    assert.equal(seen.length, 0);
  });
});

describe('pact:record-deployment and pact:record-release', () => {
  test('record-deployment finds the environment by name and records the version there', async () => {
    const { code, text } = await run(['record-deployment', '--pacticipant', API, '--version', API_VERSION, '--environment', 'omega'], releaseEnv());
    assert.equal(code, 0, text);
    assert.deepEqual(
      seen.map((request) => [request.method, request.path, request.query]),
      [
        ['GET', '/environments', { name: 'omega' }],
        ['POST', `/pacticipants/${API}/versions/${API_VERSION}/deployed-versions/environment/${OMEGA_UUID}`, {}],
      ],
    );
  });

  test('record-release records a released version instead', async () => {
    const { code, text } = await run(['record-release', '--pacticipant', PAGE, '--version', PAGE_VERSION, '--environment', 'omega'], releaseEnv());
    assert.equal(code, 0, text);
    assert.equal(seen[1]?.path, `/pacticipants/${PAGE}/versions/${PAGE_VERSION}/released-versions/environment/${OMEGA_UUID}`);
  });

  test('an environment the broker lacks is exit 2, an unknown version exit 3', async () => {
    const environment = await run(['record-deployment', '--version', API_VERSION, '--environment', 'staging'], releaseEnv());
    assert.equal(environment.code, 2, environment.text);
    assert.match(environment.text, /UnknownEnvironmentError: The broker has no environment named "staging"/);
    const version = await run(['record-deployment', '--version', 'never-built', '--environment', 'omega'], releaseEnv());
    assert.equal(version.code, 3, version.text);
    assert.match(version.text, /UnknownVersionError/);
  });

  test('only the page and the API are pacticipants here', async () => {
    const { code, text } = await run(['record-deployment', '--pacticipant', 'clinical-dashboard', '--version', '1', '--environment', 'omega'], releaseEnv());
    assert.equal(code, 2, text);
    assert.equal(seen.length, 0);
  });
});

describe('a broker that misbehaves', () => {
  test('refused credentials are exit 2 and name the variables, not their values', async () => {
    server.use(http.get(`${BROKER}/pacticipants/:name/versions/:number`, () => new HttpResponse(null, { status: 401 })));
    const { code, text } = await canIDeployApi();
    assert.equal(code, 2, text);
    assert.match(text, /BrokerAuthError: .*PACT_BROKER_TOKEN/);
  });

  test('a 5xx is exit 3, a target error, never a pass', async () => {
    server.use(http.get(`${BROKER}/can-i-deploy`, () => HttpResponse.text('database is down', { status: 503 })));
    const { code, text } = await canIDeployApi();
    assert.equal(code, 3, text);
    assert.match(text, /BrokerUnreachableError: The broker failed GET \/can-i-deploy \(503\): database is down/);
  });

  test('an answer without summary or matrix is exit 3', async () => {
    server.use(http.get(`${BROKER}/can-i-deploy`, () => HttpResponse.json({ ok: true })));
    const { code, text } = await canIDeployApi();
    assert.equal(code, 3, text);
  });

  test('a broker that never answers is exit 3 once PACT_BROKER_TIMEOUT_MS has passed', async () => {
    server.use(http.get(`${BROKER}/pacticipants/:name/versions/:number`, () => new Promise<Response>(() => undefined)));
    const { code, text } = await canIDeployApi({ PACT_BROKER_TIMEOUT_MS: '200' });
    assert.equal(code, 3, text);
    assert.match(text, /no answer within 200 ms/);
  });
});
