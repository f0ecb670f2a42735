/**
 * A target that fails must fail the run clearly and soon: down, hung, refusing a persona's
 * password, or ending its sessions mid-run. Each case runs against a real local server (the
 * sandbox, or a few lines of node:http that misbehave on purpose) and checks the error's
 * name and message, and that no wait outlives its bound.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { generateDataset } from '../fixtures/dataset.ts';
import type { Persona } from '../lib/model.ts';
import { personaOf as personaOfDataset } from './support/dataset-lookup.ts';
import { sandboxPassword } from '../fixtures/credentials.ts';
import { formatVerdict, judgeExport } from '../lib/oracle/index.ts';
import { dashboardClient, probeTarget, signIn } from '../lib/target/client.ts';
import { exportResponseParts } from '../lib/target/export-response.ts';
import { startSandbox, type Sandbox } from '../sandbox/server.ts';
import { runSuite, type SuiteRun } from '../lib/suite-run.ts';

const dataset = generateDataset();
const mhs = personaOf('mhs-clinic');
const TINY_TIMEOUT_MS = 150;

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

function personaOf(key: Persona['key']): Persona {
  return personaOfDataset(dataset, key);
}

async function sandbox(options: Parameters<typeof startSandbox>[0] = {}): Promise<Sandbox> {
  const started = await startSandbox({ dataset, ...options });
  cleanups.push(() => started.close());
  return started;
}

/** A server that answers as `handle` does, which may be never. */
async function localServer(handle: (request: IncomingMessage, response: ServerResponse) => void): Promise<string> {
  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** An address where nothing listens: a port the system gave out and took back. */
async function deadAddress(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

async function suiteRun(env: NodeJS.ProcessEnv, args: readonly string[]): Promise<SuiteRun> {
  const run = await runSuite({ CI: '', SANDBOX_VARIANT: '', ...env }, args);
  cleanups.push(() => rmSync(run.artifactsDir, { recursive: true, force: true }));
  return run;
}

async function elapsed<T>(work: () => Promise<T>): Promise<{ ms: number; outcome: PromiseSettledResult<T> }> {
  const start = performance.now();
  const [outcome] = await Promise.allSettled([work()]);
  assert.ok(outcome);
  return { ms: performance.now() - start, outcome };
}

describe('a target that is down', () => {
  test('is named with the request it did not answer', async () => {
    const url = await deadAddress();
    await assert.rejects(probeTarget(url), {
      name: 'TargetUnreachableError',
      message: new RegExp(`^The target at ${url} did not answer GET /api/me: connect ECONNREFUSED`),
    });
  });

  test('stops the e2e run in global setup with one message, before any browser starts', async () => {
    const url = await deadAddress();
    const run = await suiteRun({ TARGET_URL: url }, []);
    assert.notEqual(run.exitCode, 0, run.output);
    assert.deepEqual(run.outcomes, [], 'no check ran');
    const message = `The target at ${url} did not answer GET /api/me: connect ECONNREFUSED`;
    assert.ok(run.output.includes(message), run.output);
    assert.doesNotMatch(run.output, /signs in|Timeout \d+ms exceeded/);
  });

  test('is told apart from an address that answers but is not the dashboard', async () => {
    const url = await localServer((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end('<h1>It works</h1>'));
    await assert.rejects(probeTarget(url), {
      name: 'UnexpectedResponseError',
      message: `The target at ${url} answered GET /api/me without a session with 200, where the Clinical Dashboard answers 401: is it the dashboard, and is it up?`,
    });
  });

  test('a TARGET_URL that is not a URL is named as such', async () => {
    await assert.rejects(probeTarget('dashboard.example'), { name: 'TargetUnreachableError', message: /^The target address "dashboard.example" is not a URL/ });
  });
});

describe('a target that is slow', () => {
  test('that never answers fails with a named timeout naming the target and the request', async () => {
    const url = await localServer(() => undefined);
    const client = dashboardClient(url, 'some-session', { persona: 'mhs-clinic', timeoutMs: TINY_TIMEOUT_MS });
    const { ms, outcome } = await elapsed(() => client.exportResponse({ from: '2025-01-01' }));
    assert.equal(outcome.status, 'rejected');
    assert.deepEqual(
      { name: outcome.reason.name, message: outcome.reason.message },
      {
        name: 'TargetTimeoutError',
        message: `The target at ${url} did not answer GET /api/patients-treated/export within ${TINY_TIMEOUT_MS} ms (TARGET_REQUEST_TIMEOUT_MS).`,
      },
    );
    assert.ok(ms < TINY_TIMEOUT_MS + 2_000, `gave up after ${Math.round(ms)} ms`);
  });

  test('that hangs the probe stops the run as a timeout, not a hang', async () => {
    const url = await localServer(() => undefined);
    await assert.rejects(probeTarget(url, { timeoutMs: TINY_TIMEOUT_MS }), { name: 'TargetTimeoutError', message: /did not answer GET \/api\/me within 150 ms/ });
  });

  test('that hangs a sign-in fails as a timeout of POST /api/session', async () => {
    const url = await localServer(() => undefined);
    await assert.rejects(signIn(url, mhs, sandboxPassword(mhs), { timeoutMs: TINY_TIMEOUT_MS }), {
      name: 'TargetTimeoutError',
      message: `The target at ${url} did not answer POST /api/session within ${TINY_TIMEOUT_MS} ms (TARGET_REQUEST_TIMEOUT_MS).`,
    });
  });

  test('that stops mid-way through a JSON answer fails as a timeout, not a hang', async () => {
    const url = await localServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"organizationId":"org-mhs","page":1,');
    });
    await assert.rejects(dashboardClient(url, 'some-session', { timeoutMs: TINY_TIMEOUT_MS }).listPage(), {
      name: 'TargetTimeoutError',
      message: `The target at ${url} did not finish answering GET /api/patients-treated within ${TINY_TIMEOUT_MS} ms (TARGET_REQUEST_TIMEOUT_MS).`,
    });
  });

  test('that stops mid-way through the export is judged a stream-error that says it ran out of time', async () => {
    const url = await localServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/csv; charset=utf-8' });
      response.write('\uFEFFpatient_id,patient_name,date_of_birth,provider_id,provider_name,last_visit,visits\r\n');
    });
    const response = await dashboardClient(url, 'some-session', { timeoutMs: TINY_TIMEOUT_MS }).exportResponse();
    const { body, contentType, filename } = exportResponseParts(response);
    const subject = { persona: 'mhs-clinic', organizationId: 'org-mhs', filters: {} };
    const knowledge = { organizations: dataset.organizations, universe: { source: 'ground-truth' as const, rows: dataset.rows }, canaries: dataset.canaries };
    const { ms, outcome } = await elapsed(() => judgeExport(body, subject, knowledge, { contentType, filename }));
    assert.equal(outcome.status, 'fulfilled');
    const verdict = outcome.value;
    assert.equal(verdict.status, 'fail', formatVerdict(verdict));
    assert.deepEqual(verdict.findings.map((finding) => finding.kind), ['stream-error', 'filename']);
    assert.match(verdict.findings[0]?.summary ?? '', /^the body failed while being read \(the request ran out of time\)/);
    assert.ok(ms < TINY_TIMEOUT_MS + 2_000, `gave up after ${Math.round(ms)} ms`);
  });
});

