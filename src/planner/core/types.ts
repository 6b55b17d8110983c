/**
 * Boundary types of Dynamo's 2026 planner core (notes E.2, E.13; DESIGN 3.5).
 * The core is a pure state machine: these are everything that goes in and comes out.
 * Field names follow the tick recording (camelCase, units in names).
 */

export type PlannerMode = 'disagg' | 'agg' | 'prefill' | 'decode';
export type OptimizationTarget = 'sla' | 'throughput' | 'latency' | 'load';
export type Component = 'prefill' | 'decode';

/** One engine kind's limits (Dynamo `EngineCapabilities`); unknown values are undefined. */
export interface EngineCapabilities {
  numGpu?: number;
  maxNumBatchedTokens?: number;
  maxNumSeqs?: number;
  contextLength?: number;
  maxKvTokens?: number;
}

/** Agg deployments have only `decode`. */
export interface WorkerCapabilities {
  prefill?: EngineCapabilities;
  decode?: EngineCapabilities;
}

/** The iteration's scheduled batch (Dynamo `scheduled_requests`); missing fields read as 0. */
export interface ScheduledRequests {
  numPrefillRequests: number;
  sumPrefillTokens: number;
  varPrefillLength: number;
  sumPrefillKvTokens: number;
  numDecodeRequests: number;
  sumDecodeKvTokens: number;
  varDecodeKvTokens: number;
}

/** Requests waiting behind the batch (Dynamo `queued_requests`). */
export interface QueuedRequests {
  numPrefillRequests: number;
  sumPrefillTokens: number;
  varPrefillLength: number;
  numDecodeRequests: number;
  sumDecodeKvTokens: number;
  varDecodeKvTokens: number;
}

/** One engine iteration's forward-pass metrics, per DP rank; `wallTimeS` 0 = idle heartbeat. */
export interface ForwardPassMetrics {
  workerId: string;
  dpRank: number;
  wallTimeS: number;
  scheduled: ScheduledRequests;
  queued: QueuedRequests;
}

/** Latest FPM per (worker, DP rank); agg puts its engines under `decode`. An empty list = absent. */
export interface FpmObservations {
  prefill?: ForwardPassMetrics[];
  decode?: ForwardPassMetrics[];
}

/** A traffic window (Dynamo `TrafficObservation`); `kvHitRate` null/NaN keeps the previous value. */
export interface TrafficObservation {
  durationS: number;
  numReq: number;
  isl: number;
  osl: number;
  kvHitRate?: number | null;
}

/** Worker inventory (Dynamo `WorkerCounts`): ready counts overwrite only when present. */
export interface WorkerCounts {
  readyPrefill?: number | null;
  readyDecode?: number | null;
  expectedPrefill?: number | null;
  expectedDecode?: number | null;
  prefillScalingInProgress?: boolean;
  decodeScalingInProgress?: boolean;
}

/** What the planner receives at a tick: one tick line of the recording (DESIGN 3.5). */
export interface TickInput {
  nowS: number;
  traffic?: TrafficObservation;
  workers?: WorkerCounts;
  fpm?: FpmObservations;
}

/** The next tick the planner wants (Dynamo `ScheduledTick`). */
export interface ScheduledTick {
  atS: number;
  runLoadScaling: boolean;
  runThroughputScaling: boolean;
  needTrafficMetrics: boolean;
  trafficMetricsDurationS: number;
  needWorkerStates: boolean;
  needWorkerFpm: boolean;
}

/** Replica targets; null = no opinion on that side. */
export interface ScaleTo {
  prefill: number | null;
  decode: number | null;
}

export type LoadReason =
  | 'scale_up'
  | 'scale_down'
  | 'no_change'
  | 'insufficient_data'
  | 'scale_down_refused_consolidation'
  | 'scale_down_capped_by_throughput'
  | 'scaling_in_progress'
  | 'worker_count_mismatch'
  | 'no_fpm_data'
  | 'disabled';

export type ThroughputReason =
  | 'set_lower_bound'
  | 'scale'
  | 'no_traffic_data'
  | 'predict_failed'
  | 'model_not_ready'
  | 'partner_not_ready'
  | 'disabled';

/** Per-tick diagnostics (Dynamo `TickDiagnostics`); null = not computed this tick. */
export interface TickDiagnostics {
  estimatedTtftMs: number | null;
  estimatedItlMs: number | null;
  predictedNumReq: number | null;
  predictedIsl: number | null;
  predictedOsl: number | null;
  predictedKvHitRate: number | null;
  engineRpsPrefill: number | null;
  engineRpsDecode: number | null;
  throughputLowerBoundPrefill: number;
  throughputLowerBoundDecode: number;
  loadDecisionReason: LoadReason | null;
  loadDecisionReasonPrefill: LoadReason | null;
  loadDecisionReasonDecode: LoadReason | null;
  throughputDecisionReason: ThroughputReason | null;
  throughputDecisionReasonPrefill: ThroughputReason | null;
  throughputDecisionReasonDecode: ThroughputReason | null;
}

/** What one tick produces (Dynamo `PlannerEffects`). */
export interface PlannerEffects {
  scaleTo: ScaleTo | null;
  nextTick: ScheduledTick;
  diagnostics: TickDiagnostics;
}

/** One line of decisions output (DESIGN 3.5): what `dryrun --mode ticks` and the replay record. */
export interface DecisionRecord {
  nowS: number;
  scaleTo: ScaleTo | null;
  nextTickS: number;
  diagnostics: TickDiagnostics;
}
