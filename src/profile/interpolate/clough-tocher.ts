/**
 * Piecewise cubic C1 Clough-Tocher interpolation over a Delaunay triangulation, as SciPy's
 * `CloughTocher2DInterpolator` defines it (what `griddata(method="cubic")` uses):
 * - vertex gradients from the global estimate of Nielson (1983) / Renka (1984): minimise the
 *   integral over all edges of the squared second derivative of the interpolant along the edge,
 *   solved by Gauss-Seidel sweeps over the vertices (in index order) until the largest relative
 *   change is below `tol` or `maxIter` sweeps are done;
 * - each triangle split at its centroid into three cubic Bezier patches whose cross-edge
 *   derivative direction is the line between the two neighbouring centroids (affine invariant).
 * Points outside the triangulation evaluate to NaN.
 */
import type {Triangulation} from './delaunay.js';

const DBL_EPSILON = 2 ** -52;
/** Tolerance on barycentric coordinates when deciding whether a point is inside a triangle. */
const INSIDE_EPS = 100 * DBL_EPSILON;

export interface GradientOptions {
  maxIter?: number;
  tol?: number;
}

/** Estimated (d/dx, d/dy) at every vertex, interleaved. */
export function estimateGradients(tri: Triangulation, values: readonly number[], options: GradientOptions = {}): Float64Array {
  const maxIter = options.maxIter ?? 400;
  const tol = options.tol ?? 1e-6;
  const {x, y} = tri.points;
  const n = values.length;
  const grad = new Float64Array(2 * n);
  for (let iter = 0; iter < maxIter; iter++) {
    let err = 0;
    for (let i = 0; i < n; i++) {
      const around = tri.vertexNeighbors[i];
      if (around.length === 0) continue; // a duplicate point left out of the triangulation
      let q00 = 0;
      let q01 = 0;
      let q11 = 0;
      let s0 = 0;
      let s1 = 0;
      for (const j of around) {
        const ex = x[j] - x[i];
        const ey = y[j] - y[i];
        const length = Math.sqrt(ex * ex + ey * ey);
        const l3 = length * length * length;
        // Derivative along the edge at the far vertex, pointing back towards i.
        const df2 = -ex * grad[2 * j] - ey * grad[2 * j + 1];
        q00 += (4 * ex * ex) / l3;
        q01 += (4 * ex * ey) / l3;
        q11 += (4 * ey * ey) / l3;
        const r = 6 * (values[i] - values[j]) - 2 * df2;
        s0 += (r * ex) / l3;
        s1 += (r * ey) / l3;
      }
      const det = q00 * q11 - q01 * q01;
      const r0 = (q11 * s0 - q01 * s1) / det;
      const r1 = (-q01 * s0 + q00 * s1) / det;
      let change = Math.max(Math.abs(grad[2 * i] + r0), Math.abs(grad[2 * i + 1] + r1));
      grad[2 * i] = -r0;
      grad[2 * i + 1] = -r1;
      change /= Math.max(1, Math.max(Math.abs(r0), Math.abs(r1)));
      err = Math.max(err, change);
    }
    if (err < tol) break;
  }
  return grad;
}

/** Per-triangle geometry: barycentric transform and the cross-edge directions g[k]. */
interface TriangleGeometry {
  /** Inverse of [[x0-x2, x1-x2], [y0-y2, y1-y2]], row-major. */
  inv: [number, number, number, number];
  x2: number;
  y2: number;
  minX: number;
  maxX: number;
  minY: number;
  maxY: number;
  g: [number, number, number];
}

function barycentric(geo: TriangleGeometry, px: number, py: number): [number, number, number] {
  const dx = px - geo.x2;
  const dy = py - geo.y2;
  const c0 = geo.inv[0] * dx + geo.inv[1] * dy;
  const c1 = geo.inv[2] * dx + geo.inv[3] * dy;
  return [c0, c1, 1 - c0 - c1];
}

