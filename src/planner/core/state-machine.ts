/**
 * Dynamo's `PlannerStateMachine` at the pinned version (notes E.3, E.13): events in
 * (`ScheduledTick` + `TickInput`), effects out (scale targets, next tick, diagnostics).
 * No I/O and no clock: time is whatever `nowS` the driver passes.
 */
import type {PlannerConfig} from './config.js';
import type {
  ForwardPassMetrics, PlannerEffects, ScaleTo, ScheduledTick, TickInput, WorkerCapabilities,
} from './types.js';

/** Synthetic FPMs that seed the regressions before the first live tick (E.10). */
export interface BenchmarkFpms {
  prefill?: ForwardPassMetrics[];
  decode?: ForwardPassMetrics[];
  agg?: ForwardPassMetrics[];
}

/** Cadences due within this many seconds of the earliest fire together (Dynamo `_MERGE_TOLERANCE_S`). */
const MERGE_TOLERANCE_S = 0.5;

export class PlannerStateMachine {
  private nextLoadS = Number.POSITIVE_INFINITY;
  private nextThroughputS = Number.POSITIVE_INFINITY;

  constructor(readonly config: PlannerConfig, readonly capabilities: WorkerCapabilities = {}) {}

  /** Seed the regressions (SLA mode only; easy mode ignores them, as Dynamo does). */
  loadBenchmarkFpms(_fpms: BenchmarkFpms): void {
    throw new Error('not implemented yet');
  }

  initialTick(startS: number): ScheduledTick {
    this.nextLoadS = startS + this.config.loadAdjustmentIntervalS;
    if (this.config.enableThroughputScaling) this.nextThroughputS = startS + this.config.throughputAdjustmentIntervalS;
    return this.nextScheduledTick();
  }

  /** The single next tick, cadences merged when they coincide (E.3). */
  nextScheduledTick(): ScheduledTick {
    const atS = Math.min(this.nextLoadS, this.nextThroughputS);
    const isLoad = this.nextLoadS <= atS + MERGE_TOLERANCE_S;
    const isThroughput = this.nextThroughputS <= atS + MERGE_TOLERANCE_S;
    let needTraffic = false;
    let durationS = 0;
    if (isThroughput) {
      needTraffic = true;
      durationS = this.config.throughputAdjustmentIntervalS;
    } else if (isLoad && !this.config.enableThroughputScaling) {
      // load-only: the load tick scrapes the KV hit rate over the load interval
      needTraffic = true;
      durationS = this.config.loadAdjustmentIntervalS;
    }
    return {
      atS, runLoadScaling: isLoad, runThroughputScaling: isThroughput,
      needTrafficMetrics: needTraffic, trafficMetricsDurationS: durationS,
      needWorkerStates: true, needWorkerFpm: isLoad,
    };
  }

  onTick(_tick: ScheduledTick, _input: TickInput): PlannerEffects {
    throw new Error('not implemented yet');
  }
}

export type {ScaleTo};
