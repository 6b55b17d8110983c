/**
 * From live samples to profile arrays (pure). Prefill points: median TTFT over the repeats of an
 * ISL (p10/p90 kept in `spread`), at the measured ISL. Decode points: only the steady-state
 * window where all requests of the point were generating counts: from the latest first token to
 * the earliest last token. Inside it each request's ITL is (time of its last chunk in the window
 * - time of its first chunk in the window) / tokens that arrived after that first chunk, and the
 * point's throughput is the tokens that arrived in the window over its length.
 */
import type {SampleRecord} from '../profile/samples.js';
import {median, percentileSorted} from '../stats.js';
import type {DecodeData, PrefillData, ProfileSpread} from '../profile/types.js';
import {decodeContextLength, prefillThptPerGpu} from '../profile/sla.js';


function stats(values: number[]): {median: number; p10: number; p90: number} {
  const s = [...values].sort((a, b) => a - b);
  return {median: percentileSorted(s, 50), p10: percentileSorted(s, 10), p90: percentileSorted(s, 90)};
}

/** True when every sample's chunk token counts add up to its usage total. */
export function chunkCountsKnown(samples: readonly SampleRecord[]): boolean {
  return samples.every((s) => s.outputTokens === null || s.chunks.reduce((a, c) => a + c[1], 0) === s.outputTokens);
}

export interface SteadyWindow {
  /** Absolute (sweep-relative) ms: the latest first token and the earliest last token. */
  startMs: number;
  endMs: number;
}

/** The window in which every request had its first token and none had its last; null when empty. */
export function steadyWindow(samples: readonly SampleRecord[]): SteadyWindow | null {
  let start = -Infinity;
  let end = Infinity;
  for (const s of samples) {
    if (s.chunks.length === 0) return null;
    start = Math.max(start, s.sendMs + s.chunks[0]![0]);
    end = Math.min(end, s.sendMs + s.chunks[s.chunks.length - 1]![0]);
  }
  return samples.length > 0 && end > start ? {startMs: start, endMs: end} : null;
}

/** ITL of one request inside a window (null with fewer than two chunks in it), and the tokens that arrived after the window opened. */
export function windowItl(s: SampleRecord, w: SteadyWindow): {itlMs: number | null; tokens: number} {
  let first = -1;
  let last = -1;
  let tokensAfterFirst = 0;
  let tokensInWindow = 0;
  for (let i = 0; i < s.chunks.length; i++) {
    const [offset, tokens] = s.chunks[i]!;
    const t = s.sendMs + offset;
    if (t < w.startMs || t > w.endMs) continue;
    if (t > w.startMs) tokensInWindow += tokens;
    if (first < 0) first = i;
    else tokensAfterFirst += tokens;
    last = i;
  }
  const spanMs = last > first ? s.chunks[last]![0] - s.chunks[first]![0] : 0;
  // Samples recorded before chunks of one read were merged may repeat a time: no gap measured, no ITL.
  if (first < 0 || spanMs <= 0 || tokensAfterFirst === 0) return {itlMs: null, tokens: tokensInWindow};
  return {itlMs: spanMs / tokensAfterFirst, tokens: tokensInWindow};
}

export interface PointGroup {
  point: string;
  phase: 'prefill' | 'decode';
  isl: number;
  osl: number;
  concurrency: number;
  samples: SampleRecord[];
}

/** Samples grouped by point, in first-seen order. */
export function groupByPoint(samples: readonly SampleRecord[]): PointGroup[] {
  const map = new Map<string, PointGroup>();
  for (const s of samples) {
    let g = map.get(s.point);
    if (!g) {
      g = {point: s.point, phase: s.phase, isl: s.isl, osl: s.osl, concurrency: s.concurrency, samples: []};
      map.set(s.point, g);
    }
    g.samples.push(s);
  }
  return [...map.values()];
}

export interface PrefillPointResult {
  point: string;
  requestedIsl: number;
  isl: number;
  ttftMs: number;
  ttftP10Ms: number;
  ttftP90Ms: number;
  thptPerGpu: number;
  ok: number;
  errors: number;
}

export interface DecodePointResult {
  point: string;
  requestedIsl: number;
  isl: number;
  osl: number;
  concurrency: number;
  contextLength: number;
  kvUsage: number;
  itlMs: number;
  itlP10Ms: number;
  itlP90Ms: number;
  thptPerGpu: number;
  /** True when the ITL comes from the steady window; false when there was none (whole requests). */
  steady: boolean;
  windowMs: number;
  ok: number;
  errors: number;
}

