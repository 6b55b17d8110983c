/**
 * `planner simulate`: the benchmark a client such as aiperf or `vllm bench serve` would run,
 * executed on the simulated engine in virtual time (no sockets, no sleeping).
 *
 * It returns one record per measured request and their summary (benchmark-report.ts defines
 * the metrics as the clients do). Warm-up requests are sent first and not measured.
 */
import type {PerfModel} from '../perf-model.js';
import {SimEngine, type SimEngineConfig, type SimRequest} from './engine.js';
import {DrivenEngine, SimDriver} from './driver.js';
import {Rng} from '../../random.js';
import {summarizeRequests, type BenchmarkSummary, type RequestRecord} from './benchmark-report.js';
import {badInput} from '../../errors.js';
import type {OnProgress} from '../../progress.js';

export interface BenchmarkOptions {
  isl: number;
  osl: number;
  /** Closed loop: this many requests in flight; a new one is sent when one finishes. */
  concurrency?: number;
  /** Open loop: requests per second. */
  requestRate?: number;
  /** Inter-arrival process of the open loop. */
  arrival?: 'poisson' | 'constant';
  /** Measured requests. */
  requests: number;
  /** Requests sent first and not measured (default: the concurrency, or 0 in open loop). */
  warmupRequests?: number;
  /**
   * Output lengths vary uniformly within ±this fraction of `osl` (default 0: exact). Real closed
   * loops do not stay in the lock-step waves exact lengths produce; a small spread reproduces that.
   */
  oslSpread?: number;
  /**
   * Random lengths as vLLM's earlier benchmark_serving.py (and its forks, e.g. InferenceMAX's
   * client) draw them for `--random-range-ratio r`: ISL and OSL each uniform over the integers
   * [floor(r x L), L], per request. Replaces `oslSpread` when given.
   */
  lengthRangeRatio?: number;
  seed?: number;
  /** Finished requests (warm-up included) out of all sent, reported every PROGRESS_EVERY and at the end. */
  onProgress?: OnProgress;
}

/** Requests between two progress reports (a report is cheap, but 100k of them are not free). */
const PROGRESS_EVERY = 256;

export interface BenchmarkResult extends BenchmarkSummary {
  warmupRequests: number;
  /** Mean requests in the decode batch over the measured window's iterations. */
  meanDecodeBatch: number;
  iterations: number;
  preemptions: number;
  perfModel: string;
  /** One record per measured request, in sending order. */
  perRequest: RequestRecord[];
}

export function runBenchmark(perfModel: PerfModel, engineConfig: Omit<SimEngineConfig, 'perfModel'>, options: BenchmarkOptions): BenchmarkResult {
  const {isl, osl, requests} = options;
  const closed = options.concurrency !== undefined;
  if (closed === (options.requestRate !== undefined)) throw badInput('give exactly one of concurrency and requestRate');
  const warmup = options.warmupRequests ?? (closed ? options.concurrency! : 0);
  const total = warmup + requests;
  const rng = new Rng(options.seed ?? 1);
  const spread = options.oslSpread ?? 0;
  if (!(spread >= 0 && spread < 1)) throw badInput(`oslSpread must be in [0, 1), got ${spread}`);
  const lengths = new Rng((options.seed ?? 1) + 1);
  const ratio = options.lengthRangeRatio;
  if (ratio !== undefined && !(ratio > 0 && ratio <= 1)) throw badInput(`lengthRangeRatio must be in (0, 1], got ${ratio}`);
  const inRange = (l: number): number => {
    const lo = Math.max(1, Math.floor(ratio! * l));
    return lo + lengths.int(l - lo + 1);
  };
  const drawIsl = (): number => (ratio === undefined ? isl : inRange(isl));
  const drawOsl = (): number => {
    if (ratio !== undefined) return inRange(osl);
    return spread === 0 ? osl : Math.max(1, Math.round(osl * (1 + spread * (2 * lengths.uniform() - 1))));
  };
  const driver = new SimDriver();

  let done = 0;
  let firstMeasuredAtMs = Infinity;
  let batchSum = 0;
  let batchIterations = 0;
  const engine = new DrivenEngine(driver, new SimEngine({aggregateDecodes: true, ...engineConfig, perfModel}), (res) => {
    const m = res.metrics;
    if (m.spanStartMs >= firstMeasuredAtMs) {
      batchSum += m.decodeRequests * m.iterations;
      batchIterations += m.iterations;
    }
    for (let i = 0; i < res.finished.length; i++) {
      done++;
      if (closed && sent < total) send();
      if (options.onProgress && (done % PROGRESS_EVERY === 0 || done === total)) options.onProgress({task: 'simulating', done, total, unit: 'requests'});
    }
    if (done >= total) driver.stop();
  });

  // The engine sees each request `overheadMs` after the client sent it (tokenization, scheduling,
  // the frontend: the perf model's per-request cost outside iterations); latencies are measured
  // from the client's send.
  const overheadMs = perfModel.perRequestMs ?? 0;
  const measured: {req: SimRequest; sentMs: number}[] = [];
  let sent = 0;
  const send = (): void => {
    const sentMs = driver.nowMs;
    const index = sent++;
    driver.at(sentMs + overheadMs, () => {
      const promptTokens = drawIsl();
      const req = engine.submit({id: String(index), promptTokens, outputTokens: drawOsl()});
      if (index >= warmup) {
        if (measured.length === 0) firstMeasuredAtMs = driver.nowMs;
        measured.push({req, sentMs});
      }
    });
  };

  if (closed) {
    for (let i = 0; i < Math.min(options.concurrency!, total); i++) send();
  } else {
    // Open loop: each send schedules the next one.
    // A rate of Infinity sends every request at once (vllm bench serve's --request-rate inf).
    const ratePerMs = options.requestRate! / 1000;
    const gapMs = (): number => {
      if (ratePerMs === Number.POSITIVE_INFINITY) return 0;
      return options.arrival === 'constant' ? 1 / ratePerMs : rng.exponential(ratePerMs);
    };
    const sendOpen = (): void => {
      send();
      if (sent < total) driver.at(driver.nowMs + gapMs(), sendOpen);
    };
    driver.at(0, sendOpen);
  }
  driver.run();
  if (done < total) throw new Error('simulation stalled with requests outstanding');

  const perRequest: RequestRecord[] = measured.map(({req: r, sentMs}, index) => {
    const ttftMs = r.firstTokenMs! - sentMs;
    const e2eMs = r.finishMs! - sentMs;
    const multi = r.generatedTokens > 1;
    return {
      index, sentMs, firstTokenMs: r.firstTokenMs!, finishMs: r.finishMs!, inputTokens: r.promptTokens, outputTokens: r.generatedTokens,
      ttftMs, itlMs: multi ? (r.lastTokenMs! - r.firstTokenMs!) / (r.generatedTokens - 1) : null,
      tpotMs: multi ? (e2eMs - ttftMs) / (r.generatedTokens - 1) : null, e2eMs,
    };
  });
  return {
    ...summarizeRequests(perRequest, {gpusPerEngine: perfModel.gpusPerEngine, openLoop: !closed}),
    warmupRequests: warmup,
    meanDecodeBatch: batchIterations > 0 ? batchSum / batchIterations : 0,
    iterations: engine.engine.totals.iterations,
    preemptions: engine.engine.totals.preemptions,
    perfModel: perfModel.name,
    perRequest,
  };
}
