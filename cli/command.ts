/**
 * What every command of the project does alike, so that each behaves like the tools people
 * know: `--help` prints and exits 0; a mistake in the arguments or the configuration is one
 * line naming the command, and exit 2; a child process it starts stops when it stops.
 *
 * Exit codes, the same for every command (README, "Exit codes"): 0 pass, 1 isolation
 * finding, 2 usage or configuration error, 3 target error, 4 suite error.
 */
import type { ChildProcess } from 'node:child_process';
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';

export const USAGE_ERROR = 2;

export const EXIT_CODES_LINE = 'exit codes: 0 pass, 1 isolation finding, 2 usage or configuration error, 3 target error, 4 suite error';

export interface CommandSpec {
  readonly name: string;
  readonly usage: string;
  readonly summary: string;
  /** Lines after the usage: options, environment, exit codes that differ in meaning. */
  readonly details?: readonly string[];
  /** What each exit code means for this command, where that says more than the shared line. */
  readonly exitCodes?: readonly string[];
  readonly options?: ParseArgsOptionsConfig;
  readonly allowPositionals?: boolean;
  /** Everything but --help goes to a child command unread. */
  readonly passThrough?: boolean;
}

export interface Parsed {
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  readonly positionals: readonly string[];
  /** Arguments passed through untouched (commands with `passThrough`). */
  readonly rest: readonly string[];
}

export interface Command {
  parse(argv: readonly string[]): Parsed;
  /** A mistake of the person typing: one line, exit 2. */
  usageError(message: string): never;
  /** Runs a check of the configuration; whatever it throws is a configuration error: one line, exit 2. */
  guard<T>(check: () => T): T;
  /** Stops `child` with this process, on Ctrl+C, on a kill, and on exit. */
  stopsWith(child: ChildProcess): void;
}

export function command(spec: CommandSpec): Command {
  const help = (): string =>
    [
      spec.summary,
      '',
      `usage: ${spec.usage}`,
      ...(spec.details ?? []).map((line) => `  ${line}`),
      '',
      ...(spec.exitCodes ? ['exit codes:', ...spec.exitCodes.map((line) => `  ${line}`)] : [EXIT_CODES_LINE]),
    ].join('\n');
  const usageError = (message: string): never => {
    console.error(`${spec.name}: ${message} (see ${helpCommand(spec.name)})`);
    process.exit(USAGE_ERROR);
  };
  return {
    parse(argv) {
      // `--` ends the options: what follows is an argument, even one spelled --help.
      const options = argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv;
      if (options.includes('--help') || options.includes('-h')) {
        console.log(help());
        process.exit(0);
      }
      if (spec.passThrough) return { values: {}, positionals: [], rest: argv };
      try {
        const { values, positionals } = parseArgs({ args: [...argv], options: spec.options ?? {}, allowPositionals: spec.allowPositionals ?? false, strict: true });
        return { values: values as Parsed['values'], positionals, rest: [] };
      } catch (error) {
        return usageError(describeParseError(error));
      }
    },
    usageError,
    guard(check) {
      try {
        return check();
      } catch (error) {
        console.error(`${spec.name}: ${error instanceof Error ? error.message : String(error)}`);
        return process.exit(USAGE_ERROR);
      }
    },
    stopsWith(child) {
      const forward = (signal: NodeJS.Signals) => () => {
        if (child.exitCode === null) child.kill(signal);
      };
      const listeners = [
        ['SIGINT', forward('SIGINT')],
        ['SIGTERM', forward('SIGTERM')],
        ['SIGHUP', forward('SIGTERM')],
        ['exit', forward('SIGTERM')],
      ] as const;
      for (const [event, listener] of listeners) process.on(event, listener);
      // A command that starts many children (bench) must not pile up a listener per child.
      child.once('exit', () => {
        for (const [event, listener] of listeners) process.off(event, listener);
      });
    },
  };
}

/**
 * How to ask a command for its help. npm reads options before `--` as its own, so
 * `npm run repro --help` would print npm's help, not ours.
 */
export function helpCommand(name: string): string {
  return name.startsWith('npm ') ? `${name} -- --help` : `${name} --help`;
}

/** Why `text` is not a day of the calendar written YYYY-MM-DD, or `null` when it is one. */
export function invalidDate(text: string): string | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return `"${text}" is not a date written YYYY-MM-DD`;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (month < 1 || month > 12) return `${text} has no month ${match[2]}`;
  // Day 0 of the next month is the last day of this one, leap years included.
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day < 1 || day > days) return `${text} is not a day: ${match[1]}-${match[2]} has ${days} days`;
  return null;
}

/** `text` as a whole number from `min` to `max`, or `null` when it is not one. */
export function wholeNumber(text: string, min: number, max: number = Number.MAX_SAFE_INTEGER): number | null {
  if (!/^\d+$/.test(text)) return null;
  const value = Number(text);
  return value >= min && value <= max ? value : null;
}

/** node:util's parseArgs messages, said in a line a person reads without knowing parseArgs. */
function describeParseError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  const quoted = /'([^']+)'/.exec(error.message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && quoted) return `unknown option ${quoted}`;
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL' && quoted) return `unexpected argument "${quoted}"`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && quoted) {
    const option = quoted.split(' ')[0] ?? quoted;
    return /does not take an argument/.test(error.message) ? `${option} takes no value` : `${option} needs a value`;
  }
  return error.message.replace(/\.?\s*To specify a positional.*$/s, '');
}
