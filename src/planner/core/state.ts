/**
 * What the planner remembers between ticks, and the per-tick diagnostics scratch that the
 * load and throughput passes fill (Dynamo's `_diag_*` fields, reset at every tick).
 */
import type {PlannerConfig} from './config.js';
import type {AggRegressionModel, DecodeRegressionModel, PrefillRegressionModel} from './perf-models.js';
import type {LoadPredictor} from '../predictors/base.js';
import type {Component, LoadReason, ThroughputReason, TickDiagnostics, WorkerCapabilities} from './types.js';

export interface Predictors {
  numReq: LoadPredictor;
  isl: LoadPredictor;
  osl: LoadPredictor;
  kvHitRate: LoadPredictor;
}

export type DiagScratch = Omit<TickDiagnostics, 'throughputLowerBoundPrefill' | 'throughputLowerBoundDecode'>;

export function emptyDiag(): DiagScratch {
  return {
    estimatedTtftMs: null, estimatedItlMs: null, predictedNumReq: null, predictedIsl: null, predictedOsl: null,
    predictedKvHitRate: null, engineRpsPrefill: null, engineRpsDecode: null,
    loadDecisionReason: null, loadDecisionReasonPrefill: null, loadDecisionReasonDecode: null,
    throughputDecisionReason: null, throughputDecisionReasonPrefill: null, throughputDecisionReasonDecode: null,
  };
}

export interface PlannerState {
  readonly config: PlannerConfig;
  capabilities: WorkerCapabilities;
  /** Ready workers. */
  numP: number;
  numD: number;
  expectedP: number | null;
  expectedD: number | null;
  prefillScalingInProgress: boolean;
  decodeScalingInProgress: boolean;
  lowerBoundP: number;
  lowerBoundD: number;
  /** Sticky KV hit rate the load pass discounts prefill work by (null = none yet). */
  lastKvHitRate: number | null;
  prefill?: PrefillRegressionModel;
  decode?: DecodeRegressionModel;
  agg?: AggRegressionModel;
  predictors?: Predictors;
  diag: DiagScratch;
}

/** Scaling in progress (E.13 item 2): the driver's flag, or an expected count that is not yet ready. */
export function scalingInProgress(s: PlannerState, c: Component): boolean {
  if (c === 'prefill') return s.prefillScalingInProgress || (s.expectedP !== null && s.expectedP !== s.numP);
  return s.decodeScalingInProgress || (s.expectedD !== null && s.expectedD !== s.numD);
}

export type {LoadReason, ThroughputReason};
