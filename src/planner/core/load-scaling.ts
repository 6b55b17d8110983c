/**
 * Load-based scaling (notes E.6 SLA mode with consolidation-aware scale-down, E.7 easy mode,
 * E.13 items 1, 5, 6, 8, 9, 13, 14). Each decision function mirrors one Dynamo method and
 * writes its reason into the tick's diagnostics scratch exactly where Dynamo does.
 */
import {applyGlobalBudget, applySingleBudget} from './budget.js';
import {scalingInProgress, type PlannerState} from './state.js';
import type {Component, ForwardPassMetrics, FpmObservations, LoadReason, ScaleTo} from './types.js';

// Easy-mode static thresholds (E.7)
const PREFILL_THROUGHPUT_UP = 1.0;
const PREFILL_THROUGHPUT_DOWN = 0.1;
const PREFILL_LATENCY_UP = 0.1;
const PREFILL_LATENCY_DOWN = 0.0;
const DECODE_THROUGHPUT_UP = 1.0;
const DECODE_THROUGHPUT_DOWN = 0.6;
const DECODE_LATENCY_UP = 0.4;
const DECODE_LATENCY_DOWN = 0.1;

/** `N/(N−1)`: the share of load a survivor absorbs when one of N workers goes. */
export function consolidationFactor(numWorkers: number): number {
  return numWorkers > 1 ? numWorkers / (numWorkers - 1) : 1.0;
}

/**
 * Dynamo `_scale_decision`: up when every estimate exceeds the SLA; down (to at least
 * `minEndpoint`) when N > 1 and the consolidation checks allowed it; else no change (null).
 */
export function scaleDecision(s: PlannerState, estimatesMs: readonly number[], slaMs: number, numWorkers: number, canScaleDown: boolean): number | null {
  if (estimatesMs.length === 0) {
    s.diag.loadDecisionReason = 'insufficient_data';
    return null;
  }
  if (estimatesMs.every((t) => t > slaMs)) return numWorkers + 1;
  if (numWorkers > 1 && canScaleDown) return Math.max(numWorkers - 1, s.config.minEndpoint);
  s.diag.loadDecisionReason = 'no_change';
  return null;
}

/** Dynamo `_reconcile_fpm_worker_count`: FPMs must cover exactly the ready workers, each with the same DP ranks. */
export function reconcileFpmWorkerCount(fpms: readonly ForwardPassMetrics[], readyCount: number): boolean {
  const ranks = new Map<string, Set<number>>();
  for (const f of fpms) {
    const set = ranks.get(f.workerId) ?? new Set<number>();
    set.add(f.dpRank);
    ranks.set(f.workerId, set);
  }
  if (ranks.size !== readyCount) return false;
  const sizes = new Set([...ranks.values()].map((r) => r.size));
  if (sizes.size > 1) return false;
  const dp = sizes.size === 1 ? [...sizes][0]! : 1;
  return fpms.length === readyCount * dp;
}

function sensitivity(s: PlannerState): number {
  return s.config.loadScalingDownSensitivity / 100.0;
}

