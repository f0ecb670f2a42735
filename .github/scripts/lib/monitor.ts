/**
 * What a scheduled monitor run (omega hourly, alpha nightly) tells the people on call. Two
 * kinds of bad news must never be mixed up: an isolation finding (a tenant saw another
 * tenant's rows) is a leak, whatever else went wrong in the run; anything else that stops a
 * run (setup, the read-only guard, a configuration, target or suite error, a timeout, a
 * cancellation) is a broken monitor, which says nothing about isolation and is not a leak.
 *
 * The alert carries the environment, counts, tenant ids and the run's URL, read from the
 * PHI-free `test-results/verdict.json`; never a name, a date of birth or a row.
 *
 * Dependency-free on purpose: the backstop alert job runs it with nothing installed.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';

export interface VerdictFinding {
  readonly persona?: string;
  readonly tenant?: string | null;
  readonly type?: string;
  readonly surface?: string;
  readonly foreignRows?: number;
  readonly tenants?: readonly string[];
}

export interface VerdictFile {
  readonly verdict?: string;
  readonly exitCode?: number;
  readonly findings?: readonly VerdictFinding[];
}

export interface RunFacts {
  readonly environment: string;
  /** `job.status` in the monitor job, or `needs.<job>.result` in the backstop job. */
  readonly jobStatus: string;
  /** Outcomes of the read-only guard and of `npm start` (`success`, `failure`, `cancelled`, `skipped` or empty). */
  readonly guardOutcome: string;
  readonly suiteOutcome: string;
  /** `npm start`'s exit code; null when it never finished (setup failed, timeout, cancel). */
  readonly suiteExitCode: number | null;
  readonly verdict: VerdictFile | null;
  readonly runUrl: string;
}

export type RunKind = 'pass' | 'finding' | 'broken';

export interface RunReport {
  readonly kind: RunKind;
  readonly text: string;
  readonly findings: number;
  readonly foreignRows: number;
  readonly tenants: readonly string[];
}

const EXIT_MEANING: Readonly<Record<number, string>> = {
  2: 'a usage or configuration error (exit 2): a missing variable or credential, or an unknown profile',
  3: 'a target error (exit 3): the dashboard was down, slow, answered 5xx or off its spec, or left nothing to judge',
  4: 'an error of the suite itself (exit 4)',
};

export function classifyRun(facts: RunFacts): RunReport {
  const findings = facts.verdict?.findings ?? [];
  const foreignRows = findings.reduce((sum, finding) => sum + (finding.foreignRows ?? 0), 0);
  const tenants = [...new Set(findings.flatMap((finding) => [...(finding.tenant ? [finding.tenant] : []), ...(finding.tenants ?? [])]))].sort();
  const leaked = facts.suiteExitCode === 1 || facts.verdict?.verdict === 'finding' || findings.length > 0;
  const at = `on ${facts.environment}`;

  if (leaked) {
    const counts = findings.length > 0
      ? `${findings.length} isolation finding(s), ${foreignRows} foreign row(s), tenants ${tenants.join(', ') || 'not named'}`
      : 'the suite exited 1 (isolation finding); the verdict file with its counts is missing, see the run';
    const alsoBroken = facts.suiteExitCode !== null && facts.suiteExitCode > 1 ? `; the run was also broken (exit ${facts.suiteExitCode})` : '';
    return { kind: 'finding', text: `TENANT ISOLATION FINDING ${at}: ${counts}${alsoBroken}. ${facts.runUrl}`, findings: findings.length, foreignRows, tenants };
  }
  if (facts.jobStatus === 'success' && facts.suiteExitCode === 0) {
    return { kind: 'pass', text: `Tenant isolation monitor passed ${at}. ${facts.runUrl}`, findings: 0, foreignRows: 0, tenants: [] };
  }
  return {
    kind: 'broken',
    text: `Isolation monitor BROKEN ${at} (not a leak, and no verdict on isolation this run): ${brokenReason(facts)}. ${facts.runUrl}`,
    findings: 0,
    foreignRows: 0,
    tenants: [],
  };
}

