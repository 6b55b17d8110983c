/**
 * A Prophet-like additive model, fitted per call on the window (notes D.4 `prophet`):
 * y(t) = k t + m + sum_j delta_j max(0, t - s_j) + seasonality(t), with
 * - changepoints s_j placed as Prophet does: up to 25, evenly over the first 80 % of the history;
 * - the rate changes delta_j shrunk towards 0 (a Gaussian prior of scale 0.05 on the absmax-scaled
 *   series, i.e. a ridge penalty sigma^2 / 0.05^2 — Prophet uses a Laplace prior of that scale);
 * - Fourier seasonality (order <= 3) with a period given in intervals, or detected from the
 *   autocorrelation of the linearly detrended series (peak > 0.3 with at least two cycles),
 *   refined to a tenth of an interval by least squares;
 * - all coefficients solved in one penalised least-squares problem (ml-matrix QR).
 * The forecast is the fit extended one interval, clipped at 0 by the base class.
 */
import {BasePredictor, isConstant, type PredictorOptions} from './base.js';
import {leastSquares} from './linalg.js';

export interface ProphetOptions extends PredictorOptions {
  /** Seasonality period in intervals; 0 = none; undefined = detect. */
  seasonPeriod?: number;
  /** Prior scale of the changepoint rate changes (default 0.05, Prophet's). */
  changepointPriorScale?: number;
  /** Maximum changepoints (default 25, Prophet's). */
  maxChangepoints?: number;
}

export interface ProphetFit {
  period: number | null;
  coefficients: number[];
  /** Fitted values over the history, in input units. */
  fitted: number[];
  forecast: number;
}

function fourierOrder(period: number): number {
  return Math.min(3, Math.floor((period - 1) / 2));
}

function designRow(i: number, n: number, changepoints: readonly number[], period: number | null): number[] {
  const t = i / (n - 1);
  const row = [1, t];
  for (const s of changepoints) row.push(Math.max(0, t - s));
  if (period !== null) {
    for (let k = 1; k <= fourierOrder(period); k += 1) {
      const arg = (2 * Math.PI * k * i) / period;
      row.push(Math.sin(arg), Math.cos(arg));
    }
  }
  return row;
}

function sumSq(rows: number[][], y: readonly number[], beta: readonly number[]): number {
  let s = 0;
  rows.forEach((row, i) => {
    const f = row.reduce((acc, x, j) => acc + x * beta[j]!, 0);
    s += (y[i]! - f) ** 2;
  });
  return s;
}

/** Trend + season without changepoints; returns the residual sum of squares. */
function plainSsr(y: readonly number[], period: number | null): number {
  const n = y.length;
  const rows = y.map((_, i) => designRow(i, n, [], period));
  if (rows.length <= rows[0]!.length) return Infinity;
  return sumSq(rows, y, leastSquares(rows, y as number[]));
}

/** Seasonal period (in samples) from the autocorrelation of the detrended series, or null. */
export function detectPeriod(y: readonly number[]): number | null {
  const n = y.length;
  if (n < 8) return null;
  const rows = y.map((_, i) => [1, i]);
  const [a, b] = leastSquares(rows, y as number[]);
  const r = y.map((v, i) => v - a! - b! * i);
  const denom = r.reduce((s, v) => s + v * v, 0);
  if (!(denom > 1e-12 * Math.max(1, ...y.map((v) => v * v)))) return null;
  const acf = (lag: number): number => {
    let s = 0;
    for (let t = 0; t + lag < n; t += 1) s += r[t]! * r[t + lag]!;
    return s / denom;
  };
  const maxLag = Math.floor(n / 2);
  const values = [1];
  for (let lag = 1; lag <= maxLag + 1; lag += 1) values.push(acf(lag));
  let bestLag = -1;
  for (let lag = 3; lag <= maxLag; lag += 1) {
    const v = values[lag]!;
    if (v > 0.3 && v >= values[lag - 1]! && v >= values[lag + 1]! && (bestLag < 0 || v > values[bestLag]!)) bestLag = lag;
  }
  if (bestLag < 0) return null;
  let best = bestLag;
  let bestSsr = plainSsr(y, bestLag);
  for (let p = bestLag - 1; p <= bestLag + 1 + 1e-9; p += 0.1) {
    const cand = Math.round(p * 10) / 10;
    if (cand < 3) continue;
    const s = plainSsr(y, cand);
    if (s < bestSsr) {
      bestSsr = s;
      best = cand;
    }
  }
  return best;
}

export function fitProphet(y: readonly number[], options: ProphetOptions = {}): ProphetFit {
  const n = y.length;
  if (n < 3) throw new Error('prophet: fewer than 3 points');
  const scale = Math.max(...y.map(Math.abs));
  if (!(scale > 0)) return {period: null, coefficients: [], fitted: y.map(() => 0), forecast: 0};
  const ys = y.map((v) => v / scale);
  const period = options.seasonPeriod === undefined ? detectPeriod(ys) : options.seasonPeriod > 2 ? options.seasonPeriod : null;
  const histSize = Math.floor(n * 0.8);
  const nc = Math.max(0, Math.min(options.maxChangepoints ?? 25, histSize - 1));
  const changepoints: number[] = [];
  for (let j = 1; j <= nc; j += 1) changepoints.push(Math.round((j * (histSize - 1)) / nc) / (n - 1));
  const rows = ys.map((_, i) => designRow(i, n, changepoints, period));
  const k = rows[0]!.length;
  // Noise level from the changepoint-free fit, floored so an exact series keeps a tiny penalty.
  const base = plainSsr(ys, period);
  const sigma2 = Math.max(Number.isFinite(base) ? base / Math.max(1, n - (k - nc)) : 1e-2, 1e-10);
  const tau = options.changepointPriorScale ?? 0.05;
  const penalty = new Array<number>(k).fill(0);
  for (let j = 0; j < nc; j += 1) penalty[2 + j] = sigma2 / (tau * tau);
  for (let j = 2 + nc; j < k; j += 1) penalty[j] = sigma2 / 100; // Prophet's N(0, 10) seasonal prior
  const beta = leastSquares(rows, ys, penalty);
  const predictAt = (i: number): number => designRow(i, n, changepoints, period).reduce((acc, x, j) => acc + x * beta[j]!, 0) * scale;
  return {period, coefficients: beta, fitted: y.map((_, i) => predictAt(i)), forecast: predictAt(n)};
}

/** Dynamo's `prophet` predictor: fewer than 5 points -> last value; refit on the window each call. */
export class ProphetPredictor extends BasePredictor {
  readonly name = 'prophet';
  private readonly options: ProphetOptions;

  constructor(options: ProphetOptions = {}) {
    super(options);
    this.options = options;
  }

  protected forecast(): number {
    if (this.data.length < 5) return this.lastValue();
    if (isConstant(this.data)) return this.data[0]!;
    return fitProphet(this.data, this.options).forecast;
  }
}