/** SLA prefill (E.6): estimated TTFT per engine; scale-down only if the survivor's queue-induced TTFT fits. */
export function prefillLoadDecision(s: PlannerState, fpms: readonly ForwardPassMetrics[], numWorkers: number): number | null {
  const model = s.prefill!;
  if (!model.regression.hasSufficientData() || numWorkers === 0) {
    s.diag.loadDecisionReason = 'insufficient_data';
    return null;
  }
  const mbt = s.capabilities.prefill?.maxNumBatchedTokens;
  if (!mbt || mbt <= 0) {
    s.diag.loadDecisionReason = 'insufficient_data';
    return null;
  }
  const h = s.lastKvHitRate;
  const cons = consolidationFactor(numWorkers);
  let canScaleDown = numWorkers > 1;
  let refused = false;
  let tOwnMs = 0;
  let budgetMs = 0;
  if (canScaleDown) {
    // the new request's own compute does not shrink with more workers: keep it out of the margin
    const tOwnS = model.estimateNextTtft(0, mbt, h);
    if (tOwnS === null) {
      canScaleDown = false;
    } else {
      tOwnMs = tOwnS * 1000;
      budgetMs = (s.config.ttftMs - tOwnMs) * sensitivity(s);
      if (budgetMs <= 0) {
        canScaleDown = false;
        refused = true;
      }
    }
  }
  const estimates: number[] = [];
  for (const fpm of fpms) {
    const queued = fpm.queued.sumPrefillTokens;
    const est = model.estimateNextTtft(queued, mbt, h);
    if (est !== null) estimates.push(est * 1000);
    if (!canScaleDown) continue;
    const post = model.estimateNextTtft(Math.trunc(queued * cons), mbt, h);
    if (post === null) {
      canScaleDown = false;
    } else if (post * 1000 - tOwnMs >= budgetMs) {
      canScaleDown = false;
      refused = true;
    }
  }
  if (estimates.length > 0) s.diag.estimatedTtftMs = Math.max(...estimates);
  const decision = scaleDecision(s, estimates, s.config.ttftMs, numWorkers, canScaleDown);
  if (decision === null && refused) s.diag.loadDecisionReason = 'scale_down_refused_consolidation';
  return decision;
}

/** SLA decode (E.6): estimated ITL per engine; scale-down only if the survivor's KV fits and its ITL stays within SLA × s. */
export function decodeLoadDecision(s: PlannerState, fpms: readonly ForwardPassMetrics[], numWorkers: number): number | null {
  const model = s.decode!;
  if (!model.regression.hasSufficientData() || numWorkers === 0) {
    s.diag.loadDecisionReason = 'insufficient_data';
    return null;
  }
  const {decision, refused} = itlScaling(s, model, fpms, numWorkers, (f) => f.scheduled.sumDecodeKvTokens + f.queued.sumDecodeKvTokens);
  if (decision === null && refused) s.diag.loadDecisionReason = 'scale_down_refused_consolidation';
  return decision;
}

/**
 * The ITL rule shared by decode and agg decode (E.6): each engine's estimated ITL against the SLA;
 * scale-down only if, for every engine, the survivor's KV (`survivorKv` x N/(N-1)) fits the cache
 * and its estimated ITL stays under SLA x sensitivity.
 */
function itlScaling(
  s: PlannerState, model: {estimateNextItl(scheduledKv: number, queuedKv: number): number | null},
  fpms: readonly ForwardPassMetrics[], numWorkers: number, survivorKv: (fpm: ForwardPassMetrics) => number,
): {decision: number | null; refused: boolean} {
  const cons = consolidationFactor(numWorkers);
  const maxKv = s.capabilities.decode?.maxKvTokens;
  let canScaleDown = numWorkers > 1;
  let refused = false;
  const estimates: number[] = [];
  for (const fpm of fpms) {
    const est = model.estimateNextItl(fpm.scheduled.sumDecodeKvTokens, fpm.queued.sumDecodeKvTokens);
    if (est !== null) estimates.push(est * 1000);
    if (!canScaleDown) continue;
    const postKv = Math.trunc(survivorKv(fpm) * cons);
    // past the cache the engine preempts, which the regression cannot model
    if (maxKv !== undefined && maxKv > 0 && postKv >= maxKv) {
      canScaleDown = false;
      refused = true;
      continue;
    }
    const post = model.estimateNextItl(postKv, 0);
    if (post === null) {
      canScaleDown = false;
    } else if (post * 1000 >= s.config.itlMs * sensitivity(s)) {
      canScaleDown = false;
      refused = true;
    }
  }
  if (estimates.length > 0) s.diag.estimatedItlMs = Math.max(...estimates);
  return {decision: scaleDecision(s, estimates, s.config.itlMs, numWorkers, canScaleDown), refused};
}