describe("a target that rejects a persona's password", () => {
  test('through the API, fails naming the persona', async () => {
    const { url } = await sandbox();
    await assert.rejects(signIn(url, mhs, 'not-its-password'), {
      name: 'SignInError',
      message: `The target at ${url} rejected the credentials of persona "mhs-clinic" (401): check its password variable.`,
    });
  });

  test('in the preflight, stops the run before any check, naming each refused persona', async () => {
    // The target knows other credentials than the suite's for every persona, so no sign-in can succeed.
    const stranger = { ...dataset, personas: dataset.personas.map((persona) => ({ ...persona, email: `rotated.${persona.email}` })) };
    const { url } = await sandbox({ dataset: stranger });
    const run = await suiteRun({ TARGET_URL: url }, []);
    assert.notEqual(run.exitCode, 0, run.output);
    assert.deepEqual(run.outcomes, [], 'a check ran after the preflight failed');
    assert.match(run.output, /PreflightError: The sandbox profile does not match what http:\/\/127\.0\.0\.1:\d+ says of its personas/);
    for (const persona of dataset.personas) {
      assert.ok(run.output.includes(`${persona.key}: the target refused its email and password (401): check its variables`), `${persona.key} is not named`);
    }
    assert.match(run.output, /VERDICT: CONFIGURATION ERROR/);
  });
});

