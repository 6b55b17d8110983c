/**
 * What a benchmark client reports from per-request results (reference notes, peers.md), whatever
 * loop produced them. Pure.
 *
 * - TTFT: send to first token. ITL: per request, (last token - first token) / (output tokens - 1).
 * - TPOT: per request, (E2E - TTFT) / (output tokens - 1): the first token excluded, as
 *   `vllm bench serve` and aiperf define it (GuideLLM's TTFT-inclusive "TPOT" is E2E / tokens).
 *   With one token per chunk it equals the ITL. E2E: send to last token.
 * - Throughput over the measured window (first measured send to last finish): requests, input,
 *   output and total tokens per second.
 * - Goodput (aiperf / genai-perf): the requests meeting every target, as a share and a rate.
 * - Overload (open loop): requests finish more slowly than they were sent, i.e. a queue grows.
 */
import {badInput} from '../../errors.js';
import {percentileSorted} from '../../stats.js';

export interface RequestRecord {
  /** Order of sending, from 0 (warm-up requests excluded). */
  index: number;
  sentMs: number;
  firstTokenMs: number;
  finishMs: number;
  inputTokens: number;
  outputTokens: number;
  ttftMs: number;
  /** Null with one output token. */
  itlMs: number | null;
  tpotMs: number | null;
  e2eMs: number;
}

export type GoodputMetric = 'ttft' | 'itl' | 'tpot' | 'e2e';

/** The names aiperf, genai-perf and vllm bench serve accept for each target. */
const GOODPUT_NAMES: Record<string, GoodputMetric> = {
  ttft: 'ttft', time_to_first_token: 'ttft',
  itl: 'itl', inter_token_latency: 'itl',
  tpot: 'tpot',
  e2e: 'e2e', e2el: 'e2e', request_latency: 'e2e',
};

export type GoodputTargets = Partial<Record<GoodputMetric, number>>;

/** `ttft:200 itl:10` (ms; space- or comma-separated, aiperf's long names accepted) -> targets. */
export function parseGoodput(spec: string): GoodputTargets {
  const out: GoodputTargets = {};
  const parts = spec.split(/[\s,]+/).filter(Boolean);
  if (parts.length === 0) throw badInput('no goodput target given', 'e.g. ttft:200 itl:10 (ms)');
  for (const part of parts) {
    const m = /^([a-z0-9_]+)[:=](.+)$/.exec(part.toLowerCase());
    const metric = m ? GOODPUT_NAMES[m[1]!] : undefined;
    const value = m ? Number(m[2]) : Number.NaN;
    if (!metric) throw badInput(`goodput target "${part}" is not METRIC:MS`, `METRIC is one of ${Object.keys(GOODPUT_NAMES).join(', ')}`);
    if (!(value > 0) || !Number.isFinite(value)) throw badInput(`goodput target "${part}": the limit must be a positive number of ms`);
    out[metric] = value;
  }
  return out;
}

/** `50,90,99` -> [50, 90, 99], each in (0, 100]. */
export function parsePercentiles(spec: string): number[] {
  const values = spec.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (values.length === 0 || values.some((v) => !(v > 0 && v <= 100))) throw badInput(`percentiles must be numbers in (0, 100], comma-separated (got "${spec}")`);
  return [...new Set(values)].sort((a, b) => a - b);
}

export const DEFAULT_PERCENTILES = [50, 90, 99];

/** Mean and chosen percentiles (keys p50, p99.9, ...) of one metric. */
export type MetricStats = {mean: number} & Record<string, number>;

function metricStats(values: number[], percentiles: readonly number[]): MetricStats {
  const sorted = [...values].sort((a, b) => a - b);
  const out: MetricStats = {mean: sorted.length === 0 ? Number.NaN : sorted.reduce((s, v) => s + v, 0) / sorted.length};
  for (const q of percentiles) out[`p${q}`] = percentileSorted(sorted, q);
  return out;
}

export interface Goodput {
  targetsMs: GoodputTargets;
  goodRequests: number;
  /** goodRequests / requests. */
  fraction: number;
  /** Good requests per second of the measured window. */
  goodputRps: number;
}

export interface Overload {
  overloaded: boolean;
  /** Requests/s sent (first to last measured send) and finished (first to last finish). */
  sentRps: number;
  finishedRps: number;
  /** Mean TTFT of the first and the last quarter of the requests (in sending order), ms. */
  ttftFirstQuarterMs: number;
  ttftLastQuarterMs: number;
  reason: string | null;
}

export interface BenchmarkSummary {
  requests: number;
  durationS: number;
  ttftMs: MetricStats;
  itlMs: MetricStats;
  tpotMs: MetricStats;
  e2eMs: MetricStats;
  requestsPerS: number;
  inputTokensPerS: number;
  outputTokensPerS: number;
  totalTokensPerS: number;
  /** Output tokens/s per GPU of the engine. */
  tokensPerSPerGpu: number;
  goodput: Goodput | null;
  overload: Overload | null;
}

