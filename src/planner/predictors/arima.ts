/**
 * ARIMA(p, d, q) one-step forecaster with automatic order selection, in the spirit of
 * pmdarima's `auto_arima` that Dynamo calls (notes D.4):
 * 1. d by repeated KPSS level-stationarity tests at the 5 % level (d <= 2);
 * 2. for each (p, q) in a small grid, fit the ARMA on the d-times differenced series by
 *    conditional least squares (CSS): Hannan-Rissanen start, then Levenberg-Marquardt on the
 *    CSS residuals; an intercept (mean or drift) when d < 2; invertible fits only, with AR
 *    roots inside or on the unit circle (a pure cycle is an AR(2) on it);
 * 3. pick the lowest AIC (conditional Gaussian likelihood), forecast one step, undo differencing.
 */
import {BasePredictor, isConstant, type PredictorOptions} from './base.js';
import {leastSquares, maxRootModulus, mean, solveSquare} from './linalg.js';

/** KPSS statistic for level stationarity, Bartlett long-run variance with `trunc(3 sqrt(n) / 13)` lags. */
export function kpssLevel(y: readonly number[]): number {
  const n = y.length;
  const mu = mean(y);
  const e = y.map((v) => v - mu);
  let s = 0;
  let sumS2 = 0;
  for (const v of e) {
    s += v;
    sumS2 += s * s;
  }
  const lags = Math.trunc((3 * Math.sqrt(n)) / 13);
  let lrv = e.reduce((acc, v) => acc + v * v, 0) / n;
  for (let l = 1; l <= lags; l += 1) {
    let cov = 0;
    for (let t = l; t < n; t += 1) cov += e[t]! * e[t - l]!;
    lrv += (2 * (1 - l / (lags + 1)) * cov) / n;
  }
  if (!(lrv > 0)) return 0;
  return sumS2 / (n * n * lrv);
}

/** 5 % critical value of the KPSS level test (Kwiatkowski et al. 1992, table 1). */
export const KPSS_CRITICAL_5PCT = 0.463;

export function difference(y: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < y.length; i += 1) out.push(y[i]! - y[i - 1]!);
  return out;
}

/** Differencing order: difference while KPSS rejects stationarity, at most `maxD` times. */
export function chooseD(y: readonly number[], maxD = 2): number {
  let w = y.slice();
  let d = 0;
  while (d < maxD && w.length > 3 && !isConstant(w) && kpssLevel(w) > KPSS_CRITICAL_5PCT) {
    w = difference(w);
    d += 1;
  }
  return d;
}

export interface ArmaFit {
  p: number;
  q: number;
  withConst: boolean;
  c: number;
  phi: number[];
  theta: number[];
  sigma2: number;
  aic: number;
  residuals: number[];
}

/** CSS residuals of an ARMA with intercept `c`: e_t for t >= p, earlier e taken as 0. */
export function cssResiduals(w: readonly number[], c: number, phi: readonly number[], theta: readonly number[]): number[] {
  const e = new Float64Array(w.length);
  cssResidualsInto(w, [c, ...phi, ...theta], phi.length, theta.length, true, e);
  return Array.from(e);
}

function unpack(beta: readonly number[], p: number, q: number, withConst: boolean): {c: number; phi: number[]; theta: number[]} {
  const off = withConst ? 1 : 0;
  return {c: withConst ? beta[0]! : 0, phi: beta.slice(off, off + p), theta: beta.slice(off + p, off + p + q)};
}

/** Residuals of an OLS AR(m) fit of w (with intercept when withConst), 0 for the first m points. */
function longArInnovations(w: readonly number[], m: number, withConst: boolean): number[] {
  const n = w.length;
  const rows: number[][] = [];
  const ys: number[] = [];
  for (let t = m; t < n; t += 1) {
    const row = withConst ? [1] : [];
    for (let i = 1; i <= m; i += 1) row.push(w[t - i]!);
    rows.push(row);
    ys.push(w[t]!);
  }
  const a = leastSquares(rows, ys);
  return w.map((v, t) => {
    if (t < m) return 0;
    let pred = withConst ? a[0]! : 0;
    for (let i = 1; i <= m; i += 1) pred += a[(withConst ? 0 : -1) + i]! * w[t - i]!;
    return v - pred;
  });
}

/**
 * The innovations of a long AR(m) fit (Hannan-Rissanen's first step), per m, for one series and
 * one intercept choice: they are the same for every order with the same m (m = 15 for every
 * order of a 50-point window), so autoArima computes them once.
 */
export type InnovationsCache = Map<number, number[]>;

