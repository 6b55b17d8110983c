/**
 * Aggregated serving: one continuous-batching engine (mixed prefill + decode iterations, the
 * simulated engine of src/engines/sim) fed Poisson arrivals of fixed ISL/OSL. `simulateRate`
 * measures TTFT and ITL at one arrival rate; `findMaxAggRate` bisects for the highest rate whose
 * TTFT and ITL statistic meet both targets. Deterministic: the arrivals come from a seeded PRNG.
 *
 * Measurement: requests arriving in the first `warmupS` seconds are not measured (the engine
 * fills up); then `requests` are measured; arrivals continue until every measured request has
 * finished, so the measured ones never see the load drain away. A run stops early as overloaded
 * when a request waits for its first token longer than `overloadFactor` x the TTFT target (the
 * queue is growing; the TTFT target is then missed for the mean and every percentile above it).
 */
import type {PerfModel} from '../engines/perf-model.js';
import {SimEngine, type SimEngineConfig, type SimRequest} from '../engines/sim/engine.js';
import {DrivenEngine, SimDriver} from '../engines/sim/driver.js';
import {Rng} from '../random.js';
import {latencyStats, type LatencyStats} from '../stats.js';

export type SlaStat = 'mean' | 'p50' | 'p90' | 'p99';

export interface AggWorkload {
  isl: number;
  osl: number;
  ttftTargetMs: number;
  itlTargetMs: number;
  /** Which statistic of TTFT and ITL must meet the targets. */
  stat?: SlaStat;
}

export interface AggSimOptions {
  /** Measured requests per run. */
  requests?: number;
  /** Arrivals in the first warmupS seconds are not measured (default: 2 x (TTFT + OSL x ITL targets)). */
  warmupS?: number;
  seed?: number;
  overloadFactor?: number;
}

export interface AggRun {
  rateRps: number;
  overloaded: boolean;
  measured: number;
  ttftMs: LatencyStats;
  itlMs: LatencyStats;
  meetsTtft: boolean;
  meetsItl: boolean;
  meetsSla: boolean;
  /** Output tokens/s per GPU at this arrival rate (rate x OSL / GPUs; all requests are served). */
  tokensPerSPerGpu: number;
  /** 1000 / ITL statistic. */
  tokensPerSPerUser: number;
  meanRunning: number;
}

export const DEFAULT_AGG_REQUESTS = 1500;

/** Failing midpoints (none passing) after which the search checks that its lowest rate passes at all. */
const LOW_PROBE_AFTER = 3;

function pick(s: LatencyStats, stat: SlaStat): number {
  return s[stat];
}

/** One open-loop run at `rateRps`. */
export function simulateRate(perfModel: PerfModel, engineConfig: Omit<SimEngineConfig, 'perfModel'>, w: AggWorkload, rateRps: number, opts: AggSimOptions = {}): AggRun {
  const stat = w.stat ?? 'mean';
  const requests = opts.requests ?? DEFAULT_AGG_REQUESTS;
  const warmupMs = (opts.warmupS ?? 2 * (w.ttftTargetMs + w.osl * w.itlTargetMs) / 1000) * 1000;
  // Per-request time outside iterations (runBenchmark's convention): the engine sees a request
  // `overheadMs` after it was sent; latencies count from the send.
  const overheadMs = perfModel.perRequestMs ?? 0;
  const overloadMs = (opts.overloadFactor ?? 5) * w.ttftTargetMs;
  const rng = new Rng(opts.seed ?? 1);
  const meanGapMs = 1000 / rateRps;
  const driver = new SimDriver();

  const measured: {req: SimRequest; sentMs: number}[] = [];
  const isMeasured = new Set<SimRequest>();
  /** Every request sent, in order (to find the oldest one still without a first token). */
  const all: {req: SimRequest; sentMs: number}[] = [];
  let oldest = 0;
  let finishedMeasured = 0;
  let overloaded = false;
  let runningSum = 0;
  let iterations = 0;
  const engine = new DrivenEngine(driver, new SimEngine({aggregateDecodes: true, ...engineConfig, perfModel}), (res) => {
    const m = res.metrics;
    // In a decode fast-forward the first iterations - 1 finish nothing.
    runningSum += m.decodeRequests * (m.iterations - 1) + m.runningRequests;
    iterations += m.iterations;
    for (const r of res.finished) if (isMeasured.has(r)) finishedMeasured++;
    // Overload: the oldest request still without a first token has waited past the bound.
    while (oldest < all.length && all[oldest]!.req.firstTokenMs !== undefined) oldest++;
    if (oldest < all.length && driver.nowMs - all[oldest]!.sentMs > overloadMs) overloaded = true;
    if (overloaded || finishedMeasured >= requests) driver.stop();
  });

  let issued = 0;
  const send = (): void => {
    const sentMs = driver.nowMs;
    driver.at(sentMs + overheadMs, () => {
      const req = engine.submit({id: String(issued++), promptTokens: w.isl, outputTokens: w.osl});
      all.push({req, sentMs});
      if (sentMs >= warmupMs && measured.length < requests) {
        measured.push({req, sentMs});
        isMeasured.add(req);
      }
    });
    driver.at(sentMs + rng.exponential(1 / meanGapMs), send);
  };
  driver.at(0, send);
  driver.run();

  const ttft: number[] = [];
  const itl: number[] = [];
  for (const {req: r, sentMs} of measured) {
    if (r.firstTokenMs === undefined) continue;
    ttft.push(r.firstTokenMs - sentMs);
    if (r.state === 'finished' && r.generatedTokens > 1) itl.push((r.lastTokenMs! - r.firstTokenMs) / (r.generatedTokens - 1));
  }
  const ttftMs = latencyStats(ttft);
  const itlMs = latencyStats(itl);
  const meetsTtft = !overloaded && pick(ttftMs, stat) <= w.ttftTargetMs;
  const meetsItl = !overloaded && pick(itlMs, stat) <= w.itlTargetMs;
  return {
    rateRps,
    overloaded,
    measured: ttft.length,
    ttftMs,
    itlMs,
    meetsTtft,
    meetsItl,
    meetsSla: meetsTtft && meetsItl,
    tokensPerSPerGpu: (rateRps * w.osl) / perfModel.gpusPerEngine,
    tokensPerSPerUser: 1000 / pick(itlMs, stat),
    meanRunning: iterations > 0 ? runningSum / iterations : 0,
  };
}

