/**
 * Dynamo planner config files as users have them (notes E.1, E.13 items 8 and 11): snake-case
 * keys and aliases, Dynamo's defaults, field checks, then the model validator in Dynamo's
 * order. Layers (a recording's config, a config file, flags) merge in order, later keys win.
 * Pure: the caller reads files. Every bad key or value is one error naming the key.
 */
import {badInput} from '../../errors.js';
import {DEFAULT_PLANNER_CONFIG, type PlannerConfig} from './config.js';

export interface ConfigLayer {
  /** Where the keys come from, for messages ("ticks.jsonl line 1", "--planner-config x.yaml", "flags"). */
  source: string;
  raw: Record<string, unknown>;
}

type Kind =
  | {t: 'int'; min?: number; max?: number; nullable?: boolean}
  | {t: 'float'; min?: number; max?: number; nullable?: boolean}
  | {t: 'bool'}
  | {t: 'str'; nullable?: boolean}
  | {t: 'enum'; values: readonly string[]; nullable?: boolean}
  | {t: 'any'};

interface KeySpec {
  kind: Kind;
  /** The PlannerConfig field it sets (keys the core does not use are checked and dropped). */
  field?: keyof PlannerConfig;
  aliases?: string[];
}

const KEYS: Record<string, KeySpec> = {
  pre_deployment_sweeping_mode: {kind: {t: 'enum', values: ['none', 'rapid', 'thorough'], nullable: true}, field: 'preDeploymentSweepingMode'},
  environment: {kind: {t: 'enum', values: ['kubernetes', 'virtual', 'global-planner']}, field: 'environment'},
  namespace: {kind: {t: 'str'}},
  backend: {kind: {t: 'enum', values: ['vllm', 'sglang', 'trtllm', 'mocker']}, field: 'backend'},
  mode: {kind: {t: 'enum', values: ['disagg', 'prefill', 'decode', 'agg']}, field: 'mode'},
  optimization_target: {kind: {t: 'enum', values: ['throughput', 'latency', 'load', 'sla']}, field: 'optimizationTarget'},
  log_dir: {kind: {t: 'str', nullable: true}},
  throughput_adjustment_interval_seconds: {kind: {t: 'int'}, field: 'throughputAdjustmentIntervalS', aliases: ['throughput_adjustment_interval']},
  max_gpu_budget: {kind: {t: 'int'}, field: 'maxGpuBudget'},
  min_gpu_budget: {kind: {t: 'int'}, field: 'minGpuBudget'},
  min_endpoint: {kind: {t: 'int'}, field: 'minEndpoint'},
  decode_engine_num_gpu: {kind: {t: 'int', nullable: true}, field: 'decodeEngineNumGpu'},
  prefill_engine_num_gpu: {kind: {t: 'int', nullable: true}, field: 'prefillEngineNumGpu'},
  profile_results_dir: {kind: {t: 'str'}, field: 'profileResultsDir'},
  aic_interpolation: {kind: {t: 'any'}},
  ttft_ms: {kind: {t: 'float'}, field: 'ttftMs', aliases: ['ttft']},
  itl_ms: {kind: {t: 'float'}, field: 'itlMs', aliases: ['itl']},
  load_predictor: {kind: {t: 'enum', values: ['constant', 'arima', 'kalman', 'prophet']}, field: 'loadPredictor'},
  load_predictor_log1p: {kind: {t: 'bool'}, field: 'loadPredictorLog1p'},
  prophet_window_size: {kind: {t: 'int'}, field: 'prophetWindowSize'},
  load_predictor_warmup_trace: {kind: {t: 'str', nullable: true}, field: 'loadPredictorWarmupTrace'},
  kalman_q_level: {kind: {t: 'float'}, field: 'kalmanQLevel'},
  kalman_q_trend: {kind: {t: 'float'}, field: 'kalmanQTrend'},
  kalman_r: {kind: {t: 'float'}, field: 'kalmanR'},
  kalman_min_points: {kind: {t: 'int'}, field: 'kalmanMinPoints'},
  metric_pulling_prometheus_endpoint: {kind: {t: 'str'}},
  metric_reporting_prometheus_port: {kind: {t: 'int'}},
  throughput_metrics_source: {kind: {t: 'enum', values: ['frontend', 'router']}, field: 'throughputMetricsSource'},
  model_name: {kind: {t: 'str', nullable: true}},
  global_planner_namespace: {kind: {t: 'str', nullable: true}, field: 'globalPlannerNamespace'},
  enable_throughput_scaling: {kind: {t: 'bool'}, field: 'enableThroughputScaling'},
  enable_load_scaling: {kind: {t: 'bool'}, field: 'enableLoadScaling'},
  load_adjustment_interval_seconds: {kind: {t: 'int'}, field: 'loadAdjustmentIntervalS', aliases: ['load_adjustment_interval']},
  max_num_fpm_samples: {kind: {t: 'int'}, field: 'maxNumFpmSamples'},
  fpm_sample_bucket_size: {kind: {t: 'int'}, field: 'fpmSampleBucketSize'},
  load_scaling_down_sensitivity: {kind: {t: 'int'}, field: 'loadScalingDownSensitivity'},
  prefill_scale_up_queue_tokens: {kind: {t: 'int', min: 0, nullable: true}, field: 'prefillScaleUpQueueTokens'},
  prefill_scale_down_queue_tokens: {kind: {t: 'int', min: 0, nullable: true}, field: 'prefillScaleDownQueueTokens'},
  decode_scale_up_kv_rate: {kind: {t: 'float', min: 0, max: 100, nullable: true}, field: 'decodeScaleUpKvRate', aliases: ['decode_sacle_up_kv_rate']},
  decode_scale_down_kv_rate: {kind: {t: 'float', min: 0, max: 100, nullable: true}, field: 'decodeScaleDownKvRate'},
  load_metric_samples: {kind: {t: 'int'}, field: 'loadMetricSamples'},
  load_min_observations: {kind: {t: 'int'}, field: 'loadMinObservations'},
  advisory: {kind: {t: 'bool'}, field: 'advisory'},
  scaling_mode: {kind: {t: 'str'}, field: 'scalingMode'},
  report_interval_hours: {kind: {t: 'float', nullable: true}, field: 'reportIntervalHours'},
  report_output_dir: {kind: {t: 'str'}, field: 'reportOutputDir'},
  report_filename: {kind: {t: 'str', nullable: true}},
  report_write_gzip_log: {kind: {t: 'bool'}},
  live_dashboard_port: {kind: {t: 'int'}},
};

