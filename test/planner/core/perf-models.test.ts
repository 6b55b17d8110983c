import {describe, expect, it} from 'vitest';
import {aggModel, decodeModel, fpm, prefillModel, SETTINGS} from './helpers.js';
import {PrefillRegressionModel} from '../../../src/planner/core/perf-models.js';

describe('PrefillRegressionModel (wt = 5 ms + 50 µs/token, avg ISL 2000)', () => {
  it('estimateNextTtft chunks (queued + avg ISL) by the batch budget', () => {
    const m = prefillModel();
    // 6000 tokens, one chunk: 5 + 300 ms
    expect(m.estimateNextTtft(4000, 8192, null)! * 1000).toBeCloseTo(305, 9);
    // 10000 tokens: 8192 (414.6 ms) + 1808 (95.4 ms)
    expect(m.estimateNextTtft(8000, 8192, null)! * 1000).toBeCloseTo(510, 9);
    expect(m.estimateNextTtft(0, 0, null)).toBeNull();
  });

  it('the KV hit rate discounts queue and ISL: 0, 0.5, and 0.99 clamped to 0.95', () => {
    const m = prefillModel();
    expect(m.estimateNextTtft(2000, 8192, 0)! * 1000).toBeCloseTo(205, 9); // 4000 tokens
    expect(m.estimateNextTtft(2000, 8192, 0.5)! * 1000).toBeCloseTo(105, 9); // 2000 tokens
    expect(m.estimateNextTtft(2000, 8192, 0.99)! * 1000).toBeCloseTo(15, 9); // 4000 x 0.05 = 200 tokens
  });

  it('findBestEnginePrefillRps: one pass up to the batch budget, chunks beyond', () => {
    const m = prefillModel();
    const [rps, ttftMs] = m.findBestEnginePrefillRps(3000, 8192);
    expect(ttftMs).toBeCloseTo(155, 9);
    expect(rps).toBeCloseTo(1 / 0.155, 9);
    // 10000 tokens with MBT 4096: 2 x predict(4096) + predict(1808) = 2 x 209.8 + 95.4 ms
    expect(m.findBestEnginePrefillRps(10000, 4096)[1]).toBeCloseTo(2 * 209.8 + 95.4, 9);
    expect(m.findBestEnginePrefillRps(0, 4096)).toEqual([0, 0]);
  });

  it('idle iterations pull the average ISL down (Dynamo #9756)', () => {
    const m = new PrefillRegressionModel(SETTINGS);
    m.addObservation(fpm('w', 0, {})); // leading zero: skipped
    m.addObservation(fpm('w', 0.1, {numPrefillRequests: 2, sumPrefillTokens: 4000}));
    m.addObservation(fpm('w', 0, {}));
    expect(m.avgIsl).toBe(1000);
  });
});

describe('DecodeRegressionModel (wt = 5 ms + 100 ns/KV token, avg length 1500, avg batch 10)', () => {
  it('estimateNextItl adds one average request to the KV', () => {
    const m = decodeModel();
    // kv = 30000 + 0 + 1500 -> 5 + 3.15 ms
    expect(m.estimateNextItl(30000, 0)! * 1000).toBeCloseTo(8.15, 9);
    expect(m.estimateNextItl(20000, 10000)! * 1000).toBeCloseTo(8.15, 9);
  });

  it('findBestEngineDecodeRps: the largest batch within the ITL target, Little\'s law', () => {
    const m = decodeModel();
    // ctx 2000: wt(bs) = 5 ms + 0.2 ms x bs <= 10.1 ms -> bs = 25; rps = 25 / (100 x 0.010)
    const [rps, itl] = m.findBestEngineDecodeRps(10.1, 2000, 100, 1_000_000, 256);
    expect(itl).toBeCloseTo(10, 9);
    expect(rps).toBeCloseTo(25, 9);
    // the KV cap binds: 30000 / 2000 = 15 sequences
    expect(m.findBestEngineDecodeRps(10.1, 2000, 100, 30000, 256)[0]).toBeCloseTo(15 / (100 * 0.008), 9);
    // batch 1 already misses: warn and return batch 1
    const [rps1, itl1] = m.findBestEngineDecodeRps(5, 2000, 100, 1_000_000, 256);
    expect(itl1).toBeCloseTo(5.2, 9);
    expect(rps1).toBeCloseTo(1 / (100 * 0.0052), 9);
  });
});

describe('AggRegressionModel (wt = 10 ms + 40 µs/prefill token + 100 ns/KV token)', () => {
  it('averages skip leading zeros: avg ISL 1750, avg prefill/iteration 1400, avg decode length 2666.67', () => {
    const m = aggModel();
    expect(m.avgIsl).toBe(1750);
    // ITL: predict([1400, 5000 + 16000/6]) = 10 + 56 + 0.7667 ms
    expect(m.estimateNextItl(5000, 0)! * 1000).toBeCloseTo(10 + 56 + (5000 + 16000 / 6) * 1e-4, 9);
    // TTFT: (250 + 1750) tokens at kv 10000 -> 10 + 80 + 1 ms
    expect(m.estimateNextTtft(250, 8192, 10000, null)! * 1000).toBeCloseTo(91, 9);
  });

  it('findBestEngineAggRps: the largest batch within both SLAs; the hit rate discounts prefill only', () => {
    const m = aggModel();
    // isl 1000, osl 100: wt(bs) = 10 ms + 0.4 ms x bs (prefill 10 bs tokens) + 0.105 ms x bs (KV 1050 bs) <= 60 ms -> bs 99
    const [rps, ttft, itl] = m.findBestEngineAggRps(1000, 100, 2048, 1e9, 60, undefined, undefined, null);
    const wt = 0.01 + 4e-5 * 990 + 1e-7 * 99 * 1050;
    expect(itl).toBeCloseTo(wt * 1000, 9);
    expect(rps).toBeCloseTo(99 / (100 * wt), 9);
    expect(ttft).toBeGreaterThan(0);
    // 50 % hits: 5 bs prefill tokens per iteration -> 10 + 0.305 ms x bs <= 60 -> bs 163
    const [rpsHit] = m.findBestEngineAggRps(1000, 100, 2048, 1e9, 60, undefined, undefined, 0.5);
    const wtHit = 0.01 + 4e-5 * 163 * 5 + 1e-7 * 163 * 1050;
    expect(rpsHit).toBeCloseTo(163 / (100 * wtHit), 9);
    // batch 1 already misses a 5 ms ITL: warn and return batch 1
    const [rps1, , itl1] = m.findBestEngineAggRps(1000, 100, 2048, 1e9, 5, undefined, undefined, null);
    expect(itl1).toBeCloseTo(10.505, 9);
    expect(rps1).toBeCloseTo(1 / (100 * 0.010505), 9);
  });
});