const measuredIsl = (ok: SampleRecord[], requested: number): number => {
  const known = ok.map((s) => s.inputTokens).filter((v): v is number => typeof v === 'number' && v > 0);
  return known.length > 0 ? Math.round(median(known)) : requested;
};

export function prefillPoint(g: PointGroup, gpus: number): PrefillPointResult | null {
  const ok = g.samples.filter((s) => s.status === 'ok' && s.ttftMs !== null && s.ttftMs > 0);
  if (ok.length === 0) return null;
  const isl = measuredIsl(ok, g.isl);
  const t = stats(ok.map((s) => s.ttftMs!));
  return {point: g.point, requestedIsl: g.isl, isl, ttftMs: t.median, ttftP10Ms: t.p10, ttftP90Ms: t.p90, thptPerGpu: prefillThptPerGpu(isl, t.median, gpus), ok: ok.length, errors: g.samples.length - ok.length};
}

export function decodePoint(g: PointGroup, gpus: number, maxKvTokens: number): DecodePointResult | null {
  const ok = g.samples.filter((s) => s.status === 'ok' && s.chunks.length > 0);
  if (ok.length === 0) return null;
  const isl = measuredIsl(ok, g.isl);
  const contextLength = decodeContextLength(isl, g.osl);
  // Window ITLs need the tokens of each chunk; a server that packs several tokens per chunk without
  // per-chunk usage leaves only the whole-request ITL (from the usage total).
  const w = chunkCountsKnown(ok) ? steadyWindow(ok) : null;
  let itls: number[] = [];
  let thpt = 0;
  let steady = false;
  let windowMs = 0;
  if (w) {
    const per = ok.map((s) => windowItl(s, w));
    if (per.every((p) => p.itlMs !== null)) {
      steady = true;
      itls = per.map((p) => p.itlMs!);
      windowMs = w.endMs - w.startMs;
      thpt = (per.reduce((s, p) => s + p.tokens, 0) / windowMs) * 1000;
    }
  }
  if (!steady) {
    itls = ok.map((s) => s.itlMs).filter((v): v is number => v !== null && v > 0);
    if (itls.length === 0) return null;
    const start = Math.min(...ok.map((s) => s.sendMs));
    const end = Math.max(...ok.map((s) => s.sendMs + s.chunks[s.chunks.length - 1]![0]));
    windowMs = end - start;
    thpt = (ok.reduce((s, r) => s + (r.outputTokens ?? r.chunks.reduce((a, c) => a + c[1], 0)), 0) / windowMs) * 1000;
  }
  const t = stats(itls);
  return {
    point: g.point, requestedIsl: g.isl, isl, osl: g.osl, concurrency: g.concurrency, contextLength,
    kvUsage: Math.min(1, (contextLength * g.concurrency) / maxKvTokens),
    itlMs: t.median, itlP10Ms: t.p10, itlP90Ms: t.p90, thptPerGpu: thpt / gpus, steady, windowMs, ok: ok.length, errors: g.samples.length - ok.length,
  };
}

export interface UnmeasuredPoint {
  point: string;
  /** Why it gave no value, e.g. "0 of 3 requests succeeded". */
  reason: string;
}

/** A point the profile does not hold, and why. */
export type LeftOutPoint = UnmeasuredPoint;

export interface LiveArrays {
  prefill?: PrefillData;
  decode?: DecodeData;
  spread: ProfileSpread;
  prefillPoints: PrefillPointResult[];
  decodePoints: DecodePointResult[];
  /** Points left out (no successful request, no KV capacity, or an ISL that repeats a smaller one), with why. */
  dropped: LeftOutPoint[];
  /** Points that could not be measured (a subset of `dropped`): the sweep is incomplete. */
  unmeasured: UnmeasuredPoint[];
}

/** Why a point gave no value: no successful request, or no usable timing. */
function unmeasuredReason(g: PointGroup): string {
  const ok = g.samples.filter((s) => s.status === 'ok').length;
  if (ok === 0) {
    const kinds = [...new Set(g.samples.map((s) => s.error ?? s.status))].slice(0, 2).join(' | ');
    return `0 of ${g.samples.length} requests succeeded (${kinds})`;
  }
  return g.phase === 'prefill' ? `no request of ${ok} successful ones had a first token` : `no request of ${ok} successful ones had two chunks apart in time (no ITL)`;
}

