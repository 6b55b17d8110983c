import {describe, expect, it} from 'vitest';
import {runBenchmark} from '../../../src/engines/sim/benchmark.js';
import {latencyStats, percentileSorted} from '../../../src/stats.js';
import {linearPerfModel} from '../../helpers/linear-perf-model.js';

describe('stats', () => {
  it('percentiles interpolate linearly between ranks (NumPy default)', () => {
    expect(percentileSorted([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentileSorted([1, 2, 3, 4], 90)).toBeCloseTo(3.7, 12);
    expect(latencyStats([10, 0, 5])).toEqual({mean: 5, p50: 5, p90: 9, p99: 9.9});
  });
});

// Model: step = 10 + 0.01 * prefill tokens + 1 * decode requests + 0.001 * decode KV tokens (ms).
describe('runBenchmark', () => {
  it('concurrency 1: every request sees the single-request schedule', () => {
    const r = runBenchmark(linearPerfModel({gpusPerEngine: 2}), {}, {isl: 100, osl: 3, concurrency: 1, requests: 5, warmupRequests: 0});
    expect(r.requests).toBe(5);
    expect(r.ttftMs.mean).toBeCloseTo(11, 9);
    expect(r.ttftMs.p99).toBeCloseTo(11, 9);
    expect(r.itlMs.mean).toBeCloseTo((11.101 + 11.102) / 2, 9);
    expect(r.e2eMs.mean).toBeCloseTo(33.203, 9);
    // TPOT excludes the first token: (E2E - TTFT) / (OSL - 1), equal to the ITL here
    expect(r.tpotMs.mean).toBeCloseTo((33.203 - 11) / 2, 9);
    expect(r.tpotMs.mean).toBeCloseTo(r.itlMs.mean, 9);
    expect(r.inputTokensPerS).toBeCloseTo(100_000 / 33.203, 6);
    expect(r.totalTokensPerS).toBeCloseTo(103_000 / 33.203, 6);
    expect(r.requestsPerS).toBeCloseTo(1000 / 33.203, 6);
    expect(r.outputTokensPerS).toBeCloseTo(3000 / 33.203, 6);
    expect(r.tokensPerSPerGpu).toBeCloseTo(1500 / 33.203, 6);
  });

  it('a per-request overhead adds to TTFT and E2E, not to ITL, and delays the next closed-loop request', () => {
    const model = {...linearPerfModel(), perRequestMs: 25};
    const r = runBenchmark(model, {}, {isl: 100, osl: 3, concurrency: 1, requests: 5, warmupRequests: 0});
    expect(r.ttftMs.mean).toBeCloseTo(11 + 25, 9);
    expect(r.itlMs.mean).toBeCloseTo((11.101 + 11.102) / 2, 9);
    expect(r.e2eMs.mean).toBeCloseTo(33.203 + 25, 9);
    // Each request is sent when the previous one finishes and reaches the engine 25 ms later.
    expect(r.requestsPerS).toBeCloseTo(1000 / (33.203 + 25), 6);
    const open = runBenchmark(model, {}, {isl: 100, osl: 3, requestRate: 1, arrival: 'constant', requests: 5, warmupRequests: 0});
    expect(open.ttftMs.p99).toBeCloseTo(36, 9);
  });

  it('concurrency n batches: throughput rises by the factor the model implies', () => {
    const osl = 10;
    const single = 10 + 1 + [...Array(osl - 1).keys()].reduce((s, k) => s + 11 + 0.001 * (101 + k), 0);
    const batch4 = 10 + 4 + [...Array(osl - 1).keys()].reduce((s, k) => s + 14 + 0.004 * (101 + k), 0);
    const one = runBenchmark(linearPerfModel(), {}, {isl: 100, osl, concurrency: 1, requests: 8, warmupRequests: 0});
    const four = runBenchmark(linearPerfModel(), {}, {isl: 100, osl, concurrency: 4, requests: 8, warmupRequests: 0});
    expect(one.e2eMs.mean).toBeCloseTo(single, 9);
    expect(four.e2eMs.mean).toBeCloseTo(batch4, 9);
    expect(four.outputTokensPerS / one.outputTokensPerS).toBeCloseTo((4 * single) / batch4, 6);
  });

  it('warm-up requests are not measured', () => {
    const r = runBenchmark(linearPerfModel(), {}, {isl: 100, osl: 3, concurrency: 2, requests: 6});
    expect(r.warmupRequests).toBe(2);
    expect(r.requests).toBe(6);
  });

  it('open loop at a constant rate below capacity: no queueing', () => {
    // one request takes 33.203 ms; arrivals every 100 ms never overlap
    const r = runBenchmark(linearPerfModel(), {}, {isl: 100, osl: 3, requestRate: 10, arrival: 'constant', requests: 20});
    expect(r.ttftMs.p99).toBeCloseTo(11, 9);
    expect(r.requestsPerS).toBeCloseTo(20 / ((19 * 100 + 33.203) / 1000), 6);
  });

  it('open loop Poisson arrivals are seeded and reproducible', () => {
    const a = runBenchmark(linearPerfModel(), {}, {isl: 500, osl: 20, requestRate: 20, requests: 300, seed: 7});
    const b = runBenchmark(linearPerfModel(), {}, {isl: 500, osl: 20, requestRate: 20, requests: 300, seed: 7});
    const c = runBenchmark(linearPerfModel(), {}, {isl: 500, osl: 20, requestRate: 20, requests: 300, seed: 8});
    expect(a).toEqual(b);
    expect(a.ttftMs.mean).not.toBe(c.ttftMs.mean);
    expect(a.requestsPerS).toBeGreaterThan(16);
    expect(a.requestsPerS).toBeLessThan(24);
  });

  it('KV pressure shows up as preemptions', () => {
    const r = runBenchmark(linearPerfModel({maxKvTokens: 4096}), {blockSize: 16}, {isl: 500, osl: 400, concurrency: 8, requests: 16});
    expect(r.preemptions).toBeGreaterThan(0);
    expect(r.requests).toBe(16);
  });

  // How fast: bench/simulate-speed.ts.
  it('runs thousands of requests at full concurrency, the decode batch full', () => {
    const r = runBenchmark(linearPerfModel(), {}, {isl: 2000, osl: 300, concurrency: 128, requests: 3000});
    expect(r.requests).toBe(3000);
    expect(r.outputTokensPerS).toBeCloseTo((3000 * 300) / r.durationS, 6);
    expect(r.meanDecodeBatch).toBeGreaterThan(100);
    expect(r.meanDecodeBatch).toBeLessThanOrEqual(128);
  });
});
