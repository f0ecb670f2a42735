/**
 * Before any check: each persona signs in through the API, and `GET /api/me` must say what
 * the profile says of it. A persona typed into a profile as a clinic's user but holding a
 * health system's account would otherwise check the wrong tenant type and pass: the very way
 * the 2025-06-09 leak went unseen (docs/incident-2025-06-09.md, whys 2 and 3).
 */
import { ConfigurationError, type Environment } from '../environment.ts';
import type { Persona } from '../model.ts';
import { dashboardClient, SignInError, startSession } from './client.ts';

/** What the target said of a persona differs from its profile; each persona and field is named. */
export class PreflightError extends ConfigurationError {
  override name = 'PreflightError';
}

/**
 * Signs every persona in and checks it; returns each persona's session token. On a mismatch,
 * the sessions it started are ended before it throws, so a refused run leaves none behind.
 */
export async function preflight(environment: Environment): Promise<Map<string, string>> {
  const results = await Promise.allSettled(environment.personas.map((persona) => checkPersona(environment, persona)));
  const sessions = new Map<string, string>();
  const problems: string[] = [];
  results.forEach((result, index) => {
    const persona = environment.personas[index];
    if (!persona) return;
    if (result.status === 'rejected') throw result.reason;
    if (result.value.token) sessions.set(persona.key, result.value.token);
    problems.push(...result.value.problems.map((problem) => `${persona.key}: ${problem}`));
  });
  if (problems.length > 0) {
    await Promise.allSettled([...sessions.values()].map((token) => dashboardClient(environment.baseUrl, token).signOut()));
    throw new PreflightError(
      `The ${environment.name} profile does not match what ${environment.baseUrl} says of its personas (sign-in and GET /api/me):\n${problems.map((problem) => `  - ${problem}`).join('\n')}`,
    );
  }
  return sessions;
}

async function checkPersona(environment: Environment, persona: Persona): Promise<{ token: string | null; problems: string[] }> {
  let token: string;
  try {
    token = await startSession(environment.baseUrl, persona, environment.password(persona));
  } catch (error) {
    if (error instanceof SignInError) return { token: null, problems: ['the target refused its email and password (401): check its variables'] };
    throw error;
  }
  const me = await dashboardClient(environment.baseUrl, token, { persona: persona.key }).me();
  const tenant = environment.tenantOf(persona);
  const problems: string[] = [];
  const compare = (field: string, profile: string | null, target: string | null | undefined) => {
    if (profile !== (target ?? null)) problems.push(`${field} is ${profile ?? 'none'} in the profile, ${target ?? 'none'} at GET /api/me`);
  };
  compare('role', persona.role, me.user?.role);
  compare('organisation id', persona.organizationId, me.organization?.id);
  // A type the profile leaves open is for the coverage check to name, not a mismatch.
  if (tenant?.type) compare('organisation type', tenant.type, me.organization?.type);
  return { token, problems };
}
