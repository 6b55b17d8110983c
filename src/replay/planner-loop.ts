/**
 * The planner in the loop (notes E.11, Dynamo's replay adapter): the 2026 state machine ticks on
 * simulated time; each tick gets what the adapter gives Dynamo's planner — the latest FPM of
 * every ready engine on load ticks, the traffic window since the last one consumed (requests, mean
 * ISL/OSL, the router's KV hit rate) on traffic ticks, ready and expected worker counts (expected =
 * the last target until reached) — and its scale targets start or drain engines. Every tick input
 * is kept as a tick-recording line (DESIGN 3.5) with the decision it produced.
 */
import {OBSERVER_RANK, type SimDriver} from '../engines/sim/driver.js';
import type {IterationMetrics} from '../engines/sim/engine.js';
import {toDecisionRecord} from '../planner/core/decision.js';
import type {PlannerStateMachine} from '../planner/core/state-machine.js';
import type {DecisionRecord, ForwardPassMetrics, ScheduledTick, TickInput, TrafficObservation} from '../planner/core/types.js';
import type {Fleet, Journey, Pool, Worker} from './fleet.js';

const IDLE: Omit<ForwardPassMetrics, 'workerId' | 'dpRank'> = {
  wallTimeS: 0,
  scheduled: {numPrefillRequests: 0, sumPrefillTokens: 0, varPrefillLength: 0, sumPrefillKvTokens: 0, numDecodeRequests: 0, sumDecodeKvTokens: 0, varDecodeKvTokens: 0},
  queued: {numPrefillRequests: 0, sumPrefillTokens: 0, varPrefillLength: 0, numDecodeRequests: 0, sumDecodeKvTokens: 0, varDecodeKvTokens: 0},
};

/** An engine's forward-pass metrics as Dynamo publishes them (an idle engine sends a heartbeat). */
export function toFpm(workerId: string, m: IterationMetrics | null, idle: boolean): ForwardPassMetrics {
  if (m === null || idle) return {workerId, dpRank: 0, ...IDLE};
  return {
    workerId,
    dpRank: 0,
    wallTimeS: m.durationMs / 1000,
    scheduled: {
      numPrefillRequests: m.scheduledPrefillRequests, sumPrefillTokens: m.scheduledPrefillTokens, varPrefillLength: m.varPrefillLength,
      sumPrefillKvTokens: m.prefillPrefixTokens, numDecodeRequests: m.decodeRequests, sumDecodeKvTokens: m.decodeKvTokens, varDecodeKvTokens: m.varDecodeKvTokens,
    },
    queued: {...m.queued},
  };
}

/** Requests that arrived (and finished) since a window opened. */
class Window {
  startMs: number;
  numReq = 0;
  sumIsl = 0;
  sumOsl = 0;
  routerHitTokens = 0;
  routedPromptTokens = 0;
  finished = 0;
  sumTtftMs = 0;
  itlCount = 0;
  sumItlMs = 0;

  constructor(startMs: number) {
    this.startMs = startMs;
  }

  arrival(j: Journey): void {
    this.numReq++;
    this.sumIsl += j.isl;
    this.sumOsl += j.osl;
  }

  routed(j: Journey): void {
    if (j.routerHitTokens === undefined) return;
    this.routerHitTokens += j.routerHitTokens;
    this.routedPromptTokens += j.isl;
  }

  finish(j: Journey): void {
    this.finished++;
    this.sumTtftMs += j.firstTokenMs! - j.sentMs;
    if (j.osl > 1) {
      this.itlCount++;
      this.sumItlMs += j.decodeSpanMs! / (j.osl - 1);
    }
  }

  get kvHitRate(): number | null {
    return this.routedPromptTokens > 0 ? this.routerHitTokens / this.routedPromptTokens : null;
  }
}

/** What the report shows per tick, beside the tick input and the decision. */
export interface TickSnapshot {
  nowS: number;
  readyPrefill: number;
  readyDecode: number;
  activePrefill: number;
  activeDecode: number;
  observedRps: number;
  observedTtftMs: number | null;
  observedItlMs: number | null;
  observedIsl: number | null;
  observedOsl: number | null;
  kvHitRate: number | null;
  /** Per engine: queued prefill tokens (prefill / agg) and scheduled + queued decode KV (decode / agg). */
  prefillQueuedTokens: Record<string, number>;
  decodeKvTokens: Record<string, number>;
  gpuHours: number;
}

export interface PlannerLoopResult {
  ticks: TickInput[];
  decisions: DecisionRecord[];
  snapshots: TickSnapshot[];
}

export class PlannerLoop {
  readonly result: PlannerLoopResult = {ticks: [], decisions: [], snapshots: []};
  private traffic: Window;
  private sinceTick: Window;
  private readonly driver: SimDriver;
  private readonly fleet: Fleet;
  private readonly planner: PlannerStateMachine;
  private readonly agg: boolean;
  private readonly done: () => boolean;

