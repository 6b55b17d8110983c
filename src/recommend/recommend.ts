/**
 * `planner recommend` as a library (DESIGN.md 5.3): per-TP SLA answers, Dynamo's TP choice and
 * thresholds, replicas for a request rate, and aggregated vs disaggregated serving. Pure compute
 * (the aggregated search simulates in virtual time); files are read and written by the command.
 */
import type {PerfModel} from '../engines/perf-model.js';
import type {SimEngineConfig} from '../engines/sim/engine.js';
import {slaModels} from '../profile/models.js';
import {answerSla, decodeContextLength, rangeWarnings, type DecodeAnswer, type Method, type PrefillAnswer, type SlaQuery} from '../profile/sla.js';
import type {Profile} from '../profile/types.js';
import type {OnProgress} from '../progress.js';
import {applyGlobalBudget, decodeReplicas, prefillReplicas} from '../planner/replicas.js';
import {findMaxAggRate, simulateRate, type AggRun, type SlaStat} from './agg.js';
import {choosePhase, decodeKvBounds, prefillQueueBounds, type Bounds, type PhaseChoice} from './choose.js';
import {bestDisaggLayout, decodeEngineRps, prefillEngineRps, type DecodeOption, type DisaggLayout, type PrefillOption} from './disagg.js';
import {badInput} from '../errors.js';

export interface RecommendCandidate {
  tp: number;
  gpusPerEngine: number;
  /** Where the profile came from (directory, or a synthetic model's name). */
  source: string;
  profile: Profile;
  /** What the aggregated search simulates; absent = no aggregated search for this TP. */
  agg?: {perfModel: PerfModel; engine: Omit<SimEngineConfig, 'perfModel'>};
}

export interface RecommendOptions {
  isl: number;
  osl: number;
  ttftMs: number;
  itlMs: number;
  method?: Method | 'auto';
  requestRateRps?: number;
  /** Total GPUs; also caps one replica of a layout. */
  maxGpuBudget?: number;
  adjustmentIntervalS?: number;
  minEndpoint?: number;
  slaStat?: SlaStat;
  aggRequests?: number;
  seed?: number;
  /** Skip the simulated aggregated search. */
  noAgg?: boolean;
  /** Progress of the aggregated search, one event per simulated run (units: TPs searched). */
  onProgress?: OnProgress;
}

export interface TpAnswer {
  tp: number;
  gpusPerEngine: number;
  source: string;
  prefill: PrefillAnswer | null;
  decode: DecodeAnswer | null;
}

export interface ChosenPrefill extends PhaseChoice {
  gpusPerEngine: number;
  ttftMs: number;
  thptPerGpu: number;
  source: string;
}

export interface ChosenDecode extends PhaseChoice {
  gpusPerEngine: number;
  itlMs: number;
  thptPerGpu: number;
  kvUsage: number;
  source: string;
}

export interface AggTp {
  tp: number;
  gpusPerEngine: number;
  feasible: boolean;
  maxRateRps: number;
  /** The run at the highest rate meeting both targets (or the lowest rate tried when none does). */
  at: AggRun;
  runs: number;
}

export interface Replicas {
  requestRateRps: number;
  intervalS: number;
  /** Requests per adjustment interval, N = rate x interval. */
  requestsPerInterval: number;
  prefill: {tp: number; gpusPerEngine: number; replicas: number; gpus: number} | null;
  decode: {tp: number; gpusPerEngine: number; replicas: number; gpus: number} | null;
  totalGpus: number;
  aggregated: {tp: number; replicas: number; gpus: number} | null;
  budget?: {maxGpuBudget: number; fits: boolean; aggregatedFits?: boolean; /** What the planner would cap the disaggregated replicas to (v2026 budget rule). */ capped: {prefill: number; decode: number}};
}

