/**
 * Fitting the efficiency curves: each measured kernel time becomes a utilisation
 * (SOL / measured) at a point of two log2 axes; a grid cell holds the median utilisation of the
 * measurements nearest to it. Pure functions; scripts/fit-synthetic.ts feeds them the AIC CSVs.
 */
import {median} from '../../stats.js';
import type {GemmUtil, UtilGrid} from './ops.js';

export interface UtilSample {
  /** First axis value (linear units, e.g. tokens). */
  a: number;
  /** Second axis value (linear units). */
  b: number;
  /** SOL / measured latency. */
  util: number;
  latencyMs: number;
}

function nearest(knots: number[], v: number): number {
  let best = 0;
  for (let i = 1; i < knots.length; i++) if (Math.abs(knots[i] - v) < Math.abs(knots[best] - v)) best = i;
  return best;
}

/** Sorted distinct log2 values of an axis, merged when closer than `minStep`. */
export function knotsOf(values: number[], minStep = 0): number[] {
  const logs = [...new Set(values.map((v) => Math.log2(v)))].sort((p, q) => p - q);
  const out: number[] = [];
  for (const l of logs) if (out.length === 0 || l - out[out.length - 1] > minStep) out.push(l);
  return out;
}

/** Evenly spaced log2 knots covering the values. */
export function evenKnots(values: number[], step: number): number[] {
  const logs = values.map((v) => Math.log2(v));
  const lo = Math.floor(Math.min(...logs) / step) * step;
  const hi = Math.ceil(Math.max(...logs) / step) * step;
  const out: number[] = [];
  for (let k = lo; k <= hi + 1e-9; k += step) out.push(Number(k.toFixed(6)));
  return out;
}

/** Pool-adjacent-violators: the non-decreasing sequence closest (least squares) to `v`. */
export function isotonic(v: number[]): number[] {
  const blocks: {sum: number; n: number}[] = [];
  for (const x of v) {
    blocks.push({sum: x, n: 1});
    while (blocks.length > 1) {
      const b = blocks[blocks.length - 1];
      const a = blocks[blocks.length - 2];
      if (a.sum / a.n <= b.sum / b.n) break;
      a.sum += b.sum;
      a.n += b.n;
      blocks.pop();
    }
  }
  return blocks.flatMap((b) => Array<number>(b.n).fill(b.sum / b.n));
}

/** SOL (any time unit) of the op at axis values (a, b), for the monotonicity pass. */
export type SolOf = (a: number, b: number) => number;

/**
 * Make latency (SOL / util) non-decreasing along both axes (more tokens, batch or context never
 * take less time); measurement noise and kernel switches otherwise leave small dips.
 */
export function enforceMonotoneLatency(util: number[][], x: number[], y: number[], sol: SolOf): number[][] {
  const lat = util.map((row, i) => row.map((u, j) => sol(2 ** x[i], 2 ** y[j]) / u));
  // Least-squares isotonic fit (in log latency) along x, then along y; the cumulative maxima
  // below only mop up what the second pass undid.
  for (let j = 0; j < y.length; j++) {
    const col = isotonic(lat.map((row) => Math.log(row[j])));
    col.forEach((v, i) => (lat[i][j] = Math.exp(v)));
  }
  for (let i = 0; i < x.length; i++) lat[i] = isotonic(lat[i].map(Math.log)).map(Math.exp);
  for (let i = 0; i < x.length; i++) for (let j = 1; j < y.length; j++) lat[i][j] = Math.max(lat[i][j], lat[i][j - 1]);
  for (let j = 0; j < y.length; j++) for (let i = 1; i < x.length; i++) lat[i][j] = Math.max(lat[i][j], lat[i - 1][j]);
  return lat.map((row, i) => row.map((l, j) => sol(2 ** x[i], 2 ** y[j]) / l));
}

/**
 * Median utilisation per cell; empty cells take the nearest filled cell along y, then along x;
 * with `sol`, latency is then made monotone along both axes.
 */
export function fitUtilGrid(samples: UtilSample[], x: number[], y: number[], sol?: SolOf): UtilGrid {
  if (samples.length === 0) throw new Error('fitUtilGrid: no samples');
  const cells: number[][][] = x.map(() => y.map(() => [] as number[]));
  for (const s of samples) cells[nearest(x, Math.log2(s.a))][nearest(y, Math.log2(s.b))].push(s.util);
  const util: (number | undefined)[][] = cells.map((row) => row.map((c) => (c.length ? median(c) : undefined)));
  const fillAlong = (get: (i: number) => number | undefined, set: (i: number, v: number) => void, n: number) => {
    const filled = [...Array(n).keys()].filter((i) => get(i) !== undefined);
    if (filled.length === 0) return;
    for (let i = 0; i < n; i++) {
      if (get(i) !== undefined) continue;
      let best = filled[0];
      for (const f of filled) if (Math.abs(f - i) < Math.abs(best - i)) best = f;
      set(i, get(best) as number);
    }
  };
  for (let i = 0; i < x.length; i++) fillAlong((j) => util[i][j], (j, v) => (util[i][j] = v), y.length);
  for (let j = 0; j < y.length; j++) fillAlong((i) => util[i][j], (i, v) => (util[i][j] = v), x.length);
  const floorMs = Math.min(...samples.map((s) => s.latencyMs));
  let filled = util.map((row) => row.map((v) => v ?? 1));
  if (sol) filled = enforceMonotoneLatency(filled, x, y, sol);
  return {
    x,
    y,
    util: filled.map((row) => row.map((v) => Number(v.toPrecision(4)))),
    floorMs: Number(floorMs.toPrecision(4)),
  };
}

/** One (m, n) grid per distinct k; `sol(m, n, k)` makes latency monotone in m and n. */
export function fitGemmUtil(samples: (UtilSample & {c: number})[], sol?: (m: number, n: number, k: number) => number): GemmUtil {
  const ks = knotsOf(samples.map((s) => s.c));
  const slices = ks.map((lk) => {
    const sub = samples.filter((s) => Math.abs(Math.log2(s.c) - lk) < 1e-9);
    const k = 2 ** lk;
    return fitUtilGrid(sub, knotsOf(sub.map((s) => s.a)), knotsOf(sub.map((s) => s.b)), sol ? (m, n) => sol(m, n, k) : undefined);
  });
  return {k: ks, slices, floorMs: Math.min(...slices.map((s) => s.floorMs))};
}
