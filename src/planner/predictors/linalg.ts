/** Small least-squares helpers on top of ml-matrix. */
import {Matrix, solve, EigenvalueDecomposition} from 'ml-matrix';

/**
 * Least-squares solution of X b = y (QR via ml-matrix), optionally ridge-penalised:
 * minimises |y - X b|^2 + sum_j penalty[j] * b_j^2 by appending sqrt(penalty) rows.
 */
export function leastSquares(rows: number[][], y: number[], penalty?: number[]): number[] {
  const k = rows[0]?.length ?? 0;
  if (k === 0) return [];
  const xs = rows.map((r) => r.slice());
  const ys = y.slice();
  if (penalty) {
    penalty.forEach((lam, j) => {
      if (lam > 0) {
        const row = new Array<number>(k).fill(0);
        row[j] = Math.sqrt(lam);
        xs.push(row);
        ys.push(0);
      }
    });
  }
  if (xs.length < k) throw new Error('least squares: fewer rows than unknowns');
  const b = solve(new Matrix(xs), Matrix.columnVector(ys));
  const out = b.getColumn(0);
  if (!out.every(Number.isFinite)) throw new Error('least squares: singular system');
  return out;
}

/**
 * Largest modulus among the roots of z^p - c1 z^(p-1) - ... - cp (the companion-matrix
 * eigenvalues). For an AR polynomial 1 - c1 B - ... - cp B^p, the process is stationary when
 * this is < 1.
 */
export function maxRootModulus(coefs: readonly number[]): number {
  const p = coefs.length;
  if (p === 0) return 0;
  if (p === 1) return Math.abs(coefs[0]!);
  const m = Matrix.zeros(p, p);
  for (let j = 0; j < p; j += 1) m.set(0, j, coefs[j]!);
  for (let i = 1; i < p; i += 1) m.set(i, i - 1, 1);
  const eig = new EigenvalueDecomposition(m);
  let max = 0;
  eig.realEigenvalues.forEach((re, i) => {
    const im = eig.imaginaryEigenvalues[i]!;
    max = Math.max(max, Math.hypot(re, im));
  });
  return max;
}

export function mean(values: readonly number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}

/** Solve a small dense square system A x = b by Gaussian elimination with partial pivoting. */
export function solveSquare(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let col = 0; col < n; col += 1) {
    let piv = col;
    for (let r = col + 1; r < n; r += 1) if (Math.abs(m[r]![col]!) > Math.abs(m[piv]![col]!)) piv = r;
    if (!(Math.abs(m[piv]![col]!) > 1e-300)) throw new Error('singular system');
    [m[col], m[piv]] = [m[piv]!, m[col]!];
    const pr = m[col]!;
    for (let r = col + 1; r < n; r += 1) {
      const row = m[r]!;
      const f = row[col]! / pr[col]!;
      if (f !== 0) for (let c = col; c <= n; c += 1) row[c]! -= f * pr[c]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r -= 1) {
    let s = m[r]![n]!;
    for (let c = r + 1; c < n; c += 1) s -= m[r]![c]! * x[c]!;
    x[r] = s / m[r]![r]!;
  }
  return x;
}
