/**
 * Where the suite runs and what it may know there. An environment is data: a profile in
 * `environments/<TEST_ENV>.json` (sandbox by default) says the base URL, the personas (their
 * organisation, and the variables that hold their credentials), the canary patients, which
 * oracles the environment supports, and whether it is read-only. `${NAME}` in a profile is
 * read from the process environment, then `.env.<name>.local` (git-ignored, for secrets),
 * then `.env.<name>` (committed, never secrets). Every missing variable is named in one error
 * before anything starts.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { sandboxPassword } from '../fixtures/credentials.ts';
import {
  streamDataset,
  type Canary,
  type Organization,
  type OrganizationType,
  type PatientTreated,
  type Persona,
  type PersonaKey,
} from '../fixtures/dataset.ts';
import { datasetOptionsFromEnv } from '../fixtures/options.ts';
import type { Knowledge } from './oracle/index.ts';

export type OracleSource = 'ground-truth' | 'admin-view' | 'canaries';

/** A profile as written, before its variables are read. */
export interface Profile {
  readonly name: string;
  readonly description?: string;
  readonly baseUrl: string;
  /** The suite starts the built-in sandbox unless TARGET_URL names a running dashboard. */
  readonly startsSandbox?: boolean;
  /** A production profile is read-only whatever `readOnly` says. */
  readonly production?: boolean;
  readonly readOnly?: boolean;
  readonly oracles: readonly OracleSource[];
  /** `generated`: the sandbox's dataset, whose passwords are the sandbox's own. */
  readonly personas: 'generated' | Readonly<Partial<Record<PersonaKey, ProfilePersona>>>;
  /** `organisationId:patientId` pairs, comma-separated. */
  readonly canaries?: string;
  /** How `npm run fixtures:seed` applies its plan: the sandbox's seed API, or a plan file. */
  readonly seedAdapter?: 'sandbox' | 'plan';
}

interface ProfilePersona {
  readonly email: string;
  readonly password: string;
  readonly organization: { readonly id: string; readonly name: string; readonly type: OrganizationType } | null;
}

export interface Environment {
  readonly name: string;
  /** What reports call the target: the profile, and the sandbox's variant when there is one. */
  readonly label: string;
  readonly baseUrl: string;
  readonly readOnly: boolean;
  readonly production: boolean;
  readonly oracles: readonly OracleSource[];
  readonly organizations: readonly Organization[];
  readonly personas: readonly Persona[];
  readonly canaries: readonly Canary[];
  /**
   * Every row of every tenant, where the environment is one the suite generated: a lazy
   * sequence regenerated from the seed on each reading, so a million rows never sit in memory.
   */
  readonly groundTruth: Iterable<PatientTreated> | null;
  readonly seedAdapter: 'sandbox' | 'plan';
  persona(key: PersonaKey): Persona;
  organizationOf(persona: Persona): Organization | null;
  password(persona: Persona): string;
}

export class MissingConfigurationError extends Error {
  override name = 'MissingConfigurationError';
}

const PROFILES_DIR = join(import.meta.dirname, '../environments');
const ROOT = join(import.meta.dirname, '..');

export function environmentName(env: NodeJS.ProcessEnv = process.env): string {
  return env.TEST_ENV || 'sandbox';
}

export function readProfile(name: string): Profile {
  const file = join(PROFILES_DIR, `${name}.json`);
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name) || !existsSync(file)) {
    const known = readdirSync(PROFILES_DIR).filter((entry) => entry.endsWith('.json')).map((entry) => entry.slice(0, -5));
    throw new MissingConfigurationError(`TEST_ENV=${name} names no profile; profiles: ${known.join(', ')} (environments/<name>.json).`);
  }
  return { name, ...(JSON.parse(readFileSync(file, 'utf8')) as Omit<Profile, 'name'>) };
}

/** The process environment over `.env.<name>.local` over `.env.<name>`. */
function profileVariables(name: string, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const fromFile = (file: string) => (existsSync(join(ROOT, file)) ? parseDotenv(readFileSync(join(ROOT, file))) : {});
  return { ...fromFile(`.env.${name}`), ...fromFile(`.env.${name}.local`), ...env };
}

export interface LoadOptions {
  /** For tools that need the profile's target and tenants only, not its sign-ins or canaries (fixtures:seed). */
  readonly tenantsOnly?: boolean;
  /** For tools that never call the target (isolation-check, fixtures:seed's plan): its URL may be unset. */
  readonly offline?: boolean;
}

