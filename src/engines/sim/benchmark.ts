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
import {Rng} from '../../random.js';
import {latencyStats, type LatencyStats} from '../../stats.js';
import {badInput} from '../../errors.js';

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
  if (closed === (options.requestRate !== undefined)) throw badInput('give exactly one of concurrency and requestRate');
  const warmup = options.warmupRequests ?? (closed ? options.concurrency! : 0);
  const total = warmup + requests;
  const engine = new SimEngine({...engineConfig, perfModel});
  const rng = new Rng(options.seed ?? 1);
  const random = () => rng.uniform();

  // The engine sees each request `overheadMs` after the client sent it (tokenization, scheduling,
  // the frontend: the perf model's per-request cost outside iterations); latencies are measured
  // from the client's send.
  const overheadMs = perfModel.perRequestMs ?? 0;
  const measured: {req: SimRequest; sentMs: number}[] = [];
  const pending: {atMs: number; sentMs: number}[] = [];
  let issued = 0;
  const send = (sentMs: number): void => {
    pending.push({atMs: sentMs + overheadMs, sentMs});
  };
  const admitDue = (t: number): void => {
    while (pending.length > 0 && pending[0]!.atMs <= t) {
      const {atMs, sentMs} = pending.shift()!;
      const req = engine.add({id: String(issued), promptTokens: isl, outputTokens: osl, arrivalMs: atMs});
      if (issued >= warmup) measured.push({req, sentMs});
      issued++;
    }
  };

  // Open-loop send times, generated lazily.
  let sent = 0;
  let nextSendMs = 0;
  const gapMs = (): number => {
    const mean = 1000 / options.requestRate!;
    return options.arrival === 'constant' ? mean : -Math.log(1 - random()) * mean;
  };

  let t = 0;
  let done = 0;
  let windowStartMs = Number.NaN;
  let batchSum = 0;
  let batchIterations = 0;
  if (closed) for (; sent < Math.min(options.concurrency!, total); sent++) send(0);
  while (done < total) {
    if (!closed) {
      while (sent < total && nextSendMs <= t) {
        send(nextSendMs);
        sent++;
        nextSendMs += gapMs();
      }
    }
    admitDue(t);
    const res = engine.step(t);
    if (!res) {
      // Idle: jump to the next request the engine will see.
      const next = Math.min(pending[0]?.atMs ?? Infinity, !closed && sent < total ? nextSendMs : Infinity);
      if (!Number.isFinite(next)) throw new Error('simulation stalled with requests outstanding');
      t = Math.max(t, next);
      continue;
    }
    t = res.metrics.endMs;
    if (issued > warmup && measured.length > 0) {
      if (Number.isNaN(windowStartMs)) windowStartMs = measured[0]!.sentMs;
      batchSum += res.metrics.decodeRequests;
      batchIterations++;
    }
    for (let i = 0; i < res.finished.length; i++) {
      done++;
      if (closed && sent < total) {
        send(t);
        sent++;
      }
    }
  }

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
  const durationS = (windowEndMs - windowStartMs) / 1000;
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
    iterations: engine.totals.iterations,
    preemptions: engine.totals.preemptions,
    perfModel: perfModel.name,
  };
}
