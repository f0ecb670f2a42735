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

export interface CommandSpec {
  readonly name: string;
  readonly usage: string;
  readonly summary: string;
  /** Lines after the usage: options, environment, exit codes that differ in meaning. */
  readonly details?: readonly string[];
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
    [`${spec.summary}`, '', `usage: ${spec.usage}`, ...(spec.details ?? []).map((line) => `  ${line}`), '', 'exit codes: 0 pass, 1 isolation finding, 2 usage or configuration error, 3 target error, 4 suite error'].join(
      '\n',
    );
  const usageError = (message: string): never => {
    console.error(`${spec.name}: ${message} (see ${spec.name} --help)`);
    process.exit(USAGE_ERROR);
  };
  return {
    parse(argv) {
      if (argv.includes('--help') || argv.includes('-h')) {
        console.log(help());
        process.exit(0);
      }
      if (spec.passThrough) return { values: {}, positionals: [], rest: argv };
      try {
        const { values, positionals } = parseArgs({ args: [...argv], options: spec.options ?? {}, allowPositionals: spec.allowPositionals ?? false, strict: true });
        return { values: values as Parsed['values'], positionals, rest: [] };
      } catch (error) {
        return usageError(error instanceof Error ? error.message.replace(/\.?\s*To specify a positional.*$/s, '') : String(error));
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
      process.on('SIGINT', forward('SIGINT'));
      process.on('SIGTERM', forward('SIGTERM'));
      process.on('SIGHUP', forward('SIGTERM'));
      process.on('exit', () => {
        if (child.exitCode === null) child.kill('SIGTERM');
      });
    },
  };
}
