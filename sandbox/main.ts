/**
 * `npm run sandbox`: the dashboard stand-in on 127.0.0.1, for a person to click through or
 * for a suite run against TARGET_URL. SANDBOX_VARIANT picks a bug to bring back,
 * SANDBOX_PORT a port (0, the default, takes any free one). The dataset follows DATASET_SEED,
 * DATASET_TENANTS, DATASET_ROWS and DATASET_TYPES, as the suite's ground truth does.
 * SANDBOX_TEST_MODE=1 adds the provider-state endpoint that contract verification seeds
 * through (docs/contracts.md); SANDBOX_LATE_LEAK_AFTER moves the late-leak variant's first
 * foreign row.
 *
 * It prints its address, its PID and the personas' logins, and stops on Ctrl+C, on a kill,
 * and when the process that started it goes away (see watchLaunchers). Exit codes: 0 stopped
 * as asked; 2 configuration error (a bad variable, a port in use); 4 a bug of ours.
 */
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { sandboxPassword } from '../fixtures/credentials.ts';
import { command } from '../cli/command.ts';
import { EXIT_CODES } from '../lib/report/run-verdict.ts';
import { sandboxOptionsFromEnv } from './options.ts';
import { startSandbox, type Sandbox } from './server.ts';
import { VARIANT_NAMES, VARIANTS } from './variants.ts';

const NAME = 'npm run sandbox';
/** How often the launchers are looked for: a stopped parent frees the port within this. */
const WATCH_INTERVAL_MS = 250;
/** An export cut off mid-stream lets go of the database quickly; this bounds a stop that does not. */
const STOP_TIMEOUT_MS = 5_000;

const tool = command({
  name: NAME,
  usage: `${NAME} [-- --help]`,
  summary: 'Starts the Clinical Dashboard sandbox on 127.0.0.1 and prints its URL, its PID and the personas\' logins.',
  details: [
    'Configured by the environment, not by options:',
    'SANDBOX_PORT            the port (default 0: any free one)',
    `SANDBOX_VARIANT         the known bug to bring back (default correct): ${VARIANT_NAMES.join(', ')}`,
    'SANDBOX_TEST_MODE=1     adds POST /_test/state and /_test/seed (contract verification, fixtures:seed)',
    'DATASET_SEED, DATASET_TENANTS, DATASET_ROWS, DATASET_TYPES   the generated dataset (as `npm run fixtures`)',
    'It stops on Ctrl+C, on `kill <pid>`, and when the npm (or other process) that started it stops.',
  ],
  exitCodes: ['0 stopped as asked', '2 configuration error: a bad variable, a port in use', '4 suite error (a bug of ours)'],
});
tool.parse(process.argv.slice(2));

