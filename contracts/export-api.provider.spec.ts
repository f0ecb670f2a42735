/**
 * The API's side of the contract: replays every interaction of the pact file against a
 * provider. On the sandbox that is a sandbox of its own in test mode, in the variant of the
 * target being judged, since seeding a state replaces all of its data; PACT_PROVIDER_URL
 * names another provider that exposes the same state endpoint (docs/contracts.md).
 *
 * A broken interaction is reported as its name, its status and the oracle's verdict on what
 * the provider served; pact's own transcript, bodies and all, never leaves the verifier's
 * process (contracts/provider-verification.ts).
 */
import { environmentName, readProfile } from '../lib/environment.ts';
import { FAILURE_PREFIX } from '../lib/report/failure-kind.ts';
import { plannedTargets } from '../lib/targets.ts';
import { startSandbox } from '../sandbox/server.ts';
import { check, expect, test } from '../e2e/support/test.ts';
import { verifyProvider } from './provider-verification.ts';

// Test-scoped, though the provider outlives no more than this file's one test either way: a
// worker-scoped fixture of its own would give this file a worker of its own in every target's
// project (Playwright groups tests by their worker fixtures), a process start per target.
const providerTest = test.extend<{ providerUrl: string; testModeProvider: string | null }>({
  testModeProvider: async ({ targetName }, use) => {
    if (process.env.PACT_PROVIDER_URL) return use(process.env.PACT_PROVIDER_URL);
    const variant = plannedTargets(readProfile(environmentName())).find((target) => target.name === targetName)?.variant;
    if (variant === undefined) return use(null);
    const sandbox = await startSandbox({ variant, testMode: true });
    await use(sandbox.url);
    await sandbox.close();
  },
  providerUrl: async ({ testModeProvider }, use, testInfo) => {
    testInfo.skip(testModeProvider === null, 'no provider in test mode to seed: set PACT_PROVIDER_URL to one (docs/contracts.md)');
    await use(testModeProvider ?? '');
  },
});

providerTest("The patients-treated API keeps every interaction of the page's contract", check('contract.verify', undefined, { writes: true, tag: ['@contract'] }), async ({ providerUrl }) => {
  const { broken, error } = await verifyProvider(providerUrl);
  expect(error, `${FAILURE_PREFIX.suite}: the verifier could not run against ${providerUrl}: ${error}`).toBeUndefined();
  for (const { kind, message } of broken) expect.soft(false, `${FAILURE_PREFIX[kind]}: the API at ${providerUrl} broke the page's contract in ${message}`).toBeTruthy();
});