  constructor(driver: SimDriver, fleet: Fleet, planner: PlannerStateMachine, options: {agg: boolean; startS: number; done: () => boolean}) {
    this.driver = driver;
    this.fleet = fleet;
    this.planner = planner;
    this.agg = options.agg;
    this.done = options.done;
    this.traffic = new Window(options.startS * 1000);
    this.sinceTick = new Window(options.startS * 1000);
    this.schedule(planner.initialTick(options.startS));
  }

  /** Fleet hooks. */
  arrival(j: Journey): void {
    this.traffic.arrival(j);
    this.sinceTick.arrival(j);
  }

  routed(j: Journey): void {
    this.traffic.routed(j);
    this.sinceTick.routed(j);
  }

  finish(j: Journey): void {
    this.traffic.finish(j);
    this.sinceTick.finish(j);
  }

  private schedule(tick: ScheduledTick): void {
    if (!Number.isFinite(tick.atS)) return;
    this.driver.at(Math.max(tick.atS * 1000, this.driver.nowMs), () => this.fire(tick), OBSERVER_RANK);
  }

  private fpms(pool: Pool): ForwardPassMetrics[] {
    return this.fleet.ready(pool).map((w: Worker) => toFpm(w.id, w.lastMetrics, w.driven.engine.idle && !w.driven.busy));
  }

  private fire(tick: ScheduledTick): void {
    const nowMs = this.driver.nowMs;
    const input: TickInput = {nowS: nowMs / 1000};
    if (tick.needTrafficMetrics) {
      const w = this.traffic;
      const t: TrafficObservation = {
        durationS: (nowMs - w.startMs) / 1000,
        numReq: w.numReq,
        isl: w.numReq > 0 ? w.sumIsl / w.numReq : 0,
        osl: w.numReq > 0 ? w.sumOsl / w.numReq : 0,
      };
      const hit = w.kvHitRate;
      if (hit !== null) t.kvHitRate = hit;
      input.traffic = t;
      this.traffic = new Window(nowMs);
    }
    const f = this.fleet;
    input.workers = this.agg
      ? {readyDecode: f.count('decode', 'ready'), expectedDecode: f.active('decode')}
      : {readyPrefill: f.count('prefill', 'ready'), readyDecode: f.count('decode', 'ready'), expectedPrefill: f.active('prefill'), expectedDecode: f.active('decode')};
    if (tick.needWorkerFpm) input.fpm = this.agg ? {decode: this.fpms('decode')} : {prefill: this.fpms('prefill'), decode: this.fpms('decode')};

    this.snapshot(input);
    const effects = this.planner.onTick(tick, input);
    this.result.ticks.push(input);
    this.result.decisions.push(toDecisionRecord(input.nowS, effects));
    const s = effects.scaleTo;
    if (s) {
      if (s.prefill !== null && !this.agg) f.scaleTo('prefill', s.prefill);
      if (s.decode !== null) f.scaleTo('decode', s.decode);
    }
    if (!this.done()) this.schedule(effects.nextTick);
  }

  private snapshot(input: TickInput): void {
    const w = this.sinceTick;
    const f = this.fleet;
    const nowMs = this.driver.nowMs;
    const prefillQueuedTokens: Record<string, number> = {};
    const decodeKvTokens: Record<string, number> = {};
    for (const wk of f.workers) {
      if (wk.state === 'stopped' || wk.state === 'starting') continue;
      const m = wk.lastMetrics;
      if (wk.pool === 'prefill' || this.agg) prefillQueuedTokens[wk.id] = m?.queued.sumPrefillTokens ?? 0;
      if (wk.pool === 'decode') decodeKvTokens[wk.id] = m ? m.decodeKvTokens + m.queued.sumDecodeKvTokens : 0;
    }
    const spanS = (nowMs - w.startMs) / 1000;
    this.result.snapshots.push({
      nowS: input.nowS,
      readyPrefill: f.count('prefill', 'ready'),
      readyDecode: f.count('decode', 'ready'),
      activePrefill: f.active('prefill'),
      activeDecode: f.active('decode'),
      observedRps: spanS > 0 ? w.numReq / spanS : 0,
      observedTtftMs: w.finished > 0 ? w.sumTtftMs / w.finished : null,
      observedItlMs: w.itlCount > 0 ? w.sumItlMs / w.itlCount : null,
      observedIsl: w.numReq > 0 ? w.sumIsl / w.numReq : null,
      observedOsl: w.numReq > 0 ? w.sumOsl / w.numReq : null,
      kvHitRate: w.kvHitRate,
      prefillQueuedTokens,
      decodeKvTokens,
      gpuHours: f.gpuHours(nowMs),
    });
    this.sinceTick = new Window(nowMs);
  }
}
