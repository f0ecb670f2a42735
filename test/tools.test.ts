/**
 * The project's commands behave like the tools people know: each answers `--help` and exits
 * 0; all share one exit-code convention (0 pass, 1 isolation finding, 2 usage or configuration
 * error, 3 target error or nothing to judge, 4 suite error); a mistake is one line, never a
 * stack; what prints data prints only data; and `npm run sandbox` stops with whatever started it.
 *
 * Every wait is for a condition, bounded; nothing sleeps.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { freePort } from './support/ports.ts';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { generateDataset } from '../fixtures/dataset.ts';
import { exportText } from './support/dashboard-handlers.ts';

const ROOT = join(import.meta.dirname, '..');
const NODE = process.execPath;
const dataset = generateDataset();
const scratch = mkdtempSync(join(tmpdir(), 'tools-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** The variables that would steer a command away from its defaults, unset: each test sets what it is about. */
function cleanEnv(overrides: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const kept = Object.entries(process.env).filter(([name]) => !/^(TEST_ENV|TARGET_URLS?|SANDBOX_|DATASET_|npm_)/.test(name));
  return { ...Object.fromEntries(kept), PATH: `${join(ROOT, 'node_modules/.bin')}${delimiter}${process.env.PATH ?? ''}`, FORCE_COLOR: '0', ...overrides };
}

interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node <script> ...args` in the project, as npm would, and keeps its two outputs apart. */
function run(script: string, args: readonly string[] = [], env: NodeJS.ProcessEnv = {}, timeoutMs = 30_000): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, [join(ROOT, script), ...args], { cwd: ROOT, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    // A command that starts real work instead of answering fails here rather than hanging the file.
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

/** A mistake is said in one line on standard error, with no stack and nothing on standard output. */
function assertOneLine(ran: Ran, pattern: RegExp): void {
  const lines = ran.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `expected one line, got:\n${ran.stderr}`);
  assert.match(ran.stderr.trimEnd(), pattern);
  assert.doesNotMatch(ran.stderr, /^\s+at /m);
  assert.equal(ran.stdout, '');
}

async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}


function file(name: string, content: string | Uint8Array): string {
  const path = join(scratch, name);
  writeFileSync(path, content);
  return path;
}

describe('every command answers --help', () => {
  // Every npm script that runs one of our Node files, with the arguments the script adds.
  const scripts = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const commands = Object.entries(scripts.scripts).flatMap(([name, line]) => {
    const match = /\bnode (\S+\.ts)([^&|;]*)$/.exec(line);
    return match?.[1] ? [{ name, script: match[1], args: (match[2] ?? '').trim().split(/\s+/).filter(Boolean) }] : [];
  });

  test('the list covers the commands people type', () => {
    const names = commands.map((entry) => entry.name);
    for (const name of ['start', 'sandbox', 'fixtures', 'fixtures:seed', 'repro', 'isolation-check', 'pact:publish', 'pact:can-i-deploy']) {
      assert.ok(names.includes(name), `npm run ${name} is not among ${names.join(', ')}`);
    }
  });

  test('each prints its usage and exit codes on standard output and exits 0, doing nothing else', async () => {
    const failures: string[] = [];
    // Scripts that share a file (start, contracts, volume, steadiness; the pact:* steps) share its
    // parsing: one of each is asked. Two at a time: each is a Node start-up, on maybe two cores.
    const queue = [...new Map(commands.map((entry) => [entry.script, entry])).values()];
    const worker = async (): Promise<void> => {
      for (let entry = queue.shift(); entry; entry = queue.shift()) {
        const ran = await run(entry.script, [...entry.args, '--help'], {}, 20_000);
        if (ran.code !== 0 || !/usage: /.test(ran.stdout) || !/exit codes/.test(ran.stdout)) {
          failures.push(`npm run ${entry.name} -- --help: exit ${ran.code}\n${ran.stdout}${ran.stderr}`.slice(0, 600));
        }
      }
    };
    await Promise.all([worker(), worker()]);
    assert.deepEqual(failures, []);
  });

  test('-h is --help, and "--" ends the options', async () => {
    const short = await run('cli/fixtures.ts', ['-h']);
    assert.equal(short.code, 0);
    assert.match(short.stdout, /usage: npm run fixtures/);
    const quoted = await run('cli/isolation-check.ts', ['--as', 'mhs-clinic', '--', '--help']);
    assert.equal(quoted.code, 2, 'a file named --help is a file to look for, not a request for help');
    assert.match(quoted.stderr, /no file at --help/);
  });
});

describe('one exit-code convention', () => {
  test('an unknown option is a usage error: one line naming it and how to get help, exit 2', async () => {
    const cases = [
      ['cli/repro.ts', ['2025-06-09', '--bogus']],
      ['cli/isolation-check.ts', ['x.csv', '--bogus']],
      ['cli/fixtures.ts', ['--bogus']],
      ['cli/fixtures-seed.ts', ['--bogus']],
      ['sandbox/main.ts', ['--bogus']],
    ] as const;
    const results = await Promise.all(cases.map(([script, args]) => run(script, args)));
    for (const ran of results) {
      assert.equal(ran.code, 2, ran.stderr);
      assertOneLine(ran, /^npm run [a-z:-]+: unknown option --bogus \(see npm run [a-z:-]+ -- --help\)$/);
    }
  });

  test('an option without its value, or a bad number, is a usage error', async () => {
    const [missing, seed, types] = await Promise.all([
      run('cli/isolation-check.ts', ['x.csv', '--as']),
      run('cli/fixtures.ts', ['--seed', 'abc']),
      run('cli/fixtures.ts', ['--types', 'Clinic,,x y']),
    ]);
    for (const ran of [missing, seed, types]) assert.equal(ran.code, 2, ran.stderr);
    assertOneLine(missing, /--as needs a value/);
    assertOneLine(seed, /--seed must be a whole number, got "abc"/);
    assertOneLine(types, /--types is a comma-separated list/);
  });

  test('an impossible date is a usage error, a real one is judged', async () => {
    const own = file('own.csv', exportText(dataset.rows.filter((row) => row.providerId === 'org-mhs')));
    const [month, day, shape, leap] = await Promise.all([
      run('cli/isolation-check.ts', [own, '--as', 'mhs-clinic', '--from', '2025-13-01']),
      run('cli/isolation-check.ts', [own, '--as', 'mhs-clinic', '--to', '2025-02-30']),
      run('cli/isolation-check.ts', [own, '--as', 'mhs-clinic', '--from', '2025-6-1']),
      run('cli/isolation-check.ts', [own, '--as', 'mhs-clinic', '--from', '2024-02-29']),
    ]);
    assert.equal(month.code, 2);
    assertOneLine(month, /--from: 2025-13-01 has no month 13/);
    assert.equal(day.code, 2);
    assertOneLine(day, /--to: 2025-02-30 is not a day: 2025-02 has 28 days/);
    assert.equal(shape.code, 2);
    assertOneLine(shape, /not a date written YYYY-MM-DD/);
    assert.notEqual(leap.code, 2, `2024-02-29 is a day: ${leap.stderr}`);
  });

  test('a profile that does not exist is a configuration error: one line, exit 2, before any run', async () => {
    const own = file('own-for-env.csv', exportText(dataset.rows.filter((row) => row.providerId === 'org-mhs')));
    const nope = { TEST_ENV: 'nope' };
    const results = await Promise.all([
      run('cli/start.ts', [], nope),
      run('cli/repro.ts', ['2025-06-09'], nope),
      run('cli/isolation-check.ts', [own, '--as', 'mhs-clinic'], nope),
      run('cli/fixtures-seed.ts', [], nope),
    ]);
    for (const ran of results) {
      assert.equal(ran.code, 2, ran.stdout + ran.stderr);
      assertOneLine(ran, /TEST_ENV=nope names no profile; profiles: .*sandbox/);
    }
  });

  test('fixtures:seed: no target to seed is a configuration error (2), a target that does not answer a target error (3)', async () => {
    const closed = await freePort();
    const [unset, down] = await Promise.all([
      run('cli/fixtures-seed.ts', ['--env', 'sandbox']),
      run('cli/fixtures-seed.ts', ['--env', 'sandbox'], { TARGET_URL: `http://127.0.0.1:${closed}` }),
    ]);
    assert.equal(unset.code, 2, unset.stdout + unset.stderr);
    assertOneLine(unset, /the sandbox adapter needs TARGET_URL/);
    assert.equal(down.code, 3, down.stdout + down.stderr);
    assert.match(down.stderr.trimEnd(), /^npm run fixtures:seed: the sandbox at http:\/\/127\.0\.0\.1:\d+ did not answer \(.*\): is it running\?$/);
  });

  test('repro names the incidents it knows when asked for another', async () => {
    const ran = await run('cli/repro.ts', ['1999-01-01']);
    assert.equal(ran.code, 2);
    assertOneLine(ran, /unknown incident 1999-01-01; incidents: 2025-06-09/);
  });

  test('isolation-check: 0 for a clean file, 1 for a leak, 3 when nothing foreign was there to judge by', async () => {
    const own = file('clean.csv', exportText(dataset.rows.filter((row) => row.providerId === 'org-mhs')));
    const everyone = file('leak.csv', exportText(dataset.rows));
    const headerOnly = file('header-only.csv', exportText([]));
    const [pass, finding, inconclusive] = await Promise.all([
      run('cli/isolation-check.ts', [own, '--as', 'mhs-clinic']),
      run('cli/isolation-check.ts', [everyone, '--as', 'mhs-clinic']),
      // No row of any tenant falls in 2099: a leak would have had nothing to show.
      run('cli/isolation-check.ts', [headerOnly, '--as', 'mhs-clinic', '--from', '2099-01-01']),
    ]);
    assert.equal(pass.code, 0, pass.stdout + pass.stderr);
    assert.match(pass.stdout, /^PASS/);
    assert.equal(finding.code, 1, finding.stdout + finding.stderr);
    assert.match(finding.stdout, /^FAIL[\s\S]*foreign-rows/);
    assert.equal(inconclusive.code, 3, inconclusive.stdout + inconclusive.stderr);
    assert.match(inconclusive.stdout, /^INCONCLUSIVE/);
  });

  test('isolation-check lists the personas the profile knows when given another', async () => {
    const own = file('own-nobody.csv', exportText(dataset.rows.filter((row) => row.providerId === 'org-mhs')));
    const [nobody, none] = await Promise.all([run('cli/isolation-check.ts', [own, '--as', 'nobody']), run('cli/isolation-check.ts', [own])]);
    for (const ran of [nobody, none]) {
      assert.equal(ran.code, 2);
      assertOneLine(ran, /mhs-clinic, decoy-clinic, health-system, urgent-care, luna-admin/);
    }
    assert.match(nobody.stderr, /no persona "nobody"/);
  });
});

