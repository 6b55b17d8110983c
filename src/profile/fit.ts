/**
 * Regression fits with the physics as shape (DESIGN.md 5.2), all coefficients >= 0 (NNLS, not
 * clipping afterwards), on features scaled to O(1) before solving:
 *   prefill  TTFT(isl) = a + b*isl + c*isl^2                      (ms; attention is quadratic)
 *   decode   ITL(n, ctx) = d + e*n + f*n*ctx                      (ms; n = kv * max_kv_tokens / ctx)
 * Each fit records R^2, MAPE and max error on its points and k-fold cross-validated MAPE.
 */
import {median, percentileSorted} from '../stats.js';
import {nnls} from './nnls.js';
import type {SampleRecord} from './samples.js';
import type {DecodeData, DecodeFit, FitStats, PrefillData, PrefillFit, Profile} from './types.js';
import {decodeContextLength} from './sla.js';

export interface WeightedPoint {
  /** Feature inputs. */
  inputs: number[];
  /** Observed latency, ms. */
  y: number;
  weight?: number;
  /** Sweep point a per-request sample belongs to; samples of one point are judged and held out together. */
  group?: string;
}

/** A linear model y = sum coef[k] * feature_k(inputs), coefficients >= 0. */
export interface Shape {
  features(inputs: number[]): number[];
}

export const PREFILL_SHAPE: Shape = {features: ([isl]) => [1, isl, isl * isl]};
export const DECODE_SHAPE: Shape = {features: ([n, ctx]) => [1, n, n * ctx]};

/** Fit coefficients (unscaled) by weighted NNLS on column-scaled features. */
export function fitShape(shape: Shape, points: WeightedPoint[]): number[] {
  const raw = points.map((p) => shape.features(p.inputs));
  const k = raw[0].length;
  const scale = Array.from({length: k}, (_, j) => Math.max(...raw.map((r) => Math.abs(r[j]))) || 1);
  const sw = points.map((p) => Math.sqrt(p.weight ?? 1));
  const rows = raw.map((r, i) => r.map((v, j) => (v / scale[j]) * sw[i]));
  const {x} = nnls(rows, points.map((p, i) => p.y * sw[i]));
  return x.map((v, j) => v / scale[j]);
}

export function predict(shape: Shape, coef: number[], inputs: number[]): number {
  return shape.features(inputs).reduce((s, f, j) => s + f * coef[j], 0);
}

export interface PointError {
  index: number;
  inputs: number[];
  observed: number;
  predicted: number;
  errPct: number;
}

/** R^2, MAPE and max relative error of a fit on points. */
export function fitStats(shape: Shape, coef: number[], points: WeightedPoint[]): FitStats & {errors: PointError[]} {
  const errors = points.map((p, index) => {
    const predicted = predict(shape, coef, p.inputs);
    return {index, inputs: p.inputs, observed: p.y, predicted, errPct: (100 * Math.abs(predicted - p.y)) / Math.abs(p.y)};
  });
  const mean = points.reduce((s, p) => s + p.y, 0) / points.length;
  const ssTot = points.reduce((s, p) => s + (p.y - mean) ** 2, 0);
  const ssRes = errors.reduce((s, e) => s + (e.observed - e.predicted) ** 2, 0);
  return {
    r2: ssTot === 0 ? (ssRes === 0 ? 1 : 0) : 1 - ssRes / ssTot,
    mapePct: errors.reduce((s, e) => s + e.errPct, 0) / errors.length,
    maxErrPct: Math.max(...errors.map((e) => e.errPct)),
    points: points.length,
    errors,
  };
}

/** Points grouped by sweep point (each ungrouped point is its own group), in first-seen order. */
function groupsOf(points: WeightedPoint[]): WeightedPoint[][] {
  const byKey = new Map<string, WeightedPoint[]>();
  points.forEach((p, i) => {
    const key = p.group ?? `#${i}`;
    byKey.set(key, [...(byKey.get(key) ?? []), p]);
  });
  return [...byKey.values()];
}

