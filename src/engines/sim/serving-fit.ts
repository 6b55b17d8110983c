/**
 * Fitting a backend's serving overheads (per-request and per-iteration time) and its closed-loop
 * output-length spread on measured runs (measured-runs.ts). Shared by scripts/fit-serving.ts and
 * bench/serving-accuracy.ts (which refits on training folds for grouped cross-validation).
 *
 * Each run is simulated twice with no per-request overhead, at per-iteration overheads 0 and
 * PROBE_ITERATION_MS; TTFT and TPOT are then taken as linear in the overheads (TTFT + a + b x
 * dTTFT/db, TPOT + b x dTPOT/db), which makes the search over (a, b) instant. The fitted values
 * are checked by simulating again (the bench does).
 */
import {predictRun, type MeasuredRun} from './measured-runs.js';
import {SyntheticPerfModel} from '../synthetic/model.js';
import type {Profile} from '../../profile/types.js';
import {EXIT_BAD_INPUT, PlannerError} from '../../errors.js';

export const PROBE_ITERATION_MS = 2;
/** Prefill TTFT MAPE the vLLM fit keeps on the H200 profile (target 10 %, with a margin). */
export const SINGLE_REQUEST_PREFILL_MAPE = 0.095;
/** Closed-loop output-length spreads tried: exact lock-step waves, or ±10 % lengths. */
export const CANDIDATE_SPREADS = [0, 0.1];

export interface RunSensitivity {
  run: MeasuredRun;
  oslSpread: number;
  /** TTFT and TPOT with no overheads, ms. */
  ttftMs: number;
  tpotMs: number;
  /** Their change per ms of per-iteration overhead. */
  dTtftPerIterationMs: number;
  dTpotPerIterationMs: number;
}

export interface OverheadFit {
  perRequestMs: number;
  perIterationMs: number;
  oslSpread: number;
  /** Mean of the TTFT and TPOT mean capped absolute errors (linear estimate), fraction. */
  objective: number;
  runs: number;
}

/** Simulate a run at the two probe points; undefined when the run cannot be simulated (it does not fit). */
export function sensitivityOf(run: MeasuredRun, oslSpread: number): RunSensitivity | undefined {
  try {
    const base = predictRun(run, {oslSpread, synthetic: {overheads: {perRequestMs: 0, perIterationMs: 0}}});
    const probe = predictRun(run, {oslSpread, synthetic: {overheads: {perRequestMs: 0, perIterationMs: PROBE_ITERATION_MS}}});
    if (![base.ttftMs, base.tpotMs, probe.ttftMs, probe.tpotMs].every(Number.isFinite)) throw new Error(`line ${run.line}: the simulation gave no latency`);
    return {
      run,
      oslSpread,
      ttftMs: base.ttftMs,
      tpotMs: base.tpotMs,
      dTtftPerIterationMs: (probe.ttftMs - base.ttftMs) / PROBE_ITERATION_MS,
      dTpotPerIterationMs: (probe.tpotMs - base.tpotMs) / PROBE_ITERATION_MS,
    };
  } catch (err) {
    // A run the engine cannot hold (a request larger than its KV cache) has no prediction.
    if (err instanceof PlannerError && err.exitCode === EXIT_BAD_INPUT) return undefined;
    throw err;
  }
}

export function linearPrediction(s: RunSensitivity, perRequestMs: number, perIterationMs: number): {ttftMs: number; tpotMs: number} {
  return {
    ttftMs: s.ttftMs + perRequestMs + perIterationMs * s.dTtftPerIterationMs,
    tpotMs: s.tpotMs + perIterationMs * s.dTpotPerIterationMs,
  };
}

/** Grid of the search: per-request 0..150 ms by 1, per-iteration 0..6 ms by 0.05. */
const REQUEST_GRID = Array.from({length: 151}, (_, i) => i);
const ITERATION_GRID = Array.from({length: 121}, (_, i) => i * 0.05);

