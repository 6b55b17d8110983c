/**
 * Generate a synthetic planner tick recording (DESIGN 3.5) for benchmarks and fixtures: a fixed
 * disagg fleet under a sinusoidal request rate, FPMs from a linear ground-truth perf model with
 * 2 % noise, traffic windows on the throughput cadence. Open loop: decisions are not applied.
 * Run: npx tsx scripts/gen-ticks.ts --hours 24 --prefill 4 --decode 4 --out /tmp/ticks.jsonl
 */
import {writeFileSync} from 'node:fs';
import {Rng} from '../src/random.js';

export interface GenTicksOptions {
  hours: number;
  prefill: number;
  decode: number;
  loadIntervalS?: number;
  throughputIntervalS?: number;
  seed?: number;
}

const MBT = 8192;
const MAX_KV = 945029;
const ISL = 3000;
const OSL = 150;
const HIT = 0.2;

export function generateTicks(o: GenTicksOptions): string[] {
  const rng = new Rng(o.seed ?? 1);
  const loadS = o.loadIntervalS ?? 5;
  const thptS = o.throughputIntervalS ?? 180;
  const noise = () => 1 + 0.02 * (2 * rng.uniform() - 1);
  const rate = (t: number) => 20 + 15 * Math.sin((2 * Math.PI * t) / 3600);
  const caps = {numGpu: 1, maxNumBatchedTokens: MBT, maxNumSeqs: 256, contextLength: 16384, maxKvTokens: MAX_KV};
  const lines = [JSON.stringify({
    plannerConfig: {mode: 'disagg', optimization_target: 'sla', ttft: 500, itl: 50, enable_load_scaling: true, enable_throughput_scaling: true,
      load_adjustment_interval: loadS, throughput_adjustment_interval: thptS, max_gpu_budget: 16, load_predictor: 'constant'},
    capabilities: {prefill: caps, decode: caps},
    startS: 0,
  })];
  const empty = {numPrefillRequests: 0, sumPrefillTokens: 0, varPrefillLength: 0, numDecodeRequests: 0, sumDecodeKvTokens: 0, varDecodeKvTokens: 0};
  let nextThpt = thptS;
  for (let t = loadS; t <= o.hours * 3600 + 1e-9; t += loadS) {
    const r = rate(t);
    const prefill = [];
    for (let i = 0; i < o.prefill; i++) {
      const rho = Math.min(0.95, (r / o.prefill) * ISL * (1 - HIT) * 3e-5);
      const batch = 1 + rng.int(2);
      const tokens = Math.min(MBT, batch * ISL);
      prefill.push({workerId: `p${i}`, dpRank: 0, wallTimeS: (0.004 + 3e-5 * tokens) * noise(),
        scheduled: {numPrefillRequests: batch, sumPrefillTokens: tokens, varPrefillLength: 0, sumPrefillKvTokens: 0, numDecodeRequests: 0, sumDecodeKvTokens: 0, varDecodeKvTokens: 0},
        queued: {...empty, numPrefillRequests: Math.round(rho * 4), sumPrefillTokens: Math.round(ISL * (rho / (1 - rho)) * rng.uniform())}});
    }
    const decode = [];
    for (let i = 0; i < o.decode; i++) {
      const n = Math.max(1, Math.round((r / o.decode) * OSL * 0.02 * noise()));
      const kv = Math.round(n * (ISL + OSL / 2) * noise());
      decode.push({workerId: `d${i}`, dpRank: 0, wallTimeS: (0.005 + 5e-5 * n + 1.5e-8 * kv) * noise(),
        scheduled: {numPrefillRequests: 0, sumPrefillTokens: 0, varPrefillLength: 0, sumPrefillKvTokens: 0, numDecodeRequests: n, sumDecodeKvTokens: kv, varDecodeKvTokens: 0},
        queued: empty});
    }
    const tick: Record<string, unknown> = {
      nowS: t,
      workers: {readyPrefill: o.prefill, readyDecode: o.decode, expectedPrefill: o.prefill, expectedDecode: o.decode},
      fpm: {prefill, decode},
    };
    if (t >= nextThpt - 0.5) {
      tick.traffic = {durationS: thptS, numReq: Math.round(r * thptS), isl: ISL, osl: OSL, kvHitRate: HIT};
      nextThpt = t + thptS;
    }
    lines.push(JSON.stringify(tick));
  }
  return lines;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
}

if (process.argv[1]?.endsWith('gen-ticks.ts')) {
  const lines = generateTicks({hours: Number(arg('hours', '1')), prefill: Number(arg('prefill', '4')), decode: Number(arg('decode', '4')), seed: Number(arg('seed', '1'))});
  writeFileSync(arg('out', 'ticks.jsonl'), `${lines.join('\n')}\n`);
  process.stderr.write(`wrote ${lines.length - 1} ticks to ${arg('out', 'ticks.jsonl')}\n`);
}