function geometry(tri: Triangulation): TriangleGeometry[] {
  const {x, y} = tri.points;
  const base = tri.triangles.map(([a, b, c]) => {
    const t00 = x[a] - x[c];
    const t01 = x[b] - x[c];
    const t10 = y[a] - y[c];
    const t11 = y[b] - y[c];
    const det = t00 * t11 - t01 * t10;
    return {
      inv: [t11 / det, -t01 / det, -t10 / det, t00 / det] as [number, number, number, number],
      x2: x[c],
      y2: y[c],
      minX: Math.min(x[a], x[b], x[c]),
      maxX: Math.max(x[a], x[b], x[c]),
      minY: Math.min(y[a], y[b], y[c]),
      maxY: Math.max(y[a], y[b], y[c]),
      g: [-0.5, -0.5, -0.5] as [number, number, number],
    };
  });
  tri.triangles.forEach((_, t) => {
    for (let k = 0; k < 3; k++) {
      const other = tri.neighbors[t][k];
      if (other < 0) continue; // no neighbour: derivative towards the centroid direction
      const [a, b, c] = tri.triangles[other];
      const cx = (x[a] + x[b] + x[c]) / 3;
      const cy = (y[a] + y[b] + y[c]) / 3;
      const [b0, b1, b2] = barycentric(base[t], cx, cy);
      // The neighbour's centroid in our barycentric coordinates gives an affine-invariant direction.
      if (k === 0) base[t].g[k] = (2 * b2 + b1 - 1) / (2 - 3 * b2 - 3 * b1);
      else if (k === 1) base[t].g[k] = (2 * b0 + b2 - 1) / (2 - 3 * b0 - 3 * b2);
      else base[t].g[k] = (2 * b1 + b0 - 1) / (2 - 3 * b1 - 3 * b0);
    }
  });
  return base;
}

/** Bezier control values of one triangle's Clough-Tocher element. */
interface Patch {
  c3000: number; c0300: number; c0030: number; c0003: number;
  c2100: number; c2010: number; c2001: number;
  c0210: number; c0201: number; c0021: number;
  c1200: number; c1020: number; c1002: number;
  c0120: number; c0102: number; c0012: number;
  c1101: number; c1011: number; c0111: number;
}

function patch(tri: Triangulation, geo: TriangleGeometry, t: number, f: readonly number[], grad: Float64Array): Patch {
  const {x, y} = tri.points;
  const [v1, v2, v3] = tri.triangles[t];
  const e12x = x[v2] - x[v1];
  const e12y = y[v2] - y[v1];
  const e23x = x[v3] - x[v2];
  const e23y = y[v3] - y[v2];
  const e31x = x[v1] - x[v3];
  const e31y = y[v1] - y[v3];
  // Derivatives along the edges, leaving each vertex.
  const df12 = grad[2 * v1] * e12x + grad[2 * v1 + 1] * e12y;
  const df21 = -(grad[2 * v2] * e12x + grad[2 * v2 + 1] * e12y);
  const df23 = grad[2 * v2] * e23x + grad[2 * v2 + 1] * e23y;
  const df32 = -(grad[2 * v3] * e23x + grad[2 * v3 + 1] * e23y);
  const df31 = grad[2 * v3] * e31x + grad[2 * v3 + 1] * e31y;
  const df13 = -(grad[2 * v1] * e31x + grad[2 * v1 + 1] * e31y);

  const c3000 = f[v1];
  const c2100 = (df12 + 3 * c3000) / 3;
  const c2010 = (df13 + 3 * c3000) / 3;
  const c0300 = f[v2];
  const c1200 = (df21 + 3 * c0300) / 3;
  const c0210 = (df23 + 3 * c0300) / 3;
  const c0030 = f[v3];
  const c1020 = (df31 + 3 * c0030) / 3;
  const c0120 = (df32 + 3 * c0030) / 3;
  const c2001 = (c2100 + c2010 + c3000) / 3;
  const c0201 = (c1200 + c0300 + c0210) / 3;
  const c0021 = (c1020 + c0120 + c0030) / 3;
  // Cross-boundary derivative linear along each edge (C1 across triangles).
  const [g0, g1, g2] = geo.g;
  const c0111 = (g0 * (-c0300 + 3 * c0210 - 3 * c0120 + c0030) + (-c0300 + 2 * c0210 - c0120 + c0021 + c0201)) / 2;
  const c1011 = (g1 * (-c0030 + 3 * c1020 - 3 * c2010 + c3000) + (-c0030 + 2 * c1020 - c2010 + c2001 + c0021)) / 2;
  const c1101 = (g2 * (-c3000 + 3 * c2100 - 3 * c1200 + c0300) + (-c3000 + 2 * c2100 - c1200 + c2001 + c0201)) / 2;
  const c1002 = (c1101 + c1011 + c2001) / 3;
  const c0102 = (c1101 + c0111 + c0201) / 3;
  const c0012 = (c1011 + c0111 + c0021) / 3;
  const c0003 = (c1002 + c0102 + c0012) / 3;
  return {c3000, c0300, c0030, c0003, c2100, c2010, c2001, c0210, c0201, c0021, c1200, c1020, c1002, c0120, c0102, c0012, c1101, c1011, c0111};
}

