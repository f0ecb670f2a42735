/**
 * Provider verification without pact's transcript. The verifier prints every mismatching
 * body it sees, expected and actual, and against a provider that leaks the actual body is
 * another tenant's patients. So it runs in a child process (contracts/verifier-child.ts)
 * whose output is kept in memory and never printed; what reaches the run is the name of each
 * broken interaction and, for each, the oracle's verdict on what the provider answered
 * when asked again: the status, tenants, counts and opaque references.
 */
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sandboxPassword } from '../fixtures/credentials.ts';
import type { Persona } from '../lib/model.ts';
import { describeFindings, judgeExport, judgeRows, type Knowledge, type Verdict } from '../lib/oracle/index.ts';
import { kindOfVerdict, type FailureKind } from '../lib/report/failure-kind.ts';
import { dashboardClient, signIn, type ListQuery } from '../lib/target/client.ts';
import { exportResponseParts } from '../lib/target/export-response.ts';
import { PACT_FILE, TENANTS_STATE, type TenantsStateParams } from './provider-states.ts';

/** Where a provider in test mode takes a state's data. */
const STATE_PATH = '/_test/state';
const CHILD = join(import.meta.dirname, 'verifier-child.ts');

/** What the child says when it is done: the interactions that broke, or why it could not verify. */
export type ChildReport = { readonly failed: readonly string[] } | { readonly error: string };

export interface Verification {
  /** Each broken interaction, in the oracle's words, with its kind. */
  readonly broken: readonly { readonly kind: FailureKind; readonly message: string }[];
  /** Set when the verifier could not run at all. */
  readonly error?: string;
  /**
   * Everything pact printed, bodies included. Never written anywhere: the project's own test
   * reads it to prove that the PHI scan would have caught it, had it been.
   */
  readonly transcript: string;
}

/** `pactFile`: the pact to verify; this run's by default. */
export async function verifyProvider(providerUrl: string, pactFile: string = PACT_FILE): Promise<Verification> {
  const { report, transcript } = await runChild(providerUrl, pactFile);
  if ('error' in report) return { broken: [], error: report.error, transcript };
  const interactions = readInteractions(pactFile);
  const broken = [];
  for (const description of report.failed) {
    const interaction = interactions.find((candidate) => candidate.description === description);
    broken.push(interaction ? await askAgain(providerUrl, interaction) : { kind: 'suite' as const, message: `${description}: not in the pact file` });
  }
  return { broken, transcript };
}

/** Seeds a state's data at the provider; shared with the child's state handler. */
export async function seedState(providerUrl: string, state: TenantsStateParams): Promise<void> {
  const response = await fetch(new URL(STATE_PATH, providerUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ organizations: state.organizations, personas: [state.persona], rows: state.rows }),
  });
  if (response.status !== 204) {
    throw new Error(`The provider at ${providerUrl} did not take the state "${TENANTS_STATE}" (${response.status} on POST ${STATE_PATH}): is it in test mode?`);
  }
}

/** On the sandbox the persona's sandbox password; elsewhere PACT_PERSONA_PASSWORD. */
export function personaPassword(persona: Persona): string {
  return process.env.PACT_PERSONA_PASSWORD ?? sandboxPassword(persona);
}

interface PactInteraction {
  readonly description: string;
  readonly providerStates?: readonly { readonly name: string; readonly params?: unknown }[];
  readonly request: { readonly method: string; readonly path: string; readonly query?: Readonly<Record<string, readonly string[]>>; readonly headers?: Readonly<Record<string, unknown>> };
  readonly response: { readonly status: number };
}

function readInteractions(pactFile: string): PactInteraction[] {
  return (JSON.parse(readFileSync(pactFile, 'utf8')) as { interactions: PactInteraction[] }).interactions;
}

/**
 * The broken interaction's request sent again, in its state, and its answer judged: a
 * refusal answered with rows is a finding, any other wrong status the target's error, and a
 * body served where one was due is judged by the oracle against the state's rows.
 */
async function askAgain(providerUrl: string, interaction: PactInteraction): Promise<{ kind: FailureKind; message: string }> {
  const state = interaction.providerStates?.find((candidate) => candidate.name === TENANTS_STATE)?.params as TenantsStateParams | undefined;
  if (!state) return { kind: 'suite', message: `${interaction.description}: its provider state is not "${TENANTS_STATE}"` };
  await seedState(providerUrl, state);
  const signedIn = interaction.request.headers?.Cookie !== undefined || interaction.request.headers?.cookie !== undefined;
  const token = signedIn ? (await signIn(providerUrl, state.persona, personaPassword(state.persona))).sessionToken : null;
  const query: ListQuery = Object.fromEntries(Object.entries(interaction.request.query ?? {}).map(([name, values]) => [name, values[0] ?? '']));
  const response = await dashboardClient(providerUrl, token).get(interaction.request.path, query);
  const expected = interaction.response.status;
  const said = `${interaction.description}: answered ${response.status}, expected ${expected}`;
  if (response.status !== expected) {
    await response.body?.cancel();
    const served = response.status >= 200 && response.status < 300;
    return { kind: expected >= 400 && served ? 'isolation' : 'target', message: said };
  }
  if (expected !== 200) {
    await response.body?.cancel();
    return { kind: 'target', message: `${said}; the answer's body or headers differ from the contract` };
  }
  const verdict = await judgeAnswer(response, interaction, state, query);
  const kind = verdict.status === 'pass' ? 'target' : kindOfVerdict(verdict);
  return { kind, message: `${said}; ${verdict.status === 'pass' ? 'the rows are right, the form is not the contract\'s' : describeFindings(verdict)}` };
}

async function judgeAnswer(response: Response, interaction: PactInteraction, state: TenantsStateParams, query: ListQuery): Promise<Verdict> {
  const knowledge: Knowledge = { organizations: state.organizations, universe: { source: 'ground-truth', rows: state.rows } };
  const subject = { persona: state.persona.key, organizationId: query.organizationId ?? state.persona.organizationId, filters: {} };
  if (interaction.request.path.endsWith('/export')) {
    const { body, contentType, filename } = exportResponseParts(response);
    return judgeExport(body, subject, knowledge, { contentType, filename });
  }
  // A state holds fewer rows than the one page the interaction asks for, so that page is the whole list.
  const list = (await response.json()) as { items?: unknown };
  return judgeRows(Array.isArray(list.items) ? list.items : [], 'api', subject, knowledge);
}

/** The verifier in a child whose output stays here; a deprecation note of its proxy library is silenced there, and only there. */
function runChild(providerUrl: string, pactFile: string): Promise<{ report: ChildReport; transcript: string }> {
  const child = fork(CHILD, [], {
    env: { ...process.env, PACT_VERIFY_PROVIDER_URL: providerUrl, PACT_VERIFY_FILE: pactFile },
    execArgv: [...process.execArgv, '--disable-warning=DEP0060'],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const output: Buffer[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk));
  let report: ChildReport | undefined;
  child.on('message', (message: ChildReport) => {
    report = message;
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      const transcript = Buffer.concat(output).toString('utf8');
      resolve({ report: report ?? { error: `the verifier stopped (exit ${code}) without saying what it verified` }, transcript });
    });
  });
}
