import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {tidyOclifMessage} from '../../src/ui/command.js';
import {REPO_ROOT, runCli} from '../helpers/cli.js';

describe("oclif's flag errors, said once", () => {
  it('two exclusive flags are one sentence; a missing flag is named with its dashes', () => {
    expect(tidyOclifMessage('The following errors occurred:\n  --concurrency cannot also be provided when using --request-rate\n  --request-rate cannot also be provided when using --concurrency\nSee more help with --help'))
      .toBe('--concurrency and --request-rate cannot be used together See more help with --help');
    expect(tidyOclifMessage('The following error occurred:\n  Missing required flag itl\nSee more help with --help')).toBe('missing required flag --itl See more help with --help');
    expect(tidyOclifMessage('Nonexistent flag: --nope\nSee more help with --help')).toBe('Nonexistent flag: --nope See more help with --help');
    expect(tidyOclifMessage('--synthetic=true cannot also be provided when using --profile\nSee more help with --help')).toBe('--synthetic and --profile cannot be used together See more help with --help');
    expect(tidyOclifMessage('command nosuch not found')).toBe('unknown command "nosuch" (see planner --help)');
    expect(tidyOclifMessage('command trace:foo not found')).toBe('"trace" has no subcommand or argument "foo" (see planner trace --help)');
  });

  it('the CLI prints them on one line with exit code 2', async () => {
    const both = await runCli(['recommend', '--synthetic', '--model', 'llama-3.1-8b', '--gpu', 'h200_sxm', '-p', 'profiles/h200-llama3.1-8b-fp8-tp1', '--isl', '3000', '--osl', '300', '--ttft', '200', '--itl', '15']);
    expect(both.exitCode).toBe(2);
    expect(both.stderr.trim()).toBe('Error: --synthetic and --profile cannot be used together (see --help)');
    const stray = await runCli(['interpolate', 'profiles/h200-llama3.1-8b-fp8-tp1']);
    expect(stray.exitCode).toBe(2);
    expect(stray.stderr.trim()).toBe('Error: "interpolate" has no subcommand or argument "profiles/h200-llama3.1-8b-fp8-tp1" (see planner interpolate --help)');
    const r = await runCli(['simulate', '-p', 'profiles/h200-llama3.1-8b-fp8-tp1', '--isl', '100', '--osl', '10', '--concurrency', '2', '--request-rate', '3']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim()).toBe('Error: --concurrency and --request-rate cannot be used together (see --help)');
  });
});

describe('help texts', () => {
  it('descriptions are paragraphs without hard line breaks (oclif wraps them); summaries and flag texts are sentences', () => {
    // the built manifest holds each description exactly as --help prints it
    const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, {summary?: string; description?: string; flags: Record<string, {description?: string}>}>};
    for (const [id, command] of Object.entries(manifest.commands)) {
      for (const para of (command.description ?? '').split('\n\n')) {
        // a line break inside a paragraph only starts a list item
        for (const line of para.split('\n').slice(1)) expect(line, `${id}: ${line}`).toMatch(/^(- |\d+\. )/);
      }
      expect(command.summary ?? command.description!.split('\n')[0], id).toMatch(/[.)]$/);
      for (const [name, flag] of Object.entries(command.flags)) if (flag.description) expect(flag.description, `${id} --${name}`).not.toContain('\n');
    }
  });

  it('every profile an example reads is shipped or written by an earlier example', () => {
    const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, {examples?: string[]}>};
    const examples = Object.entries(manifest.commands).flatMap(([id, c]) => (c.examples ?? []).map((e) => e.replaceAll('<%= config.bin %>', 'planner').replaceAll('<%= command.id %>', id.replaceAll(':', ' '))));
    const written = examples.filter((e) => e.startsWith('planner profile --synthetic')).map((e) => / --out (\S+)/.exec(e)![1]!);
    const reads = examples.flatMap((e) => [...e.matchAll(/(?:--profile|-p) (\S+)/g)].map((m) => m[1]!).concat(e.startsWith('planner fit ') ? [e.split(' ')[2]!] : []));
    expect(reads.length).toBeGreaterThan(10);
    for (const dir of reads) expect(existsSync(path.join(REPO_ROOT, dir)) || written.some((w) => dir === w || dir.startsWith(`${w}/`)), dir).toBe(true);
  });

  it('every --profile says it takes a Dynamo results directory too (each loads one)', () => {
    const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, {flags: Record<string, {description?: string}>}>};
    const described = Object.entries(manifest.commands).filter(([, c]) => c.flags.profile).map(([id, c]) => [id, c.flags.profile!.description]);
    expect(described.length).toBeGreaterThanOrEqual(5);
    for (const [id, text] of described) expect(text, id).toMatch(/^Profile directory, profile\.json or Dynamo results directory\b/);
  });

  it('--debug is documented and -p is --profile on dryrun and simulate', async () => {
    const r = await runCli(['dryrun', '--help']);
    expect(r.stdout).toMatch(/--debug\s+Show the stack trace of an error/);
    expect(r.stdout).toMatch(/-p, --profile=<value>/);
    expect((await runCli(['simulate', '--help'])).stdout).toMatch(/-p, --profile=<value>/);
  });
});

describe('numbers for people', () => {
  it('JSON and CSV drop floating-point noise, keep real precision', async () => {
    const {jsonText} = await import('../../src/ui/command.js');
    const {csvLine} = await import('../../src/report/csv.js');
    expect(jsonText({gpuHours: 8.899999999999997, isl: 45.769000000000005, n: 3, ratio: 1 / 3})).toBe('{\n  "gpuHours": 8.9,\n  "isl": 45.769,\n  "n": 3,\n  "ratio": 0.333333333333333\n}');
    expect(csvLine([45.769000000000005, 12, true, null])).toBe('45.769,12,true,\n');
  });
});

describe('flags that do not apply are refused, not ignored', () => {
  it.each([
    [['profile', '--synthetic', '--model', 'llama-3.1-8b', '--gpu', 'h200_sxm', '--tp', '1', '--out', '/tmp/never-written', '--csv', '--report'],
      'Error: --csv, --report do not apply to --synthetic (live profiling only: --endpoint, --launch)'],
    [['simulate', '-p', 'profiles/h200-llama3.1-8b-fp8-tp1', '--isl', '10', '--osl', '10', '--concurrency', '1', '--arrival', 'constant'],
      'Error: --arrival does not apply to a closed loop (--concurrency)'],
    [['interpolate', '-p', 'profiles/h200-llama3.1-8b-fp8-tp1', '--csv'], 'Error: --csv does not apply without --input (CSV has one row per query of the file)'],
  ])('%s', async (args, message) => {
    const r = await runCli(args);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim()).toBe(message);
    expect(r.stdout).toBe('');
  });
});