/** One point per group: the median inputs and latency of its samples (the point itself when alone). */
function representative(group: WeightedPoint[]): WeightedPoint {
  if (group.length === 1) return group[0];
  return {inputs: group[0].inputs.map((_, j) => median(group.map((p) => p.inputs[j]))), y: median(group.map((p) => p.y))};
}

/** What a fit is judged on: the points, or for per-request samples the median of each sweep point. */
export function evaluationPoints(points: WeightedPoint[]): WeightedPoint[] {
  return groupsOf(points).map(representative);
}

/**
 * k-fold cross-validated MAPE: group g (a point, or all samples of a sweep point) is in fold g mod k;
 * each fold is predicted by a fit on the others and judged on its groups' representative points.
 * Undefined with fewer than four groups (too few to leave any out).
 */
export function crossValidatedMape(shape: Shape, points: WeightedPoint[], folds = 5): number | undefined {
  const groups = groupsOf(points);
  const n = groups.length;
  const k = Math.min(folds, n);
  if (n < 4) return undefined;
  let sum = 0;
  for (let f = 0; f < k; f++) {
    const coef = fitShape(shape, groups.filter((_, g) => g % k !== f).flat());
    groups.forEach((group, g) => {
      if (g % k !== f) return;
      const p = representative(group);
      sum += (100 * Math.abs(predict(shape, coef, p.inputs) - p.y)) / Math.abs(p.y);
    });
  }
  return sum / n;
}

export const POOR_FIT_MAPE_PCT = 15;

export interface FitReport<F> {
  fit: F;
  /** Points the fit misses by more than POOR_FIT_MAPE_PCT (reported when the fit is poor). */
  worst: PointError[];
  poor: boolean;
}

function report<F extends FitStats>(shape: Shape, coef: number[], points: WeightedPoint[], make: (stats: FitStats) => F): FitReport<F> {
  const {errors, ...stats} = fitStats(shape, coef, evaluationPoints(points));
  const cv = crossValidatedMape(shape, points);
  const fit = make({...stats, ...(cv === undefined ? {} : {cvMapePct: cv})});
  const poor = stats.mapePct > POOR_FIT_MAPE_PCT;
  return {fit, poor, worst: errors.filter((e) => e.errPct > POOR_FIT_MAPE_PCT).sort((p, q) => q.errPct - p.errPct)};
}

export function prefillPoints(data: PrefillData): WeightedPoint[] {
  return data.prefill_isl.map((isl, i) => ({inputs: [isl], y: data.prefill_ttft[i], weight: 1 / data.prefill_ttft[i] ** 2}));
}

/** Decode points as (concurrency, context) -> ITL; concurrency from kv usage as Dynamo defines it. */
export function decodePoints(data: DecodeData): WeightedPoint[] {
  return data.x_kv_usage.map((kv, i) => {
    const ctx = data.y_context_length[i];
    return {inputs: [(kv * data.max_kv_tokens) / ctx, ctx], y: data.z_itl[i], weight: 1 / data.z_itl[i] ** 2};
  });
}

export function fitPrefill(points: WeightedPoint[]): FitReport<PrefillFit> {
  const [a, b, c] = fitShape(PREFILL_SHAPE, points);
  return report(PREFILL_SHAPE, [a, b, c], points, (s) => ({coefficients: {a, b, c}, ...s}));
}

export function fitDecode(points: WeightedPoint[]): FitReport<DecodeFit> {
  const [d, e, f] = fitShape(DECODE_SHAPE, points);
  return report(DECODE_SHAPE, [d, e, f], points, (s) => ({coefficients: {d, e, f}, ...s}));
}

export function prefillTtftMs(fit: PrefillFit, isl: number): number {
  const {a, b, c} = fit.coefficients;
  return a + b * isl + c * isl * isl;
}

export function decodeItlMs(fit: DecodeFit, concurrency: number, contextLength: number): number {
  const {d, e, f} = fit.coefficients;
  return d + e * concurrency + f * concurrency * contextLength;
}