/** Evaluate one element at barycentric coordinates b, in the sub-triangle that holds the point. */
function evaluatePatch(c: Patch, b: [number, number, number]): number {
  const minval = Math.min(b[0], b[1], b[2]);
  const b1 = b[0] - minval;
  const b2 = b[1] - minval;
  const b3 = b[2] - minval;
  const b4 = 3 * minval;
  if (b[0] === minval) {
    return b2 ** 3 * c.c0300 + 3 * b2 ** 2 * b3 * c.c0210 + 3 * b2 ** 2 * b4 * c.c0201 + 3 * b2 * b3 ** 2 * c.c0120 + 6 * b2 * b3 * b4 * c.c0111 +
      3 * b2 * b4 ** 2 * c.c0102 + b3 ** 3 * c.c0030 + 3 * b3 ** 2 * b4 * c.c0021 + 3 * b3 * b4 ** 2 * c.c0012 + b4 ** 3 * c.c0003;
  }
  if (b[1] === minval) {
    return b1 ** 3 * c.c3000 + 3 * b1 ** 2 * b3 * c.c2010 + 3 * b1 ** 2 * b4 * c.c2001 + 3 * b1 * b3 ** 2 * c.c1020 + 6 * b1 * b3 * b4 * c.c1011 +
      3 * b1 * b4 ** 2 * c.c1002 + b3 ** 3 * c.c0030 + 3 * b3 ** 2 * b4 * c.c0021 + 3 * b3 * b4 ** 2 * c.c0012 + b4 ** 3 * c.c0003;
  }
  return b1 ** 3 * c.c3000 + 3 * b1 ** 2 * b2 * c.c2100 + 3 * b1 ** 2 * b4 * c.c2001 + 3 * b1 * b2 ** 2 * c.c1200 + 6 * b1 * b2 * b4 * c.c1101 +
    3 * b1 * b4 ** 2 * c.c1002 + b2 ** 3 * c.c0300 + 3 * b2 ** 2 * b4 * c.c0201 + 3 * b2 * b4 ** 2 * c.c0102 + b4 ** 3 * c.c0003;
}

/** Locates points in a triangulation (shared by every value set interpolated on it). */
export class TriangleLocator {
  readonly geometry: TriangleGeometry[];

  constructor(readonly tri: Triangulation) {
    this.geometry = geometry(tri);
  }

  /** The triangle holding (px, py) within SciPy's tolerance, with the point's barycentric coordinates. */
  locate(px: number, py: number): {t: number; b: [number, number, number]} | undefined {
    for (let t = 0; t < this.geometry.length; t++) {
      const geo = this.geometry[t];
      if (px < geo.minX - INSIDE_EPS || px > geo.maxX + INSIDE_EPS || py < geo.minY - INSIDE_EPS || py > geo.maxY + INSIDE_EPS) continue;
      const b = barycentric(geo, px, py);
      if (b.every((v) => v >= -INSIDE_EPS && v <= 1 + INSIDE_EPS)) return {t, b};
    }
    return undefined;
  }
}

/** A Clough-Tocher interpolant of one value set on a triangulation. */
export class CloughTocher {
  private readonly patches: Patch[];

  constructor(readonly locator: TriangleLocator, values: readonly number[], options: GradientOptions = {}) {
    const grad = estimateGradients(locator.tri, values, options);
    this.patches = locator.tri.triangles.map((_, t) => patch(locator.tri, locator.geometry[t], t, values, grad));
  }

  /** Value at (px, py), NaN outside the triangulation. */
  at(px: number, py: number): number {
    const hit = this.locator.locate(px, py);
    return hit ? evaluatePatch(this.patches[hit.t], hit.b) : Number.NaN;
  }

  /** Value in triangle t at barycentric coordinates b (after `locator.locate`). */
  inTriangle(t: number, b: [number, number, number]): number {
    return evaluatePatch(this.patches[t], b);
  }
}
