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
  /** Day of the measurement (YYYY-MM-DD), '' when not recorded. */
  measuredDate: string;
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
      measuredDate: r.measured_date ?? '',
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

/** How a measured run's client drew its requests, and how its engine was launched where that differs from the defaults. */
export interface BenchmarkProtocol {
  /** Requests sent, as a multiple of the concurrency (all measured, the first burst included). */
  waves: number;
  /** ISL and OSL uniform in [ratio x L, L] per request (BenchmarkOptions.lengthRangeRatio); undefined: exact lengths. */
  lengthRangeRatio?: number;
  /** KV-cache dtype the run was launched with, when it differs from the backend's default. */
  kvQuant?: 'bf16' | 'fp8';
}

/**
 * The InferenceMAX sweep (SemiAnalysis, measured 2025-10-29; backend version not recorded;
 * Llama-3.1-70B fp8/fp4, ISL/OSL 1k/1k, 1k/8k and 8k/1k, 4-128 streams, vLLM and TRT-LLM on
 * B200/H100). Its runner scripts (benchmarks/70b_*.sh) call kimbochen/bench_serving's
 * benchmark_serving.py (a fork of vLLM's earlier client) with `--random-range-ratio 0.8
 * --num-prompts $((CONC * 10)) --max-concurrency $CONC --request-rate inf --ignore-eos`: lengths
 * uniform in [0.8 L, L], ten waves.
 */
const INFERENCEMAX_DATE = '2025-10-29';
export const INFERENCEMAX_PROTOCOL: BenchmarkProtocol = {waves: 10, lengthRangeRatio: 0.8};

/**
 * The protocol of a measured run: InferenceMAX's for that sweep, else MEASURED_WAVES waves of
 * exact lengths. The sweep's vLLM B200 launches pass kv-cache-dtype fp8; its vLLM H100 launch does
 * not, and vLLM then kept bf16 KV for ModelOpt checkpoints (vllm-project/vllm#29980 came later).
 * TRT-LLM uses the checkpoint's FP8 KV by default, as the sweep ran it.
 */
export function protocolOf(run: MeasuredRun): BenchmarkProtocol {
  if (run.backendVersion !== '' || run.measuredDate !== INFERENCEMAX_DATE) return {waves: MEASURED_WAVES};
  if (run.backend === 'vllm' && run.quant !== 'bf16') return {...INFERENCEMAX_PROTOCOL, kvQuant: run.gpu.startsWith('b200') ? 'fp8' : 'bf16'};
  return {...INFERENCEMAX_PROTOCOL};
}

/** Simulate one run as its benchmark did (closed loop at its concurrency, its protocol's waves and lengths, all measured). */
export function predictRun(run: MeasuredRun, options: PredictOptions = {}): RunPrediction {
  const protocol = protocolOf(run);
  const model = createSyntheticPerfModel({model: run.modelId, gpu: run.gpu, tp: run.tp, quant: run.quant, backend: run.backend, kvQuant: protocol.kvQuant, ...options.synthetic});
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
      requests: Math.max(protocol.waves * n, 16),
      warmupRequests: 0,
      oslSpread: options.oslSpread ?? model.backend.overheads.oslSpread,
      lengthRangeRatio: protocol.lengthRangeRatio,
    },
  );
  return {ttftMs: res.ttftMs.mean, tpotMs: res.itlMs.mean, preemptions: res.preemptions, maxKvTokens: model.maxKvTokens};
}
