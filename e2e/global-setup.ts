import type { FullConfig } from '@playwright/test';
import { generateDataset } from '../fixtures/dataset.ts';
import { datasetOptionsFromEnv } from '../fixtures/options.ts';
import { startSandbox } from '../sandbox/server.ts';
import { parseVariant } from '../sandbox/variants.ts';

/**
 * With no TARGET_URL the suite brings its own dashboard: the sandbox, in the variant that
 * SANDBOX_VARIANT names. Workers inherit TARGET_URL from here.
 */
export default async function globalSetup(_config: FullConfig): Promise<(() => Promise<void>) | undefined> {
  if (process.env.TARGET_URL) return undefined;
  const variant = parseVariant(process.env.SANDBOX_VARIANT);
  const sandbox = await startSandbox({ variant, dataset: generateDataset(datasetOptionsFromEnv()) });
  process.env.TARGET_URL = sandbox.url;
  process.env.TARGET_NAME = variant === 'correct' ? 'sandbox' : `sandbox (variant ${variant})`;
  return () => sandbox.close();
}