/** SLA agg prefill (E.6, E.13 item 6); a refusal returns N so the combiner keeps it apart from "no signal". */
export function aggPrefillScaling(s: PlannerState, fpms: readonly ForwardPassMetrics[], numWorkers: number, mbt: number): number | null {
  const model = s.agg!;
  const h = s.lastKvHitRate;
  const cons = consolidationFactor(numWorkers);
  let canScaleDown = numWorkers > 1;
  let refused = false;
  const estimates: number[] = [];
  for (const fpm of fpms) {
    const queued = fpm.queued.sumPrefillTokens;
    const schedKv = fpm.scheduled.sumDecodeKvTokens;
    const est = model.estimateNextTtft(queued, mbt, schedKv, h);
    if (est !== null) estimates.push(est * 1000);
    if (!canScaleDown) continue;
    const postKv = Math.trunc((schedKv + fpm.queued.sumDecodeKvTokens) * cons);
    const tOwnPost = model.estimateNextTtft(0, mbt, postKv, h);
    const post = model.estimateNextTtft(Math.trunc(queued * cons), mbt, postKv, h);
    if (tOwnPost === null || post === null) {
      canScaleDown = false;
    } else {
      const tOwnMs = tOwnPost * 1000;
      const budgetMs = (s.config.ttftMs - tOwnMs) * sensitivity(s);
      if (budgetMs <= 0 || post * 1000 - tOwnMs >= budgetMs) {
        canScaleDown = false;
        refused = true;
      }
    }
  }
  if (estimates.length > 0) s.diag.estimatedTtftMs = Math.max(...estimates);
  const decision = scaleDecision(s, estimates, s.config.ttftMs, numWorkers, canScaleDown);
  if (decision === null && refused) {
    s.diag.loadDecisionReason = 'scale_down_refused_consolidation';
    return numWorkers;
  }
  return decision;
}

/** SLA agg decode (E.6): queued prefill becomes KV on the survivor; a refusal returns N. */
export function aggDecodeScaling(s: PlannerState, fpms: readonly ForwardPassMetrics[], numWorkers: number): number | null {
  const {decision, refused} = itlScaling(s, s.agg!, fpms, numWorkers, (f) => f.scheduled.sumDecodeKvTokens + f.queued.sumDecodeKvTokens + f.queued.sumPrefillTokens);
  if (decision === null && refused) {
    s.diag.loadDecisionReason = 'scale_down_refused_consolidation';
    return numWorkers;
  }
  return decision;
}

/** Up if any value crosses `up`, down if N > 1 and all are under `down` (inclusive comparisons for the `load` target). */
function thresholdDecision(
  s: PlannerState, values: readonly number[], numWorkers: number, up: number, down: number,
  inclusiveUp: boolean, inclusiveDown: boolean,
): number | null {
  if (values.length === 0) {
    s.diag.loadDecisionReason = 'insufficient_data';
    return null;
  }
  if (values.some((v) => (inclusiveUp ? v >= up : v > up))) return numWorkers + 1;
  if (numWorkers > 1 && values.every((v) => (inclusiveDown ? v <= down : v < down))) return Math.max(numWorkers - 1, s.config.minEndpoint);
  s.diag.loadDecisionReason = 'no_change';
  return null;
}

/** Easy / `load` prefill (E.7, E.13 item 8): queued prefill tokens (per context length in easy mode). */
export function prefillEasyDecision(s: PlannerState, fpms: readonly ForwardPassMetrics[], numWorkers: number): number | null {
  if (numWorkers === 0) {
    s.diag.loadDecisionReason = 'insufficient_data';
    return null;
  }
  const target = s.config.optimizationTarget;
  if (target === 'load') {
    const up = s.config.prefillScaleUpQueueTokens;
    const down = s.config.prefillScaleDownQueueTokens;
    if (up === null || down === null) {
      s.diag.loadDecisionReason = 'insufficient_data';
      return null;
    }
    return thresholdDecision(s, fpms.map((f) => f.queued.sumPrefillTokens), numWorkers, up, down, true, true);
  }
  const ctx = s.capabilities.prefill?.contextLength;
  if (!ctx || ctx <= 0) {
    s.diag.loadDecisionReason = 'insufficient_data';
    return null;
  }
  const latency = target === 'latency';
  const ratios = fpms.map((f) => f.queued.sumPrefillTokens / ctx);
  return latency
    ? thresholdDecision(s, ratios, numWorkers, PREFILL_LATENCY_UP, PREFILL_LATENCY_DOWN, true, true)
    : thresholdDecision(s, ratios, numWorkers, PREFILL_THROUGHPUT_UP, PREFILL_THROUGHPUT_DOWN, true, false);
}

