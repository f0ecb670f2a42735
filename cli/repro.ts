/**
 * `npm run repro -- <incident> [--env <name>]`: brings an incident back, or tells whether an
 * environment still has it. An incident is a folder of incidents/: a short document, its
 * tagged specs, and the sandbox variant that carries its bug.
 *
 * On the sandbox (the default) the variant is started and the incident's checks must fail
 * with isolation findings: REPRODUCED, exit 0; anything else exits 1. Against another
 * environment the same checks say STILL PRESENT (exit 1) or FIXED (exit 0). The evidence is
 * tenants and counts from the verdicts, never patient data.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Verdict } from '../lib/oracle/index.ts';
import { runSuite, type TestOutcome } from '../lib/suite-run.ts';

interface Incident {
  readonly id: string;
  readonly title: string;
  readonly tag: string;
  readonly variant: string;
  /** The stable ids of the checks that replay it (lib/checks.ts). */
  readonly checks: readonly string[];
}

const INCIDENTS_DIR = join(import.meta.dirname, '../incidents');

const { positionals, values } = parseArgs({ allowPositionals: true, options: { env: { type: 'string', default: 'sandbox' } } });
const incident = readIncident(positionals[0]);
const onSandbox = values.env === 'sandbox';
const started = Date.now();

console.log(`Incident ${incident.id}: ${incident.title}`);
console.log(onSandbox ? `Bringing it back on the sandbox (variant ${incident.variant})...` : `Checking ${values.env} for it...`);
const run = await runSuite(
  { TEST_ENV: values.env, SANDBOX_VARIANT: onSandbox ? incident.variant : '', TARGET_URL: onSandbox ? '' : (process.env.TARGET_URL ?? '') },
  ['--project=isolation', `--grep=${incident.tag}`],
);
rmSync(run.artifactsDir, { recursive: true, force: true });

const checks = run.outcomes.filter((outcome) => outcome.check !== undefined && incident.checks.includes(outcome.check) && !outcome.skipped);
// Only an isolation finding is a catch: a target that failed to answer proves nothing either way.
const caught = checks.filter((outcome) => !outcome.ok && outcome.kind === 'isolation');
const crashed = checks.filter((outcome) => !outcome.ok && outcome.kind !== 'isolation');
const seconds = ((Date.now() - started) / 1000).toFixed(1);

if (checks.length === 0 || crashed.length > 0) {
  console.log(`\nCOULD NOT TELL in ${seconds}s: ${checks.length === 0 ? 'no check of the incident ran' : `${crashed.length} check(s) failed for another reason`}.`);
  console.log(run.output.split('\n').filter((line) => /Error|error/.test(line)).slice(0, 10).join('\n'));
  process.exit(2);
}
if (caught.length > 0) {
  console.log(`\n${onSandbox ? 'REPRODUCED' : `STILL PRESENT in ${values.env}`} in ${seconds}s: ${caught.length} of ${checks.length} check(s) caught it.`);
  for (const outcome of caught) printEvidence(outcome);
  process.exit(onSandbox ? 0 : 1);
}
console.log(`\n${onSandbox ? 'NOT REPRODUCED' : `FIXED in ${values.env}`} in ${seconds}s: all ${checks.length} check(s) of the incident passed.`);
process.exit(onSandbox ? 1 : 0);

function readIncident(id: string | undefined): Incident {
  const known = readdirSync(INCIDENTS_DIR).filter((entry) => existsSync(join(INCIDENTS_DIR, entry, 'incident.json')));
  if (!id || !known.includes(id)) {
    console.error(`usage: npm run repro -- <incident> [--env <name>]; incidents: ${known.join(', ')}`);
    process.exit(2);
  }
  return JSON.parse(readFileSync(join(INCIDENTS_DIR, id, 'incident.json'), 'utf8')) as Incident;
}

function printEvidence(outcome: TestOutcome): void {
  console.log(`  - ${outcome.title.split(' › ').at(-1)}`);
  for (const verdict of outcome.verdicts.filter((candidate: Verdict) => candidate.status !== 'pass')) {
    console.log(`      ${verdict.surface} received by ${verdict.subject.persona} (${verdict.subject.organizationId ?? 'all'}): ${verdict.rowsRead} rows, ${verdict.foreignRowsSeen} of other tenants`);
    for (const finding of verdict.findings) {
      const tenants = (finding.byTenant ?? []).map((tenant) => `${tenant.name ?? tenant.organizationId} ${tenant.count}`).join(', ');
      console.log(`        ${finding.kind}: ${finding.count}${tenants ? ` (${tenants})` : ''}`);
    }
  }
}
