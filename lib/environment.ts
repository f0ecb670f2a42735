/**
 * Where the suite runs and what it may know there. An environment is data: a profile in
 * `environments/<TEST_ENV>.json` (sandbox by default) says the base URL, the tenants it knows
 * (id, name, type), its personas (any keys; each a tenant's user or a Luna admin, with the
 * variables that hold their credentials), the canary patients, which oracles the environment
 * supports, and whether it is read-only. `${NAME}` in a profile is read from the process
 * environment, then `.env.<name>.local` (git-ignored, for secrets), then `.env.<name>`
 * (committed, never secrets). Every missing variable is named in one error before anything
 * starts. docs/profiles.md describes the format.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { sandboxPassword } from '../fixtures/credentials.ts';
import { GeneratedRows, streamDataset } from '../fixtures/dataset.ts';
import { datasetOptionsFromEnv } from '../fixtures/options.ts';
import type { Canary, PatientTreated, Persona } from './model.ts';
import type { Knowledge, Universe } from './oracle/index.ts';

export type OracleSource = 'ground-truth' | 'admin-view' | 'canaries';

/** A tenant as a profile lists it; `type: null` says nobody has filled it in yet, and coverage fails until someone does. */
export interface ProfileTenant {
  readonly id: string;
  readonly name: string;
  readonly type: string | null;
}

/** A persona as a profile writes it: a tenant's user names its tenant's id; a Luna admin says its role. */
export interface ProfilePersona {
  readonly email: string;
  readonly password: string;
  readonly tenant?: string;
  readonly role?: 'luna_admin';
}

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
  /** `generated`: the sandbox's dataset, whose tenants are the ground truth's. */
  readonly tenants: 'generated' | readonly ProfileTenant[];
  /** `generated`: the sandbox's dataset, whose passwords are the sandbox's own. */
  readonly personas: 'generated' | Readonly<Record<string, ProfilePersona>>;
  /** `organisationId:patientId` pairs, comma-separated. */
  readonly canaries?: string;
  /** How `npm run fixtures:seed` applies its plan: the sandbox's seed API, or a plan file. */
  readonly seedAdapter?: 'sandbox' | 'plan';
}

/** A tenant the environment knows; its type is `null` where the profile leaves it open. */
export interface KnownTenant {
  readonly id: string;
  readonly name: string;
  readonly type: string | null;
}

export interface Environment {
  readonly name: string;
  /** What reports call the target: the profile, and the sandbox's variant when there is one. */
  readonly label: string;
  readonly baseUrl: string;
  readonly readOnly: boolean;
  readonly production: boolean;
  readonly oracles: readonly OracleSource[];
  /** Every tenant the profile lists (or the sandbox generated), personas' tenants among them. */
  readonly tenants: readonly KnownTenant[];
  readonly personas: readonly Persona[];
  readonly canaries: readonly Canary[];
  /**
   * Every row of every tenant, where the environment is one the suite generated: a lazy
   * sequence regenerated from the seed on each reading, so a million rows never sit in memory.
   */
  readonly groundTruth: Iterable<PatientTreated> | null;
  readonly seedAdapter: 'sandbox' | 'plan';
  persona(key: string): Persona;
  tenantOf(persona: Persona): KnownTenant | null;
  password(persona: Persona): string;
}

/** The run is set up wrong (a profile, a variable, a credential): a user's mistake, named in one message. */
export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
}

export class MissingConfigurationError extends ConfigurationError {
  override name = 'MissingConfigurationError';
}

const ROOT = join(import.meta.dirname, '..');

/** Where profiles live: `environments/`, or SUITE_PROFILES_DIR (the project's own tests write profiles of their own). */
export function profilesDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.SUITE_PROFILES_DIR || join(ROOT, 'environments');
}

export function environmentName(env: NodeJS.ProcessEnv = process.env): string {
  return env.TEST_ENV || 'sandbox';
}

