/**
 * `planner simulate`: the benchmark a client such as aiperf or `vllm bench serve` would run,
 * executed on the simulated engine in virtual time (no sockets, no sleeping).
 *
 * Metrics follow the clients (see reference notes, peers.md):
 * - TTFT: arrival at the engine to the first token.
 * - ITL: per request, (last token - first token) / (output tokens - 1); stats over requests.
 * - TPOT including TTFT (GuideLLM's definition): E2E / output tokens.
 * - E2E: arrival to the last token.
 * - Throughput over the measured window: from the first measured request's arrival to the
 *   last measured request's finish. Warm-up requests are sent first and not measured.
 */
import type {PerfModel} from '../perf-model.js';
import {SimEngine, type SimEngineConfig, type SimRequest} from './engine.js';
import {DrivenEngine, SimDriver} from './driver.js';
import {Rng} from '../../random.js';
import {latencyStats, type LatencyStats} from '../../stats.js';

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
  seed?: number;
}

export interface BenchmarkResult {
  requests: number;
  warmupRequests: number;
  durationS: number;
  ttftMs: LatencyStats;
  itlMs: LatencyStats;
  tpotMs: LatencyStats;
  e2eMs: LatencyStats;
  outputTokensPerS: number;
  tokensPerSPerGpu: number;
  requestsPerS: number;
  /** Mean requests in the decode batch over the measured window's iterations. */
  meanDecodeBatch: number;
  iterations: number;
  preemptions: number;
  perfModel: string;
}

export function runBenchmark(perfModel: PerfModel, engineConfig: Omit<SimEngineConfig, 'perfModel'>, options: BenchmarkOptions): BenchmarkResult {
  const {isl, osl, requests} = options;
  const closed = options.concurrency !== undefined;
  if (closed === (options.requestRate !== undefined)) throw new RangeError('give exactly one of concurrency and requestRate');
  const warmup = options.warmupRequests ?? (closed ? options.concurrency! : 0);
  const total = warmup + requests;
  const rng = new Rng(options.seed ?? 1);
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
      const req = engine.submit({id: String(index), promptTokens: isl, outputTokens: osl});
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
    const meanGapMs = 1000 / options.requestRate!;
    const gapMs = (): number => (options.arrival === 'constant' ? meanGapMs : -Math.log(1 - rng.uniform()) * meanGapMs);
    const sendOpen = (): void => {
      send();
      if (sent < total) driver.at(driver.nowMs + gapMs(), sendOpen);
    };
    driver.at(0, sendOpen);
  }
  driver.run();
  if (done < total) throw new Error('simulation stalled with requests outstanding');

  const ttft: number[] = [];
  const itl: number[] = [];
  const tpot: number[] = [];
  const e2e: number[] = [];
  let outputTokens = 0;
  let windowEndMs = 0;
  for (const {req: r, sentMs} of measured) {
    const e = r.finishMs! - sentMs;
    ttft.push(r.firstTokenMs! - sentMs);
    if (r.generatedTokens > 1) itl.push((r.lastTokenMs! - r.firstTokenMs!) / (r.generatedTokens - 1));
    tpot.push(e / r.generatedTokens);
    e2e.push(e);
    outputTokens += r.generatedTokens;
    if (r.finishMs! > windowEndMs) windowEndMs = r.finishMs!;
  }
  const durationS = (windowEndMs - measured[0]!.sentMs) / 1000;
  const outputTokensPerS = durationS > 0 ? outputTokens / durationS : Number.NaN;
  return {
    requests: measured.length,
    warmupRequests: warmup,
    durationS,
    ttftMs: latencyStats(ttft),
    itlMs: latencyStats(itl),
    tpotMs: latencyStats(tpot),
    e2eMs: latencyStats(e2e),
    outputTokensPerS,
    tokensPerSPerGpu: outputTokensPerS / perfModel.gpusPerEngine,
    requestsPerS: durationS > 0 ? measured.length / durationS : Number.NaN,
    meanDecodeBatch: batchIterations > 0 ? batchSum / batchIterations : 0,
    iterations: engine.engine.totals.iterations,
    preemptions: engine.engine.totals.preemptions,
    perfModel: perfModel.name,
  };
}