describe('isolation-check names what it was given when that is no CSV export', () => {
  const zip = (entry: string) => Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.alloc(26), Buffer.from(entry, 'latin1')]);
  const inputs: readonly (readonly [string, string | Uint8Array, RegExp])[] = [
    ['picture.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), /is not a CSV file: a PNG image$/],
    ['scan.pdf', '%PDF-1.7\n%\xe2\xe3\n1 0 obj', /is not a CSV file: a PDF document$/],
    ['export.zip', zip('patients.csv'), /is not a CSV file: a ZIP archive/],
    ['export.xlsx', zip('[Content_Types].xml xl/workbook.xml'), /is not a CSV file: an Excel workbook/],
    ['login.html', '\n  <!DOCTYPE html><html><body>Sign in</body></html>', /is not a CSV file: an HTML page/],
    ['error.csv', '{"error":"invalid_parameter"}', /is not a CSV file: JSON/],
    ['unicode.csv', Buffer.from('\uFEFFpatient_id', 'utf16le'), /is not a CSV file: UTF-16 text/],
    ['empty.csv', '', /is an empty file \(0 bytes\)/],
  ];

  test('each in one line, exit 2, before the oracle reads it', async () => {
    const results = await Promise.all(inputs.map(([name, content]) => run('cli/isolation-check.ts', [file(name, content), '--as', 'mhs-clinic'])));
    results.forEach((ran, index) => {
      const [name, , pattern] = inputs[index] ?? ['', '', /$^/];
      assert.equal(ran.code, 2, `${name}: ${ran.stdout}${ran.stderr}`);
      assertOneLine(ran, pattern);
    });
  });

  test('a directory is a directory, and a missing file is missing', async () => {
    const folder = join(scratch, 'a-folder.csv');
    mkdirSync(folder, { recursive: true });
    const [directory, missing] = await Promise.all([
      run('cli/isolation-check.ts', [folder, '--as', 'mhs-clinic']),
      run('cli/isolation-check.ts', [join(scratch, 'nothing.csv'), '--as', 'mhs-clinic']),
    ]);
    assert.equal(directory.code, 2);
    assertOneLine(directory, /a-folder\.csv is a directory, not a file$/);
    assert.equal(missing.code, 2);
    assertOneLine(missing, /no file at .*nothing\.csv$/);
  });

  test('a file of which no row could be read gets no fingerprint, rather than the hash of nothing', async () => {
    const [headerOnly, text] = await Promise.all([
      run('cli/isolation-check.ts', [file('header.csv', exportText([])), '--as', 'mhs-clinic']),
      run('cli/isolation-check.ts', [file('notes.txt', 'some notes\nabout a ticket\n'), '--as', 'mhs-clinic']),
    ]);
    for (const ran of [headerOnly, text]) {
      assert.equal(ran.code, 1, ran.stdout + ran.stderr);
      assert.match(ran.stdout, /fingerprint none \(no row was read\)/);
      assert.doesNotMatch(ran.stdout, /[0-9a-f]{64}/);
    }
  });
});

