/**
 * The broker commands behind `npm run pact:*`, as one function the CLI and the tests share.
 *
 * - `publish`: the page's pact (consumer `clinical-dashboard-page`), versioned by this
 *   repository's commit and branch, because the pact is written here.
 * - `can-i-deploy`: may `--pacticipant` at `--version` go to `--environment`? For the API
 *   the version is the API build's, passed in by the release trigger, never this checkout's.
 * - `record-deployment` / `record-release`: tell the broker what now runs in an environment.
 *
 * Release mode (PACT_GATE_MODE=release, or any CI run that is not a pull request) fails a
 * missing broker URL, version or environment with BrokerNotConfiguredError and exit 2. Only
 * a local or pull-request run may skip, and it says so.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PACT_CONSUMER, PACT_DIR, PACT_PROVIDER } from '../provider-states.ts';
import { BrokerClient, type PactContract, type RecordKind } from './client.ts';
import { BrokerError, BrokerNotConfiguredError, BrokerUsageError } from './errors.ts';
import { judgeCanIDeploy } from './gate.ts';

export const BROKER_COMMANDS = ['publish', 'can-i-deploy', 'record-deployment', 'record-release'] as const;
export type BrokerCommand = (typeof BROKER_COMMANDS)[number];
export type GateMode = 'release' | 'local';

const PACTICIPANTS: readonly string[] = [PACT_CONSUMER, PACT_PROVIDER];
const DEFAULT_TIMEOUT_MS = 30_000;

export interface BrokerOutput {
  log(line: string): void;
  error(line: string): void;
}

export interface RunOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly output?: BrokerOutput;
  /** Where `publish` finds the pact files; the repository's `pacts/` by default. */
  readonly pactDir?: string;
  /** This repository's commit and branch, when the environment does not say them. */
  readonly git?: (...args: string[]) => string | null;
}

