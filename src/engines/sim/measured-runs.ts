/**
 * Measured closed-loop serving runs (one aggregated engine, N concurrent requests, fixed ISL/OSL;
 * fixtures/serving/) and what the simulated engine predicts for them. Shared by
 * bench/serving-accuracy.ts and scripts/fit-serving.ts.
 */
import {parseCsv} from '../synthetic/aic-rows.js';
import {createSyntheticPerfModel, type Quant, type SyntheticOptions} from '../synthetic/index.js';
import {runBenchmark} from './benchmark.js';
import type {IterationShape, PerfModel} from '../perf-model.js';
import {resolveSchedulerPolicy} from './scheduler-policies.js';

export interface MeasuredRun {
  /** 1-based line in the CSV. */
  line: number;
  gpu: string;
  backend: string;
  /** '' when the source did not record it. */
  backendVersion: string;
  /** Hugging Face id as measured. */
  modelId: string;
  quant: Quant;
  tp: number;
  isl: number;
  osl: number;
  concurrency: number;
  ttftMs: number;
  /** Mean time per output token after the first: (E2E - TTFT) / (OSL - 1). */
  tpotMs: number;
}

const QUANTS: Record<string, Quant> = {'': 'bf16', bf16: 'bf16', fp8: 'fp8', fp4: 'fp4'};

/** Rows of agg_serving_calibration.csv (AIC silicon_sample columns); throws naming the line on a bad row. */
export function parseMeasuredRuns(text: string, file: string): MeasuredRun[] {
  return parseCsv(text).map((r, i) => {
    const line = i + 2;
    const num = (key: string) => {
      const v = Number(r[key]);
      if (r[key] === undefined || r[key] === '' || !Number.isFinite(v)) throw new Error(`${file}:${line}: column ${key} is not a number ("${r[key]}")`);
      return v;
    };
    const quant = QUANTS[r.precision ?? ''];
    if (!quant) throw new Error(`${file}:${line}: unknown precision "${r.precision}"`);
    return {
      line,
      gpu: r.system,
      backend: r.backend,
      backendVersion: r.backend_version ?? '',
      modelId: r.model_path,
      quant,
      tp: num('tp_size'),
      isl: num('isl'),
      osl: num('osl'),
      concurrency: num('batch_size'),
      ttftMs: num('silicon_ttft_ms'),
      tpotMs: num('silicon_tpot_ms'),
    };
  });
}

export interface RunPrediction {
  ttftMs: number;
  tpotMs: number;
  preemptions: number;
  maxKvTokens: number;
}

export interface PredictOptions {
  /** Synthetic-model options on top of the run's (overheads, KV dtype, ...). */
  synthetic?: Partial<SyntheticOptions>;
  /** Scheduler policy instead of the backend's. */
  policy?: string;
  /** Output-length spread of the closed loop (default: the backend's calibrated one). */
  oslSpread?: number;
  /** Called with every iteration's shape and duration (scripts/trace-serving-run.ts). */
  onIteration?: (shape: IterationShape, durationMs: number) => void;
}

/**
 * The measurement protocol assumed for the calibration runs: the client sends `concurrency`
 * requests at once, keeps that many in flight for MEASURED_WAVES x concurrency requests, and
 * averages over all of them (the first wave included).
 */
export const MEASURED_WAVES = 5;

/** Simulate one run as its benchmark did (closed loop at its concurrency, MEASURED_WAVES waves, all measured). */
export function predictRun(run: MeasuredRun, options: PredictOptions = {}): RunPrediction {
  const model = createSyntheticPerfModel({model: run.modelId, gpu: run.gpu, tp: run.tp, quant: run.quant, backend: run.backend, ...options.synthetic});
  const n = run.concurrency;
  const {onIteration} = options;
  const perfModel: PerfModel = onIteration
    ? {name: model.name, gpusPerEngine: model.gpusPerEngine, maxKvTokens: model.maxKvTokens, perRequestMs: model.perRequestMs, stepMs: (shape) => {
        const ms = model.stepMs(shape);
        onIteration(shape, ms);
        return ms;
      }}
    : model;
  const res = runBenchmark(
    perfModel,
    {maxNumBatchedTokens: model.maxNumBatchedTokens, maxNumSeqs: model.maxNumSeqs, maxKvTokens: model.maxKvTokens, scheduler: resolveSchedulerPolicy(options.policy ?? run.backend).create()},
    {
      isl: run.isl,
      osl: run.osl,
      concurrency: n,
      requests: Math.max(MEASURED_WAVES * n, 16),
      warmupRequests: 0,
      oslSpread: options.oslSpread ?? model.backend.overheads.oslSpread,
    },
  );
  return {ttftMs: res.ttftMs.mean, tpotMs: res.itlMs.mean, preemptions: res.preemptions, maxKvTokens: model.maxKvTokens};
}
