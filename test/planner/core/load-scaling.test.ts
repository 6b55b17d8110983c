import {describe, expect, it} from 'vitest';
import {aggModel, decodeModel, fpm, prefillModel, SETTINGS, state} from './helpers.js';
import {PrefillRegressionModel} from '../../../src/planner/core/perf-models.js';
import {
  advanceLoad, aggPrefillScaling, combineAgg, consolidationFactor, decodeEasyDecision, decodeLoadDecision, disaggReason,
  prefillEasyDecision, prefillLoadDecision, reconcileFpmWorkerCount, scaleDecision,
} from '../../../src/planner/core/load-scaling.js';
import {computePrefillReplicas} from '../../../src/planner/core/throughput-scaling.js';

const decodeFpm = (id: string, schedKv: number, queuedKv = 0) => fpm(id, 0.01, {numDecodeRequests: 10, sumDecodeKvTokens: schedKv}, {sumDecodeKvTokens: queuedKv});
const prefillFpm = (id: string, queued: number) => fpm(id, 0.1, {numPrefillRequests: 1, sumPrefillTokens: 2000}, {sumPrefillTokens: queued});
const ids = (n: number) => Array.from({length: n}, (_, i) => `w${i}`);

describe('scaleDecision', () => {
  it('up only when every estimate is over the SLA; down when allowed; else no_change', () => {
    const s = state({minEndpoint: 1});
    expect(scaleDecision(s, [600, 700], 500, 2, false)).toBe(3);
    expect(scaleDecision(s, [600, 400], 500, 2, true)).toBe(1);
    expect(scaleDecision(s, [600, 400], 500, 2, false)).toBeNull();
    expect(s.diag.loadDecisionReason).toBe('no_change');
    expect(scaleDecision(s, [], 500, 2, true)).toBeNull();
    expect(s.diag.loadDecisionReason).toBe('insufficient_data');
    expect(scaleDecision(state({minEndpoint: 3}), [100], 500, 3, true)).toBe(3);
  });

  it('consolidation factor is N/(N-1), 1 for a single worker', () => {
    expect(consolidationFactor(2)).toBe(2);
    expect(consolidationFactor(10)).toBeCloseTo(10 / 9, 15);
    expect(consolidationFactor(1)).toBe(1);
  });
});

describe('decode consolidation (ITL = 5 ms + 0.1 ms per 1000 KV tokens; max KV 100000)', () => {
  const caps = {decode: {maxKvTokens: 100000}};
  it('N=2 at KV utilisation 0.7 refuses scale-down: the survivor would need 1.4x its cache', () => {
    const s = state({itlMs: 50}, caps, {decode: decodeModel()});
    expect(decodeLoadDecision(s, ids(2).map((id) => decodeFpm(id, 70000)), 2)).toBeNull();
    expect(s.diag.loadDecisionReason).toBe('scale_down_refused_consolidation');
    expect(s.diag.estimatedItlMs).toBeCloseTo(5 + 7.15, 9);
  });

  it('N=2 at 0.3 permits it: 60000 KV fits and predicts 11.15 ms < 0.8 x 50 ms', () => {
    const s = state({itlMs: 50}, caps, {decode: decodeModel()});
    expect(decodeLoadDecision(s, ids(2).map((id) => decodeFpm(id, 30000)), 2)).toBe(1);
  });

  it('N=10 at 0.70 permits (post 77777 KV -> 12.93 ms < 13.4) and at 0.78 refuses (86666 KV -> 13.82 ms)', () => {
    const cfg = {itlMs: 16.75};
    const s1 = state(cfg, caps, {decode: decodeModel()});
    expect(decodeLoadDecision(s1, ids(10).map((id) => decodeFpm(id, 70000)), 10)).toBe(9);
    const s2 = state(cfg, caps, {decode: decodeModel()});
    expect(decodeLoadDecision(s2, ids(10).map((id) => decodeFpm(id, 78000)), 10)).toBeNull();
    expect(s2.diag.loadDecisionReason).toBe('scale_down_refused_consolidation');
  });

  it('without max KV only the ITL check runs: N=2 at 0.7 then permits (140000 KV -> 19.15 ms < 40 ms)', () => {
    const s = state({itlMs: 50}, {decode: {}}, {decode: decodeModel()});
    expect(decodeLoadDecision(s, ids(2).map((id) => decodeFpm(id, 70000)), 2)).toBe(1);
  });

  it('queued decode KV counts toward the survivor\'s load', () => {
    const s = state({itlMs: 50}, caps, {decode: decodeModel()});
    expect(decodeLoadDecision(s, ids(2).map((id) => decodeFpm(id, 30000, 25000)), 2)).toBeNull();
    expect(s.diag.loadDecisionReason).toBe('scale_down_refused_consolidation');
  });
});

