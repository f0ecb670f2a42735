/**
 * `npm run sandbox`: the dashboard stand-in on 127.0.0.1, for a person to click through or
 * for a suite run against TARGET_URL. SANDBOX_VARIANT picks a bug to bring back,
 * SANDBOX_PORT a port (0, the default, takes any free one). The dataset follows DATASET_SEED,
 * DATASET_TENANTS and DATASET_ROWS, as the suite's ground truth does. SANDBOX_TEST_MODE=1
 * adds the provider-state endpoint that contract verification seeds through (docs/contracts.md);
 * SANDBOX_LATE_LEAK_AFTER moves the late-leak variant's first foreign row.
 */
import { sandboxPassword } from '../fixtures/credentials.ts';
import { sandboxOptionsFromEnv } from './options.ts';
import { startSandbox, type SandboxOptions } from './server.ts';
import { VARIANTS } from './variants.ts';

let settings: SandboxOptions;
try {
  settings = sandboxOptionsFromEnv();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(2);
}

const sandbox = await startSandbox(settings);
console.log(`Clinical Dashboard sandbox at ${sandbox.url}`);
console.log(`variant: ${sandbox.variant} (${VARIANTS[sandbox.variant].description})`);
if (settings.testMode) console.log('test mode: POST /_test/state replaces all data (for contract verification)');
console.log('personas:');
for (const persona of sandbox.dataset.personas) {
  console.log(`  ${persona.key.padEnd(14)} ${persona.email.padEnd(30)} ${sandboxPassword(persona)}`);
}
console.log('Ctrl+C stops it.');

const stop = (): void => {
  sandbox.close().then(
    () => console.log('sandbox stopped'),
    (error: unknown) => {
      console.error('sandbox did not stop cleanly:', error);
      process.exitCode = 1;
    },
  );
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
