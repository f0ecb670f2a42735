/**
 * Three kinds of failure, never mixed: only an isolation finding proves that a check caught
 * a leak. A target error says the dashboard did not answer as docs/target.md describes (down, 5xx,
 * a timeout, a page or body of another shape), so nothing could be judged; a suite error is a
 * bug of ours. Beside them, a configuration error says the run was set up wrong (a profile
 * that misses a tenant, a persona whose account is another's): the user's to fix.
 *
 * Every message the suite writes on failure opens with its kind, and whatever else fails (a
 * library's timeout, a crash) is classified here, in one place, by its opening.
 */
import { stripVTControlCharacters } from 'node:util';

export type FailureKind = 'isolation' | 'target' | 'suite' | 'configuration';

export const FAILURE_PREFIX: Readonly<Record<FailureKind, string>> = {
  isolation: 'Isolation finding',
  target: 'Target error',
  suite: 'Suite error',
  configuration: 'Configuration error',
};

/** Errors of the target layer and Playwright's own waits: the target did not answer as described. */
const TARGET_ERROR_OPENINGS = [
  'TargetUnreachableError',
  'TargetTimeoutError',
  'UnexpectedResponseError',
  'SessionExpiredError',
  'SignInError',
  'TimeoutError',
  'Test timeout of',
  'expect(locator)',
  'expect(page)',
  'page.',
  'locator.',
  'download.',
];

/** Errors that name a mistake in the run's set-up. */
const CONFIGURATION_ERROR_OPENINGS = ['ConfigurationError', 'MissingConfigurationError', 'PreflightError'];

/** The kind of one failure message, as Playwright or node:test reports it. */
export function kindOfMessage(message: string): FailureKind {
  // Playwright may open with "Error: ", and colour codes when a terminal asked for them.
  const text = stripVTControlCharacters(message).trimStart().replace(/^Error: /, '');
  if (text.startsWith(`${FAILURE_PREFIX.isolation}:`)) return 'isolation';
  if (text.startsWith(`${FAILURE_PREFIX.target}:`)) return 'target';
  if (text.startsWith(`${FAILURE_PREFIX.suite}:`)) return 'suite';
  if (text.startsWith(`${FAILURE_PREFIX.configuration}:`) || CONFIGURATION_ERROR_OPENINGS.some((opening) => text.startsWith(opening))) return 'configuration';
  if (TARGET_ERROR_OPENINGS.some((opening) => text.startsWith(opening))) return 'target';
  return 'suite';
}

/**
 * The kind of a failed check with these messages: a catch only if every message is an
 * isolation finding; a bug of ours outweighs the rest, since it may have caused them, and a
 * set-up mistake outweighs a target's error.
 */
export function kindOfFailure(messages: readonly string[]): FailureKind {
  const kinds = new Set(messages.map(kindOfMessage));
  if (kinds.size === 0 || kinds.has('suite')) return 'suite';
  if (kinds.has('configuration')) return 'configuration';
  if (kinds.has('target')) return 'target';
  return 'isolation';
}

/** Findings that say the target failed to deliver, not that it delivered the wrong rows. */
const TARGET_FINDINGS: ReadonlySet<string> = new Set(['stream-error', 'vacuous']);
const SUITE_FINDINGS: ReadonlySet<string> = new Set(['oracle-error']);

/**
 * The kind of a verdict that did not pass: an isolation finding as soon as one finding
 * shows a wrong, missing or foreign row or a broken file contract, even in a body that then
 * broke off; a target error when the body failed or held nothing to judge; ours when the
 * oracle itself failed.
 */
export function kindOfVerdict(verdict: { readonly findings: readonly { readonly kind: string }[] }): FailureKind {
  const kinds = verdict.findings.map((finding) => finding.kind);
  if (kinds.some((kind) => !TARGET_FINDINGS.has(kind) && !SUITE_FINDINGS.has(kind))) return 'isolation';
  if (kinds.some((kind) => SUITE_FINDINGS.has(kind))) return 'suite';
  return 'target';
}