const ALIAS_TO_KEY = new Map<string, string>();
for (const [key, spec] of Object.entries(KEYS)) for (const a of spec.aliases ?? []) ALIAS_TO_KEY.set(a, key);

function describe(v: unknown): string {
  return typeof v === 'string' ? `"${v}"` : JSON.stringify(v) ?? String(v);
}

/** The value checked against its kind, or an error message (without the key). */
function checkValue(kind: Kind, v: unknown): {value: unknown} | {error: string} {
  if (kind.t === 'any') return {value: v};
  if (v === null && 'nullable' in kind && kind.nullable) return {value: null};
  switch (kind.t) {
    case 'bool':
      return typeof v === 'boolean' ? {value: v} : {error: `must be true or false, got ${describe(v)}`};
    case 'str':
      return typeof v === 'string' ? {value: v} : {error: `must be a string, got ${describe(v)}`};
    case 'enum':
      return typeof v === 'string' && kind.values.includes(v) ? {value: v} : {error: `must be one of ${kind.values.join(', ')}, got ${describe(v)}`};
    case 'int':
    case 'float': {
      if (typeof v !== 'number' || !Number.isFinite(v)) return {error: `must be ${kind.t === 'int' ? 'an integer' : 'a number'}, got ${describe(v)}`};
      if (kind.t === 'int' && !Number.isInteger(v)) return {error: `must be an integer, got ${describe(v)}`};
      if (kind.min !== undefined && v < kind.min) return {error: `must be >= ${kind.min}, got ${v}`};
      if (kind.max !== undefined && v > kind.max) return {error: `must be <= ${kind.max}, got ${v}`};
      return {value: v};
    }
  }
}

export interface ResolvedConfig {
  config: PlannerConfig;
  warnings: string[];
}

/** Merge the layers (later wins; aliases count as their canonical key), check every key, then Dynamo's validator. */
export function resolvePlannerConfig(layers: readonly ConfigLayer[]): ResolvedConfig {
  const warnings: string[] = [];
  const merged = new Map<string, {value: unknown; source: string}>();
  for (const layer of layers) {
    // within one layer the canonical name wins over an alias (pydantic AliasChoices order)
    const seen = new Set<string>();
    const entries = Object.entries(layer.raw).sort(([a], [b]) => Number(ALIAS_TO_KEY.has(a)) - Number(ALIAS_TO_KEY.has(b)));
    for (const [name, value] of entries) {
      const key = ALIAS_TO_KEY.get(name) ?? name;
      const spec = KEYS[key];
      if (spec === undefined) {
        warnings.push(`${layer.source}: unknown planner config key "${name}" ignored`);
        continue;
      }
      if (seen.has(key)) continue;
      seen.add(key);
      const checked = checkValue(spec.kind, value);
      if ('error' in checked) throw badInput(`${layer.source}: planner config key ${name} ${checked.error}`);
      merged.set(key, {value: checked.value, source: layer.source});
    }
  }
  const config: PlannerConfig = {...DEFAULT_PLANNER_CONFIG};
  for (const [key, {value}] of merged) {
    const field = KEYS[key]!.field;
    if (field === undefined) continue;
    (config as unknown as Record<string, unknown>)[field] = value;
  }
  validate(config, (key) => merged.get(key)?.source ?? 'the planner config', warnings);
  return {config, warnings};
}

