/**
 * The API's side of the contract: replays every interaction of the pact file against a
 * provider. By default that is a sandbox of its own in test mode (same SANDBOX_VARIANT as
 * the rest of the run), since seeding a state replaces all of its data; PACT_PROVIDER_URL
 * names another provider that exposes the same state endpoint (docs/contracts.md).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Verifier } from '@pact-foundation/pact';
import { sandboxPassword } from '../fixtures/credentials.ts';
import type { Persona } from '../fixtures/dataset.ts';
import { ISOLATION_FAILURE } from '../lib/report/isolation-failure.ts';
import { signIn } from '../lib/target/client.ts';
import { startSandbox } from '../sandbox/server.ts';
import { parseVariant } from '../sandbox/variants.ts';
import { expect, test } from '../e2e/support/test.ts';
import { PACT_FILE, PACT_PROVIDER, TENANTS_STATE, type TenantsStateParams } from './provider-states.ts';

/** Where a provider in test mode takes a state's data. */
const STATE_PATH = '/_test/state';

const providerTest = test.extend<object, { providerUrl: string }>({
  providerUrl: [
    async ({}, use) => {
      if (process.env.PACT_PROVIDER_URL) return use(process.env.PACT_PROVIDER_URL);
      const sandbox = await startSandbox({ variant: parseVariant(process.env.SANDBOX_VARIANT), testMode: true });
      await use(sandbox.url);
      await sandbox.close();
    },
    { scope: 'worker' },
  ],
});

providerTest('the patients-treated API keeps every interaction of the page\'s contract', { tag: '@contract' }, async ({ providerUrl }) => {
  // The state handler signs the state's persona in; the request filter puts that session on
  // every request that carries the consumer's placeholder cookie, and on no other.
  let session: string | null = null;
  const verifier = new Verifier({
    provider: PACT_PROVIDER,
    providerBaseUrl: providerUrl,
    ...pactSource(),
    logLevel: 'error',
    stateHandlers: {
      [TENANTS_STATE]: async (parameters) => {
        const state = parameters as unknown as TenantsStateParams;
        await seed(providerUrl, state);
        session = (await signIn(providerUrl, state.persona, personaPassword(state.persona))).sessionToken;
      },
    },
    requestFilter: (request: IncomingMessage, _response: ServerResponse, next: () => void) => {
      if (request.headers.cookie && session) request.headers.cookie = `cd_session=${session}`;
      next();
    },
  });
  const failures = await verifier.verifyProvider().then(
    () => [],
    (error: unknown) => failedInteractions(error),
  );
  expect(failures.length, `${ISOLATION_FAILURE}: the API at ${providerUrl} broke the page's contract in:\n  - ${failures.join('\n  - ')}\n`).toBe(0);
});

/**
 * The pact file this run wrote; or, where a provider build publishes its results
 * (PACT_PUBLISH_VERIFICATION_RESULTS=true with a broker), the pacts the broker selects.
 */
function pactSource() {
  const broker = process.env.PACT_BROKER_BASE_URL;
  if (!broker || process.env.PACT_PUBLISH_VERIFICATION_RESULTS !== 'true') return { pactUrls: [PACT_FILE] };
  return {
    pactBrokerUrl: broker,
    consumerVersionSelectors: [{ mainBranch: true }, { deployedOrReleased: true }],
    publishVerificationResult: true,
    providerVersion: process.env.PACT_APP_VERSION,
    providerVersionBranch: process.env.PACT_BRANCH,
  };
}

async function seed(providerUrl: string, state: TenantsStateParams): Promise<void> {
  const response = await fetch(new URL(STATE_PATH, providerUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ organizations: state.organizations, personas: [state.persona], rows: state.rows }),
  });
  if (response.status !== 204) {
    throw new Error(`The provider at ${providerUrl} did not take the state "${TENANTS_STATE}" (${response.status} on POST ${STATE_PATH}): is it in test mode?`);
  }
}

/** On the sandbox the persona's sandbox password; elsewhere PACT_PERSONA_PASSWORD. */
function personaPassword(persona: Persona): string {
  return process.env.PACT_PERSONA_PASSWORD ?? sandboxPassword(persona);
}

/**
 * The descriptions of the interactions that failed. The verifier rejects with its JSON
 * results as the message; anything else is a verifier that could not run, named as such.
 */
function failedInteractions(error: unknown): string[] {
  const message = error instanceof Error ? error.message : String(error);
  let results: { errors?: { interaction?: string }[] };
  try {
    results = JSON.parse(message) as typeof results;
  } catch {
    return [`(the verifier did not run: ${message.split('\n')[0]})`];
  }
  // "Verifying a pact between C and P Given <state> - <description>": the description names it.
  const names = (results.errors ?? []).map((failure) => failure.interaction?.split(' - ').at(-1) ?? '(unnamed interaction)');
  return names.length > 0 ? [...new Set(names)] : ['(verification failed without naming an interaction)'];
}
