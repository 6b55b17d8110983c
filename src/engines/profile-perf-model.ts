/**
 * A perf model built from a profile's measurements (DESIGN.md 2, 6.2).
 *
 * The profile holds two things: TTFT of a lone prompt of ISL x (`prefill_ttft`) and ITL of a
 * decode batch at (kv usage, context length) (`z_itl`). One engine iteration is composed from
 * them as follows:
 *
 * - Prefill part, `r` prompts with `T` new tokens after `P` tokens already in KV (earlier chunks
 *   or a cached prefix), mean prefix `p = P / r`:
 *     `ttft(T)`                 when p = 0 (a fresh batch costs one pass over its tokens), else
 *     `ttft(p + T) - ttft(p)`   (the extra work of extending the prefix by the chunk).
 *   For one prompt the chunks telescope: a prompt split into chunks by the token budget still
 *   costs exactly `ttft(isl)`, so a measured TTFT reproduces the profile's.
 * - Decode part, `n` requests attending over `K` KV tokens: `itl(n, K / n)`, the profile's ITL at
 *   concurrency n and mean context K / n (kv usage n * ctx / max_kv_tokens).
 * - A mixed iteration costs the sum of both parts (prefill pass plus decode pass, the
 *   composition Dynamo's mocker suggests for aggregated steps). A measured decode point, where
 *   all n requests are generating and nobody is prefilling, therefore reproduces the profile's ITL.
 *
 * TTFT outside the profiled ISL range is extended linearly from the end segments (the spline
 * itself never extrapolates). ITL outside the measured surface is held at the nearest edge.
 */
import {badInput} from '../errors.js';
import {DecodeInterpolator, PrefillInterpolator} from '../profile/interpolate/spline.js';
import type {DecodeData, PrefillData, Profile} from '../profile/types.js';
import type {IterationShape, PerfModel} from './perf-model.js';

/** TTFT of a lone prompt of `isl` tokens, ms, inside [minIsl, maxIsl]. */
export interface PrefillCurve {
  readonly minIsl: number;
  readonly maxIsl: number;
  ttftMs(isl: number): number;
}

/** ITL of a decode batch of `concurrency` requests at mean context `contextLength`, ms. */
export interface DecodeSurface {
  itlMs(concurrency: number, contextLength: number): number;
}

/** Shortest iteration the model returns, ms (an engine step is never free). */
export const MIN_STEP_MS = 0.5;

/** Piecewise-linear TTFT through the profile's prefill points (ISL clamped to the range). */
export class LinearPrefillCurve implements PrefillCurve {
  readonly minIsl: number;
  readonly maxIsl: number;
  private readonly isl: number[];
  private readonly ttft: number[];

  constructor(data: PrefillData) {
    this.isl = data.prefill_isl;
    this.ttft = data.prefill_ttft;
    this.minIsl = this.isl[0]!;
    this.maxIsl = this.isl[this.isl.length - 1]!;
  }

  ttftMs(isl: number): number {
    const xs = this.isl;
    if (xs.length === 1) return this.ttft[0]!;
    const x = Math.min(Math.max(isl, this.minIsl), this.maxIsl);
    let i = 0;
    while (i < xs.length - 2 && x > xs[i + 1]!) i++;
    const f = (x - xs[i]!) / (xs[i + 1]! - xs[i]!);
    return this.ttft[i]! + f * (this.ttft[i + 1]! - this.ttft[i]!);
  }
}

/**
 * ITL through the profile's decode points, which Dynamo's sweep lays out on a few context lengths:
 * linear in kv usage along each measured context length, then linear between context lengths.
 */
export class LinearDecodeSurface implements DecodeSurface {
  private readonly lines: {ctx: number; kv: number[]; itl: number[]}[];
  private readonly maxKvTokens: number;

  constructor(data: DecodeData) {
    this.maxKvTokens = data.max_kv_tokens;
    const byCtx = new Map<number, {kv: number; itl: number}[]>();
    data.y_context_length.forEach((ctx, i) => {
      const line = byCtx.get(ctx) ?? [];
      line.push({kv: data.x_kv_usage[i]!, itl: data.z_itl[i]!});
      byCtx.set(ctx, line);
    });
    this.lines = [...byCtx.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([ctx, pts]) => {
        pts.sort((a, b) => a.kv - b.kv);
        return {ctx, kv: pts.map((p) => p.kv), itl: pts.map((p) => p.itl)};
      });
  }