/**
 * A run's error as the fit counts it: |predicted / measured - 1|, capped at 1 so that a few runs
 * measured in another regime (seconds of TTFT from an unrecorded setting) cannot pull the fit.
 */
const fitError = (predicted: number, measured: number): number => Math.min(1, Math.abs(predicted / measured - 1));

/** Limits on the search from other evidence (e.g. single-request profiles the fit must keep). */
export interface FitLimits {
  /** Largest per-request overhead allowed at a given per-iteration overhead, ms. */
  maxPerRequestMs?: (perIterationMs: number) => number;
  /** Largest per-iteration overhead allowed, ms. */
  maxPerIterationMs?: number;
  /** Output-length spreads the fit may choose (default: all it is given). */
  oslSpreads?: readonly number[];
}

/** Overheads minimising mean capped |TTFT error| + mean capped |TPOT error| over the runs (all at one spread). */
export function fitOverheads(samples: readonly RunSensitivity[], limits: FitLimits = {}): OverheadFit {
  if (samples.length === 0) throw new RangeError('no runs to fit');
  let best = {perRequestMs: 0, perIterationMs: 0, objective: Infinity};
  for (const b of ITERATION_GRID) {
    if (b > (limits.maxPerIterationMs ?? Infinity)) break;
    const maxA = limits.maxPerRequestMs?.(b) ?? Infinity;
    // TPOT does not depend on a: its error is computed once per b.
    let tpotErr = 0;
    for (const s of samples) tpotErr += fitError(s.tpotMs + b * s.dTpotPerIterationMs, s.run.tpotMs);
    for (const a of REQUEST_GRID) {
      if (a > maxA) break;
      let ttftErr = 0;
      for (const s of samples) ttftErr += fitError(s.ttftMs + a + b * s.dTtftPerIterationMs, s.run.ttftMs);
      const objective = (ttftErr + tpotErr) / (2 * samples.length);
      if (objective < best.objective) best = {perRequestMs: a, perIterationMs: b, objective};
    }
  }
  return {...best, oslSpread: samples[0]!.oslSpread, runs: samples.length};
}

/** Fit at each candidate spread and keep the best; `bySpread` holds the sensitivities per spread. */
export function fitBackend(bySpread: ReadonlyMap<number, readonly RunSensitivity[]>, limits: FitLimits = {}): OverheadFit {
  let best: OverheadFit | undefined;
  for (const [spread, samples] of bySpread) {
    if (samples.length === 0 || (limits.oslSpreads && !limits.oslSpreads.includes(spread))) continue;
    const fit = fitOverheads(samples, limits);
    // Ties (no run of the fold depends on the spread) go to the de-synchronised loop: lock-step is the exception the data must show.
    if (!best || fit.objective < best.objective || (fit.objective === best.objective && fit.oslSpread > best.oslSpread)) best = fit;
  }
  if (!best) throw new RangeError('no runs to fit');
  return best;
}

/** Sensitivities of every run at every candidate spread (runs that cannot be simulated are left out). */
export function sensitivities(runs: readonly MeasuredRun[], progress?: (done: number, total: number) => void): Map<number, RunSensitivity[]> {
  const out = new Map<number, RunSensitivity[]>();
  let done = 0;
  for (const spread of CANDIDATE_SPREADS) {
    const list: RunSensitivity[] = [];
    for (const run of runs) {
      const s = sensitivityOf(run, spread);
      if (s) list.push(s);
      progress?.(++done, runs.length * CANDIDATE_SPREADS.length);
    }
    out.set(spread, list);
  }
  return out;
}

/** The sensitivities of the runs a predicate keeps, per spread. */
export function selectRuns(all: ReadonlyMap<number, readonly RunSensitivity[]>, keep: (run: MeasuredRun) => boolean): Map<number, RunSensitivity[]> {
  return new Map([...all].map(([spread, list]) => [spread, list.filter((s) => keep(s.run))]));
}

