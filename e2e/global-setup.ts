import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { FullConfig } from '@playwright/test';
import { ConfigurationError, environmentName, loadEnvironment, readProfile, type Environment } from '../lib/environment.ts';
import { plannedTargets, TARGET_URLS_VARIABLE } from '../lib/targets.ts';
import { preflight } from '../lib/target/preflight.ts';
import { dashboardClient, probeTarget, SignInError, TargetUnreachableError, UnexpectedResponseError } from '../lib/target/client.ts';
import { startSandbox, type Sandbox } from '../sandbox/server.ts';
import { sandboxOptionsFromEnv } from '../sandbox/options.ts';
import { AUTH_DIR, savedSessionToken, storageStatePath, storageStateFor } from './support/auth-state.ts';

/**
 * Readies every target before any browser starts. The sandbox profile brings its own
 * dashboards (the variants asked for) unless TARGET_URL names a running one; any other
 * profile is resolved now, so that every missing variable is named in one message, and its
 * target probed, so that a dead or hung one stops the run here rather than in every check.
 *
 * Then the preflight: each persona signs in through the API, and `GET /api/me` must say what
 * the profile says of it (role, organisation, type). A misconfigured persona stops the run
 * with one message naming each persona and field; it never makes a check pass. The sessions
 * are saved for the browser and the API checks, and signed out at the end.
 */
export default async function globalSetup(_config: FullConfig): Promise<() => Promise<void>> {
  const profile = readProfile(environmentName());
  const sandboxes: Sandbox[] = [];
  const urls: Record<string, string> = {};
  const environments: { name: string; environment: Environment }[] = [];
  try {
    for (const target of plannedTargets(profile)) {
      let url = target.url;
      if (target.variant !== undefined) {
        // Any free port: runs side by side must not collide, whatever SANDBOX_PORT says.
        const sandbox = await startSandbox({ ...sandboxOptionsFromEnv(), variant: target.variant, port: 0 });
        sandboxes.push(sandbox);
        url = sandbox.url;
      }
      const environment = loadEnvironment({ ...process.env, ...(url ? { TARGET_URL: url } : {}) });
      if (target.variant === undefined) await probeTarget(environment.baseUrl);
      urls[target.name] = environment.baseUrl;
      environments.push({ name: target.name, environment });
    }
    process.env[TARGET_URLS_VARIABLE] = JSON.stringify(urls);
    // Reports name the target: the profile, and the variant when one target was asked for.
    // (TARGET_URL stays as the user set it: the workers plan their targets from it again.)
    const [first] = environments;
    if (environments.length === 1 && first) process.env.TARGET_NAME = first.environment.label;

    for (const { name, environment } of environments) {
      const sessions = await preflight(environment);
      for (const [persona, token] of sessions) {
        const path = storageStatePath(name, persona);
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, JSON.stringify(storageStateFor(environment.baseUrl, token)));
      }
    }
  } catch (error) {
    await signOutSavedSessions(urls);
    await Promise.allSettled(sandboxes.map((sandbox) => sandbox.close()));
    throw withoutStack(error);
  }

  return async () => {
    await signOutSavedSessions(urls);
    await Promise.allSettled(sandboxes.map((sandbox) => sandbox.close()));
  };
}

/** Ends every saved session on its target and deletes the file, so no session outlives the run. */
async function signOutSavedSessions(urls: Readonly<Record<string, string>>): Promise<void> {
  await Promise.all(
    Object.entries(urls).map(async ([target, baseUrl]) => {
      const folder = join(AUTH_DIR, target);
      const files = await readdir(folder).catch(() => []);
      await Promise.all(
        files.map(async (file) => {
          const token = await savedSessionToken(target, file.replace(/\.json$/, '')).catch(() => null);
          if (token) await dashboardClient(baseUrl, token).signOut().catch(() => undefined);
          await rm(join(folder, file), { force: true });
        }),
      );
    }),
  );
}

/**
 * A target that is down or a profile that is wrong is the user's to act on: its message says
 * all, and a stack with a code frame under it only buries that line. Errors of our own
 * making (a bug) keep their stack.
 */
function withoutStack(error: unknown): unknown {
  const named = error instanceof ConfigurationError || error instanceof TargetUnreachableError || error instanceof UnexpectedResponseError || error instanceof SignInError;
  if (named) error.stack = `${error.name}: ${error.message}`;
  return error;
}