export interface SummaryOptions {
  percentiles?: readonly number[];
  goodput?: GoodputTargets;
  gpusPerEngine: number;
  /** Open loop: check for overload (a closed loop cannot overload). */
  openLoop: boolean;
}

/** Finished requests more than this much slower than sent requests flag an overload. */
export const OVERLOAD_SHORTFALL = 0.05;
/** A last-quarter mean TTFT more than this many times the first quarter's flags a growing queue. */
export const OVERLOAD_TTFT_GROWTH = 2;

export function meetsTargets(r: RequestRecord, t: GoodputTargets): boolean {
  return (t.ttft === undefined || r.ttftMs <= t.ttft) &&
    (t.itl === undefined || (r.itlMs ?? 0) <= t.itl) &&
    (t.tpot === undefined || (r.tpotMs ?? 0) <= t.tpot) &&
    (t.e2e === undefined || r.e2eMs <= t.e2e);
}

function overload(records: readonly RequestRecord[]): Overload | null {
  if (records.length < 8) return null;
  const sent = records.map((r) => r.sentMs);
  const finished = records.map((r) => r.finishMs).sort((a, b) => a - b);
  const sentSpan = Math.max(...sent) - Math.min(...sent);
  const finishSpan = finished[finished.length - 1]! - finished[0]!;
  // Everything sent at once (rate inf): a queue by construction, not an overload of a rate.
  if (!(sentSpan > 0)) return null;
  const sentRps = ((records.length - 1) * 1000) / sentSpan;
  const finishedRps = finishSpan > 0 ? ((records.length - 1) * 1000) / finishSpan : Number.POSITIVE_INFINITY;
  const quarter = Math.floor(records.length / 4);
  const meanTtft = (rs: readonly RequestRecord[]) => rs.reduce((t, r) => t + r.ttftMs, 0) / rs.length;
  const first = meanTtft(records.slice(0, quarter));
  const last = meanTtft(records.slice(records.length - quarter));
  const reasons: string[] = [];
  if (finishedRps < sentRps * (1 - OVERLOAD_SHORTFALL)) reasons.push(`requests finished at ${finishedRps.toFixed(2)} req/s but were sent at ${sentRps.toFixed(2)} req/s`);
  if (last > first * OVERLOAD_TTFT_GROWTH) reasons.push(`mean TTFT rose from ${first.toFixed(1)} ms (first quarter of the requests) to ${last.toFixed(1)} ms (last quarter)`);
  return {
    overloaded: reasons.length > 0,
    sentRps,
    finishedRps,
    ttftFirstQuarterMs: first,
    ttftLastQuarterMs: last,
    reason: reasons.length > 0 ? `${reasons.join('; ')}: the engine cannot keep up, its queue grows and the latencies depend on the run's length` : null,
  };
}

export function summarizeRequests(records: readonly RequestRecord[], o: SummaryOptions): BenchmarkSummary {
  const percentiles = o.percentiles ?? DEFAULT_PERCENTILES;
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  let input = 0;
  let output = 0;
  for (const r of records) {
    start = Math.min(start, r.sentMs);
    end = Math.max(end, r.finishMs);
    input += r.inputTokens;
    output += r.outputTokens;
  }
  const durationS = records.length > 0 ? (end - start) / 1000 : 0;
  const perS = (v: number) => (durationS > 0 ? v / durationS : Number.NaN);
  const present = (vs: (number | null)[]) => vs.filter((v): v is number => v !== null);
  let goodput: Goodput | null = null;
  if (o.goodput && Object.keys(o.goodput).length > 0) {
    const good = records.filter((r) => meetsTargets(r, o.goodput!)).length;
    goodput = {targetsMs: o.goodput, goodRequests: good, fraction: records.length > 0 ? good / records.length : Number.NaN, goodputRps: perS(good)};
  }
  return {
    requests: records.length,
    durationS,
    ttftMs: metricStats(records.map((r) => r.ttftMs), percentiles),
    itlMs: metricStats(present(records.map((r) => r.itlMs)), percentiles),
    tpotMs: metricStats(present(records.map((r) => r.tpotMs)), percentiles),
    e2eMs: metricStats(records.map((r) => r.e2eMs), percentiles),
    requestsPerS: perS(records.length),
    inputTokensPerS: perS(input),
    outputTokensPerS: perS(output),
    totalTokensPerS: perS(input + output),
    tokensPerSPerGpu: perS(output) / o.gpusPerEngine,
    goodput,
    overload: o.openLoop ? overload(records) : null,
  };
}