/**
 * Relative-error weights for per-request samples, shared equally within each sweep point so that a
 * point with 800 concurrent streams counts as much as a point with one.
 */
function perPointWeights(samples: SampleRecord[], ys: number[]): number[] {
  const count = new Map<string, number>();
  for (const s of samples) count.set(s.point, (count.get(s.point) ?? 0) + 1);
  return samples.map((s, i) => 1 / (ys[i] ** 2 * count.get(s.point)!));
}

/** Per-request prefill samples (measured ISL when the server reported it). */
export function prefillSamplePoints(samples: SampleRecord[]): WeightedPoint[] {
  const ok = samples.filter((s) => s.phase === 'prefill' && s.status === 'ok' && s.ttftMs !== null && s.ttftMs > 0);
  const w = perPointWeights(ok, ok.map((s) => s.ttftMs!));
  return ok.map((s, i) => ({inputs: [s.inputTokens ?? s.isl], y: s.ttftMs!, weight: w[i], group: s.point}));
}

/** Per-request steady-state decode samples at context ISL + OSL/2. */
export function decodeSamplePoints(samples: SampleRecord[]): WeightedPoint[] {
  const ok = samples.filter((s) => s.phase === 'decode' && s.status === 'ok' && s.steady !== false && s.itlMs !== null && s.itlMs > 0);
  const w = perPointWeights(ok, ok.map((s) => s.itlMs!));
  return ok.map((s, i) => ({inputs: [s.concurrency, decodeContextLength(s.inputTokens ?? s.isl, s.osl)], y: s.itlMs!, weight: w[i], group: s.point}));
}

/** p10 / p90 of the signed relative residuals (%), how widely single requests scatter around the fit. */
export function residualSpreadPct(shape: Shape, coef: number[], points: WeightedPoint[]): {p10: number; p90: number} {
  const r = points.map((p) => (100 * (p.y - predict(shape, coef, p.inputs))) / predict(shape, coef, p.inputs)).sort((a, b) => a - b);
  return {p10: percentileSorted(r, 10), p90: percentileSorted(r, 90)};
}

export interface PhaseFitResult<F> extends FitReport<F> {
  /** Requests fitted (samples mode) or points fitted. */
  inputs: number;
  /** Residual spread of single requests around the fit (only when fitted from samples). */
  spreadPct?: {p10: number; p90: number};
}

export interface ProfileFitResult {
  /** What was fitted: the profile's aggregated points or the per-request samples. */
  source: 'points' | 'samples';
  prefill?: PhaseFitResult<PrefillFit>;
  decode?: PhaseFitResult<DecodeFit>;
}

/** Fit both phases of a profile; per-request samples are used when there are enough of them. */
export function fitProfile(profile: Profile, samples: SampleRecord[] = []): ProfileFitResult {
  const prefillSamples = prefillSamplePoints(samples);
  const decodeSamples = decodeSamplePoints(samples);
  const fromSamples = prefillSamples.length >= 4 || decodeSamples.length >= 4;
  const result: ProfileFitResult = {source: fromSamples ? 'samples' : 'points'};
  const prefillInput = fromSamples ? prefillSamples : profile.prefill ? prefillPoints(profile.prefill) : [];
  const decodeInput = fromSamples ? decodeSamples : profile.decode ? decodePoints(profile.decode) : [];
  if (prefillInput.length > 0) {
    const r = fitPrefill(prefillInput);
    const {a, b, c} = r.fit.coefficients;
    result.prefill = {...r, inputs: prefillInput.length, ...(fromSamples ? {spreadPct: residualSpreadPct(PREFILL_SHAPE, [a, b, c], prefillInput)} : {})};
  }
  if (decodeInput.length > 0) {
    const r = fitDecode(decodeInput);
    const {d, e, f} = r.fit.coefficients;
    result.decode = {...r, inputs: decodeInput.length, ...(fromSamples ? {spreadPct: residualSpreadPct(DECODE_SHAPE, [d, e, f], decodeInput)} : {})};
  }
  return result;
}
