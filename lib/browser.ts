import { existsSync } from 'node:fs';

/**
 * The system Chromium that Playwright drives. Playwright's own browser download cannot run
 * on machines that reach only package registries, so scripts/bootstrap.sh installs the
 * distribution's package and this finds it; CHROMIUM_PATH overrides.
 */
export function chromiumExecutable(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  const found = candidates.find((candidate): candidate is string => Boolean(candidate) && existsSync(candidate as string));
  if (!found) throw new Error('No Chromium found: run `sh scripts/bootstrap.sh` or set CHROMIUM_PATH.');
  return found;
}

/**
 * Without these Chromium keeps calling home (updates, sync, field trials); where the network
 * is closed each call is refused and logged, and none of it belongs in a test run.
 */
export const QUIET_CHROMIUM_ARGS = [
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-domain-reliability',
  '--disable-client-side-phishing-detection',
  '--disable-features=OptimizationHints,MediaRouter,Translate',
  '--no-first-run',
  '--disable-quic',
  '--metrics-recording-only',
];
