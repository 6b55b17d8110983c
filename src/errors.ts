/** Exit codes users and scripts can rely on. */
export const EXIT_BAD_INPUT = 2;
export const EXIT_FAILURE = 1;

/**
 * The one error type users see. The CLI prints it as a single line
 * (`Error: <message> (<hint>)`) and exits with its code; stacks only under --debug or DEBUG.
 */
export class PlannerError extends Error {
  readonly hint?: string;
  readonly exitCode: number;
  /** What kind of problem, for callers that handle one kind (never parsed from the message). */
  readonly kind?: PlannerErrorKind;

  constructor(message: string, options: {hint?: string; exitCode?: number; cause?: unknown; kind?: PlannerErrorKind} = {}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause});
    this.name = 'PlannerError';
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? EXIT_FAILURE;
    this.kind = options.kind;
  }
}

/** Kinds of error a caller may handle: `tp-unfit` = this TP cannot run the model (a sweep over TPs skips it). */
export type PlannerErrorKind = 'tp-unfit';

/** True for an error that says the TP cannot run the model (too little memory, heads not divisible). */
export function isTpUnfit(err: unknown): err is PlannerError {
  return err instanceof PlannerError && err.kind === 'tp-unfit';
}

/** Bad input from the user (a flag, a file, a record): exit code 2. */
export function badInput(message: string, hint?: string, cause?: unknown): PlannerError {
  return new PlannerError(message, {hint, exitCode: EXIT_BAD_INPUT, cause});
}

/** Something failed that the input did not cause (a server, the disk): exit code 1. */
export function failure(message: string, hint?: string, cause?: unknown): PlannerError {
  return new PlannerError(message, {hint, exitCode: EXIT_FAILURE, cause});
}

/** Collapse a multi-line message onto one line. */
function oneLine(message: string): string {
  return message.split('\n').map((l) => l.trim()).filter(Boolean).join(' ');
}

/** The one-line text shown for an error. */
export function errorLine(err: unknown): string {
  const raw = err instanceof Error ? err.message : String(err);
  // oclif prefixes flag-parse errors with "Parsing --flag"; our messages already name the flag.
  const message = oneLine(raw).replace(/^Parsing (--[\w-]+) (?=\1 )/, '').replace(/ See more help with --help$/, ' (see --help)');
  const hint = err instanceof PlannerError && err.hint ? ` (${err.hint})` : '';
  return `Error: ${message}${hint}`;
}
