import {describe, expect, it} from 'vitest';
import {DEFAULT_PLANNER_CONFIG, type PlannerConfig} from '../../../src/planner/core/config.js';
import {PlannerStateMachine} from '../../../src/planner/core/state-machine.js';
import type {ForwardPassMetrics, TickInput, WorkerCapabilities} from '../../../src/planner/core/types.js';
import {Rng} from '../../../src/random.js';
import {fpm} from './helpers.js';

const config = (c: Partial<PlannerConfig>): PlannerConfig => ({...DEFAULT_PLANNER_CONFIG, optimizationTarget: 'sla', enableLoadScaling: true, ...c});
/** Decode truth: 5 ms + 100 ns per KV token. */
const decodeWt = (kv: number) => 0.005 + 1e-7 * kv;
const decodeFpm = (id: string, n: number, kv: number): ForwardPassMetrics => fpm(id, decodeWt(kv), {numDecodeRequests: n, sumDecodeKvTokens: kv});
const prefillFpm = (id: string, tokens: number, queued: number): ForwardPassMetrics =>
  fpm(id, 0.005 + 5e-5 * tokens, {numPrefillRequests: 1, sumPrefillTokens: tokens}, {sumPrefillTokens: queued});
const bootstrapDecode = (sm: PlannerStateMachine) =>
  sm.loadBenchmarkFpms({decode: [1000, 2000].flatMap((ctx) => [5, 10, 15].map((n) => decodeFpm('b', n, n * ctx)))});

describe('tick scheduling (E.3)', () => {
  it('first tick is the load cadence; throughput fires at its interval; both merge within 0.5 s', () => {
    const sm = new PlannerStateMachine(config({}));
    expect(sm.initialTick(0)).toEqual({atS: 5, runLoadScaling: true, runThroughputScaling: false, needTrafficMetrics: false,
      trafficMetricsDurationS: 0, needWorkerStates: true, needWorkerFpm: true});
    let tick = sm.nextScheduledTick();
    for (let t = 5; t < 180; t += 5) tick = sm.onTick(tick, {nowS: t}).nextTick;
    expect(tick).toMatchObject({atS: 180, runLoadScaling: true, runThroughputScaling: true, needTrafficMetrics: true, trafficMetricsDurationS: 180});
    expect(tick.atS).toBe(180);
  });

  it('load-only deployments scrape traffic (the KV hit rate) on every load tick', () => {
    const sm = new PlannerStateMachine(config({enableThroughputScaling: false}));
    expect(sm.initialTick(10)).toMatchObject({atS: 15, needTrafficMetrics: true, trafficMetricsDurationS: 5});
  });

  it('next times are now + interval: a late tick shifts the cadence', () => {
    const sm = new PlannerStateMachine(config({enableThroughputScaling: false}));
    const tick = sm.initialTick(0);
    expect(sm.onTick(tick, {nowS: 7.25}).nextTick.atS).toBe(12.25);
  });
});