function kvThresholds(s: PlannerState): [number, number] | null {
  const target = s.config.optimizationTarget;
  if (target === 'load') {
    const up = s.config.decodeScaleUpKvRate;
    const down = s.config.decodeScaleDownKvRate;
    if (up === null || down === null) return null;
    return [up / 100.0, down / 100.0];
  }
  return target === 'latency' ? [DECODE_LATENCY_UP, DECODE_LATENCY_DOWN] : [DECODE_THROUGHPUT_UP, DECODE_THROUGHPUT_DOWN];
}

/** Easy / `load` decode and agg (E.7): KV utilisation; agg counts queued prefill tokens as KV. */
function kvEasyDecision(s: PlannerState, fpms: readonly ForwardPassMetrics[], numWorkers: number, withQueuedPrefill: boolean): number | null {
  const maxKv = s.capabilities.decode?.maxKvTokens;
  if (!maxKv || maxKv <= 0 || numWorkers === 0) {
    s.diag.loadDecisionReason = 'insufficient_data';
    return null;
  }
  const thresholds = kvThresholds(s);
  if (thresholds === null) {
    s.diag.loadDecisionReason = 'insufficient_data';
    return null;
  }
  const utils = fpms.map((f) => (f.scheduled.sumDecodeKvTokens + f.queued.sumDecodeKvTokens + (withQueuedPrefill ? f.queued.sumPrefillTokens : 0)) / maxKv);
  const inclusive = s.config.optimizationTarget === 'load';
  return thresholdDecision(s, utils, numWorkers, thresholds[0], thresholds[1], inclusive, inclusive);
}

export function decodeEasyDecision(s: PlannerState, fpms: readonly ForwardPassMetrics[], numWorkers: number): number | null {
  return kvEasyDecision(s, fpms, numWorkers, false);
}

export function aggEasyDecision(s: PlannerState, fpms: readonly ForwardPassMetrics[], numWorkers: number): number | null {
  return kvEasyDecision(s, fpms, numWorkers, true);
}

function isEasy(s: PlannerState): boolean {
  return s.config.optimizationTarget !== 'sla';
}

function nonEmpty(list: ForwardPassMetrics[] | undefined): list is ForwardPassMetrics[] {
  return list !== undefined && list.length > 0;
}

/** Reason for a final count against the current one (single and easy-agg paths). */
function singleReason(desired: number, original: number, current: number): LoadReason {
  if (desired < current) return desired > original ? 'scale_down_capped_by_throughput' : 'scale_down';
  if (desired > current) return 'scale_up';
  return 'no_change';
}

/** Dynamo `_advance_load`: the load pass of one tick. */
export function advanceLoad(s: PlannerState, obs: FpmObservations): ScaleTo | null {
  if (!s.config.enableLoadScaling) {
    s.diag.loadDecisionReason = 'disabled';
    return null;
  }
  if (s.config.mode === 'agg') return advanceLoadAgg(s, obs);
  if (s.config.mode === 'disagg') return advanceLoadDisagg(s, obs);
  return advanceLoadSingle(s, obs, s.config.mode);
}

