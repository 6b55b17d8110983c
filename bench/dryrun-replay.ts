/**
 * Benchmark: `dryrun --mode replay` speed. (1) Dynamo's 30-minute sinusoid (5 to 45 req/s, ISL
 * 3000, OSL 300, period 600 s) on the shipped H200 profile: the planner plus three fixed fleets
 * (3P1D, 2P2D, 1P1D on a TP2 synthetic model); (2) with --hours H (24 = a day, about 3.5 M
 * requests) an H-hour trace at 40 req/s mean (20..60 req/s, 1 h period), planner alone.
 * Run: npx tsx bench/dryrun-replay.ts [--hours 24]
 * Prints per run: wall and CPU seconds, simulated requests per wall second, engine iterations per
 * second, and the process's peak RSS.
 */
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {profilePerfModel} from '../src/engines/profile-perf-model.js';
import {createSyntheticPerfModel} from '../src/engines/synthetic/index.js';
import {loadProfile} from '../src/profile/io.js';
import {resolvePlannerConfig} from '../src/planner/core/config-read.js';
import {bootstrapFpms} from '../src/planner/core/bootstrap.js';
import type {FleetOptions, PoolSpec} from '../src/replay/fleet.js';
import {runReplay, type ReplayRunSpec} from '../src/replay/run.js';
import {capabilitiesOf, kvBytesPerToken} from '../src/replay/setup.js';
import {sinTrace, SIN_DEFAULTS} from '../src/trace/sin.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const profile = await loadProfile(path.join(root, 'profiles/h200-llama3.1-8b-fp8-tp1'));
const pm = profilePerfModel(profile);
const tp1: PoolSpec = {perfModel: pm, engine: {maxNumBatchedTokens: 8192, maxNumSeqs: 256, maxKvTokens: pm.maxKvTokens}};
const synth = createSyntheticPerfModel({model: 'llama-3.1-8b', gpu: 'h200_sxm', tp: 2, quant: 'fp8'});
const tp2: PoolSpec = {perfModel: synth, engine: {maxNumBatchedTokens: synth.maxNumBatchedTokens, maxNumSeqs: synth.maxNumSeqs, maxKvTokens: synth.maxKvTokens}};
const sla = {ttftMs: 200, itlMs: 10};
const raw = {mode: 'disagg', optimization_target: 'sla', ttft_ms: 200, itl_ms: 10, throughput_adjustment_interval_seconds: 60, max_gpu_budget: 16};
const {config} = resolvePlannerConfig([{source: 'bench', raw}]);
const fleet = (spec: PoolSpec, p: number, d: number): FleetOptions => ({
  mode: 'disagg', prefill: spec, decode: spec, startPrefill: p, startDecode: d, startupS: 30,
  kvBytesPerToken: kvBytesPerToken('llama-3.1-8b', 2)!, kvTransferGBps: 64, router: 'least-loaded', traceBlockSize: 512,
});
const planner: ReplayRunSpec['planner'] = {config, capabilities: {prefill: capabilitiesOf(tp1), decode: capabilitiesOf(tp1)}, bootstrap: bootstrapFpms({prefill: profile.prefill, decode: profile.decode}, 'disagg')};

const rssMb = () => process.resourceUsage().maxRSS / 1024;
function bench(title: string, records: Parameters<typeof runReplay>[0], specs: ReplayRunSpec[]): void {
  console.log(`${title}: ${records.length} requests`);
  let wallTotal = 0;
  for (const spec of specs) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const r = runReplay(records, spec, sla);
    const wall = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    wallTotal += wall;
    const s = r.summary;
    console.log(`  ${spec.name.padEnd(14)} wall ${wall.toFixed(2).padStart(6)} s  cpu ${((cpu.user + cpu.system) / 1e6).toFixed(2).padStart(6)} s  ` +
      `${(records.length / wall).toFixed(0).padStart(8)} req/s  ${(r.iterations / wall).toFixed(0).padStart(8)} iterations/s  ` +
      `| SLA met ${(100 * s.slaAttainment).toFixed(1)} %, goodput ${s.goodputRps.toFixed(2)} req/s, ${s.gpuHours.toFixed(2)} GPU-h, ${s.goodputPerGpuHour.toFixed(0)} good req/GPU-h`);
  }
  console.log(`  total wall ${wallTotal.toFixed(2)} s; peak RSS ${rssMb().toFixed(0)} MB`);
}

const sin = [...sinTrace({...SIN_DEFAULTS, requestRateMin: 5, requestRateMax: 45, requestRatePeriodS: 600, isl1: 3000, osl1: 300, isl2: 3000, osl2: 300, timeDurationS: 1800})];
bench('30-minute sinusoid, 5-45 req/s, ISL 3000, OSL 300', sin, [
  {name: 'planner', fleet: fleet(tp1, 1, 1), planner},
  {name: 'static:3p1d', fleet: fleet(tp1, 3, 1)},
  {name: 'static:2p2d', fleet: fleet(tp1, 2, 2)},
  {name: 'static:1p1d tp2', fleet: fleet(tp2, 1, 1)},
]);
const hoursArg = process.argv.indexOf('--hours');
if (hoursArg > 0) {
  const hours = Number(process.argv[hoursArg + 1]);
  const long = [...sinTrace({...SIN_DEFAULTS, requestRateMin: 20, requestRateMax: 60, requestRatePeriodS: 3600, isl1: 3000, osl1: 300, isl2: 3000, osl2: 300, timeDurationS: hours * 3600})];
  bench(`${hours}-hour trace, 40 req/s mean`, long, [{name: 'planner', fleet: fleet(tp1, 2, 2), planner}]);
}
