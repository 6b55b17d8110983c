/**
 * Dynamo's `PlannerStateMachine` at the pinned version (notes E.3, E.13): events in
 * (`ScheduledTick` + `TickInput`), effects out (scale targets, next tick, diagnostics).
 * No I/O and no clock: time is whatever `nowS` the driver passes.
 */
import type {PlannerConfig} from './config.js';
import {advanceLoad} from './load-scaling.js';
import {AggRegressionModel, DecodeRegressionModel, PrefillRegressionModel, type RegressionSettings} from './perf-models.js';
import {emptyDiag, type PlannerState, type Predictors} from './state.js';
import {advanceThroughput} from './throughput-scaling.js';
import {ArimaPredictor, ConstantPredictor, KalmanPredictor, ProphetPredictor} from '../predictors/index.js';
import type {LoadPredictor} from '../predictors/base.js';
import type {
  ForwardPassMetrics, FpmObservations, PlannerEffects, ScaleTo, ScheduledTick, TickDiagnostics, TickInput,
  TrafficObservation, WorkerCapabilities, WorkerCounts,
} from './types.js';

/** Synthetic FPMs that seed the regressions before the first live tick (E.10). */
export interface BenchmarkFpms {
  prefill?: ForwardPassMetrics[];
  decode?: ForwardPassMetrics[];
  agg?: ForwardPassMetrics[];
}

/** Cadences due within this many seconds of the earliest fire together (Dynamo `_MERGE_TOLERANCE_S`). */
const MERGE_TOLERANCE_S = 0.5;

function loadPredictor(config: PlannerConfig): LoadPredictor {
  switch (config.loadPredictor) {
    case 'constant':
      return new ConstantPredictor();
    case 'kalman':
      return new KalmanPredictor({qLevel: config.kalmanQLevel, qTrend: config.kalmanQTrend, r: config.kalmanR});
    case 'prophet':
      return new ProphetPredictor({windowSize: config.prophetWindowSize});
    case 'arima':
      return new ArimaPredictor();
  }
}

/** Latest FPM per (worker, DP rank), first position kept (a Python dict keyed by the pair). */
function byWorkerRank(list: ForwardPassMetrics[] | undefined): ForwardPassMetrics[] | undefined {
  if (list === undefined) return undefined;
  const index = new Map<string, number>();
  const out: ForwardPassMetrics[] = [];
  for (const f of list) {
    const key = `${f.workerId}\u0000${f.dpRank}`;
    const at = index.get(key);
    if (at === undefined) {
      index.set(key, out.length);
      out.push(f);
    } else {
      out[at] = f;
    }
  }
  return out;
}

export class PlannerStateMachine {
  private nextLoadS = Number.POSITIVE_INFINITY;
  private nextThroughputS = Number.POSITIVE_INFINITY;
  private readonly state: PlannerState;
  private readonly easy: boolean;

  constructor(readonly config: PlannerConfig, capabilities: WorkerCapabilities = {}) {
    this.easy = config.optimizationTarget !== 'sla';
    const state: PlannerState = {
      config, capabilities, numP: 0, numD: 0, expectedP: null, expectedD: null,
      prefillScalingInProgress: false, decodeScalingInProgress: false,
      lowerBoundP: 1, lowerBoundD: 1, lastKvHitRate: null, diag: emptyDiag(),
    };
    if (!this.easy) {
      const settings: RegressionSettings = {
        maxNumFpmSamples: config.maxNumFpmSamples, minObservations: config.loadMinObservations, bucketCount: config.fpmSampleBucketSize,
      };
      if (config.mode === 'agg') state.agg = new AggRegressionModel(settings);
      else {
        if (config.mode !== 'decode') state.prefill = new PrefillRegressionModel(settings);
        if (config.mode !== 'prefill') state.decode = new DecodeRegressionModel(settings);
      }
      const predictors: Predictors = {
        numReq: loadPredictor(config), isl: loadPredictor(config), osl: loadPredictor(config), kvHitRate: loadPredictor(config),
      };
      state.predictors = predictors;
    }
    this.state = state;
  }

  /** The regression models (SLA mode), for reports and tests. */
  get models(): Pick<PlannerState, 'prefill' | 'decode' | 'agg'> {
    return {prefill: this.state.prefill, decode: this.state.decode, agg: this.state.agg};
  }

  /** Seed the regressions (SLA mode only; easy mode ignores them, as Dynamo does). */
  loadBenchmarkFpms(fpms: BenchmarkFpms): void {
    const s = this.state;
    if (this.easy) return;
    if (fpms.agg && s.agg) for (const f of fpms.agg) s.agg.addObservation(f);
    if (fpms.prefill && s.prefill) for (const f of fpms.prefill) s.prefill.addObservation(f);
    if (fpms.decode && s.decode) for (const f of fpms.decode) s.decode.addObservation(f);
  }

