/**
 * Benchmark: how fast the simulated engine runs in virtual time, and how soon a lazy trace
 * yields its first records (speed is shown here, never asserted by tests).
 * Run: npx tsx bench/simulate-speed.ts
 * Prints wall time, requests and iterations per second of wall time, and the virtual/real ratio.
 */
import {performance} from 'node:perf_hooks';
import {runBenchmark} from '../src/engines/sim/benchmark.js';
import type {IterationShape, PerfModel} from '../src/engines/perf-model.js';
import {sinTrace} from '../src/trace/sin.js';

// The test suite's linear model: 10 ms + 0.01 ms per prefill token + 1 ms per decode request + 0.001 ms per KV token.
const linear: PerfModel = {
  name: 'linear',
  gpusPerEngine: 1,
  maxKvTokens: 1_000_000,
  stepMs: (s: IterationShape) => 10 + 0.01 * s.prefillTokens + s.decodeRequests + 0.001 * s.decodeKvTokens,
};

const cases = [
  {name: '3000 requests, concurrency 128, ISL 2000, OSL 300', load: {isl: 2000, osl: 300, concurrency: 128, requests: 3000}},
  {name: '5000 requests at 20 req/s (Poisson), ISL 1000, OSL 200', load: {isl: 1000, osl: 200, requestRate: 20, requests: 5000, seed: 1}},
];
console.log('case | wall s | requests/s (wall) | virtual s | virtual/real');
for (const c of cases) {
  const t0 = performance.now();
  const r = runBenchmark(linear, {}, c.load);
  const wallS = (performance.now() - t0) / 1000;
  const virtualS = r.requests / r.requestsPerS;
  console.log(`${c.name} | ${wallS.toFixed(3)} | ${(r.requests / wallS).toFixed(0)} | ${virtualS.toFixed(1)} | ${(virtualS / wallS).toFixed(0)}x`);
}

const t0 = performance.now();
const gen = sinTrace({timeDurationS: 86400, requestRateMin: 100, requestRateMax: 100});
for (let i = 0; i < 10; i++) gen.next();
console.log(`first 10 records of a 24 h, 100 req/s sinusoidal trace: ${(performance.now() - t0).toFixed(2)} ms`);
