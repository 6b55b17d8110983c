/**
 * A ready configuration for Dynamo's SLA planner from a recommendation (reference notes,
 * dynamo-planner.md E.1 for the v2026 `PlannerConfig` JSON, D.1 for the v2025-08 CLI flags). Pure.
 *
 * The config runs throughput-based scaling from profile data: optimization_target "sla" (any other
 * target makes the planner switch throughput scaling off), throughput scaling on, load scaling off,
 * sweep mode "thorough" (interpolation curves read from profile_results_dir). TTFT and ITL are in
 * ms in the v2026 config and in seconds on the v2025-08 command line.
 */
import path from 'node:path';
import {badInput} from '../errors.js';
import type {OutputFile} from '../outputs.js';
import {DYNAMO_DECODE_NPZ, DYNAMO_PREFILL_NPZ, dynamoLayoutOutputs} from '../profile/dynamo.js';
import type {Profile} from '../profile/types.js';
import type {RecommendCandidate, Recommendation} from './recommend.js';

export interface PlannerConfigInput {
  ttftMs: number;
  itlMs: number;
  prefillEngineNumGpu: number;
  decodeEngineNumGpu: number;
  /** Directory holding selected_prefill_interpolation/ and selected_decode_interpolation/. */
  profileResultsDir: string;
  adjustmentIntervalS: number;
  /** Total GPUs for prefill + decode; negative disables the budget. */
  maxGpuBudget: number;
  minEndpoint: number;
  backend: string;
  loadPredictor?: string;
}

/** Backends the planner accepts (others fall back to vllm, the planner's default). */
const PLANNER_BACKENDS = new Set(['vllm', 'sglang', 'trtllm']);

export function plannerConfig(x: PlannerConfigInput): Record<string, unknown> {
  return {
    mode: 'disagg',
    backend: PLANNER_BACKENDS.has(x.backend) ? x.backend : 'vllm',
    optimization_target: 'sla',
    enable_throughput_scaling: true,
    enable_load_scaling: false,
    pre_deployment_sweeping_mode: 'thorough',
    profile_results_dir: x.profileResultsDir,
    ttft: x.ttftMs,
    itl: x.itlMs,
    prefill_engine_num_gpu: x.prefillEngineNumGpu,
    decode_engine_num_gpu: x.decodeEngineNumGpu,
    throughput_adjustment_interval: x.adjustmentIntervalS,
    max_gpu_budget: x.maxGpuBudget,
    min_endpoint: x.minEndpoint,
    load_predictor: x.loadPredictor ?? 'arima',
  };
}

/** The same settings as v2025-08 planner flags (seconds for TTFT and ITL), as an argument array. */
export function legacyPlannerArgs(x: PlannerConfigInput): string[] {
  return [
    '--backend', PLANNER_BACKENDS.has(x.backend) && x.backend !== 'trtllm' ? x.backend : 'vllm',
    '--ttft', String(x.ttftMs / 1000),
    '--itl', String(x.itlMs / 1000),
    '--prefill-engine-num-gpu', String(x.prefillEngineNumGpu),
    '--decode-engine-num-gpu', String(x.decodeEngineNumGpu),
    '--profile-results-dir', x.profileResultsDir,
    '--adjustment-interval', String(x.adjustmentIntervalS),
    '--max-gpu-budget', String(x.maxGpuBudget),
    '--min-endpoint', String(x.minEndpoint),
    '--load-predictor', x.loadPredictor ?? 'arima',
  ];
}

export interface EmittedPlannerConfig {
  file: string;
  /** Which planner reads it, and its units. */
  schema: string;
  config: Record<string, unknown>;
  profileDir: string;
  /** The profile data files written in Dynamo's layout. */
  files: string[];
  /** The same settings as v2025-08 planner flags (TTFT and ITL in seconds). */
  legacyArgs: string[];
}

/** Dynamo's planner has no version key in its config (pydantic would ignore one): the schema is named here instead. */
export const PLANNER_CONFIG_SCHEMA = 'Dynamo PlannerConfig (v2026 planner --config; ttft and itl in ms, intervals in s)';

export interface EmitPlannerConfigOptions {
  file: string;
  /** Default: FILE's directory/profiling_results. */
  profileDir?: string;
  rec: Recommendation;
  candidates: readonly RecommendCandidate[];
  adjustmentIntervalS: number;
  maxGpuBudget?: number;
  minEndpoint: number;
}

/** Where the planner config's profile data goes: `profileDir`, or FILE's directory/profiling_results. */
export function plannerProfileDir(file: string, profileDir?: string): string {
  return profileDir ?? path.join(path.dirname(file), 'profiling_results');
}

/** Every file an emitted planner config writes, to check the destinations before any work. */
export function plannerConfigDestinations(file: string, profileDir?: string): string[] {
  const dir = plannerProfileDir(file, profileDir);
  return [file, path.join(dir, DYNAMO_PREFILL_NPZ), path.join(dir, DYNAMO_DECODE_NPZ)];
}

/**
 * The planner config for the chosen prefill and decode TPs and their profile data in Dynamo's
 * layout next to it, as outputs to write together (writeOutputs); nothing is written here.
 */
export function plannerConfigOutputs(o: EmitPlannerConfigOptions): {emitted: EmittedPlannerConfig; outputs: OutputFile[]} {
  const {rec} = o;
  if (!rec.prefill || !rec.decode) throw badInput('a planner config needs prefill and decode data: the profiles have no decode section');
  const byTp = (tp: number): Profile => o.candidates.find((c) => c.tp === tp)!.profile;
  const prefillProfile = byTp(rec.prefill.tp);
  const decodeProfile = byTp(rec.decode.tp);
  const profileDir = plannerProfileDir(o.file, o.profileDir);
  const layout = dynamoLayoutOutputs(profileDir, {prefill: prefillProfile.prefill, decode: decodeProfile.decode, dtypes: {...decodeProfile.dtypes, ...prefillProfile.dtypes}}, 'npz');
  const input: PlannerConfigInput = {
    ttftMs: rec.query.ttftMs,
    itlMs: rec.query.itlMs,
    prefillEngineNumGpu: rec.prefill.gpusPerEngine,
    decodeEngineNumGpu: rec.decode.gpusPerEngine,
    profileResultsDir: profileDir,
    adjustmentIntervalS: o.adjustmentIntervalS,
    maxGpuBudget: o.maxGpuBudget ?? -1,
    minEndpoint: o.minEndpoint,
    backend: decodeProfile.engine.backend,
  };
  const config = plannerConfig(input);
  return {
    emitted: {file: o.file, schema: PLANNER_CONFIG_SCHEMA, config, profileDir, files: layout.map((l) => l.file), legacyArgs: legacyPlannerArgs(input)},
    outputs: [...layout, {file: o.file, data: `${JSON.stringify(config, null, 2)}\n`}],
  };
}
