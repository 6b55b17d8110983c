/**
 * Non-negative least squares, min ||A x - b|| subject to x >= 0, by the Lawson-Hanson active-set
 * method. The unconstrained sub-problems are solved with ml-matrix (QR / SVD least squares).
 */
import {Matrix, solve} from 'ml-matrix';

export interface NnlsResult {
  x: number[];
  /** Indices held at zero by the constraint at the solution. */
  active: number[];
}

/** Least squares on the columns in `passive` only; the other coefficients are zero. */
function subproblem(a: Matrix, b: Matrix, passive: number[], n: number): number[] {
  const z = new Array<number>(n).fill(0);
  if (passive.length === 0) return z;
  const sub = a.subMatrixColumn(passive);
  const sol = solve(sub, b, true); // useSVD: robust when columns are nearly dependent
  passive.forEach((col, k) => (z[col] = sol.get(k, 0)));
  return z;
}

export function nnls(rows: number[][], rhs: number[], maxIter = 300): NnlsResult {
  const a = new Matrix(rows);
  const b = Matrix.columnVector(rhs);
  const n = a.columns;
  const at = a.transpose();
  let x = new Array<number>(n).fill(0);
  const passive = new Set<number>();
  const tol = 1e-12 * Math.max(1, ...rhs.map(Math.abs)) * Math.max(1, ...rows.flat().map(Math.abs));
  for (let iter = 0; iter < maxIter; iter++) {
    // Gradient of -0.5 ||Ax - b||^2: w = A^T (b - A x).
    const residual = b.clone().sub(a.mmul(Matrix.columnVector(x)));
    const w = at.mmul(residual).to1DArray();
    let best = -1;
    for (let j = 0; j < n; j++) if (!passive.has(j) && w[j] > tol && (best < 0 || w[j] > w[best])) best = j;
    if (best < 0) break;
    passive.add(best);
    // Inner loop: step back towards feasibility while the sub-problem wants negative values.
    for (;;) {
      const cols = [...passive].sort((p, q) => p - q);
      const z = subproblem(a, b, cols, n);
      if (cols.every((j) => z[j] > 0)) {
        x = z;
        break;
      }
      let alpha = 1;
      for (const j of cols) if (z[j] <= 0) alpha = Math.min(alpha, x[j] / (x[j] - z[j]));
      x = x.map((xj, j) => xj + alpha * (z[j] - xj));
      for (const j of cols) if (x[j] <= 1e-15 * Math.max(1, Math.abs(z[j]))) {
        x[j] = 0;
        passive.delete(j);
      }
      if (passive.size === 0) break;
    }
  }
  return {x, active: x.map((_, j) => j).filter((j) => !passive.has(j))};
}