describe('npm run fixtures', () => {
  test('--json prints JSON and nothing else on standard output', async () => {
    const ran = await run('cli/fixtures.ts', ['--json']);
    assert.equal(ran.code, 0, ran.stderr);
    const parsed = JSON.parse(ran.stdout) as { organizations: unknown[]; rows: unknown[] };
    assert.equal(parsed.organizations.length, dataset.organizations.length);
    assert.equal(parsed.rows.length, dataset.rows.length);
  });

  test('--types gives the generated tenants the types asked for', async () => {
    const ran = await run('cli/fixtures.ts', ['--json', '--tenants', '8', '--types', 'dental,home_care']);
    assert.equal(ran.code, 0, ran.stderr);
    const types = (JSON.parse(ran.stdout) as { organizations: { type: string }[] }).organizations.map((organization) => organization.type);
    assert.deepEqual(types.slice(5), ['dental', 'home_care', 'dental']);
  });

  test('a dataset the generator cannot make is one line and exit 2', async () => {
    const ran = await run('cli/fixtures.ts', ['--rows', '3']);
    assert.equal(ran.code, 2);
    assertOneLine(ran, /rows must be an integer of at least \d+/);
  });
});

describe('npm run sandbox stops with whatever started it', () => {
  interface Started {
    readonly launcher: ChildProcess;
    readonly url: string;
    readonly pid: number;
    readonly banner: () => string;
  }

  const isRunning = (pid: number): boolean => {
    try {
      process.kill(pid, 0);
    } catch {
      return false;
    }
    // A zombie is dead; on Linux /proc says so.
    try {
      return !/\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return false;
    }
  };
  const answers = (url: string): Promise<boolean> =>
    fetch(`${url}/login`, { signal: AbortSignal.timeout(2_000) }).then(
      (response) => response.status < 500,
      () => false,
    );

  /** Starts the sandbox through `command` and waits for its banner: its URL and PID. */
  async function launch(command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Started> {
    const launcher = spawn(command, args, { cwd: ROOT, env: cleanEnv({ SANDBOX_PORT: '0', ...env }), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    launcher.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    launcher.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    await waitFor(() => /Stop it with/.test(out) || launcher.exitCode !== null, 'the sandbox printed its banner', 30_000);
    const match = /sandbox at (http:\/\/127\.0\.0\.1:\d+) \(pid (\d+)\)/.exec(out);
    assert.ok(match?.[1] && match[2], `no banner:\n${out}\n${err}`);
    return { launcher, url: match[1], pid: Number(match[2]), banner: () => out };
  }

  /** The launcher is killed; the sandbox must stop serving and exit. Whatever happens, nothing we started is left behind. */
  async function assertStopsWhen(started: Started, kill: () => void): Promise<void> {
    try {
      assert.ok(await answers(started.url), 'the sandbox did not answer before its launcher was stopped');
      kill();
      await waitFor(async () => !(await answers(started.url)), 'the port stopped answering');
      await waitFor(() => !isRunning(started.pid), `the sandbox (pid ${started.pid}) exited`);
    } finally {
      if (isRunning(started.pid)) process.kill(started.pid, 'SIGKILL');
      if (started.launcher.exitCode === null && started.launcher.signalCode === null) started.launcher.kill('SIGKILL');
    }
  }

  test('as npm runs it, it prints its URL, its PID and the logins under headings, and stops when npm is stopped', async () => {
    const started = await launch('npm', ['run', 'sandbox']);
    assert.match(started.banner(), /^\s+persona\s+email\s+password\s+tenant\s+type$/m);
    for (const persona of dataset.personas) assert.match(started.banner(), new RegExp(`^\\s+${persona.key}\\s+${persona.email.replaceAll('.', '\\.')}\\s`, 'm'));
    await assertStopsWhen(started, () => started.launcher.kill('SIGTERM'));
  });

  test('it stops when npm is killed outright, leaving its shell waiting', async () => {
    const started = await launch('npm', ['run', 'sandbox']);
    await assertStopsWhen(started, () => started.launcher.kill('SIGKILL'));
  });

  test('it stops when the shell that started it is killed outright', async () => {
    // `; exit` keeps the shell from exec'ing node, so the shell stays its parent, as under npm.
    const started = await launch('sh', ['-c', `"${NODE}" sandbox/main.ts; exit $?`]);
    await assertStopsWhen(started, () => started.launcher.kill('SIGKILL'));
  });

  test('a port in use is one line naming the port and what to do, exit 2', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = holder.address() as AddressInfo;
      const ran = await run('sandbox/main.ts', [], { SANDBOX_PORT: String(port) });
      assert.equal(ran.code, 2);
      assertOneLine(ran, new RegExp(`^npm run sandbox: port ${port} \\(SANDBOX_PORT\\) is in use: .*SANDBOX_PORT`));
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });

  test('a port that is no port is one line, exit 2', async () => {
    const ran = await run('sandbox/main.ts', [], { SANDBOX_PORT: 'eighty' });
    assert.equal(ran.code, 2);
    assertOneLine(ran, /^npm run sandbox: SANDBOX_PORT must be an integer from 0 to 65535, got "eighty"$/);
  });
});