describe('onTick ordering and observations', () => {
  it('a tick without an fpm block runs no load pass (no reason); an empty block is no_fpm_data', () => {
    const sm = new PlannerStateMachine(config({mode: 'decode', enableThroughputScaling: false}));
    const tick = sm.initialTick(0);
    expect(sm.onTick(tick, {nowS: 5}).diagnostics.loadDecisionReason).toBeNull();
    expect(sm.onTick(sm.nextScheduledTick(), {nowS: 10, fpm: {}}).diagnostics.loadDecisionReason).toBe('no_fpm_data');
  });

  it('on a merged tick throughput runs first: its new lower bound caps the same tick\'s scale-down', () => {
    const caps: WorkerCapabilities = {decode: {maxKvTokens: 1_000_000, maxNumSeqs: 256}};
    const sm = new PlannerStateMachine(config({mode: 'decode', loadPredictor: 'constant', itlMs: 50}), caps);
    bootstrapDecode(sm);
    let tick = sm.initialTick(0);
    const light = (t: number): TickInput => ({nowS: t, workers: {readyDecode: 3, expectedDecode: 3}, fpm: {decode: ['a', 'b', 'c'].map((id) => decodeFpm(id, 5, 5000))}});
    for (let t = 5; t < 180; t += 5) tick = sm.onTick(tick, light(t)).nextTick;
    expect(tick.runThroughputScaling).toBe(true);
    // 200 req/s; ctx 1075: ITL 5 + 0.1075 ms x bs <= 50 -> bs 418, capped at 256 seqs (32.52 ms) -> 52.5 req/s per engine -> 4
    const effects = sm.onTick(tick, {...light(180), traffic: {durationS: 180, numReq: 36000, isl: 1000, osl: 150, kvHitRate: null}});
    const d = effects.diagnostics;
    expect(d.throughputDecisionReason).toBe('set_lower_bound');
    expect(d.throughputLowerBoundDecode).toBe(4);
    expect(d.engineRpsDecode).toBeCloseTo(256 / (150 * (0.005 + 1e-7 * 256 * 1075)), 9);
    expect(effects.scaleTo).toEqual({prefill: null, decode: d.throughputLowerBoundDecode});
    expect(d.loadDecisionReason).toBe('scale_up');
  });

  it('load-only: the observed KV hit rate is used directly and null/NaN keep the previous value', () => {
    const caps: WorkerCapabilities = {prefill: {maxNumBatchedTokens: 8192}};
    const sm = new PlannerStateMachine(config({mode: 'prefill', enableThroughputScaling: false, ttftMs: 500}), caps);
    sm.loadBenchmarkFpms({prefill: [1000, 2000, 3000, 1000, 2000, 3000].map((t) => prefillFpm('b', t, 0))});
    let tick = sm.initialTick(0);
    const at = (t: number, h: number | null): TickInput => ({nowS: t, workers: {readyPrefill: 1}, traffic: {durationS: 5, numReq: 0, isl: 0, osl: 0, kvHitRate: h},
      fpm: {prefill: [fpm('p', 0, {}, {sumPrefillTokens: 2000})]}});
    // the idle FPM adds 0 to the ISL average: 6 x 2000 / 7 -> avg ISL 1714.29; (2000 + 1714.29) tokens
    const e1 = sm.onTick(tick, at(5, 0.5));
    const avgIsl = 12000 / 7;
    expect(e1.diagnostics.estimatedTtftMs).toBeCloseTo(5 + 0.05 * (2000 + avgIsl) * 0.5, 9);
    tick = e1.nextTick;
    const e2 = sm.onTick(tick, at(10, null));
    const avgIsl2 = 12000 / 8;
    expect(e2.diagnostics.estimatedTtftMs).toBeCloseTo(5 + 0.05 * (2000 + avgIsl2) * 0.5, 9);
  });

  it('warm-up history feeds the demand predictors and re-arms the idle skip (a 0 right after is ignored)', () => {
    const sm = new PlannerStateMachine(config({mode: 'decode', loadPredictor: 'constant'}));
    sm.warmLoadPredictors([{durationS: 180, numReq: 300, isl: 1000, osl: 100}, {durationS: 180, numReq: 500, isl: 2000, osl: 200}]);
    let tick = sm.initialTick(0);
    for (let t = 5; t < 180; t += 5) tick = sm.onTick(tick, {nowS: t}).nextTick;
    const d = sm.onTick(tick, {nowS: 180, traffic: {durationS: 0, numReq: 0, isl: 0, osl: 0}}).diagnostics;
    expect([d.predictedNumReq, d.predictedIsl, d.predictedOsl]).toEqual([500, 2000, 200]);
    expect(d.throughputDecisionReason).toBe('no_traffic_data');
    expect(d.predictedKvHitRate).toBeNull();
  });

  it('inventory: ready counts only when given; expected counts and in-progress flags every time', () => {
    const sm = new PlannerStateMachine(config({mode: 'decode', enableThroughputScaling: false}));
    const tick = sm.initialTick(0);
    sm.onTick(tick, {nowS: 5, workers: {readyDecode: 2, decodeScalingInProgress: true}});
    const r = sm.onTick(sm.nextScheduledTick(), {nowS: 10, workers: {decodeScalingInProgress: true}, fpm: {decode: [decodeFpm('a', 1, 1)]}});
    expect(r.diagnostics.loadDecisionReason).toBe('scaling_in_progress');
    const r2 = sm.onTick(sm.nextScheduledTick(), {nowS: 15, workers: {}, fpm: {decode: [decodeFpm('a', 1, 1)]}});
    expect(r2.diagnostics.loadDecisionReason).toBe('worker_count_mismatch'); // still 2 ready, 1 FPM
  });
});