  itlMs(concurrency: number, contextLength: number): number {
    const kv = (concurrency * contextLength) / this.maxKvTokens;
    const lines = this.lines;
    if (contextLength <= lines[0]!.ctx) return lineAt(lines[0]!, kv);
    const last = lines[lines.length - 1]!;
    if (contextLength >= last.ctx) return lineAt(last, kv);
    let i = 0;
    while (contextLength > lines[i + 1]!.ctx) i++;
    const lo = lines[i]!;
    const hi = lines[i + 1]!;
    const f = (contextLength - lo.ctx) / (hi.ctx - lo.ctx);
    return lineAt(lo, kv) * (1 - f) + lineAt(hi, kv) * f;
  }
}

function lineAt(line: {kv: number[]; itl: number[]}, kv: number): number {
  const xs = line.kv;
  if (xs.length === 1 || kv <= xs[0]!) return line.itl[0]!;
  if (kv >= xs[xs.length - 1]!) return line.itl[xs.length - 1]!;
  let i = 0;
  while (kv > xs[i + 1]!) i++;
  const f = (kv - xs[i]!) / (xs[i + 1]! - xs[i]!);
  return line.itl[i]! + f * (line.itl[i + 1]! - line.itl[i]!);
}

/** TTFT(isl) on a curve, extended linearly beyond its range from the end segments. */
export function extendedTtftMs(curve: PrefillCurve, isl: number): number {
  const {minIsl, maxIsl} = curve;
  if (isl >= minIsl && isl <= maxIsl) return curve.ttftMs(isl);
  const span = maxIsl - minIsl;
  if (span <= 0) return curve.ttftMs(minIsl);
  const h = Math.min(span, Math.max(1, span / 16));
  if (isl < minIsl) {
    const slope = (curve.ttftMs(minIsl + h) - curve.ttftMs(minIsl)) / h;
    return curve.ttftMs(minIsl) - Math.max(0, slope) * (minIsl - isl);
  }
  const slope = (curve.ttftMs(maxIsl) - curve.ttftMs(maxIsl - h)) / h;
  return curve.ttftMs(maxIsl) + Math.max(0, slope) * (isl - maxIsl);
}

export interface CurvesPerfModelOptions {
  name: string;
  gpusPerEngine: number;
  maxKvTokens: number;
  prefill: PrefillCurve;
  decode: DecodeSurface;
}

/** The iteration composition documented at the top of this file. */
export function curvesPerfModel(options: CurvesPerfModelOptions): PerfModel {
  const {prefill, decode} = options;
  return {
    name: options.name,
    gpusPerEngine: options.gpusPerEngine,
    maxKvTokens: options.maxKvTokens,
    stepMs(step: IterationShape): number {
      let ms = 0;
      if (step.prefillTokens > 0 && step.prefillRequests > 0) {
        const prefix = (step.prefillPrefixTokens ?? 0) / step.prefillRequests;
        ms += prefix > 0 ? extendedTtftMs(prefill, prefix + step.prefillTokens) - extendedTtftMs(prefill, prefix) : extendedTtftMs(prefill, step.prefillTokens);
      }
      if (step.decodeRequests > 0) ms += decode.itlMs(step.decodeRequests, step.decodeKvTokens / step.decodeRequests);
      return Math.max(MIN_STEP_MS, ms);
    },
  };
}

/**
 * `spline`: the profile's Dynamo-exact interpolators (not-a-knot spline for TTFT, the 100 x 100
 * Clough-Tocher grid for ITL). `linear`: piecewise linear through the measured points.
 */
export type ProfileInterpolation = 'spline' | 'linear';

/** A perf model from a loaded profile; it needs both the prefill and the decode data. */
export function profilePerfModel(profile: Profile, options: {interpolation?: ProfileInterpolation; file?: string} = {}): PerfModel {
  const where = options.file ?? 'profile';
  if (!profile.prefill || profile.prefill.prefill_isl.length === 0) throw badInput(`${where} has no prefill data; a simulated engine needs prefill TTFT`);
  if (!profile.decode || profile.decode.z_itl.length === 0) throw badInput(`${where} has no decode data; a simulated engine needs decode ITL`);
  const maxKvTokens = profile.decode.max_kv_tokens || profile.engine.maxKvTokens || 0;
  if (!(maxKvTokens > 0)) throw badInput(`${where} has no KV capacity (decode.max_kv_tokens or engine.maxKvTokens)`);
  const e = profile.engine;
  const interpolation = options.interpolation ?? 'spline';
  const decodeData = {...profile.decode, max_kv_tokens: maxKvTokens};
  return curvesPerfModel({
    name: `profile ${e.model} ${e.gpu} tp${e.tp} (${interpolation})`,
    gpusPerEngine: e.gpusPerEngine || e.tp || 1,
    maxKvTokens,
    prefill: interpolation === 'linear' ? new LinearPrefillCurve(profile.prefill) : new PrefillInterpolator(profile.prefill),
    decode: interpolation === 'linear' ? new LinearDecodeSurface(decodeData) : new DecodeInterpolator(decodeData),
  });
}
