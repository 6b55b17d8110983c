/**
 * `planner simulate`: the benchmark a client such as aiperf or `vllm bench serve` would run,
 * executed on the simulated engine in virtual time (no sockets, no sleeping).
 *
 * It returns one record per measured request and their summary (benchmark-report.ts defines
 * the metrics as the clients do). Warm-up requests are sent first and not measured.
 */
import type {PerfModel} from '../perf-model.js';
import {SimEngine, type SimEngineConfig, type SimRequest} from './engine.js';
import {Rng} from '../../random.js';
import {summarizeRequests, type BenchmarkSummary, type RequestRecord} from './benchmark-report.js';

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
  if (closed === (options.requestRate !== undefined)) throw new RangeError('give exactly one of concurrency and requestRate');
  const warmup = options.warmupRequests ?? (closed ? options.concurrency! : 0);
  const total = warmup + requests;
  const engine = new SimEngine({...engineConfig, perfModel});
  const rng = new Rng(options.seed ?? 1);

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
  // A rate of Infinity sends every request at once (vllm bench serve's --request-rate inf).
  const gapMs = (): number => {
    const rate = options.requestRate! / 1000;
    if (rate === Number.POSITIVE_INFINITY) return 0;
    return options.arrival === 'constant' ? 1 / rate : rng.exponential(rate);
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

  const perRequest: RequestRecord[] = measured.map(({req: r, sentMs}, index) => {
    const ttftMs = r.firstTokenMs! - sentMs;
    const e2eMs = r.finishMs! - sentMs;
    const multi = r.generatedTokens > 1;
    return {
      index, sentMs, firstTokenMs: r.firstTokenMs!, finishMs: r.finishMs!, inputTokens: isl, outputTokens: r.generatedTokens,
      ttftMs, itlMs: multi ? (r.lastTokenMs! - r.firstTokenMs!) / (r.generatedTokens - 1) : null,
      tpotMs: multi ? (e2eMs - ttftMs) / (r.generatedTokens - 1) : null, e2eMs,
    };
  });
  return {
    ...summarizeRequests(perRequest, {gpusPerEngine: perfModel.gpusPerEngine, openLoop: !closed}),
    warmupRequests: warmup,
    meanDecodeBatch: batchIterations > 0 ? batchSum / batchIterations : 0,
    iterations: engine.totals.iterations,
    preemptions: engine.totals.preemptions,
    perfModel: perfModel.name,
    perRequest,
  };
}
