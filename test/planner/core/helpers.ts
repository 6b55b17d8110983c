import {DEFAULT_PLANNER_CONFIG, type PlannerConfig} from '../../../src/planner/core/config.js';
import {AggRegressionModel, DecodeRegressionModel, PrefillRegressionModel} from '../../../src/planner/core/perf-models.js';
import {emptyDiag, type PlannerState} from '../../../src/planner/core/state.js';
import type {ForwardPassMetrics, QueuedRequests, ScheduledRequests, WorkerCapabilities} from '../../../src/planner/core/types.js';

export const SETTINGS = {maxNumFpmSamples: 64, minObservations: 5, bucketCount: 16};

export function fpm(workerId: string, wallTimeS: number, scheduled: Partial<ScheduledRequests> = {}, queued: Partial<QueuedRequests> = {}, dpRank = 0): ForwardPassMetrics {
  return {
    workerId, dpRank, wallTimeS,
    scheduled: {numPrefillRequests: 0, sumPrefillTokens: 0, varPrefillLength: 0, sumPrefillKvTokens: 0, numDecodeRequests: 0, sumDecodeKvTokens: 0, varDecodeKvTokens: 0, ...scheduled},
    queued: {numPrefillRequests: 0, sumPrefillTokens: 0, varPrefillLength: 0, numDecodeRequests: 0, sumDecodeKvTokens: 0, varDecodeKvTokens: 0, ...queued},
  };
}

/** Prefill model trained on wt = 5 ms + 50 µs/token at 1000, 2000, 3000 tokens (avg ISL 2000). */
export function prefillModel(): PrefillRegressionModel {
  const m = new PrefillRegressionModel(SETTINGS);
  for (const tokens of [1000, 2000, 3000, 1000, 2000, 3000]) m.addObservation(fpm('b', 0.005 + 5e-5 * tokens, {numPrefillRequests: 1, sumPrefillTokens: tokens}));
  return m;
}

/** Decode model trained on wt = 5 ms + 100 ns/KV token at 5, 10, 15 requests of 1000 and 2000 tokens (avg length 1500, avg batch 10). */
export function decodeModel(): DecodeRegressionModel {
  const m = new DecodeRegressionModel(SETTINGS);
  for (const ctx of [1000, 2000]) for (const n of [5, 10, 15]) m.addObservation(fpm('b', 0.005 + 1e-7 * n * ctx, {numDecodeRequests: n, sumDecodeKvTokens: n * ctx}));
  return m;
}

/** Agg model trained on wt = 10 ms + 40 µs/prefill token + 100 ns/KV token. */
export function aggModel(): AggRegressionModel {
  const m = new AggRegressionModel(SETTINGS);
  const pts: Array<[number, number]> = [[0, 10000], [1000, 20000], [2000, 10000], [0, 40000], [3000, 30000], [1000, 50000]];
  for (const [p, kv] of pts) m.addObservation(fpm('b', 0.01 + 4e-5 * p + 1e-7 * kv, {numPrefillRequests: p > 0 ? 1 : 0, sumPrefillTokens: p, numDecodeRequests: 10, sumDecodeKvTokens: kv}));
  return m;
}

export function state(config: Partial<PlannerConfig> = {}, capabilities: WorkerCapabilities = {}, extra: Partial<PlannerState> = {}): PlannerState {
  return {
    config: {...DEFAULT_PLANNER_CONFIG, optimizationTarget: 'sla', enableLoadScaling: true, enableThroughputScaling: false, ...config},
    capabilities, numP: 1, numD: 1, expectedP: null, expectedD: null, prefillScalingInProgress: false, decodeScalingInProgress: false,
    lowerBoundP: 1, lowerBoundD: 1, lastKvHitRate: null, diag: emptyDiag(), ...extra,
  };
}
