/**
 * Benchmark: how `simulate`'s cost grows with the number of requests. Open loop at an overloaded
 * rate (the waiting queue grows without bound, the case that was quadratic), and at a light rate
 * (decode fast-forward), for the shipped H200 profile and the synthetic model.
 * Run: npx tsx bench/simulate-scaling.ts [--against DIST_DIR]
 * `--against` also times another build's runBenchmark (e.g. a checkout of an older commit after
 * `npm run build`: DIST_DIR/src/engines/sim/benchmark.js) for a side-by-side figure.
 */
import path from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';
import {runBenchmark} from '../src/engines/sim/benchmark.js';
import {profilePerfModel} from '../src/engines/profile-perf-model.js';
import {createSyntheticPerfModel} from '../src/engines/synthetic/index.js';
import type {PerfModel} from '../src/engines/perf-model.js';
import {loadProfile} from '../src/profile/io.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = process.argv.indexOf('--against');
type Run = typeof runBenchmark;
const other: Run | undefined = arg > 0 ? ((await import(pathToFileURL(path.resolve(process.argv[arg + 1]!, 'src/engines/sim/benchmark.js')).href)) as {runBenchmark: Run}).runBenchmark : undefined;

const profile = profilePerfModel(await loadProfile(path.join(root, 'profiles/h200-llama3.1-8b-fp8-tp1')));
const synthetic = createSyntheticPerfModel({model: 'llama-3.1-8b', gpu: 'h200_sxm', tp: 1, quant: 'fp8'});
const cases: Array<{name: string; model: PerfModel; rateRps: number}> = [
  {name: 'profile, overloaded 100 req/s', model: profile, rateRps: 100},
  {name: 'synthetic, overloaded 100 req/s', model: synthetic, rateRps: 100},
  {name: 'profile, light 2 req/s', model: profile, rateRps: 2},
];
const sizes = [1_000, 10_000, 100_000];

function time(run: Run, model: PerfModel, rateRps: number, requests: number): number {
  const t0 = performance.now();
  run(model, {}, {isl: 3000, osl: 300, requestRate: rateRps, requests});
  return (performance.now() - t0) / 1000;
}

console.log(`ISL 3000, OSL 300, Poisson arrivals; wall seconds${other ? ' (this build | --against build)' : ''}; growth = time / time at 10x fewer requests (10 = linear)`);
for (const c of cases) {
  time(runBenchmark, c.model, c.rateRps, sizes[0]!); // warm-up (JIT)
  let previous = Number.NaN;
  for (const n of sizes) {
    const s = time(runBenchmark, c.model, c.rateRps, n);
    let line = `${c.name.padEnd(34)} ${String(n).padStart(7)} requests  ${s.toFixed(3).padStart(8)} s  growth ${Number.isNaN(previous) ? '   -' : (s / previous).toFixed(1).padStart(4)}`;
    previous = s;
    if (other && n <= 10_000) line += `   | ${time(other, c.model, c.rateRps, n).toFixed(3).padStart(8)} s`;
    console.log(line);
  }
}