function advanceLoadSingle(s: PlannerState, obs: FpmObservations, c: Component): ScaleTo | null {
  if (scalingInProgress(s, c)) {
    s.diag.loadDecisionReason = 'scaling_in_progress';
    return null;
  }
  const fpms = c === 'prefill' ? obs.prefill : obs.decode;
  const n = c === 'prefill' ? s.numP : s.numD;
  if (!nonEmpty(fpms)) {
    s.diag.loadDecisionReason = 'no_fpm_data';
    return null;
  }
  if (!reconcileFpmWorkerCount(fpms, n)) {
    s.diag.loadDecisionReason = 'worker_count_mismatch';
    return null;
  }
  let desired: number | null;
  if (isEasy(s)) desired = c === 'prefill' ? prefillEasyDecision(s, fpms, n) : decodeEasyDecision(s, fpms, n);
  else desired = c === 'prefill' ? prefillLoadDecision(s, fpms, n) : decodeLoadDecision(s, fpms, n);
  if (desired === null) return null;
  const original = desired;
  if (s.config.enableThroughputScaling) desired = Math.max(desired, c === 'prefill' ? s.lowerBoundP : s.lowerBoundD);
  desired = applySingleBudget(desired, s.capabilities[c]?.numGpu, s.config);
  s.diag.loadDecisionReason = singleReason(desired, original, n);
  return c === 'prefill' ? {prefill: desired, decode: null} : {prefill: null, decode: desired};
}

const REASON_PRIORITY: Partial<Record<LoadReason, number>> = {
  scale_up: 4, scale_down_capped_by_throughput: 3, scale_down: 2, no_change: 1,
};

/** Per-component disagg reason; throughput-capped only when the floor itself lifted a load value below current. */
export function disaggReason(final: number, original: number, postFloor: number, current: number): LoadReason {
  const floorCapped = postFloor > original && original < current;
  if (final > current) return 'scale_up';
  if (final < current) return floorCapped ? 'scale_down_capped_by_throughput' : 'scale_down';
  return floorCapped ? 'scale_down_capped_by_throughput' : 'no_change';
}

function setAllLoadReasons(s: PlannerState, r: LoadReason): void {
  s.diag.loadDecisionReason = r;
  s.diag.loadDecisionReasonPrefill = r;
  s.diag.loadDecisionReasonDecode = r;
}

function advanceLoadDisagg(s: PlannerState, obs: FpmObservations): ScaleTo | null {
  const pStats = nonEmpty(obs.prefill) ? obs.prefill : undefined;
  const dStats = nonEmpty(obs.decode) ? obs.decode : undefined;
  if (!pStats && !dStats) {
    setAllLoadReasons(s, 'no_fpm_data');
    return null;
  }
  if (scalingInProgress(s, 'prefill') || scalingInProgress(s, 'decode')) {
    setAllLoadReasons(s, 'scaling_in_progress');
    return null;
  }
  if ((pStats && !reconcileFpmWorkerCount(pStats, s.numP)) || (dStats && !reconcileFpmWorkerCount(dStats, s.numD))) {
    setAllLoadReasons(s, 'worker_count_mismatch');
    return null;
  }
  const easy = isEasy(s);
  // each side's informative reason is kept apart so the no-change branch can restore it
  let pReason: LoadReason | null = null;
  let pDesired: number | null = null;
  if (pStats) {
    s.diag.loadDecisionReason = null;
    pDesired = easy ? prefillEasyDecision(s, pStats, s.numP) : prefillLoadDecision(s, pStats, s.numP);
    pReason = s.diag.loadDecisionReason;
  }
  let dReason: LoadReason | null = null;
  let dDesired: number | null = null;
  if (dStats) {
    s.diag.loadDecisionReason = null;
    dDesired = easy ? decodeEasyDecision(s, dStats, s.numD) : decodeLoadDecision(s, dStats, s.numD);
    dReason = s.diag.loadDecisionReason;
  }
  const originalP = pDesired ?? s.numP;
  const originalD = dDesired ?? s.numD;
  let finalP = originalP;
  let finalD = originalD;
  if (s.config.enableThroughputScaling) {
    finalP = Math.max(finalP, s.lowerBoundP);
    finalD = Math.max(finalD, s.lowerBoundD);
  }
  const postFloorP = finalP;
  const postFloorD = finalD;
  finalP = Math.max(finalP, s.config.minEndpoint);
  finalD = Math.max(finalD, s.config.minEndpoint);
  [finalP, finalD] = applyGlobalBudget(finalP, finalD, s.capabilities.prefill?.numGpu, s.capabilities.decode?.numGpu, s.config);

  const rP = disaggReason(finalP, originalP, postFloorP, s.numP);
  const rD = disaggReason(finalD, originalD, postFloorD, s.numD);
  s.diag.loadDecisionReasonPrefill = rP;
  s.diag.loadDecisionReasonDecode = rD;
  s.diag.loadDecisionReason = (REASON_PRIORITY[rD] ?? 0) > (REASON_PRIORITY[rP] ?? 0) ? rD : rP;

  if (finalP === s.numP && finalD === s.numD) {
    if (pReason !== null && pReason !== 'no_change') s.diag.loadDecisionReasonPrefill = pReason;
    if (dReason !== null && dReason !== 'no_change') s.diag.loadDecisionReasonDecode = dReason;
    for (const candidate of [pReason, dReason]) {
      if (candidate !== null && candidate !== 'no_change') {
        s.diag.loadDecisionReason = candidate;
        break;
      }
    }
    return null;
  }
  return {prefill: finalP, decode: finalD};
}

