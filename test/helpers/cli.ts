import {execa} from 'execa';
import {fileURLToPath, pathToFileURL} from 'node:url';
import path from 'node:path';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const FIXTURES_DIR = path.join(REPO_ROOT, 'fixtures');
export const SHIPPED_PROFILE = path.join(REPO_ROOT, 'profiles/h200-llama3.1-8b-fp8-tp1');

export interface CliResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Run the built CLI as a user would (`npm test` builds first). The timeout only guards a hang. */
export async function runCli(args: string[], options: {cwd?: string; env?: Record<string, string>; input?: string; timeoutMs?: number} = {}): Promise<CliResult> {
  const result = await execa(process.execPath, [path.join(REPO_ROOT, 'bin/run.js'), ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: {...options.env, NO_COLOR: '1'},
    input: options.input,
    reject: false,
    timeout: options.timeoutMs ?? 300_000,
  });
  return {stdout: result.stdout, stderr: result.stderr, exitCode: result.exitCode ?? -1};
}

let oclifConfig: Promise<import('@oclif/core').Config> | undefined;

/**
 * Run a command of the built CLI inside this test process, as `runCli` would run it (same argv,
 * same one-line errors and exit codes, stdout and stderr captured), without starting a new Node
 * and loading oclif each time: for the many bad-input cases of a command. Not for commands that
 * serve, spawn or wait on signals, nor for --help (oclif prints help its own way); runs in the
 * repository root, as runCli does by default.
 */
export async function runCommand(args: string[], options: {env?: Record<string, string>} = {}): Promise<CliResult> {
  if (process.cwd() !== REPO_ROOT) throw new Error(`runCommand runs in the repository root (this process is in ${process.cwd()}); use runCli with cwd`);
  const {Config, run} = await import('@oclif/core');
  // The built error reporter, so that its classes are the ones the built commands throw.
  const {reportTopLevelError} = (await import(pathToFileURL(path.join(REPO_ROOT, 'dist/src/ui/command.js')).href)) as {reportTopLevelError: (err: unknown) => void};
  oclifConfig ??= Config.load(REPO_ROOT);
  const config = await oclifConfig;
  const out: string[] = [];
  const err: string[] = [];
  const writeOut = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  const capture = (sink: string[]) => ((chunk: string | Uint8Array): boolean => {
    sink.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  }) as typeof process.stdout.write;
  const exitCodeBefore = process.exitCode;
  const env = {...options.env, NO_COLOR: '1'};
  const envBefore = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  process.exitCode = undefined;
  Object.assign(process.env, env);
  process.stdout.write = capture(out);
  process.stderr.write = capture(err);
  let exitCode: number;
  try {
    await run(args, config).catch(reportTopLevelError);
  } finally {
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
    exitCode = Number(process.exitCode ?? 0);
    process.exitCode = exitCodeBefore;
    for (const [k, v] of Object.entries(envBefore)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  const strip = (s: string) => s.replace(/\n$/, '');
  return {stdout: strip(out.join('')), stderr: strip(err.join('')), exitCode};
}
