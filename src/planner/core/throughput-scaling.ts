/**
 * Throughput-based scaling (notes E.8, E.13 items 3 and 15): predicted demand over the
 * regression's engine capacity. With load scaling on, the results only raise the lower bounds
 * that the load pass enforces.
 */
import {applyGlobalBudget, applySingleBudget} from './budget.js';
import {clampKvHitRate} from './regression.js';
import type {PlannerState} from './state.js';
import type {ScaleTo, TrafficObservation} from './types.js';

/** Prefill replicas for `demandRps` (null when the model is not ready); TTFT floor when one request already misses the SLA. */
export function computePrefillReplicas(s: PlannerState, demandRps: number, isl: number, kvHitRate: number | null): number | null {
  const effIsl = isl * (1 - clampKvHitRate(kvHitRate));
  const [engineRps, ttftMs] = s.prefill!.findBestEnginePrefillRps(effIsl, s.capabilities.prefill?.maxNumBatchedTokens);
  if (engineRps <= 0) {
    s.diag.throughputDecisionReason = 'model_not_ready';
    return null;
  }
  const slaFloor = ttftMs > s.config.ttftMs ? Math.ceil(ttftMs / s.config.ttftMs) : 1;
  s.diag.engineRpsPrefill = engineRps;
  return Math.max(Math.ceil(demandRps / engineRps), slaFloor, s.config.minEndpoint);
}

/** Decode replicas (no hit-rate discount: KV residency is unchanged). */
export function computeDecodeReplicas(s: PlannerState, demandRps: number, isl: number, osl: number): number | null {
  const d = s.capabilities.decode;
  const [engineRps] = s.decode!.findBestEngineDecodeRps(s.config.itlMs, isl + osl / 2, osl, d?.maxKvTokens, d?.maxNumSeqs);
  if (engineRps <= 0) {
    s.diag.throughputDecisionReason = 'model_not_ready';
    return null;
  }
  s.diag.engineRpsDecode = engineRps;
  return Math.max(Math.ceil(demandRps / engineRps), s.config.minEndpoint);
}

function throughputSingle(s: PlannerState, demandRps: number, isl: number, osl: number, c: 'prefill' | 'decode', h: number | null): ScaleTo | null {
  let desired = c === 'prefill' ? computePrefillReplicas(s, demandRps, isl, h) : computeDecodeReplicas(s, demandRps, isl, osl);
  if (desired === null) return null;
  if (s.config.enableLoadScaling) {
    if (c === 'prefill') s.lowerBoundP = desired;
    else s.lowerBoundD = desired;
    s.diag.throughputDecisionReason = 'set_lower_bound';
    return null;
  }
  desired = applySingleBudget(desired, s.capabilities[c]?.numGpu, s.config);
  s.diag.throughputDecisionReason = 'scale';
  return c === 'prefill' ? {prefill: desired, decode: null} : {prefill: null, decode: desired};
}

function throughputDisagg(s: PlannerState, demandRps: number, isl: number, osl: number, h: number | null): ScaleTo | null {
  let numP = computePrefillReplicas(s, demandRps, isl, h);
  let numD = computeDecodeReplicas(s, demandRps, isl, osl);
  if (numP === null || numD === null) {
    s.diag.throughputDecisionReasonPrefill = numP === null ? 'model_not_ready' : 'partner_not_ready';
    s.diag.throughputDecisionReasonDecode = numD === null ? 'model_not_ready' : 'partner_not_ready';
    return null;
  }
  const reason = s.config.enableLoadScaling ? 'set_lower_bound' : 'scale';
  s.diag.throughputDecisionReasonPrefill = reason;
  s.diag.throughputDecisionReasonDecode = reason;
  if (s.config.enableLoadScaling) {
    s.lowerBoundP = numP;
    s.lowerBoundD = numD;
    s.diag.throughputDecisionReason = 'set_lower_bound';
    return null;
  }
  [numP, numD] = applyGlobalBudget(numP, numD, s.capabilities.prefill?.numGpu, s.capabilities.decode?.numGpu, s.config);
  s.diag.throughputDecisionReason = 'scale';
  return {prefill: numP, decode: numD};
}

function throughputAgg(s: PlannerState, demandRps: number, isl: number, osl: number, h: number | null): ScaleTo | null {
  const d = s.capabilities.decode;
  const mbt = d?.maxNumBatchedTokens;
  if (!mbt || mbt <= 0) {
    s.diag.throughputDecisionReason = 'model_not_ready';
    return null;
  }
  const [engineRps] = s.agg!.findBestEngineAggRps(isl, osl, mbt, s.config.ttftMs, s.config.itlMs, d?.maxKvTokens, d?.maxNumSeqs, h);
  if (engineRps <= 0) {
    s.diag.throughputDecisionReason = 'model_not_ready';
    return null;
  }
  s.diag.engineRpsPrefill = engineRps;
  s.diag.engineRpsDecode = engineRps;
  let desired = Math.max(Math.ceil(demandRps / engineRps), s.config.minEndpoint);
  if (s.config.enableLoadScaling) {
    s.lowerBoundD = desired;
    s.diag.throughputDecisionReason = 'set_lower_bound';
    return null;
  }
  desired = applySingleBudget(desired, d?.numGpu, s.config);
  s.diag.throughputDecisionReason = 'scale';
  return {prefill: null, decode: desired};
}

/** Dynamo `_advance_throughput`: the throughput pass of one tick (traffic already observed). */
export function advanceThroughput(s: PlannerState, traffic: TrafficObservation): ScaleTo | null {
  if (!s.config.enableThroughputScaling) {
    s.diag.throughputDecisionReason = 'disabled';
    return null;
  }
  const p = s.predictors!;
  const numReq = p.numReq.predictNext();
  const isl = p.isl.predictNext();
  const osl = p.osl.predictNext();
  s.diag.predictedNumReq = numReq;
  s.diag.predictedIsl = isl;
  s.diag.predictedOsl = osl;
  if (traffic.durationS <= 0) {
    s.diag.throughputDecisionReason = 'no_traffic_data';
    return null;
  }
  const demandRps = numReq / traffic.durationS;
  const h = p.kvHitRate.predictNext();
  s.diag.predictedKvHitRate = h;
  // the smoothed forecast becomes the sticky rate later load ticks discount by
  if (!Number.isNaN(h)) s.lastKvHitRate = h;
  if (s.config.mode === 'agg') return throughputAgg(s, demandRps, isl, osl, h);
  if (s.config.mode === 'disagg') return throughputDisagg(s, demandRps, isl, osl, h);
  return throughputSingle(s, demandRps, isl, osl, s.config.mode, h);
}
