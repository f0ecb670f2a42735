import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { FullConfig } from '@playwright/test';
import { environmentName, loadEnvironment, readProfile } from '../lib/environment.ts';
import { dashboardClient, probeTarget, SESSION_COOKIE } from '../lib/target/client.ts';
import { startSandbox, type Sandbox } from '../sandbox/server.ts';
import { sandboxOptionsFromEnv } from '../sandbox/options.ts';
import { AUTH_DIR } from './support/auth-state.ts';

/**
 * Readies the target before any browser starts. The sandbox profile brings its own
 * dashboard (in the variant SANDBOX_VARIANT names) unless TARGET_URL names a running one;
 * any other profile is resolved now, so that every missing variable is named in one
 * message, and its target probed, so that a dead or hung one stops the run here rather
 * than in every check. Workers inherit TARGET_URL and TARGET_NAME from here.
 *
 * Afterwards each persona's session is signed out, so no session outlives the run.
 */
export default async function globalSetup(_config: FullConfig): Promise<() => Promise<void>> {
  let sandbox: Sandbox | undefined;
  if (readProfile(environmentName()).startsSandbox && !process.env.TARGET_URL) {
    // Any free port: runs side by side must not collide, whatever SANDBOX_PORT says.
    sandbox = await startSandbox({ ...sandboxOptionsFromEnv(), port: 0 });
    process.env.TARGET_URL = sandbox.url;
  }
  const environment = loadEnvironment();
  if (!sandbox) await probeTarget(environment.baseUrl);
  process.env.TARGET_URL = environment.baseUrl;
  process.env.TARGET_NAME = environment.label;

  return async () => {
    await signOutSavedSessions(environment.baseUrl);
    await sandbox?.close();
  };
}

async function signOutSavedSessions(baseUrl: string): Promise<void> {
  const files = await readdir(AUTH_DIR).catch(() => []);
  await Promise.all(
    files.map(async (file) => {
      const path = join(AUTH_DIR, file);
      const state = JSON.parse(await readFile(path, 'utf8')) as { cookies?: { name: string; value: string }[] };
      const token = state.cookies?.find((cookie) => cookie.name === SESSION_COOKIE)?.value;
      if (token) await dashboardClient(baseUrl, token).signOut().catch(() => undefined);
      await rm(path, { force: true });
    }),
  );
}
