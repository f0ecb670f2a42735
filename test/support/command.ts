import { join } from 'node:path';
import { runNode } from '../../lib/suite-run.ts';

const ROOT = join(import.meta.dirname, '../..');

/** Runs one of the project's Node scripts as a person types it, and returns its exit code and output. */
export function runScript(script: string, args: readonly string[], env: NodeJS.ProcessEnv = {}, cwd: string = ROOT): Promise<{ code: number | null; output: string }> {
  return runNode([join(ROOT, script), ...args], env, cwd);
}