function advanceLoadAgg(s: PlannerState, obs: FpmObservations): ScaleTo | null {
  const fpms = obs.decode;
  if (!nonEmpty(fpms)) {
    s.diag.loadDecisionReason = 'no_fpm_data';
    return null;
  }
  const n = s.numD;
  if (scalingInProgress(s, 'decode')) {
    s.diag.loadDecisionReason = 'scaling_in_progress';
    return null;
  }
  if (!reconcileFpmWorkerCount(fpms, n)) {
    s.diag.loadDecisionReason = 'worker_count_mismatch';
    return null;
  }
  const gpu = s.capabilities.decode?.numGpu;
  if (isEasy(s)) {
    let desired = aggEasyDecision(s, fpms, n);
    if (desired === null) return null;
    const original = desired;
    desired = Math.max(desired, s.config.minEndpoint);
    if (s.config.enableThroughputScaling) desired = Math.max(desired, s.lowerBoundD);
    desired = applySingleBudget(desired, gpu, s.config);
    s.diag.loadDecisionReason = singleReason(desired, original, n);
    return {prefill: null, decode: desired};
  }
  if (!s.agg!.regression.hasSufficientData()) {
    s.diag.loadDecisionReason = 'insufficient_data';
    return null;
  }
  const mbt = s.capabilities.decode?.maxNumBatchedTokens;
  const p = !mbt || mbt <= 0 ? null : aggPrefillScaling(s, fpms, n, mbt);
  const pRefused = s.diag.loadDecisionReason === 'scale_down_refused_consolidation';
  const d = aggDecodeScaling(s, fpms, n);
  const dRefused = s.diag.loadDecisionReason === 'scale_down_refused_consolidation';
  let desired = combineAgg(p, d, n);
  const original = desired;
  desired = Math.max(desired, s.config.minEndpoint);
  if (s.config.enableThroughputScaling) desired = Math.max(desired, s.lowerBoundD);
  desired = applySingleBudget(desired, gpu, s.config);
  const floorCapped = desired > original && original < n;
  if (desired === n) {
    if ((pRefused || dRefused) && !floorCapped) s.diag.loadDecisionReason = 'scale_down_refused_consolidation';
    else s.diag.loadDecisionReason = floorCapped ? 'scale_down_capped_by_throughput' : 'no_change';
    return null;
  }
  if (desired < n) s.diag.loadDecisionReason = floorCapped ? 'scale_down_capped_by_throughput' : 'scale_down';
  else s.diag.loadDecisionReason = 'scale_up';
  return {prefill: null, decode: desired};
}

/** Agg combiner (E.6): any scale-up wins; decode alone may scale down when prefill has no signal; both down → the larger. */
export function combineAgg(p: number | null, d: number | null, n: number): number {
  if (p !== null && p > n) return p;
  if (d !== null && d > n) return d;
  if (p === null && d !== null && d < n) return d;
  if (p !== null && p < n && d !== null && d < n) return Math.max(p, d);
  return n;
}