/** A measured value a profile can hold: finite and positive. */
const usable = (v: number): boolean => Number.isFinite(v) && v > 0;

/** Profile arrays from samples of complete points. */
export function liveArrays(samples: readonly SampleRecord[], opts: {gpus: number; maxKvTokens?: number}): LiveArrays {
  const groups = groupByPoint(samples);
  const dropped: LeftOutPoint[] = [];
  const unmeasured: UnmeasuredPoint[] = [];
  const pre: PrefillPointResult[] = [];
  const dec: DecodePointResult[] = [];
  const leaveOut = (g: PointGroup): void => {
    const u = {point: g.point, reason: unmeasuredReason(g)};
    dropped.push(u);
    unmeasured.push(u);
  };
  for (const g of groups) {
    if (g.phase === 'prefill') {
      const r = prefillPoint(g, opts.gpus);
      if (r && usable(r.ttftMs) && usable(r.thptPerGpu)) pre.push(r);
      else leaveOut(g);
    } else {
      if (!opts.maxKvTokens) {
        dropped.push({point: g.point, reason: 'no KV capacity known, so no KV usage to record it at'});
        continue;
      }
      const r = decodePoint(g, opts.gpus, opts.maxKvTokens);
      if (r && usable(r.itlMs) && usable(r.thptPerGpu)) dec.push(r);
      else leaveOut(g);
    }
  }
  pre.sort((a, b) => a.isl - b.isl || a.requestedIsl - b.requestedIsl);
  const prefillPoints: PrefillPointResult[] = [];
  for (const p of pre) {
    const last = prefillPoints[prefillPoints.length - 1];
    if (last && last.isl >= p.isl) dropped.push({point: p.point, reason: `its measured ISL ${p.isl} does not exceed the ${last.isl} of ${last.point} (the profile's ISLs must increase)`});
    else prefillPoints.push(p);
  }
  const out: LiveArrays = {spread: {}, prefillPoints, decodePoints: dec, dropped, unmeasured};
  if (prefillPoints.length > 0) {
    out.prefill = {
      prefill_isl: prefillPoints.map((p) => p.isl),
      prefill_ttft: prefillPoints.map((p) => p.ttftMs),
      prefill_thpt_per_gpu: prefillPoints.map((p) => p.thptPerGpu),
    };
    out.spread.prefill_ttft_p10 = prefillPoints.map((p) => p.ttftP10Ms);
    out.spread.prefill_ttft_p90 = prefillPoints.map((p) => p.ttftP90Ms);
  }
  if (dec.length > 0 && opts.maxKvTokens) {
    out.decode = {
      x_kv_usage: dec.map((p) => p.kvUsage),
      y_context_length: dec.map((p) => p.contextLength),
      z_itl: dec.map((p) => p.itlMs),
      z_thpt_per_gpu: dec.map((p) => p.thptPerGpu),
      max_kv_tokens: opts.maxKvTokens,
    };
    out.spread.z_itl_p10 = dec.map((p) => p.itlP10Ms);
    out.spread.z_itl_p90 = dec.map((p) => p.itlP90Ms);
  }
  return out;
}

/** Samples annotated for fitting: decode samples get their steady-window ITL and `steady`. */
export function samplesForFit(samples: readonly SampleRecord[]): SampleRecord[] {
  const out: SampleRecord[] = [];
  for (const g of groupByPoint(samples)) {
    if (g.phase !== 'decode') {
      out.push(...g.samples);
      continue;
    }
    const ok = g.samples.filter((s) => s.status === 'ok' && s.chunks.length > 0);
    const w = chunkCountsKnown(ok) ? steadyWindow(ok) : null;
    if (!w) {
      // No steady window at this point: whole-request ITLs are all there is.
      out.push(...g.samples);
      continue;
    }
    for (const s of g.samples) {
      if (s.status !== 'ok') {
        out.push({...s, steady: false});
        continue;
      }
      const {itlMs} = windowItl(s, w);
      out.push(itlMs === null ? {...s, steady: false} : {...s, itlMs, steady: true});
    }
  }
  return out;
}