export function readProfile(name: string, env: NodeJS.ProcessEnv = process.env): Profile {
  const dir = profilesDir(env);
  const file = join(dir, `${name}.json`);
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name) || !existsSync(file)) {
    const known = existsSync(dir) ? readdirSync(dir).filter((entry) => entry.endsWith('.json')).map((entry) => entry.slice(0, -5)) : [];
    throw new MissingConfigurationError(`TEST_ENV=${name} names no profile; profiles: ${known.join(', ') || 'none'} (${dir}/<name>.json; \`npm run env:init\` writes one).`);
  }
  let written: Omit<Profile, 'name'>;
  try {
    written = JSON.parse(readFileSync(file, 'utf8')) as Omit<Profile, 'name'>;
  } catch (error) {
    throw new MissingConfigurationError(`The profile ${file} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { name, ...written };
}

/** The one rule for read-only: a production profile is read-only whatever else it says. */
export function isReadOnly(profile: Pick<Profile, 'production' | 'readOnly'>): boolean {
  return profile.production === true || profile.readOnly === true;
}

/** The process environment over `.env.<name>.local` over `.env.<name>`: how every command reads a profile's variables. */
export function profileVariables(name: string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const fromFile = (file: string) => (existsSync(join(ROOT, file)) ? parseDotenv(readFileSync(join(ROOT, file))) : {});
  return { ...fromFile(`.env.${name}`), ...fromFile(`.env.${name}.local`), ...env };
}

export interface LoadOptions {
  /** For tools that need the profile's target and tenants only, not its sign-ins or canaries (fixtures:seed). */
  readonly tenantsOnly?: boolean;
  /** For tools that never call the target (isolation-check, fixtures:seed's plan), and for listing checks before a target runs: its URL may be unset. */
  readonly offline?: boolean;
}

export function loadEnvironment(env: NodeJS.ProcessEnv = process.env, options: LoadOptions = {}): Environment {
  const profile = readProfile(environmentName(env), env);
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
  const readCredential = (text: string) => (options.tenantsOnly ? '' : read(text));

  const baseUrl = profile.startsSandbox ? readUrl(profile.baseUrl) : variables.TARGET_URL || readUrl(profile.baseUrl);
  const generated = profile.personas === 'generated' || profile.tenants === 'generated' ? streamDataset(datasetOptionsFromEnv(variables)) : null;
  const tenants: KnownTenant[] =
    profile.tenants === 'generated' ? [...(generated?.organizations ?? [])] : profileTenants(profile, read);
  const personas =
    profile.personas === 'generated'
      ? (generated?.personas ?? []).map((persona) => ({ persona, password: sandboxPassword(persona) }))
      : profilePersonas(profile, read, readCredential);
  const canaries = profile.personas === 'generated' ? (generated?.canaries ?? []) : parseCanaries(readCredential(profile.canaries ?? ''));
  if (missing.size > 0) {
    throw new MissingConfigurationError(
      `The ${profile.name} profile needs ${[...missing].sort().join(', ')}: set them in the environment or in .env.${profile.name}.local (see .env.example).`,
    );
  }
  checkConsistency(profile.name, tenants, personas.map((entry) => entry.persona));

  const tenantById = new Map(tenants.map((tenant) => [tenant.id, tenant]));
  const production = profile.production === true;
  const sandboxVariant = profile.startsSandbox ? variables.SANDBOX_VARIANT : undefined;
  const find = (key: string) => {
    const found = personas.find((entry) => entry.persona.key === key);
    if (!found) throw new MissingConfigurationError(`The ${profile.name} profile has no persona "${key}"; it has ${personas.map((entry) => entry.persona.key).join(', ')}.`);
    return found;
  };
  return {
    name: profile.name,
    label: variables.TARGET_NAME || (sandboxVariant && sandboxVariant !== 'correct' ? `${profile.name} (variant ${sandboxVariant})` : profile.name),
    baseUrl,
    production,
    readOnly: isReadOnly(profile),
    oracles: profile.oracles,
    tenants,
    personas: personas.map((entry) => entry.persona),
    canaries,
    groundTruth: generated && profile.oracles.includes('ground-truth') ? generated.rows : null,
    seedAdapter: profile.seedAdapter ?? 'plan',
    persona: (key) => find(key).persona,
    tenantOf: (persona) => (persona.organizationId === null ? null : (tenantById.get(persona.organizationId) ?? null)),
    password: (persona) => find(persona.key).password,
  };
}

/** What the oracle may lean on here, given the admin's view when the profile uses it. */
export function knowledgeOf(environment: Environment, adminView?: Iterable<PatientTreated>): Knowledge {
  const uses = (oracle: OracleSource) => environment.oracles.includes(oracle);
  const truth = environment.groundTruth;
  // A generated ground truth hands over one tenant's share without building the others' million rows.
  const share = truth instanceof GeneratedRows ? { shareOf: truth.shareOf.bind(truth) } : {};
  const universe: Universe | undefined =
    uses('ground-truth') && truth
      ? { source: 'ground-truth', rows: truth, ...share }
      : uses('admin-view') && adminView
        ? { source: 'admin-view' as const, rows: adminView }
        : undefined;
  return {
    organizations: environment.tenants,
    ...(universe ? { universe } : {}),
    ...(uses('canaries') ? { canaries: environment.canaries } : {}),
  };
}

function profileTenants(profile: Profile, read: (text: string) => string): KnownTenant[] {
  if (profile.tenants === 'generated') return [];
  if (!Array.isArray(profile.tenants)) throw new MissingConfigurationError(`The ${profile.name} profile must list its tenants: "tenants": [{ "id", "name", "type" }, ...].`);
  return profile.tenants.map((tenant, index) => {
    if (typeof tenant?.id !== 'string' || typeof tenant.name !== 'string' || (tenant.type !== null && typeof tenant.type !== 'string')) {
      throw new MissingConfigurationError(`The ${profile.name} profile's tenant #${index + 1} must have a string id and name, and a type (a string, or null until it is known).`);
    }
    return { id: read(tenant.id), name: read(tenant.name), type: tenant.type === null ? null : read(tenant.type) };
  });
}

