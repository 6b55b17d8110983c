/**
 * Dynamo's classic dry run (notes D.7, v2025-08 `planner_sla_dryrun`), pure: given the trace
 * bucketed per adjustment interval (empty buckets already dropped), replay what the SLA planner
 * would decide. Step 0 uses the start replicas and takes the actuals as the prediction; every
 * later step advances time by one interval, predicts (N, ISL, OSL), computes replicas with the
 * D.6 formulas (correction factors off) and the v2025-08 budget, and only then feeds the step's
 * actuals to the predictors. The "safe throughput" is what the deployed replicas can serve
 * within the SLA for the interval's actual ISL/OSL (0 when the SLA is infeasible there).
 */
import type {OnProgress} from '../progress.js';
import {failure} from '../errors.js';
import type {IntervalMetrics} from '../trace/windows.js';
import type {LoadPredictor} from './predictors/base.js';
import type {DecodeCapacity, PrefillCapacity} from './capacity.js';
import {applyClassicBudget, decodeReplicas, prefillReplicas} from './replicas.js';
import {decodeContextLength} from '../profile/sla.js';

export interface ClassicDryrunConfig {
  intervalS: number;
  ttftMs: number;
  itlMs: number;
  startPrefill: number;
  startDecode: number;
  maxGpuBudget: number;
  minEndpoint: number;
  /** GPUs per prefill engine. */
  prefillGpus: number;
  /** GPUs per decode engine. */
  decodeGpus: number;
}

export interface Load {
  /** Requests in the interval. */
  numReq: number;
  /** Mean input length, tokens. */
  isl: number;
  /** Mean output length, tokens. */
  osl: number;
}

export interface ClassicTick {
  /** Planner time, s: step index x interval (empty buckets are skipped, as Dynamo does). */
  timeS: number;
  /** Start of the trace window this step observed, s. */
  windowStartS: number;
  observed: Load;
  predicted: Load;
  prefillReplicas: number;
  decodeReplicas: number;
  /** GPUs in use: prefill x GPUs/engine + decode x GPUs/engine. */
  gpus: number;
  /** Prefill tokens the interval brought (numReq x ISL), tokens per interval. */
  prefillTokens: number;
  /** Decode tokens the interval brought (numReq x OSL), tokens per interval. */
  decodeTokens: number;
  /** Prefill tokens per interval the replicas serve within the TTFT SLA at the observed ISL. */
  safePrefillTokens: number;
  /** Decode tokens per interval the replicas serve within the ITL SLA at the observed context. */
  safeDecodeTokens: number;
  /** The GPU budget cut the replicas this step. */
  budgetApplied: boolean;
  /** The replicas use more GPUs than the budget (v2025-08's rounding and min-endpoint floor can overshoot). */
  overBudget: boolean;
}

export interface ClassicSummary {
  intervals: number;
  intervalS: number;
  totalRequests: number;
  peakPrefillReplicas: number;
  peakDecodeReplicas: number;
  peakGpus: number;
  gpuHours: number;
  /** Steps whose prefill tokens exceeded the safe prefill limit. */
  prefillOverLimitIntervals: number;
  decodeOverLimitIntervals: number;
  /** Steps where either side exceeded its safe limit. */
  overLimitIntervals: number;
  budgetLimitedIntervals: number;
  /** Steps whose replicas use more GPUs than the budget. */
  overBudgetIntervals: number;
  /** Steps whose predicted ISL has a TTFT above the SLA even at batch 1 (Dynamo ignores this). */
  prefillSlaInfeasibleIntervals: number;
  /** Steps whose predicted context has no ITL <= target in the profile (Dynamo uses the lowest-KV cell). */
  decodeSlaInfeasibleIntervals: number;
}

export interface ClassicPredictors {
  numReq: LoadPredictor;
  isl: LoadPredictor;
  osl: LoadPredictor;
}

export interface ClassicCapacity {
  prefill: PrefillCapacity;
  decode: DecodeCapacity;
}

function checkedThpt(value: number, what: string): number {
  if (!(value > 0) || !Number.isFinite(value)) {
    throw failure(`the profile gives ${what} = ${value}; cannot size replicas`, 'check the profile and the SLA targets');
  }
  return value;
}