export interface ParetoPoint {
  layout: 'aggregated' | 'disaggregated';
  /** e.g. "agg TP1" or "disagg decode TP2". */
  series: string;
  tokensPerSPerGpu: number;
  tokensPerSPerUser: number;
  ttftMs: number;
  itlMs: number;
  detail: string;
}

export interface Recommendation {
  query: {isl: number; osl: number; ttftMs: number; itlMs: number; contextLength: number; slaStat: SlaStat};
  perTp: TpAnswer[];
  prefill: ChosenPrefill | null;
  decode: ChosenDecode | null;
  /** True when no profile has decode data: prefill answers only. */
  prefillOnly: boolean;
  thresholds: {prefillQueue: Bounds | null; decodeKvUsage: Bounds | null};
  aggregated: {perTp: AggTp[]; best: AggTp | null; skipped?: string};
  disaggregated: {best: DisaggLayout | null; note: string};
  comparison: {winner: 'aggregated' | 'disaggregated' | null; ratio: number | null; text: string};
  replicas: Replicas | null;
  pareto: ParetoPoint[];
  warnings: string[];
}

export const DEFAULT_ADJUSTMENT_INTERVAL_S = 180;

/**
 * Whether a decode answer's kv usage lies above every profiled point at the two context lengths
 * around the query: the spline grid then holds a nearest-sample value, not an interpolation.
 */
export function beyondProfiledKv(profile: Profile, contextLength: number, kvUsage: number): boolean {
  const d = profile.decode;
  if (!d) return false;
  const contexts = [...new Set(d.y_context_length)].sort((a, b) => a - b);
  const below = contexts.filter((c) => c <= contextLength).pop();
  const above = contexts.find((c) => c >= contextLength);
  const near = [below, above].filter((c): c is number => c !== undefined);
  let maxKv = 0;
  d.y_context_length.forEach((c, i) => {
    if (near.includes(c)) maxKv = Math.max(maxKv, d.x_kv_usage[i]);
  });
  return kvUsage > maxKv + 1e-9;
}

const ITL_PARETO_STEPS = 24;
/** Fractions of the highest aggregated rate also simulated for the Pareto chart. */
const PARETO_LOAD_FRACTIONS = [0.15, 0.3, 0.5, 0.7, 0.85];
/** Ratios below this are reported as within modelling error. */
export const CLOSE_MARGIN = 1.05;
/** A disaggregated replica may give up this much tokens/s/GPU to be smaller. */
export const REPLICA_TOLERANCE = 0.02;