/** Hannan-Rissanen starting values: long AR for innovations, then OLS on lags of w and e. */
function startValues(w: readonly number[], p: number, q: number, withConst: boolean, cache: InnovationsCache): number[] {
  const n = w.length;
  let ehat = new Array<number>(n).fill(0);
  let start = p;
  if (q > 0) {
    const m = Math.min(Math.max(p + q + 2, Math.floor(Math.log(n) ** 2)), Math.floor(n / 3));
    const cached = cache.get(m);
    ehat = cached ?? longArInnovations(w, m, withConst);
    if (cached === undefined) cache.set(m, ehat);
    start = m + q;
  }
  const rows: number[][] = [];
  const ys: number[] = [];
  for (let t = Math.max(start, p); t < n; t += 1) {
    const row = withConst ? [1] : [];
    for (let i = 1; i <= p; i += 1) row.push(w[t - i]!);
    for (let j = 1; j <= q; j += 1) row.push(ehat[t - j]!);
    rows.push(row);
    ys.push(w[t]!);
  }
  if (rows.length <= rows[0]!.length) throw new Error('too few points for this order');
  return leastSquares(rows, ys);
}

/** Fit one ARMA(p, q) on `w` by CSS; null if it cannot be fitted or is not stationary/invertible. */
export function fitArma(w: readonly number[], p: number, q: number, withConst: boolean, cache: InnovationsCache = new Map()): ArmaFit | null {
  const k = p + q + (withConst ? 1 : 0);
  const nEff = w.length - p;
  if (nEff < k + 3) return null;
  let beta: number[];
  try {
    beta = k === 0 ? [] : startValues(w, p, q, withConst, cache);
  } catch {
    return null;
  }
  if (q > 0) beta = refineCss(w, beta, p, q, withConst);
  const {c, phi, theta} = unpack(beta, p, q, withConst);
  // A deterministic cycle is an AR(2) with roots on the unit circle: allow the circle itself.
  if (maxRootModulus(phi) > 1 + 1e-6) return null;
  if (maxRootModulus(theta.map((t) => -t)) >= 0.999) return null;
  const residuals = cssResiduals(w, c, phi, theta);
  let sum = 0;
  for (let t = p; t < w.length; t += 1) sum += residuals[t]! * residuals[t]!;
  const sigma2 = sum / nEff;
  if (!(sigma2 > 0) || !Number.isFinite(sigma2)) return null;
  const aic = nEff * (Math.log(2 * Math.PI * sigma2) + 1) + 2 * (k + 1);
  return {p, q, withConst, c, phi, theta, sigma2, aic, residuals};
}

/**
 * CSS residuals e_t for t >= p of the ARMA packed in `beta` ([c,] phi, theta), into buffers the
 * caller reuses: `e` holds e_t (its first p entries stay 0), `out`, when given, e_t at t - p.
 */
function cssResidualsInto(w: readonly number[], beta: readonly number[], p: number, q: number, withConst: boolean, e: Float64Array, out?: Float64Array): void {
  const off = withConst ? 1 : 0;
  const c = withConst ? beta[0]! : 0;
  for (let t = p; t < w.length; t += 1) {
    let v = w[t]! - c;
    for (let i = 0; i < p; i += 1) v -= beta[off + i]! * w[t - 1 - i]!;
    for (let j = 0; j < q; j += 1) if (t - 1 - j >= 0) v -= beta[off + p + j]! * e[t - 1 - j]!;
    e[t] = v;
    if (out) out[t - p] = v;
  }
}

function sumOfSquares(r: Float64Array): number {
  let s = 0;
  for (let t = 0; t < r.length; t += 1) s += r[t]! * r[t]!;
  return s;
}