export function loadEnvironment(env: NodeJS.ProcessEnv = process.env, options: LoadOptions = {}): Environment {
  const profile = readProfile(environmentName(env));
  const variables = profileVariables(profile.name, env);
  const missing = new Set<string>();
  /** Fills `${NAME}` in; a variable that is unset counts as missing unless it is optional here. */
  const fill = (text: string, required: boolean): string =>
    text.replace(/\$\{([A-Z0-9_]+)\}/g, (_, variable: string) => {
      const value = variables[variable];
      if (required && (value === undefined || value === '')) missing.add(variable);
      return value ?? '';
    });
  const read = (text: string) => fill(text, true);
  const readUrl = (text: string) => fill(text, !options.offline);

  const baseUrl = profile.startsSandbox ? readUrl(profile.baseUrl) : (variables.TARGET_URL || readUrl(profile.baseUrl));
  const generated = profile.personas === 'generated' ? streamDataset(datasetOptionsFromEnv(variables)) : null;
  const readCredential = (text: string) => (options.tenantsOnly ? '' : read(text));
  const personas = generated ? profilePersonasOf(generated.personas, generated.organizations) : resolvePersonas(profile, read, readCredential);
  const canaries = generated ? generated.canaries : parseCanaries(readCredential(profile.canaries ?? ''));
  if (missing.size > 0) {
    throw new MissingConfigurationError(
      `The ${profile.name} profile needs ${[...missing].sort().join(', ')}: set them in the environment or in .env.${profile.name}.local (see .env.example).`,
    );
  }
  const organizations = generated ? generated.organizations : uniqueOrganizations(personas);
  const organizationById = new Map(organizations.map((organization) => [organization.id, organization]));
  const production = profile.production === true;
  const sandboxVariant = profile.startsSandbox ? variables.SANDBOX_VARIANT : undefined;
  return {
    name: profile.name,
    label: variables.TARGET_NAME || (sandboxVariant && sandboxVariant !== 'correct' ? `${profile.name} (variant ${sandboxVariant})` : profile.name),
    baseUrl,
    production,
    readOnly: production || profile.readOnly === true,
    oracles: profile.oracles,
    organizations,
    personas: personas.map((entry) => entry.persona),
    canaries,
    groundTruth: generated ? generated.rows : null,
    seedAdapter: profile.seedAdapter ?? 'plan',
    persona(key) {
      const found = personas.find((entry) => entry.persona.key === key);
      if (!found) throw new MissingConfigurationError(`The ${profile.name} profile has no persona "${key}".`);
      return found.persona;
    },
    organizationOf: (persona) => (persona.organizationId === null ? null : (organizationById.get(persona.organizationId) ?? null)),
    password(persona) {
      const found = personas.find((entry) => entry.persona.key === persona.key);
      if (!found) throw new MissingConfigurationError(`The ${profile.name} profile has no persona "${persona.key}".`);
      return found.password;
    },
  };
}

/** What the oracle may lean on here, given the admin's view when the profile uses it. */
export function knowledgeOf(environment: Environment, adminView?: Iterable<PatientTreated>): Knowledge {
  const uses = (oracle: OracleSource) => environment.oracles.includes(oracle);
  const universe =
    uses('ground-truth') && environment.groundTruth
      ? { source: 'ground-truth' as const, rows: environment.groundTruth }
      : uses('admin-view') && adminView
        ? { source: 'admin-view' as const, rows: adminView }
        : undefined;
  return {
    organizations: environment.organizations,
    ...(universe ? { universe } : {}),
    ...(uses('canaries') ? { canaries: environment.canaries } : {}),
  };
}

interface ResolvedPersona {
  readonly persona: Persona;
  readonly password: string;
  readonly organization: Organization | null;
}

function profilePersonasOf(personas: readonly Persona[], organizations: readonly Organization[]): ResolvedPersona[] {
  return personas.map((persona) => ({
    persona,
    password: sandboxPassword(persona),
    organization: organizations.find((organization) => organization.id === persona.organizationId) ?? null,
  }));
}

function resolvePersonas(profile: Profile, read: (text: string) => string, readCredential: (text: string) => string): ResolvedPersona[] {
  if (profile.personas === 'generated') return [];
  return Object.entries(profile.personas).map(([key, entry]) => {
    const organization = entry.organization
      ? { id: read(entry.organization.id), name: read(entry.organization.name), type: entry.organization.type }
      : null;
    return {
      persona: {
        key: key as PersonaKey,
        email: readCredential(entry.email),
        name: key,
        role: organization ? 'provider_user' : 'luna_admin',
        organizationId: organization?.id ?? null,
      },
      password: readCredential(entry.password),
      organization,
    };
  });
}

function uniqueOrganizations(personas: readonly ResolvedPersona[]): Organization[] {
  const byId = new Map<string, Organization>();
  for (const { organization } of personas) if (organization) byId.set(organization.id, organization);
  return [...byId.values()];
}

function parseCanaries(text: string): Canary[] {
  return text
    .split(',')
    .map((pair) => pair.trim())
    .filter(Boolean)
    .map((pair) => {
      const [organizationId = '', patientId = ''] = pair.split(':');
      if (!organizationId || !patientId) throw new MissingConfigurationError(`A canary must read organisationId:patientId, got "${pair}".`);
      return { organizationId, patientId };
    });
}