export function recommend(candidates: readonly RecommendCandidate[], opts: RecommendOptions): Recommendation {
  const q: SlaQuery = {isl: opts.isl, osl: opts.osl, ttftMs: opts.ttftMs, itlMs: opts.itlMs};
  const method = opts.method ?? 'auto';
  const slaStat = opts.slaStat ?? 'mean';
  const contextLength = decodeContextLength(opts.isl, opts.osl);
  const warnings: string[] = [];
  const sorted = [...candidates].sort((a, b) => a.tp - b.tp);
  const seen = new Set<number>();
  for (const c of sorted) {
    if (seen.has(c.tp)) throw badInput(`two profiles for TP ${c.tp}`);
    seen.add(c.tp);
  }

  // Per-TP answers.
  const models = sorted.map((c) => slaModels(c.profile, method)(q));
  const perTp: TpAnswer[] = sorted.map((c, i) => {
    const a = answerSla(models[i], q, c.source);
    return {tp: c.tp, gpusPerEngine: c.gpusPerEngine, source: c.source, prefill: a.prefill, decode: a.decode};
  });
  for (const t of perTp) {
    for (const w of rangeWarnings({isl: opts.isl, osl: opts.osl, prefill: t.prefill, decode: t.decode})) warnings.push(`TP ${t.tp}: ${w}`);
  }
  sorted.forEach((c, i) => {
    const d = perTp[i].decode;
    if (d && d.method === 'spline' && beyondProfiledKv(c.profile, contextLength, d.kvUsage)) {
      warnings.push(`TP ${c.tp}: the decode answer at ${(d.kvUsage * 100).toFixed(1)} % kv usage lies beyond the profiled kv usage near context ${contextLength}; Dynamo's grid holds the nearest sample there, not an interpolation`);
    }
  });

  // Choices (Dynamo's rule).
  const withPrefill = perTp.map((t, i) => ({t, i})).filter(({t}) => t.prefill);
  const pChoice = choosePhase(withPrefill.map(({t}) => ({tp: t.tp, latencyMs: t.prefill!.ttftMs, thptPerGpu: t.prefill!.thptPerGpu, meetsSla: t.prefill!.meetsSla})), 'prefill', opts.ttftMs);
  let prefill: ChosenPrefill | null = null;
  if (pChoice) {
    const t = withPrefill[pChoice.index].t;
    prefill = {...pChoice, index: withPrefill[pChoice.index].i, gpusPerEngine: t.gpusPerEngine, ttftMs: t.prefill!.ttftMs, thptPerGpu: t.prefill!.thptPerGpu, source: t.source};
    if (pChoice.warning) warnings.push(pChoice.warning);
  }
  const withDecode = perTp.map((t, i) => ({t, i})).filter(({t}) => t.decode);
  const dChoice = choosePhase(withDecode.map(({t}) => ({tp: t.tp, latencyMs: t.decode!.itlMs, thptPerGpu: t.decode!.thptPerGpu, meetsSla: t.decode!.meetsSla})), 'decode', opts.itlMs);
  let decode: ChosenDecode | null = null;
  if (dChoice) {
    const t = withDecode[dChoice.index].t;
    decode = {...dChoice, index: withDecode[dChoice.index].i, gpusPerEngine: t.gpusPerEngine, itlMs: t.decode!.itlMs, thptPerGpu: t.decode!.thptPerGpu, kvUsage: t.decode!.kvUsage, source: t.source};
    if (dChoice.warning) warnings.push(dChoice.warning);
  }
  const prefillOnly = withDecode.length === 0;
  if (prefillOnly) warnings.push('no profile has decode data: prefill recommendation only (no decode TP, kv bounds, decode replicas or aggregated search)');

  const thresholds = {
    prefillQueue: prefill ? prefillQueueBounds(opts.ttftMs, prefill.ttftMs) : null,
    decodeKvUsage: decode ? decodeKvBounds(decode.kvUsage) : null,
  };

  // Disaggregated: every TP meeting its phase's SLA is an option.
  const prefillOptions: PrefillOption[] = perTp.filter((t) => t.prefill?.meetsSla).map((t) => ({tp: t.tp, gpus: t.gpusPerEngine, rps: prefillEngineRps(t.prefill!.ttftMs, opts.ttftMs), ttftMs: t.prefill!.ttftMs}));
  const decodeOptions: DecodeOption[] = perTp.filter((t) => t.decode?.meetsSla).map((t) => ({tp: t.tp, gpus: t.gpusPerEngine, rps: decodeEngineRps(t.decode!.thptPerGpu, t.gpusPerEngine, opts.osl), itlMs: t.decode!.itlMs}));
  const matchOpts = {osl: opts.osl, maxGpus: opts.maxGpuBudget, tolerance: REPLICA_TOLERANCE};
  // The layout uses the TPs chosen above, so every section of the answer names the same TPs.
  const chosenPrefillOption = prefill && prefillOptions.find((o) => o.tp === prefill!.tp);
  const chosenDecodeOption = decode && decodeOptions.find((o) => o.tp === decode!.tp);
  const disaggBest = prefillOnly || !chosenPrefillOption || !chosenDecodeOption ? null : bestDisaggLayout([chosenPrefillOption], [chosenDecodeOption], matchOpts);
  const disaggNote = prefillOnly
    ? 'no decode data'
    : disaggBest
      ? `the chosen TPs; prefill engines at the M/D/1 utilisation that keeps mean TTFT within target; decode engines at their best tokens/s/GPU within the ITL target; worker counts rate-matched (1..32 each; the smallest replica within ${REPLICA_TOLERANCE * 100} % of the best tokens/s/GPU)`
      : `the chosen prefill TP does not meet TTFT or the chosen decode TP does not meet ITL${opts.maxGpuBudget !== undefined ? ` within ${opts.maxGpuBudget} GPUs` : ''}`;

  // Aggregated: simulate each TP that can run both phases.
  const aggPerTp: AggTp[] = [];
  const pareto: ParetoPoint[] = [];
  let aggSkipped: string | undefined;
  if (opts.noAgg) aggSkipped = 'skipped on request';
  else if (prefillOnly) aggSkipped = 'needs decode data';
  else {
    const searched = sorted.filter((c, i) => c.agg && !(opts.maxGpuBudget !== undefined && c.gpusPerEngine > opts.maxGpuBudget) && perTp[i].prefill?.ttftMs !== undefined);
    let tpsDone = 0;
    sorted.forEach((c, i) => {
      if (!searched.includes(c)) return;
      const ttft = perTp[i].prefill!.ttftMs;
      let runs = 0;
      const progress = (r: AggRun) => {
        runs++;
        opts.onProgress?.({task: 'aggregated search', done: tpsDone, total: searched.length, detail: `TP ${c.tp}: run ${runs} at ${r.rateRps.toFixed(2)} req/s ${r.meetsSla ? 'meets' : 'misses'} the SLA`});
      };
      const res = findMaxAggRate(
        c.agg!.perfModel,
        c.agg!.engine,
        {isl: opts.isl, osl: opts.osl, ttftTargetMs: opts.ttftMs, itlTargetMs: opts.itlMs, stat: slaStat},
        {guessRps: (1.5 * 1000) / ttft, requests: opts.aggRequests, seed: opts.seed, onRun: progress},
      );
      const workload = {isl: opts.isl, osl: opts.osl, ttftTargetMs: opts.ttftMs, itlTargetMs: opts.itlMs, stat: slaStat};
      // Lighter loads fill in the Pareto curve between the bisection's points.
      const extra = res.feasible
        ? PARETO_LOAD_FRACTIONS.map((f) => {
            const r = simulateRate(c.agg!.perfModel, c.agg!.engine, workload, res.maxRateRps * f, {requests: opts.aggRequests, seed: opts.seed});
            progress(r);
            return r;
          })
        : [];
      tpsDone++;
      opts.onProgress?.({task: 'aggregated search', done: tpsDone, total: searched.length, detail: `TP ${c.tp}: ${res.feasible ? `${res.maxRateRps.toFixed(2)} req/s max` : 'cannot meet the SLA'} (${runs} runs)`});
      aggPerTp.push({tp: c.tp, gpusPerEngine: c.gpusPerEngine, feasible: res.feasible, maxRateRps: res.maxRateRps, at: res.best, runs});
      for (const r of [...res.runs, ...extra]) {
        if (!r.meetsTtft || !Number.isFinite(r.tokensPerSPerUser)) continue;
        pareto.push({layout: 'aggregated', series: `agg TP${c.tp}`, tokensPerSPerGpu: r.tokensPerSPerGpu, tokensPerSPerUser: r.tokensPerSPerUser, ttftMs: r.ttftMs[slaStat], itlMs: r.itlMs[slaStat], detail: `${r.rateRps.toFixed(2)} req/s per engine`});
      }
    });
    if (aggPerTp.length === 0) aggSkipped = 'no TP has a perf model for simulation (profiles need prefill and decode data)';
  }
  let aggBest: AggTp | null = null;
  for (const a of aggPerTp) if (a.feasible && (!aggBest || a.at.tokensPerSPerGpu > aggBest.at.tokensPerSPerGpu * (1 + 1e-12))) aggBest = a;

  // Disaggregated Pareto points: each decode TP across ITL targets, rate-matched with the best prefill option.
  if (!prefillOnly && prefillOptions.length > 0) {
    sorted.forEach((c, i) => {
      const m = models[i].decode;
      if (!m) return;
      const seenThpt = new Set<string>();
      for (let k = 0; k < ITL_PARETO_STEPS; k++) {
        const target = opts.itlMs * 0.25 * 16 ** (k / (ITL_PARETO_STEPS - 1));
        const best = m.findBestThroughputPerGpu(target, contextLength);
        if (!(best.itlMs <= target)) continue;
        const key = `${best.thptPerGpu.toPrecision(8)}:${best.itlMs.toPrecision(8)}`;
        if (seenThpt.has(key)) continue;
        seenThpt.add(key);
        const layout = bestDisaggLayout(prefillOptions, [{tp: c.tp, gpus: c.gpusPerEngine, rps: decodeEngineRps(best.thptPerGpu, c.gpusPerEngine, opts.osl), itlMs: best.itlMs}], matchOpts);
        if (!layout) continue;
        pareto.push({
          layout: 'disaggregated', series: `disagg decode TP${c.tp}`, tokensPerSPerGpu: layout.tokensPerSPerGpu, tokensPerSPerUser: layout.tokensPerSPerUser, ttftMs: layout.ttftMs, itlMs: layout.itlMs,
          detail: `${layout.prefillWorkers} x prefill TP${layout.prefillTp} + ${layout.decodeWorkers} x decode TP${layout.decodeTp}, kv ${(best.kvUsage * 100).toFixed(0)} %`,
        });
      }
    });
  }

  if (slaStat !== 'mean' && aggPerTp.length > 0) {
    warnings.push(`the SLA statistic ${slaStat} applies to the simulated aggregated engines only; profile answers, and so the disaggregated layouts, are means`);
  }
  const comparison = prefillOnly
    ? {winner: null, ratio: null, text: 'no comparison: the profiles have no decode data'}
    : compare(aggBest, disaggBest, aggSkipped);
  const replicas = opts.requestRateRps === undefined ? null : replicasFor(opts, prefill, decode, aggBest, warnings);

  return {
    query: {isl: opts.isl, osl: opts.osl, ttftMs: opts.ttftMs, itlMs: opts.itlMs, contextLength, slaStat},
    perTp,
    prefill,
    decode,
    prefillOnly,
    thresholds,
    aggregated: {perTp: aggPerTp, best: aggBest, skipped: aggSkipped},
    disaggregated: {best: disaggBest, note: disaggNote},
    comparison,
    replicas,
    pareto,
    warnings,
  };
}