describe('prefill consolidation (TTFT = 5 ms + 50 µs/token, avg ISL 2000, MBT 8192, SLA 500 ms, s = 0.8)', () => {
  const caps = {prefill: {maxNumBatchedTokens: 8192}};
  // T_own = 105 ms; queue budget = (500 - 105) x 0.8 = 316 ms
  it('N=2 with a high queue refuses: 8000 queued on the survivor -> 510 ms, 405 ms of queue >= 316', () => {
    const s = state({ttftMs: 500}, caps, {prefill: prefillModel()});
    expect(prefillLoadDecision(s, ids(2).map((id) => prefillFpm(id, 4000)), 2)).toBeNull();
    expect(s.diag.loadDecisionReason).toBe('scale_down_refused_consolidation');
    expect(s.diag.estimatedTtftMs).toBeCloseTo(305, 9);
  });

  it('N=2 with empty queues permits', () => {
    const s = state({ttftMs: 500}, caps, {prefill: prefillModel()});
    expect(prefillLoadDecision(s, ids(2).map((id) => prefillFpm(id, 0)), 2)).toBe(1);
  });

  it('queue-only inflation lets N=10 scale down: 4444 queued -> 327.2 ms, 222.2 ms of queue < 316', () => {
    const s = state({ttftMs: 500}, caps, {prefill: prefillModel()});
    expect(prefillLoadDecision(s, ids(10).map((id) => prefillFpm(id, 4000)), 10)).toBe(9);
  });

  it('all engines over the SLA scale up; missing MBT is insufficient data', () => {
    const s = state({ttftMs: 200}, caps, {prefill: prefillModel()});
    expect(prefillLoadDecision(s, ids(2).map((id) => prefillFpm(id, 4000)), 2)).toBe(3);
    const s2 = state({ttftMs: 500}, {prefill: {}}, {prefill: prefillModel()});
    expect(prefillLoadDecision(s2, ids(2).map((id) => prefillFpm(id, 0)), 2)).toBeNull();
    expect(s2.diag.loadDecisionReason).toBe('insufficient_data');
  });

  it('the KV hit rate discounts the estimates: 0, 0.5, 0.99 (clamped to 0.95)', () => {
    const est = (h: number) => {
      const s = state({ttftMs: 500}, caps, {prefill: prefillModel(), lastKvHitRate: h});
      prefillLoadDecision(s, [prefillFpm('w0', 4000)], 1);
      return s.diag.estimatedTtftMs!;
    };
    expect(est(0)).toBeCloseTo(305, 9);
    expect(est(0.5)).toBeCloseTo(155, 9);
    expect(est(0.99)).toBeCloseTo(20, 9);
  });
});

describe('KV-hit discount of throughput capacity (ISL 3000, demand 20 req/s)', () => {
  it('0 -> 155 ms per request, 4 engines; 0.5 -> 80 ms, 2; 0.99 (0.95) -> 12.5 ms, 1', () => {
    const run = (h: number) => {
      const s = state({}, {prefill: {maxNumBatchedTokens: 8192}}, {prefill: prefillModel()});
      return [computePrefillReplicas(s, 20, 3000, h), s.diag.engineRpsPrefill];
    };
    expect(run(0)).toEqual([4, expect.closeTo(1 / 0.155, 9)]);
    expect(run(0.5)).toEqual([2, expect.closeTo(1 / 0.08, 9)]);
    expect(run(0.99)).toEqual([1, expect.closeTo(1 / 0.0125, 9)]);
  });

  it('a TTFT floor applies when one request already misses the SLA: 155 ms vs 100 ms -> at least 2', () => {
    const s = state({ttftMs: 100}, {prefill: {maxNumBatchedTokens: 8192}}, {prefill: prefillModel()});
    expect(computePrefillReplicas(s, 0.1, 3000, 0)).toBe(2);
  });
});