/** Levenberg-Marquardt on the CSS sum of squares, numerical Jacobian. */
function refineCss(w: readonly number[], beta0: number[], p: number, q: number, withConst: boolean): number[] {
  let beta = beta0.slice();
  const k = beta.length;
  const n = w.length - p;
  const e = new Float64Array(w.length);
  let r = new Float64Array(n);
  let rt = new Float64Array(n);
  const r2 = new Float64Array(n);
  const jac = new Float64Array(n * k);
  const jtjFlat = new Float64Array(k * k);
  cssResidualsInto(w, beta, p, q, withConst, e, r);
  let cost = sumOfSquares(r);
  let mu = 1e-3;
  for (let iter = 0; iter < 50; iter += 1) {
    for (let j = 0; j < k; j += 1) {
      const h = 1e-6 * Math.max(1, Math.abs(beta[j]!));
      const b2 = beta.slice();
      b2[j] = beta[j]! + h;
      cssResidualsInto(w, b2, p, q, withConst, e, r2);
      for (let t = 0; t < n; t += 1) jac[t * k + j] = (r2[t]! - r[t]!) / h;
    }
    // Solve (J'J + mu diag(J'J)) delta = -J'r (k <= 6, so the normal equations are fine here).
    // J'J is summed over t in order for i <= j and mirrored: a product and its mirror are the
    // same bits, so this is the full double loop's result at half the work.
    jtjFlat.fill(0);
    const jtr = new Array<number>(k).fill(0);
    for (let t = 0; t < n; t += 1) {
      const row = t * k;
      for (let i = 0; i < k; i += 1) {
        const ji = jac[row + i]!;
        jtr[i] -= ji * r[t]!;
        for (let j = i; j < k; j += 1) jtjFlat[i * k + j] += ji * jac[row + j]!;
      }
    }
    const jtj: number[][] = Array.from({length: k}, (_, i) => Array.from({length: k}, (_, j) => (i <= j ? jtjFlat[i * k + j]! : jtjFlat[j * k + i]!)));
    for (let i = 0; i < k; i += 1) jtj[i]![i] += mu * Math.max(jtj[i]![i]!, 1e-12);
    let delta: number[];
    try {
      delta = solveSquare(jtj, jtr);
    } catch {
      break;
    }
    const trial = beta.map((b, j) => b + delta[j]!);
    cssResidualsInto(w, trial, p, q, withConst, e, rt);
    const costT = sumOfSquares(rt);
    if (Number.isFinite(costT) && costT < cost) {
      const gain = (cost - costT) / Math.max(cost, 1e-300);
      beta = trial;
      [r, rt] = [rt, r];
      cost = costT;
      mu = Math.max(mu / 10, 1e-12);
      if (gain < 1e-10) break;
    } else {
      mu *= 10;
      if (mu > 1e8) break;
    }
  }
  return beta;
}

export interface ArimaModel {
  order: [number, number, number];
  fit: ArmaFit | null;
  forecast: number;
}

export interface ArimaGrid {
  maxP?: number;
  maxQ?: number;
  maxD?: number;
}

/** Select the order by AIC and forecast one step ahead. Throws when no model can be fitted. */
export function autoArima(y: readonly number[], grid: ArimaGrid = {}): ArimaModel {
  const maxP = grid.maxP ?? 3;
  const maxQ = grid.maxQ ?? 2;
  const d = chooseD(y, grid.maxD ?? 2);
  let w = y.slice();
  for (let i = 0; i < d; i += 1) w = difference(w);
  const undo = (wNext: number): number => {
    if (d === 0) return wNext;
    if (d === 1) return y[y.length - 1]! + wNext;
    return 2 * y[y.length - 1]! - y[y.length - 2]! + wNext;
  };
  if (isConstant(w)) return {order: [0, d, 0], fit: null, forecast: undo(w[0]!)};
  const withConst = d < 2;
  let best: ArmaFit | null = null;
  const innovations: InnovationsCache = new Map();
  for (let p = 0; p <= maxP; p += 1) {
    for (let q = 0; q <= maxQ; q += 1) {
      if (p + q === 0 && !withConst) continue;
      const fit = fitArma(w, p, q, withConst, innovations);
      if (fit && (best === null || fit.aic < best.aic)) best = fit;
    }
  }
  if (best === null) throw new Error('no ARIMA order could be fitted');
  const m = w.length;
  let next = best.c;
  for (let i = 0; i < best.p; i += 1) next += best.phi[i]! * w[m - 1 - i]!;
  for (let j = 0; j < best.q; j += 1) next += best.theta[j]! * best.residuals[m - 1 - j]!;
  return {order: [best.p, d, best.q], fit: best, forecast: undo(next)};
}

export interface ArimaOptions extends PredictorOptions, ArimaGrid {}

/**
 * Dynamo's `arima` predictor: fewer than 5 points -> last value; a constant window -> that
 * value; else auto-ARIMA refitted on the window each call; failures fall back to the last value.
 */
export class ArimaPredictor extends BasePredictor {
  readonly name = 'arima';
  /** Order chosen by the last forecast, for diagnostics. */
  lastOrder: [number, number, number] | null = null;
  private readonly grid: ArimaGrid;

  constructor(options: ArimaOptions = {}) {
    super(options);
    this.grid = {maxP: options.maxP, maxQ: options.maxQ, maxD: options.maxD};
  }

  protected forecast(): number {
    if (this.data.length < 5) return this.lastValue();
    if (isConstant(this.data)) return this.data[0]!;
    const model = autoArima(this.data, this.grid);
    this.lastOrder = model.order;
    return model.forecast;
  }
}
