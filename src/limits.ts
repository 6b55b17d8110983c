/**
 * Physical ranges of the quantities users give (flags, files) and the one check of a number
 * against a range. A limit carries its reason, which the error message says.
 */
import {badInput} from './errors.js';

export interface NumberRange {
  [key: string]: unknown;
  min?: number;
  /** Reject the minimum itself (strictly greater). */
  exclusiveMin?: boolean;
  max?: number;
  integer?: boolean;
  /** Why the minimum exists, said in the error. */
  minReason?: string;
  /** Why the maximum exists, said in the error. */
  maxReason?: string;
}

/** Check a number against a range; `label` names it in errors (a flag, or `file: key`). */
export function checkNumber(v: number, r: NumberRange, label: string): number {
  if (!Number.isFinite(v)) throw badInput(`${label} must be a finite number, got ${v}`);
  if (r.integer && !Number.isInteger(v)) throw badInput(`${label} must be an integer, got ${v}`);
  const why = (reason: string | undefined): string => (reason ? `: ${reason}` : '');
  if (r.min !== undefined && (r.exclusiveMin ? v <= r.min : v < r.min)) throw badInput(`${label} must be ${r.exclusiveMin ? '>' : '>='} ${r.min}, got ${v}${why(r.minReason)}`);
  if (r.max !== undefined && v > r.max) throw badInput(`${label} must be <= ${r.max}, got ${v}${why(r.maxReason)}`);
  return v;
}

/** Latest arrival a trace may hold, ms: 1e13 ms (~317 years) admits epoch-millisecond timestamps. */
export const MAX_TIMESTAMP_MS = 1e13;

/** Tokens of one request (prompt or output): longer than any model's context window. */
export const TOKENS = {min: 1, max: 10_000_000, maxReason: 'longer than any model\'s context window (10M tokens)'} as const;

/** Requests in flight at once in a simulated or measured load. */
export const CONCURRENCY = {min: 1, max: 100_000, maxReason: 'more streams than any engine batches; each one is held in memory'} as const;

/** Requests of one simulated run (about a second of CPU per 100k requests). */
export const SIM_REQUESTS = {min: 1, max: 10_000_000, maxReason: 'a simulated run takes about a second per 100k requests'} as const;

/** Latency targets and latencies, ms: positive, and under a day. */
export const LATENCY_MS = {min: 0, exclusiveMin: true, max: 86_400_000, maxReason: 'longer than a day'} as const;

/** Request rates, req/s. */
export const REQUEST_RATE = {
  min: 0.001, minReason: 'slower than one request per 1000 s: time stamps lose their precision',
  max: 1_000_000, maxReason: 'more than any cluster serves',
} as const;

/** A fraction in [0, 1]. */
export const FRACTION = {min: 0, max: 1} as const;

/** GPUs of a plan (budget, per engine, TP). */
export const GPUS = {min: 1, max: 100_000, maxReason: 'larger than any cluster'} as const;

/** Intervals (ticks) a dry run decides: each one refits the predictors. */
export const MAX_INTERVALS = 100_000;

/** Requests a generated trace may hold (about 100 bytes each on disk, or in memory for dryrun). */
export const MAX_GENERATED_REQUESTS = 50_000_000;
