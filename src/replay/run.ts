/**
 * One replay run: a trace through a simulated fleet, fixed or driven by the planner, and what it
 * gave its users (per-request latencies, SLA attainment, goodput, GPU-hours). Pure and
 * synchronous: the caller reads the trace and writes the outputs.
 */
import {SimDriver} from '../engines/sim/driver.js';
import {PlannerStateMachine, type BenchmarkFpms} from '../planner/core/state-machine.js';
import type {PlannerConfig} from '../planner/core/config.js';
import type {WorkerCapabilities} from '../planner/core/types.js';
import {latencyStats, type LatencyStats} from '../stats.js';
import type {TraceRecord} from '../trace/mooncake.js';
import {Fleet, type FleetOptions, type Journey} from './fleet.js';
import {PlannerLoop, type PlannerLoopResult} from './planner-loop.js';
import {failure} from '../errors.js';

export interface SlaTargets {
  ttftMs: number;
  itlMs: number;
}

export interface ReplayRunSpec {
  /** "planner", "static:2p2d", "agg:4", ... */
  name: string;
  fleet: FleetOptions;
  planner?: {config: PlannerConfig; capabilities: WorkerCapabilities; bootstrap?: BenchmarkFpms};
}

/** A request as requests.jsonl holds it. */
export interface RequestRecord {
  index: number;
  arrivalS: number;
  isl: number;
  osl: number;
  prefillEngine: string | null;
  decodeEngine: string | null;
  queueWaitMs: number | null;
  ttftMs: number;
  itlMs: number | null;
  e2eMs: number;
  prefixHitTokens: number;
  slaMet: boolean;
}

export interface RunSummary {
  name: string;
  requests: number;
  durationS: number;
  goodputRps: number;
  goodputPerGpuHour: number;
  slaAttainment: number;
  gpuHours: number;
  peakPrefillReplicas: number;
  peakDecodeReplicas: number;
  ttftMs: LatencyStats;
  itlMs: LatencyStats;
  e2eMs: LatencyStats;
  scalingEvents: number;
  /** Longest stretch of consecutive 10 s arrival windows in which fewer than 90 % of requests met the SLA (a load step's recovery time). */
  longestSlaMissS: number;
  /** Share of prompt tokens served from a prefix cache. */
  prefixHitRate: number;
}

export interface ReplayRunResult {
  summary: RunSummary;
  requests: RequestRecord[];
  fleet: Fleet;
  planner?: PlannerLoopResult;
  /** Simulated time of the last token, ms. */
  endMs: number;
  /** Engine iterations simulated (fast-forwarded ones included) and driver events. */
  iterations: number;
  events: number;
}

export const SLA_WINDOW_S = 10;

/** Progress of one run: requests finished so far (reported every 1 %). */
export type RunProgress = (finished: number, total: number) => void;

export function runReplay(records: readonly TraceRecord[], spec: ReplayRunSpec, sla: SlaTargets, options: {overheadMs?: number; onProgress?: RunProgress} = {}): ReplayRunResult {
  const step = Math.max(1, Math.floor(records.length / 100));
  const driver = new SimDriver();
  let finished = 0;
  let loop: PlannerLoop | undefined;
  const fleet = new Fleet(driver, spec.fleet, {
    onArrival: (j) => loop?.arrival(j),
    onRouted: (j) => loop?.routed(j),
    onFinish: (j) => {
      finished++;
      loop?.finish(j);
      if (options.onProgress && finished % step === 0 && finished < records.length) options.onProgress(finished, records.length);
    },
  });
  let sorted = true;
  for (let i = 1; i < records.length && sorted; i++) sorted = records[i - 1]!.timestamp <= records[i]!.timestamp;
  fleet.load(sorted ? records : [...records].sort((a, b) => a.timestamp - b.timestamp), options.overheadMs ?? 0);
  if (spec.planner) {
    const planner = new PlannerStateMachine(spec.planner.config, spec.planner.capabilities);
    if (spec.planner.bootstrap) planner.loadBenchmarkFpms(spec.planner.bootstrap);
    loop = new PlannerLoop(driver, fleet, planner, {agg: spec.fleet.mode === 'agg', startS: 0, done: () => finished >= records.length});
  }
  driver.run();
  if (finished < records.length) throw failure(`replay ${spec.name} stalled: ${records.length - finished} requests never finished (no engine left to serve them?)`);

  const requests = fleet.journeys.map((j) => requestRecord(j, sla));
  let endMs = 0;
  for (const j of fleet.journeys) endMs = Math.max(endMs, j.finishMs!);
  let iterations = 0;
  for (const w of fleet.workers) iterations += w.driven.engine.totals.iterations;
  return {
    summary: summarize(spec.name, requests, fleet, endMs),
    requests,
    fleet,
    planner: loop?.result,
    endMs,
    iterations,
    events: driver.events,
  };
}

