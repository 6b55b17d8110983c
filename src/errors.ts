/** Exit codes users and scripts can rely on. */
export const EXIT_BAD_INPUT = 2;
export const EXIT_FAILURE = 1;

/**
 * How the library names its options in text meant for users, without knowing the CLI: an error's
 * `subject` is the option it is about, and a message, hint or note refers to an option as
 * `option('maxKvTokens')`. A command shows both as its flags (`--max-kv-tokens`, see
 * PlannerCommand.flagOf); any other caller sees the option's key.
 */
export type OptionNamer = (option: string) => string;

/** The plain namer: an option is shown as its key. */
export const optionKey: OptionNamer = (o) => o;

/** A reference to an option of the library call, in a message, hint or note. */
export function option(key: string): string {
  return `{{${key}}}`;
}

/** Text with its option references shown by `name`. */
export function renderOptions(text: string, name: OptionNamer = optionKey): string {
  return text.replace(/\{\{([\w-]+)\}\}/g, (_m, key: string) => name(key));
}

export interface PlannerErrorOptions {
  hint?: string;
  exitCode?: number;
  cause?: unknown;
  kind?: PlannerErrorKind;
  subject?: string;
}

/**
 * The one error type users see. The CLI prints it as a single line
 * (`Error: <subject>: <message> (<hint>)`) and exits with its code; stacks only under --debug or DEBUG.
 */
export class PlannerError extends Error {
  readonly hint?: string;
  readonly exitCode: number;
  /** What kind of problem, for callers that handle one kind (never parsed from the message). */
  readonly kind?: PlannerErrorKind;
  /** The option (or flag) whose value is wrong, shown before the message as the caller names it. */
  readonly subject?: string;
  /** Message and hint with their option references, for a caller that names options its own way. */
  readonly text: {message: string; hint?: string};

  constructor(message: string, options: PlannerErrorOptions = {}) {
    super(renderOptions(message), options.cause === undefined ? undefined : {cause: options.cause});
    this.name = 'PlannerError';
    this.text = {message, hint: options.hint};
    this.hint = options.hint === undefined ? undefined : renderOptions(options.hint);
    this.exitCode = options.exitCode ?? EXIT_FAILURE;
    this.kind = options.kind;
    this.subject = options.subject;
  }

  /** The same error, about `subject` (an option key or a flag name) unless it already names one. */
  about(subject: string): PlannerError {
    if (this.subject !== undefined) return this;
    return new PlannerError(this.text.message, {hint: this.text.hint, exitCode: this.exitCode, cause: this.cause, kind: this.kind, subject});
  }
}

/**
 * Run `f` (sync or async) on the value of one input, and say which input a PlannerError from it is
 * about: the one way a command tells a library parser's error which flag carried the text.
 */
export function withSubject<T>(subject: string, f: () => T): T {
  const relabel = (err: unknown): never => {
    throw err instanceof PlannerError ? err.about(subject) : err;
  };
  try {
    const out = f();
    return (out instanceof Promise ? out.catch(relabel) : out) as T;
  } catch (err) {
    return relabel(err);
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

/** The one-line text shown for an error; `name` shows its options (a command passes its flag names). */
export function errorLine(err: unknown, name: OptionNamer = optionKey): string {
  const planner = err instanceof PlannerError ? err : undefined;
  // (oclif rewrites the message of an error thrown while parsing a flag: keep its words around ours)
  const raw = planner ? planner.message.replace(renderOptions(planner.text.message), () => renderOptions(planner.text.message, name)) : err instanceof Error ? err.message : String(err);
  // oclif prefixes flag-parse errors with "Parsing --flag"; our messages already name the flag.
  const message = oneLine(raw).replace(/^Parsing (--[\w-]+) (?=\1 )/, '').replace(/ See more help with --help$/, ' (see --help)');
  const subject = planner?.subject === undefined ? '' : `${name(planner.subject)}: `;
  const hint = planner?.text.hint ? ` (${renderOptions(planner.text.hint, name)})` : '';
  return `Error: ${subject}${message}${hint}`;
}
