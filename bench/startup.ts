/**
 * Benchmark: whole-process times of short commands beside `node -e 0` (the floor any Node CLI
 * pays), the built CLI, GNU time for wall and CPU: `--version`, one `interpolate` call on the
 * shipped profile, and the classic dry run (ARIMA) of a 45k-request trace made by `trace sin`
 * (30 min at 10..40 req/s) in a temporary directory.
 * Beside the shipped CLI (bin/run.js, the esbuild bundle of scripts/bundle.ts), the same entry
 * unbundled (dist/bin/main.js, tsc's output: ~300 files through Node's loader) shows what the
 * bundle saves.
 * Goals (issue 15): interpolate under 0.2 s; the dry run at least 10x faster than Dynamo's Python
 * dry run of such a trace (4.66 s measured there, so <= 0.47 s).
 * Run: npm run build && npx tsx bench/startup.ts [--runs 7]   (needs /usr/bin/time)
 * On a machine shared with other work the wall times include waiting for a core: compare CPU.
 */
import {spawnSync} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 7;
const cli = path.join(root, 'bin/run.js');
const profile = path.join(root, 'profiles/h200-llama3.1-8b-fp8-tp1');

function timeOnce(argv: string[]): {wallS: number; cpuS: number} {
  // bin/run.js skips oclif's semver engine check this way; the unbundled runner gets the same.
  const env = {...process.env, OCLIF_DISABLE_ENGINE_WARNING: '1'};
  const p = spawnSync('/usr/bin/time', ['-f', '%e %U %S', ...argv], {encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env});
  if (p.status !== 0) throw new Error(`${argv.join(' ')} exited ${p.status}: ${p.stderr}`);
  const [wallS, userS, sysS] = p.stderr.trim().split('\n').at(-1)!.split(' ').map(Number) as [number, number, number];
  return {wallS, cpuS: userS + sysS};
}

/** The CLI's entry without the bundle: tsc's dist/bin/main.js, argv as bin/run.js passes it. */
const unbundled = (args: string[]) => [process.execPath, '--input-type=module', '-e',
  `const {main} = await import(${JSON.stringify(pathToFileURL(path.join(root, 'dist/bin/main.js')).href)}); await main(process.argv.slice(1), ${JSON.stringify(pathToFileURL(cli).href)});`, '--', ...args];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const dir = mkdtempSync(path.join(tmpdir(), 'bench-startup-'));
try {
  const trace = path.join(dir, 'trace-45k.jsonl');
  timeOnce([process.execPath, cli, 'trace', 'sin', '--time-duration', '1800', '--request-rate-min', '10', '--request-rate-max', '40', '--request-rate-period', '600',
    '--isl1', '3000', '--osl1', '150', '--isl2', '8000', '--osl2', '500', '--out', trace]);
  const interpolate = ['interpolate', '--profile', profile, '--isl', '3000', '--osl', '300'];
  const dryrun = ['dryrun', '--trace', trace, '--profile', profile, '--out', path.join(dir, 'report')];
  const cases: {label: string; argv: string[]; goalS?: number}[] = [
    {label: 'node -e 0', argv: [process.execPath, '-e', '0']},
    {label: 'planner --version', argv: [process.execPath, cli, '--version']},
    {label: '  unbundled', argv: unbundled(['--version'])},
    {label: 'planner interpolate (shipped profile)', argv: [process.execPath, cli, ...interpolate], goalS: 0.2},
    {label: '  unbundled', argv: unbundled(interpolate)},
    {label: 'planner dryrun --trace (45k requests, arima)', argv: [process.execPath, cli, ...dryrun], goalS: 4.66 / 10},
    {label: '  unbundled', argv: unbundled(dryrun)},
  ];
  const rows = cases.map((c) => {
    timeOnce(c.argv); // page cache and disk warm
    const samples = Array.from({length: runs}, () => timeOnce(c.argv));
    return {...c, wallS: median(samples.map((s) => s.wallS)), cpuS: median(samples.map((s) => s.cpuS)), minWallS: Math.min(...samples.map((s) => s.wallS))};
  });
  const floor = rows[0]!;
  console.log(`whole-process times, median of ${runs} runs (wall and CPU = user + sys)`);
  console.log(`${'command'.padEnd(46)} ${'wall s'.padStart(7)} ${'min s'.padStart(6)} ${'CPU s'.padStart(6)} ${'vs node'.padStart(8)} ${'goal'.padStart(9)}`);
  for (const r of rows) {
    const goal = r.goalS === undefined ? '' : `< ${r.goalS.toFixed(2)} s ${r.wallS <= r.goalS ? 'ok' : 'MISSED'} (median)`;
    console.log(`${r.label.padEnd(46)} ${r.wallS.toFixed(2).padStart(7)} ${r.minWallS.toFixed(2).padStart(6)} ${r.cpuS.toFixed(2).padStart(6)} ${`+${(r.wallS - floor.wallS).toFixed(2)}`.padStart(8)} ${goal.padStart(9)}`);
  }
  const dry = rows[5]!;
  console.log(`dry run vs Dynamo's Python dry run (4.66 s, issue 15): ${(4.66 / dry.wallS).toFixed(1)}x faster (median wall), ${(4.66 / dry.minWallS).toFixed(1)}x (best wall)`);
} finally {
  rmSync(dir, {recursive: true, force: true});
}