describe('a persona that is not who its profile says', () => {
  test('stops the run in the preflight, naming the persona and each field that differs', async () => {
    // MHS's user account belongs to the decoy clinic there, and the admin is a plain user.
    const swapped = {
      ...dataset,
      personas: dataset.personas.map((persona) =>
        persona.key === 'mhs-clinic'
          ? { ...persona, organizationId: 'org-northwind-health' }
          : persona.key === 'luna-admin'
            ? { ...persona, role: 'provider_user' as const, organizationId: 'org-riverside-clinic' }
            : persona,
      ),
    };
    const { url } = await sandbox({ dataset: swapped });
    const run = await suiteRun({ TARGET_URL: url }, []);
    assert.notEqual(run.exitCode, 0, run.output);
    assert.deepEqual(run.outcomes, [], 'a check ran with a misconfigured persona');
    assert.ok(run.output.includes('mhs-clinic: organisation id is org-mhs in the profile, org-northwind-health at GET /api/me'), run.output);
    assert.ok(run.output.includes('mhs-clinic: organisation type is clinic in the profile, health_system at GET /api/me'), run.output);
    assert.ok(run.output.includes('luna-admin: role is luna_admin in the profile, provider_user at GET /api/me'), run.output);
    assert.ok(!run.output.includes('decoy-clinic:'), 'a persona that matches was named');
  });
});

describe('a target whose session ends mid-run', () => {
  test('gets the persona signed in again once, and the call goes through', async () => {
    const { url } = await sandbox();
    const client = await signIn(url, mhs, sandboxPassword(mhs));
    const first = client.sessionToken;
    assert.ok(first);
    await dashboardClient(url, first).signOut();
    assert.equal((await client.me()).user.email, mhs.email);
    assert.notEqual(client.sessionToken, first);
    const response = await client.exportResponse();
    assert.equal(response.status, 200);
    await response.body?.cancel();
  });

  test('fails clearly, naming the persona, when the new session is refused too', async () => {
    let signIns = 0;
    const url = await localServer((request, response) => {
      if (request.method === 'POST' && request.url === '/api/session') {
        signIns += 1;
        response.writeHead(204, { 'set-cookie': `cd_session=s${signIns}; HttpOnly; Path=/` }).end();
      } else {
        response.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"unauthenticated","message":"Sign in first."}');
      }
    });
    const client = await signIn(url, mhs, sandboxPassword(mhs));
    await assert.rejects(client.me(), {
      name: 'SessionExpiredError',
      message: `The target at ${url} refused the session of persona "mhs-clinic" on GET /api/me (401), and again right after it signed in anew: sessions do not hold there.`,
    });
    assert.equal(signIns, 2, 'one sign-in, then exactly one more');
  });

  test('fails naming the persona when signing in again is refused', async () => {
    let signIns = 0;
    const url = await localServer((request, response) => {
      signIns += request.method === 'POST' ? 1 : 0;
      if (request.method === 'POST' && signIns === 1) response.writeHead(204, { 'set-cookie': 'cd_session=s1; HttpOnly; Path=/' }).end();
      else response.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_credentials","message":"No."}');
    });
    const client = await signIn(url, mhs, sandboxPassword(mhs));
    await assert.rejects(client.listPage(), { name: 'SignInError', message: /rejected the credentials of persona "mhs-clinic" \(401\)/ });
  });

  test('does not sign in again after signing out, so a 401 can still be checked', async () => {
    const { url } = await sandbox();
    const client = await signIn(url, mhs, sandboxPassword(mhs));
    await client.signOut();
    assert.equal((await client.get('/api/me')).status, 401);
  });

  test('leaves an anonymous 401 as it is', async () => {
    const { url } = await sandbox();
    assert.equal((await dashboardClient(url, null).exportResponse()).status, 401);
  });
});
