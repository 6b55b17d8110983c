import {describe, expect, it} from 'vitest';
import {runClassicDryrun, type ClassicDryrunConfig} from '../../src/planner/dryrun-classic.js';
import {createPredictor} from '../../src/planner/predictors/index.js';
import type {IntervalMetrics} from '../../src/trace/windows.js';
import type {ClassicCapacity} from '../../src/planner/dryrun-classic.js';

// A profile with round numbers: TTFT = ISL / 100 ms, prefill 10000 tok/s/GPU,
// decode 1000 tok/s/GPU meeting any ITL target up to context 5000, nothing beyond.
const capacity: ClassicCapacity = {
  prefill: {ttftMs: (isl) => isl / 100, thptPerGpu: () => 10000},
  decode: {findBestThroughputPerGpu: (itl, ctx) => (ctx <= 5000 ? {thptPerGpu: 1000, itlMs: itl, kvUsage: 0.5} : {thptPerGpu: 100, itlMs: itl * 2, kvUsage: 0})},
};

const cfg = (over: Partial<ClassicDryrunConfig> = {}): ClassicDryrunConfig => ({
  intervalS: 60, ttftMs: 500, itlMs: 20, startPrefill: 1, startDecode: 1, maxGpuBudget: 8, minEndpoint: 1, prefillGpus: 1, decodeGpus: 1, ...over,
});

const constant = () => ({numReq: createPredictor('constant'), isl: createPredictor('constant'), osl: createPredictor('constant')});

// Windows at 0, 120 (60 is empty and already dropped), 180 (a spike), 240.
const metrics: IntervalMetrics[] = [
  {startS: 0, requestCount: 600, avgIsl: 1000, avgOsl: 100},
  {startS: 120, requestCount: 1200, avgIsl: 1000, avgOsl: 100},
  {startS: 180, requestCount: 6000, avgIsl: 1000, avgOsl: 100},
  {startS: 240, requestCount: 600, avgIsl: 1000, avgOsl: 100},
];

describe('classic dry run', () => {
  it('replays Dynamo\'s steps: start replicas, then predict, size, budget, observe', () => {
    const {ticks, summary} = runClassicDryrun(metrics, cfg(), capacity, constant());
    // Planner time advances one interval per non-empty bucket, whatever the gap.
    expect(ticks.map((t) => t.timeS)).toEqual([0, 60, 120, 180]);
    expect(ticks.map((t) => t.windowStartS)).toEqual([0, 120, 180, 240]);
    // Step 0: prediction = actuals, start replicas.
    expect(ticks[0]!.predicted).toEqual({numReq: 600, isl: 1000, osl: 100});
    // Constant predictor: each step predicts the previous bucket.
    expect(ticks.map((t) => t.predicted.numReq)).toEqual([600, 600, 1200, 6000]);
    // P = ceil(N*1000/60/10000), D = ceil(N*100/60/1000): 600 -> (1,1), 1200 -> (2,2), 6000 -> (10,10) -> budget 8: s=0.4 -> (4,4)
    expect(ticks.map((t) => [t.prefillReplicas, t.decodeReplicas])).toEqual([[1, 1], [1, 1], [2, 2], [4, 4]]);
    expect(ticks.map((t) => t.budgetApplied)).toEqual([false, false, false, true]);
    // Safe limits use the replicas of the step and the observed ISL/OSL: P x 10000 x 60, D x 1000 x 60.
    expect(ticks.map((t) => t.safePrefillTokens)).toEqual([600000, 600000, 1200000, 2400000]);
    expect(ticks.map((t) => t.safeDecodeTokens)).toEqual([60000, 60000, 120000, 240000]);
    expect(ticks.map((t) => t.prefillTokens)).toEqual([600000, 1200000, 6000000, 600000]);
    expect(ticks.map((t) => t.decodeTokens)).toEqual([60000, 120000, 600000, 60000]);
    expect(summary).toMatchObject({
      intervals: 4, totalRequests: 8400, peakPrefillReplicas: 4, peakDecodeReplicas: 4, peakGpus: 8,
      prefillOverLimitIntervals: 2, decodeOverLimitIntervals: 2, overLimitIntervals: 2, budgetLimitedIntervals: 1,
    });
    // GPU-hours: (2 + 2 + 4 + 8) GPUs x 60 s / 3600
    expect(summary.gpuHours).toBeCloseTo(16 / 60, 12);
  });

  it('rounds a .5 budget share half to even', () => {
    // Spike step: (10, 10), budget 7: s = 0.35, P = round(3.5) = 4, D = round(7 - 4) = 3.
    const {ticks} = runClassicDryrun(metrics, cfg({maxGpuBudget: 7}), capacity, constant());
    expect([ticks[3]!.prefillReplicas, ticks[3]!.decodeReplicas]).toEqual([4, 3]);
    // Budget 5 with (10, 10): s = 0.25, P = round(2.5) = 2, D = round(3) = 3.
    const r5 = runClassicDryrun(metrics, cfg({maxGpuBudget: 5}), capacity, constant());
    expect([r5.ticks[3]!.prefillReplicas, r5.ticks[3]!.decodeReplicas]).toEqual([2, 3]);
  });

  it('a window exactly at the budget is not cut', () => {
    // 2400 req: P = ceil(4) = 4, D = ceil(4) = 4 -> 8 GPUs = budget.
    const m: IntervalMetrics[] = [{startS: 0, requestCount: 2400, avgIsl: 1000, avgOsl: 100}, {startS: 60, requestCount: 2400, avgIsl: 1000, avgOsl: 100}];
    const {ticks} = runClassicDryrun(m, cfg(), capacity, constant());
    expect(ticks[1]).toMatchObject({prefillReplicas: 4, decodeReplicas: 4, gpus: 8, budgetApplied: false});
  });

  it('reports a zero safe limit where the SLA cannot be met', () => {
    // TTFT at ISL 1000 is 10 ms > 5 ms target; context 1000 + 20000/2 > 5000 has no ITL within target.
    const m: IntervalMetrics[] = [{startS: 0, requestCount: 60, avgIsl: 1000, avgOsl: 20000}, {startS: 60, requestCount: 60, avgIsl: 1000, avgOsl: 20000}];
    const {ticks, summary} = runClassicDryrun(m, cfg({ttftMs: 5}), capacity, constant());
    expect(ticks.map((t) => t.safePrefillTokens)).toEqual([0, 0]);
    expect(ticks.map((t) => t.safeDecodeTokens)).toEqual([0, 0]);
    // Dynamo still sizes decode with the fallback cell: ceil(60*20000/60/100) = 200 -> budget.
    expect(summary.decodeSlaInfeasibleIntervals).toBe(1);
    expect(summary.prefillSlaInfeasibleIntervals).toBe(1);
  });

  it('uses GPUs per engine in the formulas and the GPU count', () => {
    const {ticks} = runClassicDryrun(metrics.slice(0, 3), cfg({prefillGpus: 2, decodeGpus: 2, maxGpuBudget: 100}), capacity, constant());
    // 1200 req predicted: P = ceil(2 / 2) = 1, D = ceil(2 / 2) = 1 -> 4 GPUs
    expect(ticks[2]).toMatchObject({prefillReplicas: 1, decodeReplicas: 1, gpus: 4});
  });

  it('fails clearly on an empty trace', () => {
    expect(() => runClassicDryrun([], cfg(), capacity, constant())).toThrow(/no requests/);
  });
});
