import { join } from 'node:path';
import type { PersonaKey } from '../../fixtures/dataset.ts';

/**
 * Where the sign-in project saves each persona's session (git-ignored). The global
 * teardown signs these sessions out and deletes the files, so none outlives the run. Each
 * run with its own artifacts folder keeps its sessions there, so runs side by side (as the
 * project's own tests make them) never share or delete each other's.
 */
export const AUTH_DIR = join(process.env.SUITE_ARTIFACTS_DIR ?? '.', 'playwright/.auth');

export function storageStatePath(persona: PersonaKey): string {
  return join(AUTH_DIR, `${persona}.json`);
}
