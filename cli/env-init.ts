/**
 * `npm run env:init -- <name> --url <base url> --admin <email>=<VAR> --persona <email>=<VAR> ...`:
 * points the suite at a new deployment in one step. It signs each user in, asks the target
 * who they are (`GET /api/me`) and what the Luna admin sees (every page of the list), and
 * writes `<profiles dir>/<name>.json` with every tenant seen and every persona, so that
 * `TEST_ENV=<name> npm start` runs with the same variables set. docs/profiles.md, "A new
 * environment", walks through it.
 *
 * What it writes, and why:
 * - Passwords as `${VAR}`, never as values: the profile is committed, the password is not.
 * - Emails as values: an account's email is not a secret, and a profile that says who signs
 *   in can be read and reviewed without the variables; writing them as values also keeps
 *   `npm start` needing exactly the variables given here, no new ones.
 * - Tenant ids and names as the admin's view shows them (organisations are not PHI); each
 *   tenant's type from a persona's `GET /api/me`, or `--tenant-type`, or else `null`, which
 *   the coverage check fails on until someone fills it in: guessing a type would let a tenant
 *   type go unchecked, the incident's own root cause (docs/incident-2025-06-09.md, why 2).
 *
 * Nothing it prints or writes holds patient data: tenants, counts and accounts only.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { profileVariables, profilesDir, type Profile, type ProfilePersona, type ProfileTenant } from '../lib/environment.ts';
import { EXIT_CODES } from '../lib/report/run-verdict.ts';
import { dashboardClient, probeTarget, SignInError, startSession, type DashboardClient, type Me } from '../lib/target/client.ts';
import { command } from './command.ts';

const NAME = 'npm run env:init';
/** The profile's own rule for names and persona keys (lib/environment.ts). */
const KEY_PATTERN = /^[a-z0-9][a-z0-9-]*$/;
/** What `${NAME}` interpolation reads in a profile. */
const VARIABLE_PATTERN = /^[A-Z0-9_]+$/;
const ADMIN_KEY = 'luna-admin';

const tool = command({
  name: NAME,
  usage: `${NAME} -- <name> --url <base url> --admin [<key>:]<email>=<VAR> --persona [<key>:]<email>=<VAR> ... [--tenant-type <tenant id>=<type> ...] [--canaries <VAR>] [--read-only | --production] [--force]`,
  summary: "Writes a profile for a new environment from what its users and its Luna admin's view show, so that `TEST_ENV=<name> npm start` can run.",
  details: [
    '<name>           the profile: environments/<name>.json (SUITE_PROFILES_DIR moves the folder)',
    '--url            the dashboard\'s base URL, written as given',
    '--admin          a Luna admin; its view of every tenant is the run\'s oracle',
    '--persona        a tenant\'s user, once per user; one per tenant type at least, or coverage fails',
    '                 <VAR> names the variable holding the password: read now, written as ${VAR}',
    '                 <key>: names the persona (default: its tenant\'s name, e.g. riverside-clinic)',
    '--tenant-type    the type of a tenant no persona belongs to; otherwise it is written as null',
    '--canaries       a variable holding organisationId:patientId pairs; adds the canaries oracle',
    '--read-only      only @readonly checks run there; --production also marks it production',
    '--force          overwrite an existing profile',
    'Variables are read from the environment, then .env.<name>.local, then .env.<name>, as npm start reads them.',
    'exit 3: the URL does not answer as the dashboard does, or fails while being read',
  ],
  options: {
    url: { type: 'string' },
    admin: { type: 'string', multiple: true },
    persona: { type: 'string', multiple: true },
    'tenant-type': { type: 'string', multiple: true },
    canaries: { type: 'string' },
    'read-only': { type: 'boolean' },
    production: { type: 'boolean' },
    force: { type: 'boolean' },
  },
  allowPositionals: true,
});

/** Thrown once a failure has been printed and the exit code set, so sessions still end on the way out. */
class Stop extends Error {}

/** A user as given on the command line: who, and the variable that holds the password. */
interface UserSpec {
  readonly flag: '--admin' | '--persona';
  readonly key: string | undefined;
  readonly email: string;
  readonly variable: string;
}

/** A user once signed in: its session and what the target says of it. */
interface SignedIn extends UserSpec {
  readonly client: DashboardClient;
  readonly me: Me;
}

const parsed = tool.parse(process.argv.slice(2));
const list = (option: string): string[] => {
  const value = parsed.values[option] as unknown;
  return Array.isArray(value) ? value.map(String) : [];
};