describe('properties of the load path', () => {
  const caps: WorkerCapabilities = {prefill: {numGpu: 1, maxNumBatchedTokens: 8192}, decode: {numGpu: 1, maxKvTokens: 400_000}};

  it('load ticks move each component by at most one, never below min endpoint, never above the GPU budget', () => {
    const rng = new Rng(42);
    for (let run = 0; run < 30; run++) {
      const minEndpoint = 1 + rng.int(2);
      const budget = 4 + rng.int(12);
      const sm = new PlannerStateMachine(config({mode: 'disagg', enableThroughputScaling: false, minEndpoint, maxGpuBudget: budget, ttftMs: 300, itlMs: 20}), caps);
      let tick = sm.initialTick(0);
      let numP = minEndpoint;
      let numD = minEndpoint;
      for (let t = 5; t <= 600; t += 5) {
        const pLoad = rng.uniform() * 30000;
        const dLoad = rng.uniform() * 600_000;
        const input: TickInput = {
          nowS: t, workers: {readyPrefill: numP, readyDecode: numD, expectedPrefill: numP, expectedDecode: numD},
          fpm: {
            prefill: Array.from({length: numP}, (_, i) => prefillFpm(`p${i}`, 500 + rng.int(7000), Math.round(pLoad / numP))),
            decode: Array.from({length: numD}, (_, i) => decodeFpm(`d${i}`, 1 + rng.int(60), Math.round(dLoad / numD))),
          },
        };
        const e = sm.onTick(tick, input);
        tick = e.nextTick;
        if (e.scaleTo === null) continue;
        const p = e.scaleTo.prefill ?? numP;
        const d = e.scaleTo.decode ?? numD;
        expect(Math.abs(p - numP)).toBeLessThanOrEqual(1);
        expect(Math.abs(d - numD)).toBeLessThanOrEqual(1);
        expect(p).toBeGreaterThanOrEqual(minEndpoint);
        expect(d).toBeGreaterThanOrEqual(minEndpoint);
        expect(p + d).toBeLessThanOrEqual(budget);
        numP = p;
        numD = d;
      }
    }
  });

  it('constant load at N = 2 with per-worker KV 0.7 never oscillates 2 <-> 1, whatever the sensitivity and SLA', () => {
    for (const sensitivity of [50, 80, 100]) {
      for (const itlMs of [30, 60, 200]) {
        const sm = new PlannerStateMachine(config({mode: 'decode', enableThroughputScaling: false, loadScalingDownSensitivity: sensitivity, itlMs}), {decode: {numGpu: 1, maxKvTokens: 100_000}});
        bootstrapDecode(sm);
        let tick = sm.initialTick(0);
        let n = 2;
        const totalKv = 2 * 0.7 * 100_000;
        for (let t = 5; t <= 1800; t += 5) {
          const e = sm.onTick(tick, {nowS: t, workers: {readyDecode: n, expectedDecode: n},
            fpm: {decode: Array.from({length: n}, (_, i) => decodeFpm(`d${i}`, Math.round(40 / n), Math.round(totalKv / n)))}});
          tick = e.nextTick;
          const next = e.scaleTo?.decode ?? n;
          expect(next).toBeGreaterThanOrEqual(2);
          n = next;
        }
      }
    }
  });
});
