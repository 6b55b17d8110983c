import {describe, expect, it} from 'vitest';
import {findMaxAggRate, simulateRate} from '../../src/recommend/agg.js';
import {linearPerfModel} from '../helpers/linear-perf-model.js';

const ENGINE = {maxNumBatchedTokens: 8192, maxNumSeqs: 256};
/** Every iteration takes 10 ms, whatever it holds. */
const constant = linearPerfModel({baseMs: 10, prefillMsPerToken: 0, decodeMsPerRequest: 0, decodeMsPerKvToken: 0});
/** 1 ms per iteration plus 10 ms per 1000 prefill tokens: prefill caps an engine near 100 req/s of ISL 1000. */
const prefillBound = linearPerfModel({baseMs: 1, prefillMsPerToken: 0.01, decodeMsPerRequest: 0, decodeMsPerKvToken: 0});

describe('simulateRate', () => {
  it('measures one iteration of TTFT and one iteration per token when requests never overlap', () => {
    const r = simulateRate(constant, ENGINE, {isl: 100, osl: 5, ttftTargetMs: 50, itlTargetMs: 20}, 0.01, {requests: 40});
    expect(r.measured).toBe(40);
    expect(r.overloaded).toBe(false);
    expect(r.ttftMs.p50).toBe(10);
    expect(r.ttftMs.mean).toBeGreaterThanOrEqual(10);
    expect(r.itlMs.mean).toBeCloseTo(10, 9);
    expect(r.itlMs.p99).toBeCloseTo(10, 9);
    expect(r).toMatchObject({meetsTtft: true, meetsItl: true, meetsSla: true});
    expect(r.tokensPerSPerGpu).toBeCloseTo(0.01 * 5, 12);
    expect(r.tokensPerSPerUser).toBeCloseTo(100, 9);
  });

  it('adds the per-request overhead to TTFT and judges the chosen statistic', () => {
    const r = simulateRate({...constant, perRequestMs: 5}, ENGINE, {isl: 100, osl: 5, ttftTargetMs: 14, itlTargetMs: 20, stat: 'p50'}, 0.01, {requests: 40});
    expect(r.ttftMs.p50).toBe(15);
    expect(r.meetsTtft).toBe(false);
    expect(r.meetsItl).toBe(true);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const w = {isl: 1000, osl: 20, ttftTargetMs: 100, itlTargetMs: 50};
    const a = simulateRate(prefillBound, ENGINE, w, 60, {requests: 200, seed: 7});
    const b = simulateRate(prefillBound, ENGINE, w, 60, {requests: 200, seed: 7});
    const c = simulateRate(prefillBound, ENGINE, w, 60, {requests: 200, seed: 8});
    expect(b).toEqual(a);
    expect(c.ttftMs.mean).not.toBe(a.ttftMs.mean);
  });

  it('stops early and fails the SLA when the queue grows without bound', () => {
    const r = simulateRate(prefillBound, ENGINE, {isl: 1000, osl: 20, ttftTargetMs: 100, itlTargetMs: 50}, 400, {requests: 2000});
    expect(r.overloaded).toBe(true);
    expect(r.meetsSla).toBe(false);
    expect(r.measured).toBeLessThan(2000);
  });
});

describe('findMaxAggRate', () => {
  const w = {isl: 1000, osl: 20, ttftTargetMs: 50, itlTargetMs: 1000};

  it('finds a rate that meets the SLA while 10 % more does not, below the prefill capacity', () => {
    const res = findMaxAggRate(prefillBound, ENGINE, w, {guessRps: 150, requests: 200});
    expect(res.feasible).toBe(true);
    // Prefill alone needs 10 ms per request: an engine can never exceed 100 req/s.
    expect(res.maxRateRps).toBeLessThan(100);
    expect(res.maxRateRps).toBeGreaterThan(30);
    expect(res.best.meetsSla).toBe(true);
    expect(res.best.rateRps).toBe(res.maxRateRps);
    expect(simulateRate(prefillBound, ENGINE, w, res.maxRateRps * 1.1, {requests: 200}).meetsSla).toBe(false);
  });

  it('doubles a low guess until it fails, reaching the same answer within tolerance', () => {
    const high = findMaxAggRate(prefillBound, ENGINE, w, {guessRps: 150, requests: 200});
    const low = findMaxAggRate(prefillBound, ENGINE, w, {guessRps: 10, requests: 200});
    expect(low.runs[0].meetsSla).toBe(true);
    expect(Math.abs(low.maxRateRps - high.maxRateRps) / high.maxRateRps).toBeLessThan(0.1);
  });

  it('does not simulate the lowest rate (guess / 64) when a midpoint passes', () => {
    const res = findMaxAggRate(prefillBound, ENGINE, w, {guessRps: 150, requests: 200});
    expect(res.runs.map((r) => r.rateRps)).not.toContain(150 / 64);
    expect(res.runs.filter((r) => r.meetsSla).length).toBeGreaterThan(0);
  });

  it('probes the lowest rate after three failing midpoints, then bisects on to the same answer', () => {
    const high = findMaxAggRate(prefillBound, ENGINE, w, {guessRps: 150, requests: 200});
    // guess / 64 = 60 req/s passes; the midpoints 1950, 1005 and 532 fail.
    const res = findMaxAggRate(prefillBound, ENGINE, w, {guessRps: 3840, requests: 200});
    expect(res.runs.slice(1, 5).map((r) => [r.rateRps, r.meetsSla])).toEqual([[1950, false], [1005, false], [532.5, false], [60, true]]);
    expect(res.feasible).toBe(true);
    expect(Math.abs(res.maxRateRps - high.maxRateRps) / high.maxRateRps).toBeLessThan(0.1);
  });

  it('reports infeasible, with the lowest-rate run, when one request alone misses TTFT', () => {
    // One request alone: one iteration of 1 + 10 ms = 11 ms > 5 ms.
    const res = findMaxAggRate(prefillBound, ENGINE, {...w, ttftTargetMs: 5}, {guessRps: 150, requests: 50});
    expect(res.feasible).toBe(false);
    expect(res.maxRateRps).toBe(0);
    expect(res.best.rateRps).toBeCloseTo(150 / 64, 12);
    expect(res.best.ttftMs.p50).toBe(11);
  });
});