function compare(agg: AggTp | null, disagg: DisaggLayout | null, aggSkipped?: string): Recommendation['comparison'] {
  if (!agg && !disagg) return {winner: null, ratio: null, text: aggSkipped ? `no comparison: aggregated ${aggSkipped}, and no disaggregated layout meets the SLA` : 'neither layout meets the SLA'};
  if (!disagg) return {winner: 'aggregated', ratio: null, text: `aggregated: TP${agg!.tp} at ${agg!.at.tokensPerSPerGpu.toFixed(0)} tokens/s/GPU; no disaggregated layout meets the SLA`};
  if (!agg) {
    return {winner: 'disaggregated', ratio: null, text: `disaggregated: ${disagg.tokensPerSPerGpu.toFixed(0)} tokens/s/GPU; ${aggSkipped ? `aggregated ${aggSkipped}` : 'no aggregated engine meets the SLA'}`};
  }
  const a = agg.at.tokensPerSPerGpu;
  const d = disagg.tokensPerSPerGpu;
  const winner = a >= d ? 'aggregated' : 'disaggregated';
  const ratio = Math.max(a, d) / Math.min(a, d);
  return {
    winner,
    ratio,
    text: `${winner} wins: ${Math.max(a, d).toFixed(0)} vs ${Math.min(a, d).toFixed(0)} tokens/s/GPU (${ratio.toFixed(2)}x, +${((ratio - 1) * 100).toFixed(1)} %)` +
      (ratio < CLOSE_MARGIN ? `; a margin under ${((CLOSE_MARGIN - 1) * 100).toFixed(0)} % is within modelling error (the disaggregated figure leaves out KV transfer), so the simpler aggregated layout (TP ${agg.tp}, ${agg.gpusPerEngine} GPU${agg.gpusPerEngine > 1 ? 's' : ''} per replica vs ${disagg.gpus}) is as good a choice` : ''),
  };
}