describe('agg prefill consolidation counts queued decode KV (E.13 item 6)', () => {
  const caps = {decode: {maxNumBatchedTokens: 8192, maxKvTokens: 1e7}};
  const aggFpm = (queuedKv: number) => fpm('w', 0.05, {numDecodeRequests: 10, sumDecodeKvTokens: 10000}, {sumPrefillTokens: 1000, sumDecodeKvTokens: queuedKv});
  it('without queued decode KV the survivor fits: scale down to 1', () => {
    const s = state({ttftMs: 500}, caps, {agg: aggModel()});
    expect(aggPrefillScaling(s, [aggFpm(0), {...aggFpm(0), workerId: 'v'}], 2, 8192)).toBe(1);
  });
  it('2M queued decode KV make the survivor\'s TTFT 562 ms against 482 ms own: refused, returns N', () => {
    const s = state({ttftMs: 500}, caps, {agg: aggModel()});
    expect(aggPrefillScaling(s, [aggFpm(2e6), {...aggFpm(2e6), workerId: 'v'}], 2, 8192)).toBe(2);
    expect(s.diag.loadDecisionReason).toBe('scale_down_refused_consolidation');
  });
  it('combiner: any up wins; decode alone may go down without a prefill signal; both down -> the larger', () => {
    expect(combineAgg(3, 1, 2)).toBe(3);
    expect(combineAgg(2, 3, 2)).toBe(3);
    expect(combineAgg(null, 1, 2)).toBe(1);
    expect(combineAgg(2, 1, 2)).toBe(2);
    expect(combineAgg(3, 2, 4)).toBe(3);
    expect(combineAgg(null, null, 2)).toBe(2);
  });
});

describe('easy mode and the load target (E.7, E.13 item 8)', () => {
  it('throughput prefill: up when any queue >= context length, down when all < 10 %', () => {
    const caps = {prefill: {contextLength: 10000}};
    expect(prefillEasyDecision(state({optimizationTarget: 'throughput'}, caps), [prefillFpm('a', 10000), prefillFpm('b', 0)], 2)).toBe(3);
    expect(prefillEasyDecision(state({optimizationTarget: 'throughput'}, caps), [prefillFpm('a', 999), prefillFpm('b', 0)], 2)).toBe(1);
    const s = state({optimizationTarget: 'throughput'}, caps);
    expect(prefillEasyDecision(s, [prefillFpm('a', 1000), prefillFpm('b', 0)], 2)).toBeNull();
    expect(s.diag.loadDecisionReason).toBe('no_change');
  });

  it('latency decode: > 40 % up, < 10 % down; load target compares inclusively against its own rates', () => {
    const caps = {decode: {maxKvTokens: 100000}};
    expect(decodeEasyDecision(state({optimizationTarget: 'latency'}, caps), [decodeFpm('a', 40001), decodeFpm('b', 0)], 2)).toBe(3);
    expect(decodeEasyDecision(state({optimizationTarget: 'latency'}, caps), [decodeFpm('a', 40000), decodeFpm('b', 0)], 2)).toBeNull();
    const load = {optimizationTarget: 'load' as const, decodeScaleUpKvRate: 40, decodeScaleDownKvRate: 10};
    expect(decodeEasyDecision(state(load, caps), [decodeFpm('a', 40000), decodeFpm('b', 0)], 2)).toBe(3);
    expect(decodeEasyDecision(state(load, caps), [decodeFpm('a', 10000), decodeFpm('b', 10000)], 2)).toBe(1);
  });

  it('a ready count of 0 is insufficient data', () => {
    const s = state({optimizationTarget: 'throughput'}, {prefill: {contextLength: 10000}});
    expect(prefillEasyDecision(s, [prefillFpm('a', 0)], 0)).toBeNull();
    expect(s.diag.loadDecisionReason).toBe('insufficient_data');
  });
});

