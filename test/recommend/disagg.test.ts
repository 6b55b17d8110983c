import {describe, expect, it} from 'vitest';
import {bestDisaggLayout, decodeEngineRps, md1MaxUtilisation, prefillEngineRps, rateMatch} from '../../src/recommend/disagg.js';

describe('prefill under Poisson load (M/D/1)', () => {
  it('finds the utilisation at which the mean sojourn equals the target', () => {
    // h = 300/100 - 1 = 2, rho = 4/5; check: 100 + 0.8 * 100 / (2 * 0.2) = 300.
    expect(md1MaxUtilisation(100, 300)).toBeCloseTo(0.8, 12);
    const rho = md1MaxUtilisation(80, 200);
    expect(80 + (rho * 80) / (2 * (1 - rho))).toBeCloseTo(200, 9);
  });

  it('gives no capacity when the batch-1 TTFT alone uses up or misses the target', () => {
    expect(md1MaxUtilisation(100, 100)).toBe(0);
    expect(md1MaxUtilisation(100, 50)).toBe(0);
    expect(prefillEngineRps(100, 50)).toBe(0);
  });

  it('turns utilisation into requests/s of one engine', () => {
    expect(prefillEngineRps(100, 300)).toBeCloseTo(8, 12); // 0.8 * 1000 / 100
    expect(decodeEngineRps(5000, 2, 500)).toBe(20);
  });
});

describe('rate matching', () => {
  const P = {tp: 1, gpus: 1, rps: 7, ttftMs: 100};
  const D = {tp: 1, gpus: 1, rps: 10, itlMs: 20};

  it('finds the exact 10:7 ratio when workers are unconstrained', () => {
    const l = rateMatch(P, D, {osl: 500})!;
    expect(l).toMatchObject({prefillWorkers: 10, decodeWorkers: 7, gpus: 17});
    expect(l.rps).toBeCloseTo(70, 12);
    expect(l.tokensPerSPerGpu).toBeCloseTo((70 * 500) / 17, 9);
    expect(l.tokensPerSPerUser).toBe(50);
  });

  it('within 8 GPUs picks 3P + 2D (4.0 req/s/GPU, tied with 4P + 3D, fewer GPUs win)', () => {
    const l = rateMatch(P, D, {osl: 500, maxGpus: 8})!;
    expect(l).toMatchObject({prefillWorkers: 3, decodeWorkers: 2, gpus: 5});
    expect(l.tokensPerSPerGpu).toBeCloseTo(2000, 9);
  });

  it('counts GPUs per engine and respects the worker cap', () => {
    const l = rateMatch(P, {tp: 4, gpus: 4, rps: 50, itlMs: 20}, {osl: 100, maxWorkers: 4})!;
    // p <= 4 prefill engines give at most 28 req/s; one TP4 decode engine holds 50.
    expect(l).toMatchObject({prefillWorkers: 4, decodeWorkers: 1, gpus: 8});
    expect(l.tokensPerSPerGpu).toBeCloseTo((28 * 100) / 8, 9);
  });

  it('with a tolerance takes the smallest replica close to the best instead of a huge exact ratio', () => {
    const p = {tp: 1, gpus: 1, rps: 3, ttftMs: 100};
    const d = {tp: 1, gpus: 1, rps: 3.1, itlMs: 20};
    // exact: 31 P + 30 D = 61 GPUs at 93/61 = 1.525 req/s/GPU; 1 P + 1 D = 2 GPUs at 1.5 (1.6 % less)
    expect(rateMatch(p, d, {osl: 100})).toMatchObject({prefillWorkers: 31, decodeWorkers: 30, gpus: 61});
    expect(rateMatch(p, d, {osl: 100, tolerance: 0.02})).toMatchObject({prefillWorkers: 1, decodeWorkers: 1, gpus: 2});
    expect(rateMatch(p, d, {osl: 100, tolerance: 0.01})!.gpus).toBeGreaterThan(2);
  });

  it('returns null when a side serves nothing or nothing fits the GPU cap', () => {
    expect(rateMatch({...P, rps: 0}, D, {osl: 500})).toBeNull();
    expect(rateMatch(P, {tp: 8, gpus: 8, rps: 100, itlMs: 10}, {osl: 500, maxGpus: 8})).toBeNull();
  });

  it('takes the best pair over all prefill x decode options', () => {
    const best = bestDisaggLayout([P, {tp: 2, gpus: 2, rps: 9, ttftMs: 70}], [D, {tp: 2, gpus: 2, rps: 24, itlMs: 18}], {osl: 500, maxGpus: 16})!;
    // By hand: TP1 prefill (7 req/s/GPU) with TP2 decode (12 req/s/GPU); within 16 GPUs
    // 10 P + 3 D = 16 GPUs serve min(70, 72) = 70 req/s = 4.375 req/s/GPU (7 P + 2 D: 48/11 = 4.36).
    expect(best).toMatchObject({prefillTp: 1, decodeTp: 2, prefillWorkers: 10, decodeWorkers: 3, gpus: 16});
    expect(best.tokensPerSPerGpu).toBeCloseTo(2187.5, 9);
  });
});
