/**
 * Dynamo's `PlannerConfig` (notes E.1, E.13 item 11) as the core uses it. Reading config files
 * and applying the validation order live in `config-read.ts`; this file holds the shape and
 * Dynamo's defaults.
 */
import type {OptimizationTarget, PlannerMode} from './types.js';

export type LoadPredictorName = 'constant' | 'arima' | 'kalman' | 'prophet';

export interface PlannerConfig {
  mode: PlannerMode;
  optimizationTarget: OptimizationTarget;
  enableThroughputScaling: boolean;
  enableLoadScaling: boolean;
  throughputAdjustmentIntervalS: number;
  loadAdjustmentIntervalS: number;
  /** GPU ceiling; < 0 disables. */
  maxGpuBudget: number;
  /** GPU floor; < 0 (default -1) disables. */
  minGpuBudget: number;
  minEndpoint: number;
  ttftMs: number;
  itlMs: number;
  loadPredictor: LoadPredictorName;
  loadPredictorLog1p: boolean;
  prophetWindowSize: number;
  kalmanQLevel: number;
  kalmanQTrend: number;
  kalmanR: number;
  kalmanMinPoints: number;
  maxNumFpmSamples: number;
  fpmSampleBucketSize: number;
  /** Percent, 0-100. */
  loadScalingDownSensitivity: number;
  loadMetricSamples: number;
  loadMinObservations: number;
  /** `load` target thresholds (E.13 item 8): absolute queued prefill tokens per engine. */
  prefillScaleUpQueueTokens: number | null;
  prefillScaleDownQueueTokens: number | null;
  /** `load` target thresholds: decode KV utilisation, percent 0-100. */
  decodeScaleUpKvRate: number | null;
  decodeScaleDownKvRate: number | null;
  /** GPUs per engine from the config (capabilities win when both are known). */
  prefillEngineNumGpu: number | null;
  decodeEngineNumGpu: number | null;
  preDeploymentSweepingMode: 'none' | 'rapid' | 'thorough' | null;
  environment: 'kubernetes' | 'virtual' | 'global-planner';
  globalPlannerNamespace: string | null;
  backend: 'vllm' | 'sglang' | 'trtllm' | 'mocker';
  profileResultsDir: string;
  loadPredictorWarmupTrace: string | null;
  throughputMetricsSource: 'frontend' | 'router';
  reportIntervalHours: number | null;
  reportOutputDir: string;
  scalingMode: string;
  advisory: boolean;
}

/** Dynamo's defaults at the pinned version (E.1, E.13). */
export const DEFAULT_PLANNER_CONFIG: Readonly<PlannerConfig> = Object.freeze({
  mode: 'disagg',
  optimizationTarget: 'throughput',
  enableThroughputScaling: true,
  enableLoadScaling: false,
  throughputAdjustmentIntervalS: 180,
  loadAdjustmentIntervalS: 5,
  maxGpuBudget: 8,
  minGpuBudget: -1,
  minEndpoint: 1,
  ttftMs: 500,
  itlMs: 50,
  loadPredictor: 'arima',
  loadPredictorLog1p: false,
  prophetWindowSize: 50,
  kalmanQLevel: 1.0,
  kalmanQTrend: 0.1,
  kalmanR: 10.0,
  kalmanMinPoints: 5,
  maxNumFpmSamples: 64,
  fpmSampleBucketSize: 16,
  loadScalingDownSensitivity: 80,
  loadMetricSamples: 10,
  loadMinObservations: 5,
  prefillScaleUpQueueTokens: null,
  prefillScaleDownQueueTokens: null,
  decodeScaleUpKvRate: null,
  decodeScaleDownKvRate: null,
  prefillEngineNumGpu: null,
  decodeEngineNumGpu: null,
  preDeploymentSweepingMode: 'rapid',
  environment: 'kubernetes',
  globalPlannerNamespace: null,
  backend: 'vllm',
  profileResultsDir: 'profiling_results',
  loadPredictorWarmupTrace: null,
  throughputMetricsSource: 'frontend',
  reportIntervalHours: 24,
  reportOutputDir: './planner_reports',
  scalingMode: 'active',
  advisory: false,
});
