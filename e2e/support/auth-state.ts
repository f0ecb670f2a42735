import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SESSION_COOKIE } from '../../lib/target/client.ts';

/**
 * Where global setup saves each persona's session, per target (git-ignored). The global
 * teardown signs these sessions out and deletes the files, so none outlives the run. Each
 * run with its own artifacts folder keeps its sessions there, so runs side by side (as the
 * project's own tests make them) never share or delete each other's.
 */
export const AUTH_DIR = join(process.env.SUITE_ARTIFACTS_DIR ?? '.', 'playwright/.auth');

export function storageStatePath(target: string, persona: string): string {
  return join(AUTH_DIR, target, `${persona}.json`);
}

/** The browser's saved state for a session cookie on the target's origin. */
export function storageStateFor(baseUrl: string, token: string): object {
  const { hostname } = new URL(baseUrl);
  return {
    cookies: [{ name: SESSION_COOKIE, value: token, domain: hostname, path: '/', expires: -1, httpOnly: true, secure: false, sameSite: 'Lax' }],
    origins: [],
  };
}

/** The session token a saved state holds. */
export async function savedSessionToken(target: string, persona: string): Promise<string> {
  const path = storageStatePath(target, persona);
  const state = JSON.parse(await readFile(path, 'utf8')) as { cookies?: { name: string; value: string }[] };
  const cookie = state.cookies?.find((candidate) => candidate.name === SESSION_COOKIE);
  if (!cookie) throw new Error(`The saved session of persona "${persona}" at ${path} holds no ${SESSION_COOKIE} cookie: did global setup sign it in?`);
  return cookie.value;
}
