import { streamDataset } from '../fixtures/dataset.ts';
import { datasetOptionsFromEnv } from '../fixtures/options.ts';
import { MAX_PAGE_SIZE } from './parameters.ts';
import type { SandboxOptions } from './server.ts';
import { parseVariant } from './variants.ts';

/**
 * The sandbox as the environment configures it, read in one place for `npm run sandbox`
 * and for the suite's own sandbox: SANDBOX_VARIANT, SANDBOX_PORT (0 = any free port),
 * SANDBOX_TEST_MODE=1, SANDBOX_UI_PAGE_SIZE, SANDBOX_RENDERING (client or server),
 * SANDBOX_LATE_LEAK_AFTER, and the dataset's DATASET_* options.
 */
export function sandboxOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): SandboxOptions {
  const rendering = env.SANDBOX_RENDERING || 'client';
  if (rendering !== 'client' && rendering !== 'server') throw new Error(`SANDBOX_RENDERING must be client or server, got "${rendering}"`);
  const uiPageSize = integer(env, 'SANDBOX_UI_PAGE_SIZE', 1, MAX_PAGE_SIZE);
  const lateLeakAfter = integer(env, 'SANDBOX_LATE_LEAK_AFTER', 1, Number.MAX_SAFE_INTEGER);
  return {
    variant: parseVariant(env.SANDBOX_VARIANT),
    port: integer(env, 'SANDBOX_PORT', 0, 65_535) ?? 0,
    testMode: env.SANDBOX_TEST_MODE === '1',
    dataset: streamDataset(datasetOptionsFromEnv(env)),
    rendering,
    ...(uiPageSize === undefined ? {} : { uiPageSize }),
    ...(lateLeakAfter === undefined ? {} : { lateLeakAfter }),
  };
}

function integer(env: NodeJS.ProcessEnv, name: string, min: number, max: number): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) throw new Error(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  return value;
}
