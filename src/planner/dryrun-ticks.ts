/**
 * `dryrun --mode ticks`: Dynamo's 2026 planner core run over a tick recording (DESIGN 3.5).
 * Each line is applied as the planner's next tick (the cadences due by its `nowS` + 0.5 s
 * fire); a line on which no cadence is due is passed over, as a live adapter would not call
 * the planner then. Pure: the caller reads the recording and the bootstrap data.
 */
import {PlannerStateMachine, type BenchmarkFpms} from './core/state-machine.js';
import {toDecisionRecord} from './core/decision.js';
import type {PlannerConfig} from './core/config.js';
import type {DecisionRecord, ScheduledTick, TickInput, TrafficObservation, WorkerCapabilities} from './core/types.js';
import type {RecordedTick} from './ticks/recording.js';

export interface TickOutcome {
  line: number;
  input: TickInput;
  tick: ScheduledTick;
  record: DecisionRecord;
}

export interface TicksDryrunResult {
  outcomes: TickOutcome[];
  /** Lines on which no cadence was due. */
  notDue: number;
}

/** Engine GPU counts from the config fill capabilities the recording does not give. */
export function effectiveCapabilities(caps: WorkerCapabilities, config: PlannerConfig): WorkerCapabilities {
  const withGpu = (c: WorkerCapabilities['prefill'], gpu: number | null) =>
    c === undefined && gpu === null ? undefined : {...c, numGpu: c?.numGpu ?? gpu ?? undefined};
  const out: WorkerCapabilities = {};
  const prefill = config.mode === 'agg' ? undefined : withGpu(caps.prefill, config.prefillEngineNumGpu);
  const decode = withGpu(caps.decode, config.decodeEngineNumGpu);
  if (prefill) out.prefill = prefill;
  if (decode) out.decode = decode;
  return out;
}

export function runTicksDryrun(
  ticks: readonly RecordedTick[], startS: number, config: PlannerConfig, capabilities: WorkerCapabilities, bootstrap?: BenchmarkFpms,
  warmup?: readonly TrafficObservation[],
): TicksDryrunResult {
  const planner = new PlannerStateMachine(config, capabilities);
  if (bootstrap) planner.loadBenchmarkFpms(bootstrap);
  if (warmup) planner.warmLoadPredictors(warmup);
  planner.initialTick(startS);
  const outcomes: TickOutcome[] = [];
  let notDue = 0;
  for (const {line, input} of ticks) {
    const tick = planner.tickDueAt(input.nowS);
    if (!tick.runLoadScaling && !tick.runThroughputScaling) {
      notDue += 1;
      continue;
    }
    const effects = planner.onTick(tick, input);
    outcomes.push({line, input, tick, record: toDecisionRecord(input.nowS, effects)});
  }
  return {outcomes, notDue};
}