export interface AggSearchResult {
  /** True when some rate meets both targets. */
  feasible: boolean;
  /** Highest rate found that meets both targets (0 when infeasible). */
  maxRateRps: number;
  /** The run at maxRateRps, or the lowest-rate run when infeasible. */
  best: AggRun;
  /** Every run, in the order made. */
  runs: AggRun[];
}

export interface AggSearchOptions extends AggSimOptions {
  /** Starting upper guess, requests/s (e.g. the rate that saturates prefill alone). */
  guessRps: number;
  /** Stop when (hi - lo) / hi is below this. */
  relTolerance?: number;
  /** Called after each simulated run (for progress). */
  onRun?: (run: AggRun) => void;
}

/**
 * Bisection on the arrival rate. The guess is doubled until a run fails (at most 6 times); the
 * lowest rate considered is guess / 64 (if even that fails, the layout cannot meet the SLA). That
 * low rate is the slowest run to simulate (requests decode nearly alone) and rarely decides the
 * answer, so it is run only when bisection finds no passing rate after LOW_PROBE_AFTER failing
 * midpoints; the rates bisected are those of probing it first whenever it passes.
 */
export function findMaxAggRate(perfModel: PerfModel, engine: Omit<SimEngineConfig, 'perfModel'>, w: AggWorkload, opts: AggSearchOptions): AggSearchResult {
  const runs: AggRun[] = [];
  const run = (rate: number): AggRun => {
    const r = simulateRate(perfModel, engine, w, rate, opts);
    runs.push(r);
    opts.onRun?.(r);
    return r;
  };
  const tol = opts.relTolerance ?? 0.02;
  let hi = opts.guessRps;
  let hiRun = run(hi);
  for (let i = 0; i < 6 && hiRun.meetsSla; i++) {
    hi *= 2;
    hiRun = run(hi);
  }
  if (hiRun.meetsSla) return {feasible: true, maxRateRps: hi, best: hiRun, runs};
  const lo0 = opts.guessRps / 64;
  let lo = lo0;
  // The run at lo once known to pass: a passing midpoint, or lo0 itself once probed.
  let loRun: AggRun | undefined;
  const probeLow = (): boolean => {
    loRun = run(lo0);
    return loRun.meetsSla;
  };
  let failedMidpoints = 0;
  while ((hi - lo) / hi > tol) {
    const mid = (lo + hi) / 2;
    const r = run(mid);
    if (r.meetsSla) {
      lo = mid;
      loRun = r;
    } else {
      hi = mid;
      if (!loRun && ++failedMidpoints === LOW_PROBE_AFTER && !probeLow()) return {feasible: false, maxRateRps: 0, best: loRun!, runs};
    }
  }
  if (!loRun && !probeLow()) return {feasible: false, maxRateRps: 0, best: loRun!, runs};
  return {feasible: true, maxRateRps: lo, best: loRun!, runs};
}
