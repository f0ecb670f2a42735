/**
 * The dashboards one run judges. Usually one: the profile's base URL (or TARGET_URL), or the
 * built-in sandbox in the variant SANDBOX_VARIANT names. A run may also judge several side
 * by side, one Playwright project each, so that a proof over many targets pays Playwright's
 * start-up once:
 *   - SANDBOX_VARIANTS (sandbox profile): a comma-separated list of variants, or `all`;
 *   - TARGET_URLS (any other profile): a JSON object of target name to base URL.
 * Global setup starts the sandboxes and hands every target's URL to the workers in
 * SUITE_TARGET_URLS.
 */
import { VARIANT_NAMES, parseVariant, type VariantName } from '../sandbox/variants.ts';
import { MissingConfigurationError, type Profile } from './environment.ts';

export interface PlannedTarget {
  /** A name for reports and project titles: the variant on the sandbox, the label given otherwise. */
  readonly name: string;
  /** The sandbox variant to start, for a target the suite brings itself. */
  readonly variant?: VariantName;
  /** Known before the run for a running dashboard; a sandbox's URL is known once started. */
  readonly url?: string;
}

/** The targets of a run, from the profile and the environment. */
export function plannedTargets(profile: Profile, env: NodeJS.ProcessEnv = process.env): PlannedTarget[] {
  if (profile.startsSandbox && !env.TARGET_URL) {
    const listed = env.SANDBOX_VARIANTS?.trim();
    if (listed) {
      const names = listed === 'all' ? [...VARIANT_NAMES] : listed.split(',').map((name) => parseVariant(name.trim()));
      return [...new Set(names)].map((variant) => ({ name: variant, variant }));
    }
    const variant = parseVariant(env.SANDBOX_VARIANT);
    return [{ name: variant, variant }];
  }
  if (env.TARGET_URLS) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(env.TARGET_URLS);
    } catch {
      throw new MissingConfigurationError('TARGET_URLS must be a JSON object of target name to base URL.');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new MissingConfigurationError('TARGET_URLS must be a JSON object of target name to base URL.');
    }
    return Object.entries(parsed).map(([name, url]) => {
      if (!/^[a-z0-9][a-z0-9-]*$/.test(name) || typeof url !== 'string') {
        throw new MissingConfigurationError(`TARGET_URLS: "${name}" must be a lower-case name with a URL string.`);
      }
      return { name, url };
    });
  }
  return [{ name: profile.name }];
}

/** The variable global setup fills with every target's URL, for the workers. */
export const TARGET_URLS_VARIABLE = 'SUITE_TARGET_URLS';

/** A target's URL, once global setup has started or probed it. */
export function targetUrl(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const urls = JSON.parse(env[TARGET_URLS_VARIABLE] ?? '{}') as Record<string, string>;
  const url = urls[name];
  if (!url) throw new Error(`No URL is known for target "${name}": global setup did not run, or did not start it.`);
  return url;
}
