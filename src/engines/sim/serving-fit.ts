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

export const PROBE_ITERATION_MS = 2;
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
  /** Mean of the TTFT and TPOT mean absolute percentage errors (linear estimate), fraction. */
  objective: number;
  runs: number;
}

/** Simulate a run at the two probe points; undefined when the run cannot be simulated (it does not fit). */
export function sensitivityOf(run: MeasuredRun, oslSpread: number): RunSensitivity | undefined {
  try {
    const base = predictRun(run, {oslSpread, synthetic: {overheads: {perRequestMs: 0, perIterationMs: 0}}});
    const probe = predictRun(run, {oslSpread, synthetic: {overheads: {perRequestMs: 0, perIterationMs: PROBE_ITERATION_MS}}});
    return {
      run,
      oslSpread,
      ttftMs: base.ttftMs,
      tpotMs: base.tpotMs,
      dTtftPerIterationMs: (probe.ttftMs - base.ttftMs) / PROBE_ITERATION_MS,
      dTpotPerIterationMs: (probe.tpotMs - base.tpotMs) / PROBE_ITERATION_MS,
    };
  } catch (err) {
    if (err instanceof RangeError) return undefined;
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

/** Overheads minimising mean |TTFT error| + mean |TPOT error| over the runs (all at one spread). */
export function fitOverheads(samples: readonly RunSensitivity[]): OverheadFit {
  if (samples.length === 0) throw new RangeError('no runs to fit');
  let best = {perRequestMs: 0, perIterationMs: 0, objective: Infinity};
  for (const b of ITERATION_GRID) {
    // TPOT does not depend on a: its error is computed once per b.
    let tpotErr = 0;
    for (const s of samples) tpotErr += Math.abs((s.tpotMs + b * s.dTpotPerIterationMs) / s.run.tpotMs - 1);
    for (const a of REQUEST_GRID) {
      let ttftErr = 0;
      for (const s of samples) ttftErr += Math.abs((s.ttftMs + a + b * s.dTtftPerIterationMs) / s.run.ttftMs - 1);
      const objective = (ttftErr + tpotErr) / (2 * samples.length);
      if (objective < best.objective) best = {perRequestMs: a, perIterationMs: b, objective};
    }
  }
  return {...best, oslSpread: samples[0]!.oslSpread, runs: samples.length};
}

/** Fit at each candidate spread and keep the best; `bySpread` holds the sensitivities per spread. */
export function fitBackend(bySpread: ReadonlyMap<number, readonly RunSensitivity[]>): OverheadFit {
  let best: OverheadFit | undefined;
  for (const samples of bySpread.values()) {
    if (samples.length === 0) continue;
    const fit = fitOverheads(samples);
    if (!best || fit.objective < best.objective) best = fit;
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
