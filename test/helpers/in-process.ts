import {Config, run} from '@oclif/core';
import {reportTopLevelError} from '../../src/ui/command.js';
import {REPO_ROOT, type CliResult} from './cli.js';

let config: Promise<Config> | undefined;

/**
 * Run a planner command in this process through oclif's `run` (the built commands in dist/, as
 * bin/run.js does), capturing what it writes to stdout and stderr and the exit code it sets.
 * Much faster than spawning; use runCli for anything that could hang (no timeout here).
 */
export async function runInProcess(args: string[]): Promise<CliResult> {
  config ??= Config.load(REPO_ROOT);
  const loaded = await config;
  const out: string[] = [];
  const err: string[] = [];
  const stdoutWrite = process.stdout.write.bind(process.stdout);
  const stderrWrite = process.stderr.write.bind(process.stderr);
  const capture = (into: string[]) => ((chunk: string | Uint8Array): boolean => {
    into.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  }) as typeof process.stdout.write;
  const savedCode = process.exitCode;
  process.exitCode = undefined;
  process.stdout.write = capture(out);
  process.stderr.write = capture(err);
  try {
    await run(args, loaded).catch(reportTopLevelError);
  } finally {
    process.stdout.write = stdoutWrite;
    process.stderr.write = stderrWrite;
  }
  const exitCode = typeof process.exitCode === 'number' ? process.exitCode : 0;
  process.exitCode = savedCode;
  return {stdout: out.join('').replace(/\n$/, ''), stderr: err.join('').replace(/\n$/, ''), exitCode};
}