/** Runs one command and returns its exit code; never throws for a broker's answer. */
export async function runBrokerCommand(argv: readonly string[], options: RunOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  const output = options.output ?? { log: (line) => console.log(line), error: (line) => console.error(line) };
  const [command, ...rest] = argv;
  if (!isCommand(command)) {
    output.error(`usage: node contracts/broker.ts ${BROKER_COMMANDS.join(' | ')} [--pacticipant name] [--version v] [--environment name] [--branch name]`);
    return 2;
  }
  try {
    const flags = parseFlags(rest);
    const mode = gateMode(env);
    const baseUrl = env.PACT_BROKER_BASE_URL;
    if (!baseUrl) {
      if (mode === 'release') {
        throw new BrokerNotConfiguredError(
          `pact:${command} needs PACT_BROKER_BASE_URL in release mode: without a broker the release would go out unchecked.`,
        );
      }
      output.log(`pact:${command} skipped: PACT_BROKER_BASE_URL is not set (a ${mode} run; release mode fails here).`);
      return 0;
    }
    const client = new BrokerClient({
      baseUrl,
      auth: { token: env.PACT_BROKER_TOKEN, username: env.PACT_BROKER_USERNAME, password: env.PACT_BROKER_PASSWORD },
      timeoutMs: positiveNumber(env.PACT_BROKER_TIMEOUT_MS) ?? DEFAULT_TIMEOUT_MS,
    });
    const git = options.git ?? gitOutput;

    if (command === 'publish') {
      const version = flags.version ?? env.PACT_APP_VERSION ?? git('rev-parse', 'HEAD');
      const branch = flags.branch ?? env.PACT_BRANCH ?? git('rev-parse', '--abbrev-ref', 'HEAD');
      if (!version || !branch || branch === 'HEAD') {
        throw new BrokerNotConfiguredError(`pact:publish needs the page's version and branch: set PACT_APP_VERSION and PACT_BRANCH (a detached checkout has no branch).`);
      }
      const contracts = readPacts(options.pactDir ?? join(import.meta.dirname, '../..', PACT_DIR));
      output.log(`pact:publish ${PACT_CONSUMER} ${version} (branch ${branch}) to ${baseUrl}`);
      const logs = await client.publish({ pacticipant: PACT_CONSUMER, version, branch, buildUrl: env.PACT_BUILD_URL || undefined, contracts });
      for (const line of logs) output.log(`  ${line}`);
      return 0;
    }

    const pacticipant = flags.pacticipant ?? env.PACT_PACTICIPANT ?? PACT_PROVIDER;
    if (!PACTICIPANTS.includes(pacticipant)) {
      throw new BrokerUsageError(`pact:${command} knows the pacticipants ${PACTICIPANTS.join(' and ')}, not "${pacticipant}".`);
    }
    // The page's version is this repository's commit; the API's comes only from its release
    // trigger, because this checkout's commit is no version of the API.
    const version =
      flags.version ?? env.PACT_PACTICIPANT_VERSION ?? (pacticipant === PACT_CONSUMER ? (env.PACT_APP_VERSION ?? git('rev-parse', 'HEAD')) : null);
    const environment = flags.environment ?? env.PACT_ENVIRONMENT;
    const missing = [...(version ? [] : ['PACT_PACTICIPANT_VERSION (or --version)']), ...(environment ? [] : ['PACT_ENVIRONMENT (or --environment)'])];
    if (!version || !environment) {
      throw new BrokerNotConfiguredError(`pact:${command} for ${pacticipant} needs ${missing.join(' and ')}.`);
    }

    if (command === 'can-i-deploy') {
      output.log(`pact:can-i-deploy asks ${baseUrl}: may ${pacticipant} ${version} go to ${environment}?`);
      await client.requireVersion(pacticipant, version);
      const answer = await client.canIDeploy(pacticipant, version, environment);
      for (const line of judgeCanIDeploy({ pacticipant, version, environment }, answer)) output.log(line);
      return 0;
    }

    const kind: RecordKind = command === 'record-deployment' ? 'deployed' : 'released';
    await client.record(kind, pacticipant, version, environment);
    output.log(`pact:${command}: the broker records ${pacticipant} ${version} as ${kind} to ${environment}.`);
    return 0;
  } catch (error) {
    if (error instanceof BrokerError) {
      output.error(`pact:${command} ${error.name}: ${error.message}`);
      return error.exitCode;
    }
    output.error(`pact:${command} failed inside the suite: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 4;
  }
}

export function gateMode(env: NodeJS.ProcessEnv): GateMode {
  const explicit = env.PACT_GATE_MODE;
  if (explicit === 'release' || explicit === 'local') return explicit;
  if (explicit) throw new BrokerUsageError(`PACT_GATE_MODE is "${explicit}"; it is release or local.`);
  const ci = Boolean(env.CI) && env.CI !== 'false';
  const pullRequest = env.GITHUB_EVENT_NAME === 'pull_request' || env.GITHUB_EVENT_NAME === 'pull_request_target';
  return ci && !pullRequest ? 'release' : 'local';
}

function isCommand(value: string | undefined): value is BrokerCommand {
  return (BROKER_COMMANDS as readonly string[]).includes(value ?? '');
}

function parseFlags(args: readonly string[]): { pacticipant?: string; version?: string; environment?: string; branch?: string } {
  try {
    const { values } = parseArgs({
      args: [...args],
      options: { pacticipant: { type: 'string' }, version: { type: 'string' }, environment: { type: 'string' }, branch: { type: 'string' } },
    });
    return values;
  } catch (error) {
    throw new BrokerUsageError(error instanceof Error ? error.message : String(error));
  }
}

/** Every pact file of the page; a pact for another pair is a mistake, not something to publish. */
function readPacts(directory: string): PactContract[] {
  const files = existsSync(directory) ? readdirSync(directory).filter((file) => file.endsWith('.json')).sort() : [];
  if (files.length === 0) throw new BrokerUsageError(`No pact file in ${directory}: run the contracts (npm run contracts) before pact:publish.`);
  return files.map((file) => {
    const content = readFileSync(join(directory, file), 'utf8');
    const pact = JSON.parse(content) as { consumer?: { name?: string }; provider?: { name?: string } };
    if (pact.consumer?.name !== PACT_CONSUMER || pact.provider?.name !== PACT_PROVIDER) {
      throw new BrokerUsageError(`${file} is a pact between ${pact.consumer?.name ?? '?'} and ${pact.provider?.name ?? '?'}, not ${PACT_CONSUMER} and ${PACT_PROVIDER}.`);
    }
    return { consumerName: PACT_CONSUMER, providerName: PACT_PROVIDER, content };
  });
}

function positiveNumber(text: string | undefined): number | null {
  const value = Number(text);
  return text && Number.isFinite(value) && value > 0 ? value : null;
}

function gitOutput(...args: string[]): string | null {
  const run = spawnSync('git', args, { encoding: 'utf8' });
  const value = run.status === 0 ? run.stdout.trim() : '';
  return value || null;
}