export function runClassicDryrun(
  metrics: readonly IntervalMetrics[],
  cfg: ClassicDryrunConfig,
  capacity: ClassicCapacity,
  predictors: ClassicPredictors,
  onProgress?: OnProgress,
): {ticks: ClassicTick[]; summary: ClassicSummary} {
  if (metrics.length === 0) throw failure('the trace has no requests: nothing to dry-run');
  const safePrefill = (numP: number, isl: number): number =>
    (capacity.prefill.ttftMs(isl) > cfg.ttftMs ? 0 : numP * capacity.prefill.thptPerGpu(isl)) * cfg.intervalS;
  const safeDecode = (numD: number, isl: number, osl: number): number => {
    const best = capacity.decode.findBestThroughputPerGpu(cfg.itlMs, decodeContextLength(isl, osl));
    return (best.itlMs > cfg.itlMs ? 0 : numD * best.thptPerGpu) * cfg.intervalS;
  };
  const observe = (m: IntervalMetrics): void => {
    predictors.numReq.addDataPoint(m.requestCount);
    predictors.isl.addDataPoint(m.avgIsl);
    predictors.osl.addDataPoint(m.avgOsl);
  };
  const ticks: ClassicTick[] = [];
  let prefillInfeasible = 0;
  let decodeInfeasible = 0;
  const record = (i: number, m: IntervalMetrics, predicted: Load, numP: number, numD: number, budgetApplied: boolean): void => {
    const observed = {numReq: m.requestCount, isl: m.avgIsl, osl: m.avgOsl};
    const gpus = numP * cfg.prefillGpus + numD * cfg.decodeGpus;
    ticks.push({
      timeS: i * cfg.intervalS,
      windowStartS: m.startS,
      observed,
      predicted,
      prefillReplicas: numP,
      decodeReplicas: numD,
      gpus,
      prefillTokens: observed.numReq * observed.isl,
      decodeTokens: observed.numReq * observed.osl,
      safePrefillTokens: safePrefill(numP, observed.isl),
      safeDecodeTokens: safeDecode(numD, observed.isl, observed.osl),
      budgetApplied,
      overBudget: cfg.maxGpuBudget >= 0 && gpus > cfg.maxGpuBudget,
    });
  };
  const first = metrics[0]!;
  record(0, first, {numReq: first.requestCount, isl: first.avgIsl, osl: first.avgOsl}, cfg.startPrefill, cfg.startDecode, false);
  observe(first);
  for (let i = 1; i < metrics.length; i += 1) {
    const m = metrics[i]!;
    const predicted: Load = {numReq: predictors.numReq.predictNext(), isl: predictors.isl.predictNext(), osl: predictors.osl.predictNext()};
    if (capacity.prefill.ttftMs(predicted.isl) > cfg.ttftMs) prefillInfeasible += 1;
    const pThpt = checkedThpt(capacity.prefill.thptPerGpu(predicted.isl), `prefill throughput at ISL ${predicted.isl.toFixed(1)}`);
    const best = capacity.decode.findBestThroughputPerGpu(cfg.itlMs, decodeContextLength(predicted.isl, predicted.osl));
    if (best.itlMs > cfg.itlMs) decodeInfeasible += 1;
    const dThpt = checkedThpt(best.thptPerGpu, `decode throughput at context ${(decodeContextLength(predicted.isl, predicted.osl)).toFixed(1)} and ITL ${cfg.itlMs} ms`);
    const rawP = prefillReplicas({numReq: predicted.numReq, isl: predicted.isl, intervalS: cfg.intervalS, thptPerGpu: pThpt, gpusPerEngine: cfg.prefillGpus});
    const rawD = decodeReplicas({numReq: predicted.numReq, osl: predicted.osl, intervalS: cfg.intervalS, thptPerGpu: dThpt, gpusPerEngine: cfg.decodeGpus});
    const b = applyClassicBudget(rawP, rawD, cfg);
    observe(m);
    record(i, m, predicted, b.numP, b.numD, b.budgetApplied);
    onProgress?.({task: 'planning', done: i + 1, total: metrics.length, unit: 'intervals'});
  }
  return {ticks, summary: summarizeTicks(ticks, cfg, prefillInfeasible, decodeInfeasible)};
}

function summarizeTicks(ticks: readonly ClassicTick[], cfg: ClassicDryrunConfig, prefillInfeasible: number, decodeInfeasible: number): ClassicSummary {
  let pOver = 0;
  let dOver = 0;
  let over = 0;
  let gpuSeconds = 0;
  for (const t of ticks) {
    const p = t.prefillTokens > t.safePrefillTokens;
    const d = t.decodeTokens > t.safeDecodeTokens;
    if (p) pOver += 1;
    if (d) dOver += 1;
    if (p || d) over += 1;
    gpuSeconds += t.gpus * cfg.intervalS;
  }
  return {
    intervals: ticks.length,
    intervalS: cfg.intervalS,
    totalRequests: ticks.reduce((s, t) => s + t.observed.numReq, 0),
    peakPrefillReplicas: Math.max(...ticks.map((t) => t.prefillReplicas)),
    peakDecodeReplicas: Math.max(...ticks.map((t) => t.decodeReplicas)),
    peakGpus: Math.max(...ticks.map((t) => t.gpus)),
    // summed in GPU-seconds and divided once: no accumulated rounding noise (8.899999999999997)
    gpuHours: gpuSeconds / 3600,
    prefillOverLimitIntervals: pOver,
    decodeOverLimitIntervals: dOver,
    overLimitIntervals: over,
    budgetLimitedIntervals: ticks.filter((t) => t.budgetApplied).length,
    overBudgetIntervals: ticks.filter((t) => t.overBudget).length,
    prefillSlaInfeasibleIntervals: prefillInfeasible,
    decodeSlaInfeasibleIntervals: decodeInfeasible,
  };
}