const name = parsed.positionals.length === 1 && parsed.positionals[0] ? parsed.positionals[0] : tool.usageError('give exactly one profile name');
if (!KEY_PATTERN.test(name)) tool.usageError(`the profile name "${name}" must be lower-case letters, digits and dashes`);
const baseUrl = typeof parsed.values.url === 'string' ? parsed.values.url : tool.usageError('--url <base url> is required');
if (!/^https?:\/\/[^/]/.test(baseUrl) || !URL.canParse(baseUrl)) tool.usageError(`--url ${baseUrl} is not an http(s) URL`);
const admins = list('admin').map((text) => userSpec('--admin', text));
if (admins.length !== 1) tool.usageError('give exactly one --admin <email>=<VAR>: its view of every tenant is how the suite judges this environment');
const tenantUsers = list('persona').map((text) => userSpec('--persona', text));
if (tenantUsers.length === 0) tool.usageError("give at least one --persona <email>=<VAR>: a tenant's user, one per tenant type");
const users = [...tenantUsers, ...admins];
for (const field of ['email', 'key'] as const) {
  const seen = new Set<string>();
  for (const user of users) {
    const value = user[field];
    if (value === undefined) continue;
    if (seen.has(value)) tool.usageError(`the ${field} ${value} is given twice`);
    seen.add(value);
  }
}
const tenantTypes = new Map(
  list('tenant-type').map((text) => {
    const match = /^([^=]+)=(.+)$/.exec(text);
    if (!match?.[1] || !match[2]?.trim()) return tool.usageError(`--tenant-type ${text} must read <tenant id>=<type>`);
    return [match[1].trim(), match[2].trim()] as const;
  }),
);
const canariesVariable = typeof parsed.values.canaries === 'string' ? parsed.values.canaries : undefined;
if (canariesVariable !== undefined && !VARIABLE_PATTERN.test(canariesVariable)) tool.usageError(`--canaries ${canariesVariable} must name a variable (A-Z, 0-9, _)`);

const dir = profilesDir();
const file = join(dir, `${name}.json`);
const shown = relative(process.cwd(), file).startsWith('..') ? file : relative(process.cwd(), file);
// Before any network: a profile someone wrote by hand is not lost to a typo in a command.
if (existsSync(file) && parsed.values.force !== true) tool.usageError(`${shown} exists; --force overwrites it`);

const variables = profileVariables(name, process.env);
const missing = [...new Set([...users.map((user) => user.variable), ...(canariesVariable ? [canariesVariable] : [])])].filter((variable) => !variables[variable]);
if (missing.length > 0) tool.usageError(`${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not set: set ${missing.length === 1 ? 'it' : 'them'} in the environment or in .env.${name}.local`);
const canaries = canariesVariable ? tool.guard(() => parseCanaries(canariesVariable, variables[canariesVariable] ?? '')) : [];

