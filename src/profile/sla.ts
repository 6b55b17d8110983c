/** SLA answers at a target ISL/OSL (DESIGN.md 5.3, Dynamo's perf_interpolation CLI). Pure. */
import {badInput} from '../errors.js';
import type {BestThroughput} from './interpolate/spline.js';

export type Method = 'spline' | 'regression';

export interface PrefillModel {
  readonly method: Method;
  readonly minIsl: number;
  readonly maxIsl: number;
  ttftMs(isl: number): number;
  thptPerGpu(isl: number): number;
  isClamped(isl: number): boolean;
}

export interface DecodeModel {
  readonly method: Method;
  readonly minContext: number;
  readonly maxContext: number;
  findBestThroughputPerGpu(itlTargetMs: number, contextLength: number): BestThroughput;
}

export interface SlaQuery {
  isl: number;
  osl: number;
  ttftMs: number;
  itlMs: number;
}

export interface PrefillAnswer {
  /** Which interpolator answered. */
  method: Method;
  ttftMs: number;
  ttftTargetMs: number;
  /** How long a request may wait in queue and still meet the TTFT target, ms (0 when it cannot). */
  queueHeadroomMs: number;
  meetsSla: boolean;
  thptPerGpu: number;
  /** Requests/s of this ISL that saturate one GPU's prefill. */
  requestRatePerGpu: number;
  /** True when the ISL is outside the profiled range (then either clamped or extrapolated). */
  outsideProfiledRange: boolean;
  /** True when the spline answered outside the profiled range with the edge value. */
  clamped: boolean;
  /** True when a regression answered outside the profiled ISLs. */
  extrapolated: boolean;
  profiledIslRange: [number, number];
}

export interface DecodeAnswer {
  method: Method;
  /** ISL + OSL / 2, tokens (see decodeContextLength). */
  contextLength: number;
  itlMs: number;
  itlTargetMs: number;
  meetsSla: boolean;
  kvUsage: number;
  thptPerGpu: number;
  /** Requests/s of this OSL that saturate one GPU's decode. */
  requestRatePerGpu: number;
  /** True when the context length is outside the profiled range (then either clamped or extrapolated). */
  outsideProfiledRange: boolean;
  /** True when the spline grid answered outside the profiled contexts (edge row or nearest sample). */
  clamped: boolean;
  /** True when a regression answered outside the profiled context lengths. */
  extrapolated: boolean;
  profiledContextRange: [number, number];
}

export interface SlaAnswer {
  isl: number;
  osl: number;
  prefill: PrefillAnswer | null;
  decode: DecodeAnswer | null;
}

/** Prefill tokens/s per GPU of one batch-1 pass: ISL over TTFT, per GPU (Dynamo's prefill_thpt_per_gpu). */
export function prefillThptPerGpu(isl: number, ttftMs: number, gpus: number): number {
  return isl / (ttftMs / 1000) / gpus;
}

/**
 * Average KV length of a request over its decode life: ISL + OSL / 2 (true division). Dynamo's
 * profiler records decode points at this context, and its interpolator and planners query at it
 * (notes A, B.3, D.6); only the line perf_interpolation prints shows isl + osl // 2 (notes B.4).
 */
export function decodeContextLength(isl: number, osl: number): number {
  return isl + osl / 2;
}

export function answerPrefill(model: PrefillModel, q: SlaQuery): PrefillAnswer {
  const ttftMs = model.ttftMs(q.isl);
  const thptPerGpu = model.thptPerGpu(q.isl);
  const outside = q.isl < model.minIsl || q.isl > model.maxIsl;
  return {
    method: model.method,
    ttftMs,
    ttftTargetMs: q.ttftMs,
    queueHeadroomMs: Math.max(0, q.ttftMs - ttftMs),
    meetsSla: ttftMs <= q.ttftMs,
    thptPerGpu,
    requestRatePerGpu: thptPerGpu / q.isl,
    outsideProfiledRange: outside,
    clamped: model.isClamped(q.isl),
    extrapolated: outside && model.method === 'regression',
    profiledIslRange: [model.minIsl, model.maxIsl],
  };
}