  /** Feed the demand predictors a history (Dynamo `warm_load_predictors`); the KV hit rate learns only live. */
  warmLoadPredictors(observations: readonly TrafficObservation[]): void {
    const p = this.state.predictors;
    if (!p) return;
    p.numReq.warmUp(observations.map((o) => o.numReq));
    p.isl.warmUp(observations.map((o) => o.isl));
    p.osl.warmUp(observations.map((o) => o.osl));
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

  /** The tick a driver runs at `nowS` when it is late or early: the cadences due by `nowS` + 0.5 s fire. */
  tickDueAt(nowS: number): ScheduledTick {
    const isLoad = this.nextLoadS <= nowS + MERGE_TOLERANCE_S;
    const isThroughput = this.nextThroughputS <= nowS + MERGE_TOLERANCE_S;
    const loadOnlyTraffic = isLoad && !isThroughput && !this.config.enableThroughputScaling;
    return {
      atS: nowS, runLoadScaling: isLoad, runThroughputScaling: isThroughput,
      needTrafficMetrics: isThroughput || loadOnlyTraffic,
      trafficMetricsDurationS: isThroughput ? this.config.throughputAdjustmentIntervalS : loadOnlyTraffic ? this.config.loadAdjustmentIntervalS : 0,
      needWorkerStates: true, needWorkerFpm: isLoad,
    };
  }

  /** One tick (E.3 later ordering): inventory, throughput pass, load pass; load's decision wins. */
  onTick(tick: ScheduledTick, input: TickInput): PlannerEffects {
    const s = this.state;
    s.diag = emptyDiag();
    if (input.workers !== undefined) this.updateInventory(input.workers);

    let throughputDecision: ScaleTo | null = null;
    if (tick.runThroughputScaling) {
      if (input.traffic !== undefined) {
        this.observeTraffic(input.traffic);
        throughputDecision = advanceThroughput(s, input.traffic);
      }
      this.nextThroughputS = input.nowS + this.config.throughputAdjustmentIntervalS;
    }
    let loadDecision: ScaleTo | null = null;
    if (tick.runLoadScaling) {
      if (!tick.runThroughputScaling && input.traffic !== undefined) this.observeTraffic(input.traffic);
      if (input.fpm !== undefined) {
        const obs: FpmObservations = {prefill: byWorkerRank(input.fpm.prefill), decode: byWorkerRank(input.fpm.decode)};
        if (!this.easy) this.observeFpm(obs);
        loadDecision = advanceLoad(s, obs);
      }
      this.nextLoadS = input.nowS + this.config.loadAdjustmentIntervalS;
    }
    const diagnostics: TickDiagnostics = {
      ...s.diag, throughputLowerBoundPrefill: s.lowerBoundP, throughputLowerBoundDecode: s.lowerBoundD,
    };
    return {scaleTo: loadDecision ?? throughputDecision, nextTick: this.nextScheduledTick(), diagnostics};
  }

  private updateInventory(w: WorkerCounts): void {
    const s = this.state;
    if (w.readyPrefill !== undefined && w.readyPrefill !== null) s.numP = w.readyPrefill;
    if (w.readyDecode !== undefined && w.readyDecode !== null) s.numD = w.readyDecode;
    s.expectedP = w.expectedPrefill ?? null;
    s.expectedD = w.expectedDecode ?? null;
    s.prefillScalingInProgress = w.prefillScalingInProgress ?? false;
    s.decodeScalingInProgress = w.decodeScalingInProgress ?? false;
  }

  private observeFpm(obs: FpmObservations): void {
    const s = this.state;
    if (s.agg) {
      for (const f of obs.decode ?? []) s.agg.addObservation(f);
      return;
    }
    if (s.prefill) for (const f of obs.prefill ?? []) s.prefill.addObservation(f);
    if (s.decode) for (const f of obs.decode ?? []) s.decode.addObservation(f);
  }

  /** Throughput on: feed the predictors; load-only: the KV hit rate is used as observed. */
  private observeTraffic(t: TrafficObservation): void {
    const s = this.state;
    if (this.config.enableThroughputScaling && s.predictors) {
      s.predictors.numReq.addDataPoint(t.numReq);
      s.predictors.isl.addDataPoint(t.isl);
      s.predictors.osl.addDataPoint(t.osl);
    }
    const h = t.kvHitRate;
    if (h === undefined || h === null || Number.isNaN(h)) return;
    if (this.config.enableThroughputScaling && s.predictors) s.predictors.kvHitRate.addDataPoint(h);
    else s.lastKvHitRate = h;
  }
}