/**
 * The vLLM limit: the synthetic model must keep matching Dynamo's single-request H200 profile
 * (prefill TTFT MAPE <= maxMape): the largest per-request overhead that does, per iteration overhead.
 */
export function singleRequestLimit(prefill: {isl: number[]; ttftMs: number[]}, modelAt: (perRequestMs: number, perIterationMs: number) => {ttftMs(isl: number): number}, maxMape: number): (perIterationMs: number) => number {
  const mape = (a: number, b: number): number => {
    const m = modelAt(a, b);
    return prefill.isl.reduce((s, isl, i) => s + Math.abs(m.ttftMs(isl) / prefill.ttftMs[i]! - 1), 0) / prefill.isl.length;
  };
  const cache = new Map<number, number>();
  return (b) => {
    let limit = cache.get(b);
    if (limit === undefined) {
      limit = -1;
      for (const a of REQUEST_GRID) {
        if (mape(a, b) <= maxMape) limit = a;
        else if (limit >= 0) break; // past the allowed interval
      }
      cache.set(b, limit);
    }
    return limit;
  };
}

/**
 * SGLang's overlap scheduler (on by default since v0.4) prepares iteration k+1 on the CPU while
 * iteration k runs on the GPU, and decode batches run as CUDA graphs: little per-iteration time can
 * show. Its lock-step runs (0.5.1, 78 runs) fit 0-0.1 ms; without the bound a fold fitted on
 * de-synchronised runs only trades it for their prefill interruptions (3.4 ms, TPOT +40 % on 0.5.1).
 */
export const SGLANG_MAX_ITERATION_MS = 0.5;

/**
 * SGLang's closed loop is simulated with exact output lengths (lock-step waves), not fitted: its
 * prefill-first policy starts every request of one prefill run decoding in the same iteration, so
 * with exact lengths they finish together and their successors arrive together; arrival jitter
 * does not break that (bench/serving-accuracy.md, SGLang). Its two sources disagree (0.5.1: lock-step;
 * 0.5.6: de-synchronised, as from unrecorded output-length variance), so a fitted spread flips with
 * the fold. Users whose lengths vary say so with --osl-spread.
 */
export const SGLANG_OSL_SPREAD = 0;

/**
 * TRT-LLM's closed loops are de-synchronised (spread 0.1): its exact-length runs (1.0.0rc3, 353 of
 * them) are far from lock-step waves (spread 0 gives them 87 % TTFT MAPE against 37 %). Fixed rather
 * than fitted because most of its other runs (the InferenceMAX sweep) draw random lengths and
 * carry no information on it, so a fold without 1.0.0rc3 would choose it from 25 runs.
 */
export const TRTLLM_OSL_SPREAD = 0.1;

/**
 * The limits each backend's fit keeps: vLLM's from the shipped single-request H200 profile
 * (DESIGN.md 8), SGLang's from its overlap scheduler, TRT-LLM's spread.
 */
export function fitLimitsFor(backend: string, h200Profile: Profile): FitLimits {
  if (backend === 'sglang') return {maxPerIterationMs: SGLANG_MAX_ITERATION_MS, oslSpreads: [SGLANG_OSL_SPREAD]};
  if (backend === 'trtllm') return {oslSpreads: [TRTLLM_OSL_SPREAD]};
  if (backend !== 'vllm') return {};
  return {
    maxPerRequestMs: singleRequestLimit(
      {isl: h200Profile.prefill!.prefill_isl, ttftMs: h200Profile.prefill!.prefill_ttft},
      (perRequestMs, perIterationMs) => new SyntheticPerfModel({model: 'llama-3.1-8b', gpu: 'h200_sxm', tp: 1, quant: 'fp8', kvQuant: 'bf16', backend: 'vllm', overheads: {perRequestMs, perIterationMs}}),
      SINGLE_REQUEST_PREFILL_MAPE,
    ),
  };
}