interface ResolvedPersona {
  readonly persona: Persona;
  readonly password: string;
}

function profilePersonas(profile: Profile, read: (text: string) => string, readCredential: (text: string) => string): ResolvedPersona[] {
  if (profile.personas === 'generated') return [];
  if (typeof profile.personas !== 'object' || profile.personas === null || Array.isArray(profile.personas)) {
    throw new MissingConfigurationError(`The ${profile.name} profile's personas must be an object: { "<key>": { "email", "password", "tenant" | "role" } }.`);
  }
  return Object.entries(profile.personas).map(([key, entry]) => {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(key)) throw new MissingConfigurationError(`The ${profile.name} profile's persona key "${key}" must be lower-case letters, digits and dashes.`);
    const isAdmin = entry.role === 'luna_admin';
    if (isAdmin === (entry.tenant !== undefined)) {
      throw new MissingConfigurationError(`The ${profile.name} profile's persona "${key}" must name either its "tenant" (a tenant's user) or "role": "luna_admin", and not both.`);
    }
    return {
      persona: {
        key,
        email: readCredential(entry.email),
        name: key,
        role: isAdmin ? 'luna_admin' : 'provider_user',
        organizationId: entry.tenant === undefined ? null : read(entry.tenant),
      },
      password: readCredential(entry.password),
    };
  });
}

function checkConsistency(profileName: string, tenants: readonly KnownTenant[], personas: readonly Persona[]): void {
  const ids = new Set(tenants.map((tenant) => tenant.id));
  if (ids.size !== tenants.length) throw new MissingConfigurationError(`The ${profileName} profile lists a tenant id twice.`);
  const strays = personas.filter((persona) => persona.organizationId !== null && !ids.has(persona.organizationId));
  if (strays.length > 0) {
    throw new MissingConfigurationError(
      `The ${profileName} profile's persona(s) ${strays.map((persona) => `"${persona.key}"`).join(', ')} name a tenant its "tenants" list does not hold.`,
    );
  }
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
