/**
 * FPM regression base (notes E.4, E.13 item 10): a fixed-window moving average, the bucketed
 * sample store, and ordinary least squares with intercept as scikit-learn's `LinearRegression`
 * computes it (centre X and y, minimum-norm `lstsq` with cutoff max(n, p)·eps, then
 * intercept = ȳ − x̄·coef).
 */
import {Matrix, SingularValueDecomposition} from 'ml-matrix';

/** Dynamo `_MAX_KV_HIT_RATE_DISCOUNT`: a 100 % hit rate never hides a real backlog. */
export const MAX_KV_HIT_RATE_DISCOUNT = 0.95;

/** Dynamo `_clamp_kv_hit_rate`: 0 for null/NaN, else clamped into [0, 0.95]. */
export function clampKvHitRate(kvHitRate: number | null | undefined): number {
  if (kvHitRate === null || kvHitRate === undefined || Number.isNaN(kvHitRate)) return 0;
  return Math.max(0, Math.min(MAX_KV_HIT_RATE_DISCOUNT, kvHitRate));
}

/** Fixed-window mean that ignores leading exact zeros (Dynamo `_MovingAverage`; same summation order). */
export class MovingAverage {
  private readonly window: number[] = [];
  private sum = 0;
  private seenNonZero = false;

  constructor(private readonly size: number) {}

  add(value: number): void {
    if (value === 0 && !this.seenNonZero) return;
    if (value !== 0) this.seenNonZero = true;
    if (this.window.length === this.size) {
      this.sum -= this.window[0]!;
      this.window.shift();
    }
    this.window.push(value);
    this.sum += value;
  }

  get value(): number {
    return this.window.length === 0 ? 0 : this.sum / this.window.length;
  }

  get length(): number {
    return this.window.length;
  }
}

export interface LinearFit {
  coef: number[];
  intercept: number;
}

/** scikit-learn `LinearRegression().fit(X, y)` (fit_intercept, lstsq cutoff max(n, p)·eps). */
export function leastSquares(xs: readonly (readonly number[])[], ys: readonly number[]): LinearFit {
  const n = xs.length;
  const p = xs[0]!.length;
  const xMean = new Array<number>(p).fill(0);
  for (const row of xs) for (let j = 0; j < p; j++) xMean[j]! += row[j]!;
  for (let j = 0; j < p; j++) xMean[j]! /= n;
  let yMean = 0;
  for (const y of ys) yMean += y;
  yMean /= n;
  const xc = xs.map((row) => row.map((v, j) => v - xMean[j]!));
  const yc = ys.map((y) => y - yMean);
  const cutoff = Math.max(n, p) * Number.EPSILON;
  const coef = p === 1 ? solve1(xc, yc) : solveSvd(xc, yc, cutoff);
  let dot = 0;
  for (let j = 0; j < p; j++) dot += xMean[j]! * coef[j]!;
  return {coef, intercept: yMean - dot};
}

function solve1(xc: number[][], yc: number[]): number[] {
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < xc.length; i++) {
    sxx += xc[i]![0]! * xc[i]![0]!;
    sxy += xc[i]![0]! * yc[i]!;
  }
  // one singular value, sqrt(sxx): below the relative cutoff only when it is 0
  return [sxx > 0 ? sxy / sxx : 0];
}

/** Minimum-norm least squares through the SVD, dropping singular values <= cutoff·s_max (LAPACK gelsd). */
function solveSvd(xc: number[][], yc: number[], cutoff: number): number[] {
  const p = xc[0]!.length;
  const svd = new SingularValueDecomposition(new Matrix(xc), {autoTranspose: true});
  const s = svd.diagonal;
  const u = svd.leftSingularVectors;
  const v = svd.rightSingularVectors;
  const sMax = Math.max(...s);
  const coef = new Array<number>(p).fill(0);
  for (let k = 0; k < s.length; k++) {
    if (!(s[k]! > cutoff * sMax)) continue;
    let uty = 0;
    for (let i = 0; i < yc.length; i++) uty += u.get(i, k) * yc[i]!;
    const w = uty / s[k]!;
    for (let j = 0; j < p; j++) coef[j]! += v.get(j, k) * w;
  }
  return coef;
}

type Sample = {x: number[]; wallTimeS: number};

/**
 * Bucketed FPM sample store with the regression on top (Dynamo `_BaseRegressionModel`).
 * Each axis is split into equal-width buckets between the online min and max; when the store
 * is over capacity the oldest sample of the fullest bucket (first in insertion order on ties)
 * is retired, keeping the whole operating range covered.
 */
