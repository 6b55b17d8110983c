/**
 * Interpolating cubic spline with not-a-knot end conditions (third derivative continuous at the
 * second and second-to-last knots), the spline SciPy's `interp1d(kind="cubic")` builds.
 * With 3 points this is the parabola through them, with 2 the line, with 1 a constant.
 */

/** Solve a dense linear system by Gaussian elimination with partial pivoting (n is small). */
function solveDense(a: number[][], b: number[]): number[] {
  const n = b.length;
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) pivot = r;
    [a[col], a[pivot]] = [a[pivot], a[col]];
    [b[col], b[pivot]] = [b[pivot], b[col]];
    for (let r = col + 1; r < n; r++) {
      const f = a[r][col] / a[col][col];
      if (f === 0) continue;
      for (let c = col; c < n; c++) a[r][c] -= f * a[col][c];
      b[r] -= f * b[col];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = b[r];
    for (let c = r + 1; c < n; c++) s -= a[r][c] * x[c];
    x[r] = s / a[r][r];
  }
  return x;
}

/** First derivatives at the knots of the not-a-knot spline (n >= 4). */
function notAKnotSlopes(x: number[], y: number[]): number[] {
  const n = x.length;
  const h = x.slice(1).map((v, i) => v - x[i]);
  const delta = h.map((hi, i) => (y[i + 1] - y[i]) / hi);
  const a = Array.from({length: n}, () => new Array<number>(n).fill(0));
  const b = new Array<number>(n).fill(0);
  // Interior rows: continuity of the second derivative at knot i.
  for (let i = 1; i < n - 1; i++) {
    a[i][i - 1] = h[i];
    a[i][i] = 2 * (h[i - 1] + h[i]);
    a[i][i + 1] = h[i - 1];
    b[i] = 3 * (h[i] * delta[i - 1] + h[i - 1] * delta[i]);
  }
  // End rows: continuity of the third derivative at x[1] and x[n-2].
  const d0 = h[0] + h[1];
  a[0][0] = h[1];
  a[0][1] = d0;
  b[0] = ((h[0] + 2 * d0) * h[1] * delta[0] + h[0] * h[0] * delta[1]) / d0;
  const m = n - 1;
  const dn = h[m - 1] + h[m - 2];
  a[m][m - 1] = dn;
  a[m][m] = h[m - 2];
  b[m] = (h[m - 1] * h[m - 1] * delta[m - 2] + (2 * dn + h[m - 1]) * h[m - 2] * delta[m - 1]) / dn;
  return solveDense(a, b);
}

export type Curve = (x: number) => number;

/** A not-a-knot cubic through (x[i], y[i]); x strictly increasing. Evaluated outside the range it extrapolates the end pieces. */
export function notAKnotSpline(x: readonly number[], y: readonly number[]): Curve {
  const xs = [...x];
  const ys = [...y];
  const n = xs.length;
  if (n === 1) return () => ys[0];
  if (n === 2) return (t) => ys[0] + ((ys[1] - ys[0]) * (t - xs[0])) / (xs[1] - xs[0]);
  if (n === 3) {
    // Newton form of the interpolating parabola.
    const d01 = (ys[1] - ys[0]) / (xs[1] - xs[0]);
    const d12 = (ys[2] - ys[1]) / (xs[2] - xs[1]);
    const d012 = (d12 - d01) / (xs[2] - xs[0]);
    return (t) => ys[0] + (t - xs[0]) * (d01 + (t - xs[1]) * d012);
  }
  const s = notAKnotSlopes(xs, ys);
  return (t) => {
    // Interval i with xs[i] <= t < xs[i+1], clamped to the end pieces.
    let lo = 0;
    let hi = n - 2;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (xs[mid] <= t) lo = mid;
      else hi = mid - 1;
    }
    const i = lo;
    const h = xs[i + 1] - xs[i];
    const u = (t - xs[i]) / h;
    // Cubic Hermite basis on [xs[i], xs[i+1]].
    const h00 = (1 + 2 * u) * (1 - u) * (1 - u);
    const h10 = u * (1 - u) * (1 - u);
    const h01 = u * u * (3 - 2 * u);
    const h11 = u * u * (u - 1);
    return h00 * ys[i] + h10 * h * s[i] + h01 * ys[i + 1] + h11 * h * s[i + 1];
  };
}