export function answerDecode(model: DecodeModel, q: SlaQuery): DecodeAnswer {
  const contextLength = decodeContextLength(q.isl, q.osl);
  const best = model.findBestThroughputPerGpu(q.itlMs, contextLength);
  const outside = contextLength < model.minContext || contextLength > model.maxContext;
  return {
    method: model.method,
    contextLength,
    itlMs: best.itlMs,
    itlTargetMs: q.itlMs,
    meetsSla: best.itlMs <= q.itlMs,
    kvUsage: best.kvUsage,
    thptPerGpu: best.thptPerGpu,
    requestRatePerGpu: best.thptPerGpu / q.osl,
    outsideProfiledRange: outside,
    clamped: outside && model.method === 'spline',
    extrapolated: outside && model.method === 'regression',
    profiledContextRange: [model.minContext, model.maxContext],
  };
}

const range = ([lo, hi]: [number, number]) => `${+lo.toFixed(2)}..${+hi.toFixed(2)}`;

/** One warning per phase answered outside the profiled range, saying how the answer was obtained. */
export function rangeWarnings(a: SlaAnswer): string[] {
  const out: string[] = [];
  const p = a.prefill;
  if (p?.outsideProfiledRange) {
    const how = p.extrapolated ? 'the regression fit extrapolates' : 'using the value at the nearest profiled ISL (no extrapolation)';
    out.push(`ISL ${a.isl} is outside the profiled range ${range(p.profiledIslRange)}; ${how}`);
  }
  const d = a.decode;
  if (d?.outsideProfiledRange) {
    const how = d.extrapolated ? 'the regression fit extrapolates' : 'the interpolation grid answers from its edge (no extrapolation)';
    out.push(`decode context ${+d.contextLength.toFixed(2)} (ISL ${a.isl} + OSL ${a.osl}/2) is outside the profiled range ${range(d.profiledContextRange)}; ${how}`);
  }
  return out;
}

/**
 * Answer a query from a profile's models. Every latency, rate and fraction is checked: an
 * answer that is non-finite, negative or outside 0..1 (a profile whose points make the
 * interpolation overshoot, or a query it cannot hold) is an error naming `where` and the query.
 */
export function answerSla(models: {prefill?: PrefillModel; decode?: DecodeModel}, q: SlaQuery, where = 'the profile'): SlaAnswer {
  const answer: SlaAnswer = {
    isl: q.isl,
    osl: q.osl,
    prefill: models.prefill ? answerPrefill(models.prefill, q) : null,
    decode: models.decode ? answerDecode(models.decode, q) : null,
  };
  const bad = (what: string, v: number, problem: string): never => {
    throw badInput(`${where}: the ${what} answer at ISL ${q.isl}, OSL ${q.osl} is ${v}: ${problem}`, 'check the profile\'s points (an extreme value makes the interpolation overshoot)');
  };
  const p = answer.prefill;
  if (p) {
    if (!(Number.isFinite(p.ttftMs) && p.ttftMs > 0)) bad(`${p.method} TTFT (ms)`, p.ttftMs, 'a latency must be positive and finite');
    if (!(Number.isFinite(p.thptPerGpu) && p.thptPerGpu >= 0)) bad(`${p.method} prefill throughput (tokens/s/GPU)`, p.thptPerGpu, 'a rate must be finite and not negative');
  }
  const d = answer.decode;
  if (d) {
    if (!(Number.isFinite(d.itlMs) && d.itlMs > 0)) bad(`${d.method} ITL (ms)`, d.itlMs, 'a latency must be positive and finite');
    if (!(Number.isFinite(d.thptPerGpu) && d.thptPerGpu >= 0)) bad(`${d.method} decode throughput (tokens/s/GPU)`, d.thptPerGpu, 'a rate must be finite and not negative');
    if (!(Number.isFinite(d.kvUsage) && d.kvUsage >= 0 && d.kvUsage <= 1)) bad(`${d.method} KV usage`, d.kvUsage, `one request of ${d.contextLength} context tokens does not fit the profile's KV cache`);
  }
  return answer;
}

/** Per-phase choice for `--method auto`: the spline inside the profiled range, the regression outside. */
export function chooseModels<P extends PrefillModel, D extends DecodeModel>(
  q: SlaQuery,
  method: Method | 'auto',
  spline: {prefill?: P; decode?: D},
  regression: {prefill?: P; decode?: D},
): {prefill?: P; decode?: D} {
  if (method === 'spline') return spline;
  if (method === 'regression') return regression;
  const p = spline.prefill;
  const d = spline.decode;
  const ctx = decodeContextLength(q.isl, q.osl);
  return {
    prefill: p && (q.isl < p.minIsl || q.isl > p.maxIsl) ? regression.prefill : p,
    decode: d && (ctx < d.minContext || ctx > d.maxContext) ? regression.decode : d,
  };
}
