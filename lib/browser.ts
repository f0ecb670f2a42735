import { existsSync } from 'node:fs';

/**
 * The system Chromium that Playwright drives. Playwright's own browser download cannot run
 * on machines that reach only package registries, so scripts/bootstrap.sh installs the
 * distribution's package and this finds it; CHROMIUM_PATH overrides.
 *
 * The headless shell comes first: it is the build Playwright itself runs headless, without
 * the full browser's own user interface, and it halves the suite's time on two cores
 * (README, "Where the time goes"). A full Chromium serves where it is all there is, and for
 * a person who wants to watch (`--headed` needs it: set CHROMIUM_PATH).
 */
export function chromiumExecutable(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium-headless-shell', '/usr/bin/chromium', '/usr/bin/chromium-browser'];
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

/** What every page of the suite is opened with; the config and the suite's own contexts share it. */
export const CONTEXT_OPTIONS = {
  acceptDownloads: true,
  timezoneId: 'UTC',
  locale: 'en-US',
} as const;

/** Bounds on a page's actions and navigations. */
export const PAGE_TIMEOUTS = { actionTimeout: 10_000, navigationTimeout: 15_000 } as const;
