/**
 * Pact's verifier, in a process of its own so that what it prints (every mismatching body,
 * expected and actual) stays with the parent, which never writes it anywhere
 * (contracts/provider-verification.ts). It tells the parent only which interactions broke.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Verifier } from '@pact-foundation/pact';
import { REQUEST_TIMEOUT_MS, signIn } from '../lib/target/client.ts';
import { PACT_FILE, PACT_PROVIDER, TENANTS_STATE, type TenantsStateParams } from './provider-states.ts';
import { personaPassword, seedState, type ChildReport } from './provider-verification.ts';

const providerUrl = process.env.PACT_VERIFY_PROVIDER_URL ?? '';
const pactFile = process.env.PACT_VERIFY_FILE || PACT_FILE;
const report = (message: ChildReport): void => {
  process.send?.(message);
};

// The state handler signs the state's persona in; the request filter puts that session on
// every request that carries the consumer's placeholder cookie, and on no other.
let session: string | null = null;
const verifier = new Verifier({
  provider: PACT_PROVIDER,
  providerBaseUrl: providerUrl,
  ...pactSource(),
  logLevel: 'error',
  // Each interaction is bounded like every other request of the suite, so a hung provider fails in seconds.
  timeout: REQUEST_TIMEOUT_MS,
  stateHandlers: {
    [TENANTS_STATE]: async (parameters) => {
      const state = parameters as unknown as TenantsStateParams;
      await seedState(providerUrl, state);
      session = (await signIn(providerUrl, state.persona, personaPassword(state.persona))).sessionToken;
    },
  },
  requestFilter: (request: IncomingMessage, _response: ServerResponse, next: () => void) => {
    if (request.headers.cookie && session) request.headers.cookie = `cd_session=${session}`;
    next();
  },
});

await verifier.verifyProvider().then(
  () => report({ failed: [] }),
  (error: unknown) => report(failedInteractions(error)),
);
process.disconnect?.();

/**
 * The pact file this run wrote; or, where a provider build publishes its results
 * (PACT_PUBLISH_VERIFICATION_RESULTS=true with a broker), the pacts the broker selects.
 */
function pactSource() {
  const broker = process.env.PACT_BROKER_BASE_URL;
  if (!broker || process.env.PACT_PUBLISH_VERIFICATION_RESULTS !== 'true') return { pactUrls: [pactFile] };
  return {
    pactBrokerUrl: broker,
    consumerVersionSelectors: [{ mainBranch: true }, { deployedOrReleased: true }],
    publishVerificationResult: true,
    providerVersion: process.env.PACT_APP_VERSION,
    providerVersionBranch: process.env.PACT_BRANCH,
  };
}

/**
 * The descriptions of the interactions that failed. The verifier rejects with its JSON
 * results as the message; anything else is a verifier that could not run, named as such.
 */
function failedInteractions(error: unknown): ChildReport {
  const message = error instanceof Error ? error.message : String(error);
  let results: { errors?: { interaction?: string }[] };
  try {
    results = JSON.parse(message) as typeof results;
  } catch {
    return { error: `the verifier did not run: ${message.split('\n')[0]}` };
  }
  // "Verifying a pact between C and P Given <state> - <description>": the description names it.
  const names = (results.errors ?? []).map((failure) => failure.interaction?.split(' - ').at(-1) ?? '(unnamed interaction)');
  return names.length > 0 ? { failed: [...new Set(names)] } : { error: 'verification failed without naming an interaction' };
}
