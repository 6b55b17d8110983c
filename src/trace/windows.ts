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

/** Bucket a stream of records (sync or async) per `intervalS` window. */
export async function bucketTrace(records: AsyncIterable<TraceRecord> | Iterable<TraceRecord>, intervalS: number): Promise<IntervalMetrics[]> {
  const acc = new WindowAccumulator(intervalS);
  for await (const r of records) acc.add(r);
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
  /** Mean arrival rate over the windows spanned, req/s. */
  meanRateRps: number;
  /** Highest window rate, req/s. */
  peakRateRps: number;
  windows: number;
  emptyWindows: number;
  outOfOrder: number;
}

/** Totals over the whole trace from an accumulator and its non-empty windows. */
export function summarize(acc: WindowAccumulator, windows: IntervalMetrics[] = acc.metrics()): TraceSummary {
  const n = acc.totalRequests;
  const peak = windows.reduce((m, w) => Math.max(m, w.requestCount), 0);
  const spanned = acc.spannedWindows();
  return {
    requests: n,
    spanS: n > 0 ? (acc.lastTimestampMs - acc.firstTimestampMs) / 1000 : 0,
    firstTimestampMs: n > 0 ? acc.firstTimestampMs : null,
    lastTimestampMs: n > 0 ? acc.lastTimestampMs : null,
    meanIsl: n > 0 ? acc.totalIsl / n : 0,
    meanOsl: n > 0 ? acc.totalOsl / n : 0,
    totalInputTokens: acc.totalIsl,
    totalOutputTokens: acc.totalOsl,
    meanRateRps: spanned > 0 ? n / (spanned * acc.intervalS) : 0,
    peakRateRps: peak / acc.intervalS,
    windows: spanned,
    emptyWindows: spanned - windows.length,
    outOfOrder: acc.outOfOrder,
  };
}
