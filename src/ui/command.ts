import {Command, Flags, Errors} from '@oclif/core';
import {EXIT_BAD_INPUT, EXIT_FAILURE, PlannerError, errorLine} from '../errors.js';

function wantsStack(argv: readonly string[] = process.argv): boolean {
  return argv.includes('--debug') || Boolean(process.env.DEBUG);
}

function exitCodeOf(err: unknown): number {
  if (err instanceof PlannerError) return err.exitCode;
  // oclif flag/argument parse errors and unknown commands are bad input.
  if (err instanceof Errors.CLIError) {
    const code = (err as Errors.CLIError).oclif?.exit;
    return typeof code === 'number' && code !== 0 && code !== 1 ? code : EXIT_BAD_INPUT;
  }
  return EXIT_FAILURE;
}

/** Print an error as one line (plus the stack when asked) and set the exit code. */
export function reportError(err: unknown): void {
  // oclif signals a normal exit (e.g. --help, --version) with an ExitError of code 0.
  if (err instanceof Errors.ExitError && err.oclif.exit === 0) return;
  process.stderr.write(`${errorLine(err)}\n`);
  if (wantsStack() && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  process.exitCode = exitCodeOf(err);
}

/** Errors raised before a command runs (unknown command, oclif config). */
export function reportTopLevelError(err: unknown): void {
  reportError(err);
}

/** Base class of every planner command: shared flags and one-line error reporting. */
export abstract class PlannerCommand extends Command {
  static override baseFlags = {
    json: Flags.boolean({description: 'Print only the result, as JSON, on stdout.', default: false}),
    debug: Flags.boolean({description: 'Show stack traces of errors.', default: false, hidden: true}),
  };

  /** Write a JSON document to stdout (the only output under --json). */
  protected printJson(value: unknown): void {
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** Write human text to stdout. */
  protected print(text = ''): void {
    process.stdout.write(`${text}\n`);
  }

  /** Progress and warnings go to stderr so stdout stays the result. */
  protected note(text: string): void {
    process.stderr.write(`${text}\n`);
  }

  /** A warning on stderr, in every output mode. */
  protected warnLine(text: string): void {
    process.stderr.write(`warning: ${text}\n`);
  }

  protected override async catch(err: Error & {exitCode?: number}): Promise<void> {
    // A flag error is thrown from inside parse(); mark parsing done so oclif does not also warn
    // (in development/test environments) that the command never parsed its arguments.
    this.parsed = true;
    reportError(err);
  }
}
