import {Command, Flags, Errors} from '@oclif/core';
import {EXIT_BAD_INPUT, EXIT_FAILURE, PlannerError, badInput, errorLine, optionKey, renderOptions, type OptionNamer} from '../errors.js';
import {taskProgress, type ProgressMode, type TaskProgress} from './progress.js';

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

const SEE_HELP = 'See more help with --help';

/**
 * oclif's flag-validation messages, said once and plainly: no "The following errors occurred:"
 * header, one sentence for two flags that exclude each other (oclif reports both directions), and
 * flag names with their dashes.
 */
export function tidyOclifMessage(message: string): string {
  const seeHelp = message.includes(SEE_HELP);
  const reasons = message
    .replace(SEE_HELP, '')
    .replace(/^The following errors? occurred:/, '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const out: string[] = [];
  const pairs = new Set<string>();
  for (const r of reasons) {
    const excl = /^(--[\w-]+) cannot also be provided when using (--[\w-]+)$/.exec(r);
    if (excl) {
      const key = [excl[1], excl[2]].sort().join(' ');
      if (!pairs.has(key)) out.push(`${excl[1]} and ${excl[2]} cannot be used together`);
      pairs.add(key);
      continue;
    }
    const missing = /^Missing required flag:?\s+(?:--)?([\w-]+)$/.exec(r);
    out.push(missing ? `missing required flag --${missing[1]}` : r);
  }
  return `${out.join('; ')}${seeHelp ? ` ${SEE_HELP}` : ''}`;
}

/** Print an error as one line (plus the stack when asked) and set the exit code; `name` shows the options it refers to. */
export function reportError(err: unknown, name: OptionNamer = optionKey): void {
  // oclif signals a normal exit (e.g. --help, --version) with an ExitError of code 0.
  if (err instanceof Errors.ExitError && err.oclif.exit === 0) return;
  const shown = err instanceof Errors.CLIError && !(err instanceof PlannerError) ? new Error(tidyOclifMessage(err.message)) : err;
  process.stderr.write(`${errorLine(shown, name)}\n`);
  if (wantsStack() && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  process.exitCode = exitCodeOf(err);
}

/** Errors raised before a command runs (unknown command, oclif config). */
export function reportTopLevelError(err: unknown): void {
  reportError(err);
}

/** JSON for people and scripts: numbers to 15 significant digits (a double's worth, without noise such as 8.899999999999997). */
export function jsonText(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' && Number.isFinite(v) && !Number.isInteger(v) ? Number(v.toPrecision(15)) : v), 2);
}

/** `maxKvTokens` -> `max-kv-tokens` (a flag name stays as it is). */
function kebabCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Base class of every planner command: shared flags and one-line error reporting. */
export abstract class PlannerCommand extends Command {
  static override baseFlags = {
    json: Flags.boolean({description: 'Print only the result, as JSON, on stdout.', default: false}),
    debug: Flags.boolean({description: 'Show the stack trace of an error (also with DEBUG=1 in the environment).', default: false}),
  };

  /** Library options whose flag is not their kebab-cased key (e.g. `{dir: 'out'}`). */
  static optionFlags: Record<string, string> = {};

  /**
   * The flag that carries a library option, for errors and notes (`maxKvTokens` -> `--max-kv-tokens`,
   * `percentiles` -> `--percentiles`); an option that is no flag of this command keeps its key.
   */
  protected readonly flagOf: OptionNamer = (key) => {
    const ctor = this.constructor as typeof PlannerCommand;
    const flag = ctor.optionFlags[key] ?? kebabCase(key);
    return flag in (ctor.flags ?? {}) || flag in PlannerCommand.baseFlags ? `--${flag}` : key;
  };

  /** Write a JSON document to stdout (the only output under --json). */
  protected printJson(value: unknown): void {
    process.stdout.write(`${jsonText(value)}\n`);
  }

  /** Write human text to stdout. */
  protected print(text = ''): void {
    process.stdout.write(`${text}\n`);
  }

  /** Progress and warnings go to stderr so stdout stays the result (library text: options shown as flags). */
  protected note(text: string): void {
    process.stderr.write(`${renderOptions(text, this.flagOf)}\n`);
  }

  /** Flags the user typed (long names, `--no-x` as `x`), to tell a given flag from its default. */
  protected givenFlags(): Set<string> {
    const out = new Set<string>();
    for (const a of this.argv) {
      const m = /^--(?:no-)?([\w-]+)/.exec(a);
      if (m) out.add(m[1]!);
    }
    return out;
  }

  /** Refuse flags that do not apply in this mode (`why` names the mode), rather than ignore them silently. */
  protected refuseFlags(names: readonly string[], why: string): void {
    const given = this.givenFlags();
    const bad = names.filter((n) => given.has(n));
    if (bad.length > 0) throw badInput(`${bad.map((n) => `--${n}`).join(', ')} ${bad.length === 1 ? 'does' : 'do'} not apply ${why}`);
  }

  /** A warning on stderr, in every output mode. */
  protected warnLine(text: string): void {
    process.stderr.write(`warning: ${renderOptions(text, this.flagOf)}\n`);
  }

  private progressShown?: TaskProgress;

  /** The progress display of a long command (--progress); stopped before an error is printed. */
  protected async startProgress(mode: ProgressMode, json: boolean): Promise<TaskProgress> {
    this.progressShown = await taskProgress(mode, json, (line) => this.note(line));
    return this.progressShown;
  }

  protected override async catch(err: Error & {exitCode?: number}): Promise<void> {
    // A flag error is thrown from inside parse(); mark parsing done so oclif does not also warn
    // (in development/test environments) that the command never parsed its arguments.
    this.parsed = true;
    this.progressShown?.stop();
    reportError(err, this.flagOf);
  }
}