function requestRecord(j: Journey, sla: SlaTargets): RequestRecord {
  const ttftMs = j.firstTokenMs! - j.sentMs;
  const itlMs = j.osl > 1 ? j.decodeSpanMs! / (j.osl - 1) : null;
  return {
    index: j.index,
    arrivalS: j.sentMs / 1000,
    isl: j.isl,
    osl: j.osl,
    prefillEngine: j.prefillWorker ?? null,
    decodeEngine: j.decodeWorker ?? null,
    queueWaitMs: j.queueWaitMs ?? null,
    ttftMs,
    itlMs,
    e2eMs: j.finishMs! - j.sentMs,
    prefixHitTokens: j.prefixHitTokens,
    slaMet: ttftMs <= sla.ttftMs && (itlMs === null || itlMs <= sla.itlMs),
  };
}

function summarize(name: string, requests: readonly RequestRecord[], fleet: Fleet, endMs: number): RunSummary {
  const met = requests.filter((r) => r.slaMet).length;
  const durationS = endMs / 1000;
  const gpuHours = fleet.gpuHours(endMs);
  let promptTokens = 0;
  let hitTokens = 0;
  for (const r of requests) {
    promptTokens += r.isl;
    hitTokens += r.prefixHitTokens;
  }
  return {
    name,
    requests: requests.length,
    durationS,
    goodputRps: durationS > 0 ? met / durationS : 0,
    goodputPerGpuHour: gpuHours > 0 ? met / gpuHours : 0,
    slaAttainment: requests.length > 0 ? met / requests.length : 0,
    gpuHours,
    peakPrefillReplicas: fleet.peak.prefill,
    peakDecodeReplicas: fleet.peak.decode,
    ttftMs: latencyStats(requests.map((r) => r.ttftMs)),
    itlMs: latencyStats(requests.flatMap((r) => (r.itlMs === null ? [] : [r.itlMs]))),
    e2eMs: latencyStats(requests.map((r) => r.e2eMs)),
    scalingEvents: fleet.scalingEvents.length,
    longestSlaMissS: longestSlaMissS(requests),
    prefixHitRate: promptTokens > 0 ? hitTokens / promptTokens : 0,
  };
}

/** Longest run of consecutive SLA_WINDOW_S windows (by arrival) with attainment < 90 %. */
function longestSlaMissS(requests: readonly RequestRecord[]): number {
  const windows = new Map<number, {n: number; met: number}>();
  for (const r of requests) {
    const k = Math.floor(r.arrivalS / SLA_WINDOW_S);
    const w = windows.get(k) ?? {n: 0, met: 0};
    w.n++;
    if (r.slaMet) w.met++;
    windows.set(k, w);
  }
  let best = 0;
  let run = 0;
  const keys = [...windows.keys()].sort((a, b) => a - b);
  let prev = Number.NaN;
  for (const k of keys) {
    const w = windows.get(k)!;
    if (w.met < 0.9 * w.n) {
      run = k === prev + 1 ? run + 1 : 1;
      best = Math.max(best, run);
    } else run = 0;
    prev = k;
  }
  return best * SLA_WINDOW_S;
}