function brokenReason(facts: RunFacts): string {
  if (facts.guardOutcome === 'failure') return 'the read-only guard stopped the run before any request';
  if (facts.suiteExitCode !== null && EXIT_MEANING[facts.suiteExitCode]) return EXIT_MEANING[facts.suiteExitCode] ?? '';
  if (facts.suiteExitCode !== null) return `the suite exited ${facts.suiteExitCode}`;
  if (facts.suiteOutcome === 'cancelled' || facts.jobStatus === 'cancelled') return 'the run timed out or was cancelled before a verdict';
  if (facts.suiteOutcome === 'failure') return 'the suite stopped without an exit code';
  if (!facts.suiteOutcome || facts.suiteOutcome === 'skipped') return `setup failed before the suite ran (job ${facts.jobStatus || 'ended'})`;
  return `the job ended ${facts.jobStatus || 'without a status'}`;
}

/** The verdict file if the run wrote one; a missing or unreadable file is no verdict, never a crash. */
export function readVerdict(file: string): VerdictFile | null {
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as VerdictFile;
  } catch {
    return null;
  }
}

export interface MonitorOutput {
  log(line: string): void;
}

/**
 * `alert`: classify the run and post it to ALERT_WEBHOOK_URL (Slack-style `{ text }` plus the
 * structured fields); exits 1 without a webhook so the silence itself is an error on the run.
 * `heartbeat`: ping HEARTBEAT_URL after a passing run, so that a schedule that stopped firing
 * is noticed by whatever watches the pings.
 */
export async function runMonitor(command: string | undefined, env: NodeJS.ProcessEnv, output: MonitorOutput = { log: console.log }): Promise<number> {
  const timeoutMs = 30_000;
  if (command === 'heartbeat') {
    if (!env.HEARTBEAT_URL) {
      output.log('::warning::No heartbeat URL is set: a monitor that stops running will go unnoticed.');
      return 0;
    }
    const response = await fetch(env.HEARTBEAT_URL, { method: 'POST', signal: AbortSignal.timeout(timeoutMs) }).catch(() => null);
    if (!response?.ok) {
      output.log(`::error::The heartbeat was not accepted (${response ? response.status : 'no answer'}).`);
      return 1;
    }
    output.log('Heartbeat sent.');
    return 0;
  }
  if (command !== 'alert') {
    output.log('usage: node .github/scripts/monitor.ts alert | heartbeat');
    return 2;
  }
  const exitText = env.SUITE_EXIT_CODE ?? '';
  const report = classifyRun({
    environment: env.MONITOR_ENVIRONMENT ?? 'an unnamed environment',
    jobStatus: env.JOB_STATUS ?? '',
    guardOutcome: env.GUARD_OUTCOME ?? '',
    suiteOutcome: env.SUITE_OUTCOME ?? '',
    suiteExitCode: /^\d+$/.test(exitText) ? Number(exitText) : null,
    verdict: env.VERDICT_FILE ? readVerdict(env.VERDICT_FILE) : null,
    runUrl: env.RUN_URL ?? '',
  });
  output.log(report.text);
  if (report.kind === 'pass') return 0;
  if (!env.ALERT_WEBHOOK_URL) {
    output.log(`::error::No alert webhook is set (ISOLATION_ALERT_WEBHOOK_URL), so nobody was told: ${report.text}`);
    return 1;
  }
  const payload = {
    text: report.text,
    environment: env.MONITOR_ENVIRONMENT,
    kind: report.kind,
    findings: report.findings,
    foreignRows: report.foreignRows,
    tenants: report.tenants,
    runUrl: env.RUN_URL,
  };
  const response = await fetch(env.ALERT_WEBHOOK_URL, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(payload),
    signal: AbortSignal.timeout(timeoutMs),
  }).catch(() => null);
  if (!response?.ok) {
    output.log(`::error::The alert webhook did not accept the alert (${response ? response.status : 'no answer'}): ${report.text}`);
    return 1;
  }
  if (env.GITHUB_OUTPUT) appendFileSync(env.GITHUB_OUTPUT, 'alerted=true\n');
  output.log('Alert sent.');
  return 0;
}
