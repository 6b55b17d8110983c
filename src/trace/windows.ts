/**
 * Per-window aggregates of a trace: what the planner observes each adjustment interval
 * (Dynamo's `extract_metrics_from_mooncake`, notes D.7 step 1) and what `trace stats` shows.
 */
import type {TraceRecord} from './mooncake.js';
import {badInput} from '../errors.js';

export interface IntervalMetrics {
  /** Window start, s from trace start (`floor(timestamp_ms / 1000 / I) * I`). */
  startS: number;
  /** Requests that arrived in the window. */
  requestCount: number;
  /** Mean input length, tokens (0 for an empty window). */
  avgIsl: number;
  /** Mean output length, tokens (0 for an empty window). */
  avgOsl: number;
}

interface Acc {
  count: number;
  sumIsl: number;
  sumOsl: number;
}

/** Accumulates records into windows of `intervalS` seconds; memory is one entry per non-empty window. */
export class WindowAccumulator {
  private readonly windows = new Map<number, Acc>();
  totalRequests = 0;
  totalIsl = 0;
  totalOsl = 0;
  firstTimestampMs = Infinity;
  lastTimestampMs = -Infinity;
  /** Records whose timestamp is earlier than the one before (the trace is not sorted). */
  outOfOrder = 0;
  private prevTs = -Infinity;

  constructor(readonly intervalS: number) {
    if (!(intervalS > 0)) throw badInput(`window must be > 0 s, got ${intervalS}`);
  }

  add(r: TraceRecord): void {
    const k = Math.floor(r.timestamp / 1000 / this.intervalS);
    let acc = this.windows.get(k);
    if (acc === undefined) {
      acc = {count: 0, sumIsl: 0, sumOsl: 0};
      this.windows.set(k, acc);
    }
    acc.count += 1;
    acc.sumIsl += r.input_length;
    acc.sumOsl += r.output_length;
    this.totalRequests += 1;
    this.totalIsl += r.input_length;
    this.totalOsl += r.output_length;
    if (r.timestamp < this.prevTs) this.outOfOrder += 1;
    this.prevTs = r.timestamp;
    if (r.timestamp < this.firstTimestampMs) this.firstTimestampMs = r.timestamp;
    if (r.timestamp > this.lastTimestampMs) this.lastTimestampMs = r.timestamp;
  }

  /**
   * The non-empty windows sorted by start (empty ones are dropped, as in Dynamo's classic dry
   * run, and never materialised: a sparse trace may span more windows than memory holds).
   */
  metrics(): IntervalMetrics[] {
    const keys = [...this.windows.keys()].sort((a, b) => a - b);
    return keys.map((k) => {
      const acc = this.windows.get(k)!;
      return {startS: k * this.intervalS, requestCount: acc.count, avgIsl: acc.sumIsl / acc.count, avgOsl: acc.sumOsl / acc.count};
    });
  }

  /** Windows from the first non-empty to the last, empty ones included (counted, not listed). */
  spannedWindows(): number {
    if (this.totalRequests === 0) return 0;
    return Math.floor(this.lastTimestampMs / 1000 / this.intervalS) - Math.floor(this.firstTimestampMs / 1000 / this.intervalS) + 1;
  }
}

/** Bucket records per `intervalS` window: generated ones, or the batches a trace file is read in (readTraceBatches). */
export async function bucketTrace(records: Iterable<TraceRecord> | AsyncIterable<TraceRecord[]>, intervalS: number): Promise<IntervalMetrics[]> {
  const acc = new WindowAccumulator(intervalS);
  if (Symbol.asyncIterator in records) {
    for await (const batch of records) for (const r of batch) acc.add(r);
  } else for (const r of records) acc.add(r);
  return acc.metrics();
}

export interface TraceSummary {
  requests: number;
  /** First to last arrival, s. */
  spanS: number;
  firstTimestampMs: number | null;
  lastTimestampMs: number | null;
  meanIsl: number;
  meanOsl: number;
  totalInputTokens: number;
  totalOutputTokens: number;
  /** Requests over the time covered (first window's start to the last arrival), req/s; null when that is 0 s. */
  meanRateRps: number | null;
  /** Highest window rate, req/s (null when no window covers any time). */
  peakRateRps: number | null;
  windows: number;
  emptyWindows: number;
  outOfOrder: number;
}

/** A window with the time it covers and its arrival rate. */
export interface WindowRate extends IntervalMetrics {
  /** Seconds of the window the trace covers: a full window, or up to the last arrival for the last one. */
  coveredS: number;
  /** requestCount / coveredS, req/s; null when the window covers no time (one arrival at its start). */
  rateRps: number | null;
}

/** Rates per window: the last window is divided by the time up to the last arrival, not by its full length. */
export function windowRates(acc: WindowAccumulator, windows: readonly IntervalMetrics[]): WindowRate[] {
  const endS = acc.lastTimestampMs / 1000;
  return windows.map((w) => {
    const coveredS = Math.max(0, Math.min(w.startS + acc.intervalS, endS) - w.startS);
    return {...w, coveredS, rateRps: coveredS > 0 ? w.requestCount / coveredS : null};
  });
}

/** Totals over the whole trace from an accumulator and its non-empty windows (empty ones are counted). */
export function summarize(acc: WindowAccumulator, windows: readonly WindowRate[]): TraceSummary {
  const n = acc.totalRequests;
  const spanned = acc.spannedWindows();
  // Every window but the last is covered in full: from the first window's start to the last arrival.
  const coveredS = n > 0 ? acc.lastTimestampMs / 1000 - Math.floor(acc.firstTimestampMs / 1000 / acc.intervalS) * acc.intervalS : 0;
  const rates = windows.map((w) => w.rateRps).filter((r): r is number => r !== null);
  return {
    requests: n,
    spanS: n > 0 ? (acc.lastTimestampMs - acc.firstTimestampMs) / 1000 : 0,
    firstTimestampMs: n > 0 ? acc.firstTimestampMs : null,
    lastTimestampMs: n > 0 ? acc.lastTimestampMs : null,
    meanIsl: n > 0 ? acc.totalIsl / n : 0,
    meanOsl: n > 0 ? acc.totalOsl / n : 0,
    totalInputTokens: acc.totalIsl,
    totalOutputTokens: acc.totalOsl,
    meanRateRps: coveredS > 0 ? n / coveredS : null,
    peakRateRps: rates.length > 0 ? Math.max(...rates) : null,
    windows: spanned,
    emptyWindows: spanned - windows.length,
    outOfOrder: acc.outOfOrder,
  };
}