describe('FPM/worker reconciliation', () => {
  it('needs one entry per ready worker and the same DP ranks on each', () => {
    expect(reconcileFpmWorkerCount([fpm('a', 0), fpm('b', 0)], 2)).toBe(true);
    expect(reconcileFpmWorkerCount([fpm('a', 0)], 2)).toBe(false);
    expect(reconcileFpmWorkerCount([fpm('a', 0, {}, {}, 0), fpm('a', 0, {}, {}, 1), fpm('b', 0, {}, {}, 0)], 2)).toBe(false);
    expect(reconcileFpmWorkerCount([fpm('a', 0, {}, {}, 0), fpm('a', 0, {}, {}, 1), fpm('b', 0, {}, {}, 0), fpm('b', 0, {}, {}, 1)], 2)).toBe(true);
  });
});

describe('advanceLoad assembly', () => {
  it('single mode returns a decision even when it equals N (no_change) — floor lifted a scale-down', () => {
    const s = state({mode: 'decode', itlMs: 50, enableThroughputScaling: true}, {decode: {maxKvTokens: 100000}}, {decode: decodeModel(), numD: 2, lowerBoundD: 2});
    expect(advanceLoad(s, {decode: ids(2).map((id) => decodeFpm(id, 30000))})).toEqual({prefill: null, decode: 2});
    expect(s.diag.loadDecisionReason).toBe('no_change');
  });

  it('disagg applies the global budget on every pass: 1P + 1D at 2 GPUs each, budget 3 -> (0, 0), cold start included', () => {
    const caps = {prefill: {numGpu: 2, maxNumBatchedTokens: 8192}, decode: {numGpu: 2}};
    const s = state({mode: 'disagg', maxGpuBudget: 3}, caps, {decode: decodeModel()});
    s.prefill = new PrefillRegressionModel(SETTINGS); // cold: no samples yet
    expect(advanceLoad(s, {prefill: [prefillFpm('p', 0)], decode: [decodeFpm('d', 1000)]})).toEqual({prefill: 0, decode: 0});
    expect(s.diag.loadDecisionReasonPrefill).toBe('scale_down');
    expect(s.diag.loadDecisionReason).toBe('scale_down');
  });

  it('disagg with no change restores informative sub-reasons, prefill first', () => {
    const caps = {prefill: {maxNumBatchedTokens: 8192}, decode: {maxKvTokens: 100000}};
    const s = state({mode: 'disagg'}, caps, {decode: decodeModel(), numP: 1, numD: 2});
    s.prefill = new PrefillRegressionModel(SETTINGS); // cold: no samples yet
    expect(advanceLoad(s, {prefill: [prefillFpm('p', 0)], decode: ids(2).map((id) => decodeFpm(id, 70000))})).toBeNull();
    expect(s.diag.loadDecisionReasonPrefill).toBe('insufficient_data');
    expect(s.diag.loadDecisionReasonDecode).toBe('scale_down_refused_consolidation');
    expect(s.diag.loadDecisionReason).toBe('insufficient_data');
  });

  it('disagg stops on scaling in progress before reconciling (E.13 item 1)', () => {
    const s = state({mode: 'disagg'}, {}, {decodeScalingInProgress: true});
    expect(advanceLoad(s, {prefill: [prefillFpm('p', 0), prefillFpm('q', 0)], decode: []})).toBeNull();
    expect([s.diag.loadDecisionReason, s.diag.loadDecisionReasonPrefill, s.diag.loadDecisionReasonDecode]).toEqual(['scaling_in_progress', 'scaling_in_progress', 'scaling_in_progress']);
  });

  it('disagg reasons: throughput-capped only when the floor lifted a value below current', () => {
    expect(disaggReason(3, 3, 3, 2)).toBe('scale_up');
    expect(disaggReason(2, 1, 2, 2)).toBe('scale_down_capped_by_throughput');
    expect(disaggReason(1, 1, 1, 2)).toBe('scale_down');
    expect(disaggReason(2, 2, 2, 2)).toBe('no_change');
  });

  it('load scaling off reports disabled', () => {
    const s = state({enableLoadScaling: false});
    expect(advanceLoad(s, {})).toBeNull();
    expect(s.diag.loadDecisionReason).toBe('disabled');
  });
});