const settings = tool.guard(() => sandboxOptionsFromEnv());
let sandbox: Sandbox;
try {
  sandbox = await startSandbox(settings);
} catch (error) {
  const code = (error as NodeJS.ErrnoException).code;
  const port = settings.port ?? 0;
  if (code === 'EADDRINUSE') {
    console.error(`${NAME}: port ${port} (SANDBOX_PORT) is in use: stop what listens there, or set SANDBOX_PORT to a free port (0 takes any).`);
    process.exit(EXIT_CODES['config-error']);
  }
  if (code === 'EACCES') {
    console.error(`${NAME}: port ${port} (SANDBOX_PORT) needs privileges this user lacks: set SANDBOX_PORT to 1024 or above (0 takes any free one).`);
    process.exit(EXIT_CODES['config-error']);
  }
  console.error(`${NAME}: failed inside the suite: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(EXIT_CODES['suite-error']);
}

console.log(`Clinical Dashboard sandbox at ${sandbox.url} (pid ${process.pid})`);
console.log(`variant: ${sandbox.variant} (${VARIANTS[sandbox.variant].description})`);
if (settings.testMode) console.log('test mode: POST /_test/state replaces all data (for contract verification)');
console.log('logins:');
const tenants = new Map(sandbox.dataset.organizations.map((organization) => [organization.id, organization]));
const rows = sandbox.dataset.personas.map((persona) => {
  const tenant = persona.organizationId === null ? undefined : tenants.get(persona.organizationId);
  return [persona.key, persona.email, sandboxPassword(persona), tenant ? `${tenant.name} (${tenant.id})` : 'every tenant', tenant ? tenant.type : 'Luna admin'];
});
for (const line of table(['persona', 'email', 'password', 'tenant', 'type'], rows)) console.log(`  ${line}`);
console.log(`Stop it with Ctrl+C or \`kill ${process.pid}\`; it also stops when the process that started it does.`);

let stopping = false;
const stop = (reason: string): void => {
  if (stopping) return;
  stopping = true;
  // A stop that hangs must not leave the port taken.
  setTimeout(() => {
    console.error(`sandbox did not stop within ${STOP_TIMEOUT_MS / 1000}s (${reason}); exiting anyway`);
    process.exit(EXIT_CODES['suite-error']);
  }, STOP_TIMEOUT_MS).unref();
  sandbox.close().then(
    () => {
      console.error(`sandbox stopped: ${reason}`);
      process.exit(EXIT_CODES.pass);
    },
    (error: unknown) => {
      console.error(`sandbox did not stop cleanly (${reason}): ${error instanceof Error ? error.message : String(error)}`);
      process.exit(EXIT_CODES['suite-error']);
    },
  );
};
process.once('SIGINT', () => stop('SIGINT'));
process.once('SIGTERM', () => stop('SIGTERM'));
process.once('SIGHUP', () => stop('SIGHUP'));
watchLaunchers(stop);

/**
 * Stops the sandbox when the process that launched it goes away.
 *
 * npm runs this script as `sh -c "sh scripts/bootstrap.sh && node sandbox/main.ts"`. A
 * signal to npm reaches the shell at most (npm forwards SIGINT and SIGTERM to its child, the
 * shell dies of it without passing it on), and a SIGKILL reaches no one, so a sandbox left to
 * signals alone keeps serving on its port after its npm is gone. Node has no parent-death
 * signal (Linux's PR_SET_PDEATHSIG), and npm gives the script no pipe whose end would say it
 * (stdin is the terminal's), so we look, every WATCH_INTERVAL_MS:
 * - our parent must be the one we started with: when it dies the kernel hands us to init or
 *   a subreaper, and `process.ppid` changes. This alone covers a launcher with no shell
 *   between (npm, or a shell that execs us);
 * - started by npm (npm_lifecycle_event is set), our grandparent, npm itself when a shell
 *   sits between, must still be alive, because a SIGKILLed npm leaves that shell waiting on us.
 * Outside npm only the parent is watched, so an interactive shell's own parent does not count.
 */
function watchLaunchers(onGone: (reason: string) => void): void {
  const parent = process.ppid;
  // Already an orphan (a container's init started us): there is no launcher to outlive.
  if (parent <= 1) return;
  const grandparent = process.env.npm_lifecycle_event ? parentOf(parent) : null;
  const timer = setInterval(() => {
    if (process.ppid !== parent) onGone(`its parent (pid ${parent}) stopped`);
    else if (grandparent !== null && grandparent > 1 && !isAlive(grandparent)) onGone(`npm (pid ${grandparent}) stopped`);
    else return;
    clearInterval(timer);
  }, WATCH_INTERVAL_MS);
  timer.unref();
}

/** The parent of `pid`: from /proc on Linux, from ps(1) elsewhere; `null` when neither says. */
function parentOf(pid: number): number | null {
  const stat = procStat(pid);
  if (stat) return stat.ppid;
  try {
    const value = Number(execFileSync('ps', ['-o', 'ppid=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return Number.isInteger(value) && value > 0 ? value : null;
  } catch {
    return null;
  }
}

/** Whether `pid` runs. A zombie, dead but not yet reaped by its own parent, counts as gone. */
function isAlive(pid: number): boolean {
  const stat = procStat(pid);
  if (stat) return stat.state !== 'Z' && stat.state !== 'X';
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, and belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** State and parent from /proc/<pid>/stat; `null` where there is no /proc, or no such process. */
function procStat(pid: number): { state: string; ppid: number } | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name, in parentheses, may itself hold spaces and parentheses: read past the last ')'.
  const [state = '', ppid = ''] = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state, ppid: Number(ppid) };
}

/** Rows under their headings, each column as wide as its widest cell. */
function table(headings: readonly string[], body: readonly (readonly string[])[]): string[] {
  const widths = headings.map((heading, column) => Math.max(heading.length, ...body.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd();
  return [line(headings), line(widths.map((width) => '-'.repeat(width))), ...body.map(line)];
}
