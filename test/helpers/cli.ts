import {execa} from 'execa';
import {fileURLToPath} from 'node:url';
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