/** Dynamo's model validator, in its order (E.13 item 11). */
function validate(c: PlannerConfig, sourceOf: (key: string) => string, warnings: string[]): void {
  const fail = (key: string, message: string): never => {
    throw badInput(`${sourceOf(key)}: planner config key ${key} ${message}`);
  };
  if (c.ttftMs <= 0) fail('ttft_ms', `must be > 0, got ${c.ttftMs}`);
  if (c.reportIntervalHours !== null && !(c.reportIntervalHours > 0)) fail('report_interval_hours', `must be a positive finite number or null, got ${c.reportIntervalHours}`);
  const root = Math.floor(Math.sqrt(Math.max(0, c.fpmSampleBucketSize)));
  if (c.fpmSampleBucketSize < 0 || root * root !== c.fpmSampleBucketSize) fail('fpm_sample_bucket_size', `must be a perfect square, got ${c.fpmSampleBucketSize}`);
  if (c.environment === 'global-planner' && !c.globalPlannerNamespace) fail('global_planner_namespace', "is required when environment is 'global-planner'");
  if (c.optimizationTarget === 'load') {
    if (c.mode === 'disagg' || c.mode === 'prefill') {
      if (c.prefillScaleUpQueueTokens === null) fail('prefill_scale_up_queue_tokens', "is required with optimization_target 'load' (and prefill_scale_down_queue_tokens)");
      if (c.prefillScaleDownQueueTokens === null) fail('prefill_scale_down_queue_tokens', "is required with optimization_target 'load' (and prefill_scale_up_queue_tokens)");
      if (c.prefillScaleUpQueueTokens! <= c.prefillScaleDownQueueTokens!) fail('prefill_scale_up_queue_tokens', `must be greater than prefill_scale_down_queue_tokens (${c.prefillScaleUpQueueTokens} <= ${c.prefillScaleDownQueueTokens})`);
    }
    if (c.mode !== 'prefill') {
      if (c.decodeScaleUpKvRate === null) fail('decode_scale_up_kv_rate', "is required with optimization_target 'load' (and decode_scale_down_kv_rate)");
      if (c.decodeScaleDownKvRate === null) fail('decode_scale_down_kv_rate', "is required with optimization_target 'load' (and decode_scale_up_kv_rate)");
      if (c.decodeScaleUpKvRate! <= c.decodeScaleDownKvRate!) fail('decode_scale_up_kv_rate', `must be greater than decode_scale_down_kv_rate (${c.decodeScaleUpKvRate} <= ${c.decodeScaleDownKvRate})`);
    }
  }
  if (c.optimizationTarget !== 'sla') {
    if (c.optimizationTarget === 'load' && c.enableThroughputScaling) warnings.push("optimization_target 'load' disables throughput-based scaling; using load-based scaling only");
    c.enableLoadScaling = true;
    c.enableThroughputScaling = false;
    if (c.ttftMs !== DEFAULT_PLANNER_CONFIG.ttftMs || c.itlMs !== DEFAULT_PLANNER_CONFIG.itlMs) {
      warnings.push(`optimization_target '${c.optimizationTarget}' ignores ttft_ms/itl_ms; set optimization_target 'sla' to scale on the SLA`);
    }
  }
  if (!c.enableThroughputScaling && !c.enableLoadScaling) fail('enable_load_scaling', 'or enable_throughput_scaling must be true (at least one scaling mode)');
  if (c.enableThroughputScaling && (c.preDeploymentSweepingMode === null || c.preDeploymentSweepingMode === 'none')) fail('pre_deployment_sweeping_mode', "cannot be 'none' when enable_throughput_scaling is true");
  if (c.enableLoadScaling && c.enableThroughputScaling && c.loadAdjustmentIntervalS >= c.throughputAdjustmentIntervalS) {
    fail('load_adjustment_interval_seconds', `(${c.loadAdjustmentIntervalS} s) must be shorter than throughput_adjustment_interval_seconds (${c.throughputAdjustmentIntervalS} s)`);
  }
}
