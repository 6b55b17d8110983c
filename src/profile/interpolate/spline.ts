/**
 * Dynamo-exact interpolation of a profile (DESIGN.md 5.1, notes B.2-B.3): not-a-knot cubic
 * splines for prefill, and for decode a resolution x resolution grid over kv usage 0..1 and
 * context length 0..max, filled by Clough-Tocher interpolation and then by the nearest sample.
 */
import type {DecodeData, PrefillData} from '../types.js';
import {notAKnotSpline, type Curve} from './cubic-spline.js';
import {CloughTocher, TriangleLocator} from './clough-tocher.js';
import {delaunay} from './delaunay.js';
import {roundHalfEven} from '../../stats.js';

/** NumPy's linspace(start, stop, num) (endpoint included, computed the way NumPy does). */
export function linspace(start: number, stop: number, num: number): number[] {
  if (num === 1) return [start];
  const step = (stop - start) / (num - 1);
  const out = Array.from({length: num}, (_, i) => i * step + start);
  out[num - 1] = stop;
  return out;
}

export class PrefillInterpolator {
  readonly method = 'spline' as const;
  readonly minIsl: number;
  readonly maxIsl: number;
  private readonly ttft: Curve;
  private readonly thpt: Curve;

  constructor(data: PrefillData) {
    this.minIsl = Math.min(...data.prefill_isl);
    this.maxIsl = Math.max(...data.prefill_isl);
    this.ttft = notAKnotSpline(data.prefill_isl, data.prefill_ttft);
    this.thpt = notAKnotSpline(data.prefill_isl, data.prefill_thpt_per_gpu);
  }

  clampIsl(isl: number): number {
    return Math.min(this.maxIsl, Math.max(this.minIsl, isl));
  }

  /** True when the ISL lies outside the profiled range (the answer is then the edge value). */
  isClamped(isl: number): boolean {
    return isl < this.minIsl || isl > this.maxIsl;
  }

  /** Time to first token at this ISL, ms. */
  ttftMs(isl: number): number {
    return this.ttft(this.clampIsl(isl));
  }

  /** Prefill tokens/s/GPU at this ISL. */
  thptPerGpu(isl: number): number {
    return this.thpt(this.clampIsl(isl));
  }
}

export interface BestThroughput {
  /** Decode tokens/s/GPU at the chosen cell. */
  thptPerGpu: number;
  /** ITL at the chosen cell, ms (above the target when nothing meets it). */
  itlMs: number;
  /** KV usage of the chosen cell, fraction 0..1. */
  kvUsage: number;
}

/** One context row of the decode grid. */
interface GridRow {
  itl: number[];
  thpt: number[];
  /** Cells of the row outside the samples' convex hull. */
  outside: number;
}

/**
 * The decode grid is Dynamo's, but filled one context row at a time on first use: a query reads
 * one row (a planner run a few), and filling all 100 rows is most of a short command's time.
 */
export class DecodeInterpolator {
  readonly method = 'spline' as const;
  readonly maxKvTokens: number;
  readonly resolution: number;
  /** Grid axes: kv usage (columns) and context length (rows). */
  readonly xi: number[];
  readonly yi: number[];
  readonly minContext: number;
  readonly maxContext: number;
  private readonly rows: (GridRow | undefined)[];
  private readonly fillRow: (cy: number) => GridRow;

  constructor(data: DecodeData, resolution = 100) {
    const x = data.x_kv_usage;
    const y = data.y_context_length;
    this.maxKvTokens = data.max_kv_tokens;
    this.resolution = resolution;
    this.minContext = Math.min(...y);
    this.maxContext = Math.max(...y);
    this.xi = linspace(0, 1, resolution);
    this.yi = linspace(0, this.maxContext, resolution);
    this.rows = new Array<GridRow | undefined>(resolution).fill(undefined);

    const locator = new TriangleLocator(delaunay(x, y));
    const itl = new CloughTocher(locator, data.z_itl);
    const thpt = new CloughTocher(locator, data.z_thpt_per_gpu);
    this.fillRow = (cy) => {
      const row: GridRow = {itl: [], thpt: [], outside: 0};
      for (const cx of this.xi) {
        const hit = locator.locate(cx, cy);
        if (hit) {
          row.itl.push(itl.inTriangle(hit.t, hit.b));
          row.thpt.push(thpt.inTriangle(hit.t, hit.b));
        } else {
          const k = nearestSample(x, y, cx, cy);
          row.itl.push(data.z_itl[k]);
          row.thpt.push(data.z_thpt_per_gpu[k]);
          row.outside++;
        }
      }
      return row;
    };
  }

  private row(iy: number): GridRow {
    return (this.rows[iy] ??= this.fillRow(this.yi[iy]));
  }

  /** ITL grid (ms), indexed [iy][ix]; fills every row. */
  get itlGrid(): number[][] {
    return this.yi.map((_, iy) => this.row(iy).itl);
  }

  /** Tokens/s/GPU grid, indexed [iy][ix]; fills every row. */
  get thptGrid(): number[][] {
    return this.yi.map((_, iy) => this.row(iy).thpt);
  }

  /** Share of cells outside the samples' convex hull, filled from the nearest sample; fills every row. */
  get nanFraction(): number {
    let outside = 0;
    for (let iy = 0; iy < this.resolution; iy++) outside += this.row(iy).outside;
    return outside / (this.resolution * this.resolution);
  }

  /** Grid indices of (concurrency, context length), as Dynamo's compute_idx. */
  index(concurrency: number, contextLength: number): {ix: number; iy: number} {
    const kvUsage = (concurrency * contextLength) / this.maxKvTokens;
    return {ix: this.axisIndex(this.xi, kvUsage), iy: this.axisIndex(this.yi, contextLength)};
  }

  private axisIndex(axis: number[], value: number): number {
    const i = roundHalfEven((value - axis[0]) / (axis[1] - axis[0]));
    return Math.min(this.resolution - 1, Math.max(0, i));
  }

  /** ITL (ms) with `concurrency` requests at this context length. */
  itlMs(concurrency: number, contextLength: number): number {
    const {ix, iy} = this.index(concurrency, contextLength);
    return this.row(iy).itl[ix];
  }

  /** Decode tokens/s/GPU with `concurrency` requests at this context length. */
  thptPerGpu(concurrency: number, contextLength: number): number {
    const {ix, iy} = this.index(concurrency, contextLength);
    return this.row(iy).thpt[ix];
  }

  /**
   * The highest-kv-usage cell on the context's row whose ITL meets the target (scanned from high
   * to low because the surface need not be monotone); the lowest cell when none does.
   */
  findBestThroughputPerGpu(itlTargetMs: number, contextLength: number): BestThroughput {
    const {iy} = this.index(0, contextLength);
    const row = this.row(iy);
    let ix = this.resolution - 1;
    while (ix > 0 && !(row.itl[ix] <= itlTargetMs)) ix--;
    return {thptPerGpu: row.thpt[ix], itlMs: row.itl[ix], kvUsage: this.xi[ix]};
  }
}

/** Index of the sample nearest to (px, py) in unscaled coordinates (first one on ties). */
function nearestSample(x: readonly number[], y: readonly number[], px: number, py: number): number {
  let best = 0;
  let bestDist = Number.POSITIVE_INFINITY;
  for (let i = 0; i < x.length; i++) {
    const d = (x[i] - px) ** 2 + (y[i] - py) ** 2;
    if (d < bestDist) {
      bestDist = d;
      best = i;
    }
  }
  return best;
}
