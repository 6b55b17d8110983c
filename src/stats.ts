/** Summary statistics: percentiles as NumPy computes them, and latency summaries as benchmark clients report them. */

export interface LatencyStats {
  mean: number;
  p50: number;
  p90: number;
  p99: number;
}

/**
 * Percentile q (0..100) of ascending-sorted values with linear interpolation between closest
 * ranks (NumPy's default, which vLLM's and aiperf's reports use).
 */
export function percentileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = ((sorted.length - 1) * q) / 100;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const frac = pos - lo;
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * frac;
}

/** Round to the nearest integer, ties to even (Python's `round` and NumPy's `round`, which Dynamo uses). */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff < 0.5) return floor;
  if (diff > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Median (NumPy's, the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  return percentileSorted([...values].sort((a, b) => a - b), 50);
}

/** The median, or null when there are no values (progress lines show "-"). */
export function medianOrNull(values: readonly number[]): number | null {
  return values.length === 0 ? null : median(values);
}

export function latencyStats(values: readonly number[]): LatencyStats {
  if (values.length === 0) return {mean: Number.NaN, p50: Number.NaN, p90: Number.NaN, p99: Number.NaN};
  const sorted = [...values].sort((a, b) => a - b);
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    mean: sum / sorted.length,
    p50: percentileSorted(sorted, 50),
    p90: percentileSorted(sorted, 90),
    p99: percentileSorted(sorted, 99),
  };
}
