/**
 * A ready configuration for Dynamo's SLA planner from a recommendation (reference notes,
 * dynamo-planner.md E.1 for the v2026 `PlannerConfig` JSON, D.1 for the v2025-08 CLI flags). Pure.
 *
 * The config runs throughput-based scaling from profile data: optimization_target "sla" (any other
 * target makes the planner switch throughput scaling off), throughput scaling on, load scaling off,
 * sweep mode "thorough" (interpolation curves read from profile_results_dir). TTFT and ITL are in
 * ms in the v2026 config and in seconds on the v2025-08 command line.
 */

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