export class BucketedRegression {
  private readonly buckets = new Map<string, Sample[]>();
  private total = 0;
  private readonly axisMin: number[];
  private readonly axisMax: number[];
  private readonly bucketsPerAxis: number;
  private fit: LinearFit | null = null;
  private fitted = false;

  /**
   * @param relaxable feature indices whose coefficient may be negative: within -1e-6 kept,
   *   more negative clamped to 0 (intercept kept); any other negative coefficient rejects the fit.
   */
  constructor(
    readonly maxSamples: number,
    readonly minObservations: number,
    readonly ndim: 1 | 2,
    bucketCount: number,
    private readonly relaxable: ReadonlySet<number> = new Set(),
  ) {
    this.bucketsPerAxis = ndim === 1 ? bucketCount : Math.floor(Math.sqrt(bucketCount));
    this.axisMin = new Array<number>(ndim).fill(Number.POSITIVE_INFINITY);
    this.axisMax = new Array<number>(ndim).fill(Number.NEGATIVE_INFINITY);
  }

  get numObservations(): number {
    return this.total;
  }

  hasSufficientData(): boolean {
    return this.total >= this.minObservations;
  }

  private bucketKey(x: readonly number[]): string {
    const key: number[] = [];
    for (let i = 0; i < x.length; i++) {
      const lo = this.axisMin[i]!;
      const hi = this.axisMax[i]!;
      if (hi <= lo) key.push(0);
      else key.push(Math.max(0, Math.min(Math.trunc(((x[i]! - lo) / (hi - lo)) * this.bucketsPerAxis), this.bucketsPerAxis - 1)));
    }
    return key.join(',');
  }

  private widenBounds(x: readonly number[]): boolean {
    let changed = false;
    for (let i = 0; i < x.length; i++) {
      if (x[i]! < this.axisMin[i]!) {
        this.axisMin[i] = x[i]!;
        changed = true;
      }
      if (x[i]! > this.axisMax[i]!) {
        this.axisMax[i] = x[i]!;
        changed = true;
      }
    }
    return changed;
  }

  /** Stored samples, bucket by bucket in insertion order (the order the fit sees them). */
  samples(): Sample[] {
    const all: Sample[] = [];
    for (const bucket of this.buckets.values()) all.push(...bucket);
    return all;
  }

  private push(key: string, sample: Sample): void {
    const bucket = this.buckets.get(key);
    if (bucket) bucket.push(sample);
    else this.buckets.set(key, [sample]);
  }

  /** Store one (features, wall time) sample; wall time 0 (idle heartbeat) is the caller's to skip. */
  addSample(x: number[], wallTimeS: number): void {
    if (this.widenBounds(x) && this.total > 0) {
      const all = this.samples();
      this.buckets.clear();
      for (const s of all) this.push(this.bucketKey(s.x), s);
    }
    this.push(this.bucketKey(x), {x, wallTimeS});
    this.total += 1;
    if (this.total > this.maxSamples) {
      let fattestKey = '';
      let fattest = -1;
      for (const [key, bucket] of this.buckets) {
        if (bucket.length > fattest) {
          fattest = bucket.length;
          fattestKey = key;
        }
      }
      const bucket = this.buckets.get(fattestKey)!;
      bucket.shift();
      this.total -= 1;
      if (bucket.length === 0) this.buckets.delete(fattestKey);
    }
    this.fitted = false;
  }

  /** Refit when needed (lazily, as Dynamo's `_ensure_fitted`); false while the model is not ready. */
  ensureFitted(): boolean {
    if (this.fitted) return true;
    const all = this.samples();
    if (all.length < this.minObservations) return false;
    const fit = leastSquares(all.map((s) => s.x), all.map((s) => s.wallTimeS));
    for (let i = 0; i < fit.coef.length; i++) {
      if (fit.coef[i]! < 0 && !this.relaxable.has(i)) {
        this.fitted = false;
        return false;
      }
    }
    for (let i = 0; i < fit.coef.length; i++) if (fit.coef[i]! < -1e-6) fit.coef[i] = 0;
    this.fit = fit;
    this.fitted = true;
    return true;
  }

  /** Wall time of one iteration, s, floored at 1e-6 (call after `ensureFitted`). */
  predict(x: readonly number[]): number {
    const fit = this.fit!;
    let dot = 0;
    for (let i = 0; i < x.length; i++) dot += x[i]! * fit.coef[i]!;
    return Math.max(1e-6, dot + fit.intercept);
  }

  /** The current fit (null before the first accepted one). */
  get coefficients(): LinearFit | null {
    return this.fitted ? this.fit : null;
  }
}