const signedIn: SignedIn[] = [];
try {
  await atTarget(() => probeTarget(baseUrl));
  signedIn.push(...(await signEveryoneIn()));
  checkRoles(signedIn);
  const admin = signedIn.find((user) => user.flag === '--admin');
  if (!admin) throw new Error('the --admin user did not sign in');
  const seen = await atTarget(() => adminView(admin.client));
  const { profile, untyped, uncoveredTypes } = buildProfile(signedIn, seen);
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, `${JSON.stringify(profile, null, 2)}\n`);
  report(profile, seen, untyped, uncoveredTypes);
} catch (error) {
  // A Stop was printed where it was raised; anything else is this tool's own failure.
  if (!(error instanceof Stop)) {
    console.error(`${NAME}: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = EXIT_CODES['suite-error'];
  }
} finally {
  // The sessions were only needed to read; none is left open on the target.
  await Promise.allSettled(signedIn.map((user) => user.client.signOut()));
}

/** `[<key>:]<email>=<VAR>`: the key is optional, and the variable names where the password is. */
function userSpec(flag: UserSpec['flag'], text: string): UserSpec {
  const equals = text.lastIndexOf('=');
  const who = equals > 0 ? text.slice(0, equals) : '';
  const variable = equals > 0 ? text.slice(equals + 1) : '';
  if (!who || !VARIABLE_PATTERN.test(variable)) tool.usageError(`${flag} ${text} must read [<key>:]<email>=<VAR>, VAR naming the variable that holds the password (A-Z, 0-9, _)`);
  const keyed = /^([a-z0-9][a-z0-9-]*):(.+)$/.exec(who);
  const email = keyed?.[2] ?? who;
  if (!email.includes('@')) tool.usageError(`${flag} ${text}: "${email}" is not an email`);
  return { flag, key: keyed?.[1], email, variable };
}

function parseCanaries(variable: string, text: string): string[] {
  const pairs = text.split(',').map((pair) => pair.trim()).filter(Boolean);
  for (const pair of pairs) {
    if (!/^[^:]+:[^:]+$/.test(pair)) throw new Error(`${variable} must hold organisationId:patientId pairs, comma-separated; one of them does not read so`);
  }
  return pairs;
}

/** A target that is down, hung, not the dashboard, or fails while read: one line, exit 3. */
async function atTarget<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    console.error(`${NAME}: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = EXIT_CODES['target-error'];
    throw new Stop();
  }
}

/** Every user signs in at once; every refused one is named in one line (by email and variable, never the password). */
async function signEveryoneIn(): Promise<SignedIn[]> {
  const results = await Promise.allSettled(
    users.map(async (user) => {
      // The client names a persona in its errors; until /api/me answers, the email is its name.
      const who = { key: user.key ?? user.email, email: user.email };
      const client = dashboardClient(baseUrl, await startSession(baseUrl, who, variables[user.variable] ?? ''), { persona: who.key });
      try {
        return { ...user, client, me: await client.me() };
      } catch (error) {
        await client.signOut().catch(() => undefined);
        throw error;
      }
    }),
  );
  const done = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  if (done.length === users.length) return done;
  await Promise.allSettled(done.map((user) => user.client.signOut()));
  const failures = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
  // A target that fails to answer outranks a refused password: the refusal may be its symptom.
  const broken = failures.find((reason) => !(reason instanceof SignInError));
  if (broken !== undefined) await atTarget(() => Promise.reject(broken));
  const refused = users.filter((_, index) => results[index]?.status === 'rejected');
  return fail(`${baseUrl} refused the password of ${refused.map((user) => `${user.flag} ${user.email} (${user.variable})`).join(', ')}: check ${refused.length === 1 ? 'that variable' : 'those variables'}`);
}

/** An --admin must be a Luna admin and a --persona a tenant's user; every mismatch in one line. */
function checkRoles(everyone: readonly SignedIn[]): void {
  const problems: string[] = [];
  for (const user of everyone) {
    const role = user.me.user.role;
    const organization = user.me.organization;
    if (user.flag === '--admin' && (role !== 'luna_admin' || organization !== null)) {
      problems.push(`--admin ${user.email} is not a Luna admin (GET /api/me: role ${role}${organization ? `, of ${organization.name} (${organization.id})` : ''})`);
    } else if (user.flag === '--persona' && (role === 'luna_admin' || organization === null)) {
      problems.push(`--persona ${user.email} is a Luna admin, not a tenant's user: give it as --admin`);
    } else if (user.flag === '--persona' && role !== 'provider_user') {
      problems.push(`--persona ${user.email} has the role ${role} at GET /api/me, where the suite knows provider_user and luna_admin`);
    }
  }
  if (problems.length > 0) fail(problems.join('; '));
}

interface SeenTenant {
  readonly name: string;
  rows: number;
}

/** Every tenant the admin's list holds, named as it names them, with its row count (a count is not PHI). */
async function adminView(client: DashboardClient): Promise<Map<string, SeenTenant>> {
  const seen = new Map<string, SeenTenant>();
  for await (const row of client.listAll()) {
    const tenant = seen.get(row.providerId);
    if (tenant) tenant.rows++;
    else seen.set(row.providerId, { name: row.providerName, rows: 1 });
  }
  return seen;
}

function buildProfile(everyone: readonly SignedIn[], seen: ReadonlyMap<string, SeenTenant>) {
  const tenantOf = new Map<string, { name: string; type: string | null }>();
  for (const [id, tenant] of seen) tenantOf.set(id, { name: tenant.name, type: null });
  // A tenant without rows is missing from the admin's list; its user's /api/me still names it.
  for (const user of everyone) {
    const organization = user.me.organization;
    if (!organization) continue;
    const known = tenantOf.get(organization.id);
    tenantOf.set(organization.id, { name: known?.name ?? organization.name, type: organization.type });
  }
  const problems: string[] = [];
  for (const [id, type] of tenantTypes) {
    const tenant = tenantOf.get(id);
    if (!tenant) problems.push(`--tenant-type ${id}=${type} names no tenant the admin sees (${[...tenantOf.keys()].join(', ')})`);
    else if (tenant.type !== null && tenant.type !== type) problems.push(`--tenant-type ${id}=${type}, but a persona of ${tenant.name} is of type ${tenant.type} at GET /api/me`);
    else tenant.type = type;
  }
  const tenantIds = new Set(tenantOf.keys());
  for (const canary of canaries) {
    const [organizationId = ''] = canary.split(':');
    if (!tenantIds.has(organizationId)) problems.push(`${canariesVariable} names a canary in the tenant ${organizationId}, which the admin does not see`);
  }
  if (problems.length > 0) fail(problems.join('; '));

  const tenants: ProfileTenant[] = [...tenantOf]
    .map(([id, tenant]) => ({ id, name: tenant.name, type: tenant.type }))
    .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  const personas: Record<string, ProfilePersona> = {};
  const taken = new Set(everyone.flatMap((user) => (user.key ? [user.key] : [])));
  const keyFor = (user: SignedIn): string => {
    if (user.key) return user.key;
    const base = user.me.organization ? slug(tenantOf.get(user.me.organization.id)?.name ?? user.me.organization.name) : ADMIN_KEY;
    let key = base;
    for (let n = 2; taken.has(key); n++) key = `${base}-${n}`;
    taken.add(key);
    return key;
  };
  for (const user of everyone) {
    const password = `\${${user.variable}}`;
    personas[keyFor(user)] = user.me.organization ? { email: user.email, password, tenant: user.me.organization.id } : { email: user.email, password, role: 'luna_admin' };
  }
  const production = parsed.values.production === true;
  const readOnly = production || parsed.values['read-only'] === true;
  const profile: Omit<Profile, 'name'> = {
    description: `Written by \`npm run env:init\` from what its users and its Luna admin's view showed; docs/profiles.md says what each field means. Every tenant the environment holds must be listed here, each type with at least one persona: the coverage check fails otherwise.`,
    baseUrl,
    ...(production ? { production } : {}),
    ...(readOnly ? { readOnly } : {}),
    oracles: canariesVariable ? ['admin-view', 'canaries'] : ['admin-view'],
    tenants,
    personas,
    ...(canariesVariable ? { canaries: `\${${canariesVariable}}` } : {}),
  };
  const untyped = tenants.filter((tenant) => tenant.type === null);
  const checked = new Set(everyone.flatMap((user) => (user.me.organization ? [user.me.organization.type] : [])));
  const uncoveredTypes = [...new Set(tenants.flatMap((tenant) => (tenant.type === null || checked.has(tenant.type) ? [] : [tenant.type])))].sort();
  return { profile, untyped, uncoveredTypes };
}

/** A tenant's name as a persona key: `Riverside Clinic` gives `riverside-clinic`. */
function slug(text: string): string {
  const words = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return words || 'tenant';
}

function report(profile: Omit<Profile, 'name'>, seen: ReadonlyMap<string, SeenTenant>, untyped: readonly ProfileTenant[], uncoveredTypes: readonly string[]): void {
  const tenants = profile.tenants === 'generated' ? [] : profile.tenants;
  const personas = profile.personas === 'generated' ? {} : profile.personas;
  const personaOf = new Map(Object.entries(personas).flatMap(([key, persona]) => (persona.tenant ? [[persona.tenant, key] as const] : [])));
  const width = (values: readonly string[]) => Math.max(...values.map((value) => value.length));
  const nameWidth = width(tenants.map((tenant) => tenant.name));
  const idWidth = width(tenants.map((tenant) => tenant.id));
  const typeWidth = width(tenants.map((tenant) => tenant.type ?? 'null'));
  console.log(`${NAME}: wrote ${shown}: ${tenants.length} tenants, personas ${Object.keys(personas).join(', ')}; oracles ${profile.oracles.join(', ')}.`);
  for (const tenant of tenants) {
    const source = personaOf.has(tenant.id) ? `persona ${personaOf.get(tenant.id)}` : tenant.type === null ? 'FILL IN' : '--tenant-type';
    const rows = seen.get(tenant.id)?.rows ?? 0;
    console.log(`  ${tenant.name.padEnd(nameWidth)}  ${tenant.id.padEnd(idWidth)}  ${(tenant.type ?? 'null').padEnd(typeWidth)}  ${String(rows).padStart(7)} rows  ${source}`);
  }
  if (untyped.length > 0) {
    console.log(
      `Fill in the type of ${untyped.map((tenant) => `${tenant.name} (${tenant.id})`).join(', ')} in ${shown}, or run again with --tenant-type <id>=<type> --force: until then the coverage check fails.`,
    );
  }
  if (uncoveredTypes.length > 0) {
    console.log(`No persona is of the type ${uncoveredTypes.join(', ')}: add a --persona for a user of such a tenant, or the coverage check fails.`);
  }
  const needed = [...new Set([...users.map((user) => user.variable), ...(canariesVariable ? [canariesVariable] : [])])];
  console.log(`Next: TEST_ENV=${name} npm start, with ${needed.join(', ')} set as now (or kept in .env.${name}.local, which git ignores).`);
}


/** A refusal of what the target said about a user: one line, exit 2. */
function fail(message: string): never {
  console.error(`${NAME}: ${message}`);
  process.exitCode = EXIT_CODES['config-error'];
  throw new Stop();
}