function replicasFor(opts: RecommendOptions, prefill: ChosenPrefill | null, decode: ChosenDecode | null, agg: AggTp | null, warnings: string[]): Replicas {
  const rate = opts.requestRateRps!;
  const intervalS = opts.adjustmentIntervalS ?? DEFAULT_ADJUSTMENT_INTERVAL_S;
  const minEp = opts.minEndpoint ?? 1;
  const numReq = rate * intervalS;
  const p = prefill
    ? (() => {
      const n = Math.max(minEp, prefillReplicas({numReq, isl: opts.isl, intervalS, thptPerGpu: prefill.thptPerGpu, gpusPerEngine: prefill.gpusPerEngine}));
      return {tp: prefill.tp, gpusPerEngine: prefill.gpusPerEngine, replicas: n, gpus: n * prefill.gpusPerEngine};
    })()
    : null;
  const d = decode
    ? (() => {
      const n = Math.max(minEp, decodeReplicas({numReq, osl: opts.osl, intervalS, thptPerGpu: decode.thptPerGpu, gpusPerEngine: decode.gpusPerEngine}));
      return {tp: decode.tp, gpusPerEngine: decode.gpusPerEngine, replicas: n, gpus: n * decode.gpusPerEngine};
    })()
    : null;
  if (decode && decode.rule === 'lowest-latency') warnings.push('decode replicas are sized at a point that misses the ITL target');
  const totalGpus = (p?.gpus ?? 0) + (d?.gpus ?? 0);
  const aggregated = agg && agg.maxRateRps > 0 ? (() => {
    const n = Math.max(minEp, Math.ceil(rate / agg.maxRateRps));
    return {tp: agg.tp, replicas: n, gpus: n * agg.gpusPerEngine};
  })() : null;
  const out: Replicas = {requestRateRps: rate, intervalS, requestsPerInterval: numReq, prefill: p, decode: d, totalGpus, aggregated};
  if (opts.maxGpuBudget !== undefined) {
    const capped = applyGlobalBudget(p?.replicas ?? 0, d?.replicas ?? 0, {maxGpuBudget: opts.maxGpuBudget, minEndpoint: minEp, prefillGpus: p?.gpusPerEngine ?? 1, decodeGpus: d?.gpusPerEngine ?? 1});
    const fits = totalGpus <= opts.maxGpuBudget;
    out.budget = {maxGpuBudget: opts.maxGpuBudget, fits, aggregatedFits: aggregated ? aggregated.gpus <= opts.maxGpuBudget : undefined, capped: {prefill: capped.numP, decode: capped.numD}};
    if (!fits) {
      warnings.push(`${rate} req/s needs ${totalGpus} GPUs disaggregated, over the budget of ${opts.maxGpuBudget}; the planner would cap at ${capped.numP} prefill + ${capped.numD} decode replicas and miss the SLA`);
    }
    if (aggregated && aggregated.gpus > opts.maxGpuBudget) warnings.push(`${rate} req/s needs ${aggregated.gpus} GPUs aggregated, over the budget of ${opts.maxGpuBudget}`);
  }
  return out;
}
