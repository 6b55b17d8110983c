/**
 * Exact geometric predicates. A floating-point evaluation decides when it is clearly right
 * (Shewchuk's static error bounds); otherwise the doubles are turned into exact integers
 * (scaled by a common power of two) and the determinant is evaluated with BigInt.
 */

const EPSILON = 2 ** -53;
const CCW_ERR_BOUND = (3 + 16 * EPSILON) * EPSILON;
const ICC_ERR_BOUND = (10 + 96 * EPSILON) * EPSILON;

/** v = mantissa * 2^exponent with an odd mantissa (or 0). */
function decompose(v: number): {mantissa: bigint; exponent: number} {
  if (v === 0) return {mantissa: 0n, exponent: 0};
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, v);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const expField = (hi >>> 20) & 0x7ff;
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exponent: number;
  if (expField === 0) exponent = -1074;
  else {
    mantissa |= 1n << 52n;
    exponent = expField - 1075;
  }
  while ((mantissa & 1n) === 0n) {
    mantissa >>= 1n;
    exponent++;
  }
  return {mantissa: hi >>> 31 ? -mantissa : mantissa, exponent};
}

/** Exact integer images of a set of doubles, all scaled by the same power of two. */
export function exactCoordinates(values: readonly number[]): bigint[] {
  const parts = values.map(decompose);
  const shift = Math.max(0, ...parts.map((p) => -p.exponent));
  return parts.map((p) => (p.mantissa === 0n ? 0n : p.mantissa << BigInt(p.exponent + shift)));
}

export interface PointSet {
  x: readonly number[];
  y: readonly number[];
  /** Exact scaled images of x and y (same scale for both). */
  ex: readonly bigint[];
  ey: readonly bigint[];
}

export function pointSet(x: readonly number[], y: readonly number[]): PointSet {
  const exact = exactCoordinates([...x, ...y]);
  return {x, y, ex: exact.slice(0, x.length), ey: exact.slice(x.length)};
}

function sign(v: bigint): number {
  return v > 0n ? 1 : v < 0n ? -1 : 0;
}

/** +1 if a, b, c turn counter-clockwise, -1 if clockwise, 0 if collinear. */
export function orient(p: PointSet, a: number, b: number, c: number): number {
  const detLeft = (p.x[a] - p.x[c]) * (p.y[b] - p.y[c]);
  const detRight = (p.y[a] - p.y[c]) * (p.x[b] - p.x[c]);
  const det = detLeft - detRight;
  if (Math.abs(det) > CCW_ERR_BOUND * (Math.abs(detLeft) + Math.abs(detRight))) return Math.sign(det);
  return sign((p.ex[a] - p.ex[c]) * (p.ey[b] - p.ey[c]) - (p.ey[a] - p.ey[c]) * (p.ex[b] - p.ex[c]));
}

/**
 * Orientation with a collinearity tolerance: 0 when c lies within `tolerance` (a distance) of the
 * line through a and b. Qhull, which SciPy's Delaunay uses, treats points this close to a hull edge
 * as on it; exact arithmetic alone would turn rounding noise into sliver triangles.
 */
export function orientWithin(p: PointSet, a: number, b: number, c: number, tolerance: number): number {
  const abx = p.x[b] - p.x[a];
  const aby = p.y[b] - p.y[a];
  const det = abx * (p.y[c] - p.y[a]) - aby * (p.x[c] - p.x[a]);
  if (Math.abs(det) <= tolerance * Math.hypot(abx, aby)) return 0;
  return orient(p, a, b, c);
}

/** +1 if d lies strictly inside the circle through the counter-clockwise triangle a, b, c; 0 on it. */
export function inCircle(p: PointSet, a: number, b: number, c: number, d: number): number {
  const adx = p.x[a] - p.x[d];
  const ady = p.y[a] - p.y[d];
  const bdx = p.x[b] - p.x[d];
  const bdy = p.y[b] - p.y[d];
  const cdx = p.x[c] - p.x[d];
  const cdy = p.y[c] - p.y[d];
  const alift = adx * adx + ady * ady;
  const blift = bdx * bdx + bdy * bdy;
  const clift = cdx * cdx + cdy * cdy;
  const bc = bdx * cdy - cdx * bdy;
  const ca = cdx * ady - adx * cdy;
  const ab = adx * bdy - bdx * ady;
  const det = alift * bc + blift * ca + clift * ab;
  const permanent =
    (Math.abs(bdx * cdy) + Math.abs(cdx * bdy)) * alift + (Math.abs(cdx * ady) + Math.abs(adx * cdy)) * blift + (Math.abs(adx * bdy) + Math.abs(bdx * ady)) * clift;
  if (Math.abs(det) > ICC_ERR_BOUND * permanent) return Math.sign(det);
  const eadx = p.ex[a] - p.ex[d];
  const eady = p.ey[a] - p.ey[d];
  const ebdx = p.ex[b] - p.ex[d];
  const ebdy = p.ey[b] - p.ey[d];
  const ecdx = p.ex[c] - p.ex[d];
  const ecdy = p.ey[c] - p.ey[d];
  return sign(
    (eadx * eadx + eady * eady) * (ebdx * ecdy - ecdx * ebdy) +
      (ebdx * ebdx + ebdy * ebdy) * (ecdx * eady - eadx * ecdy) +
      (ecdx * ecdx + ecdy * ecdy) * (eadx * ebdy - ebdx * eady),
  );
}
