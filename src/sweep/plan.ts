/**
 * Sweep plans: which ISLs and concurrencies a profile measures, exactly as Dynamo's profiler
 * (v2025-08) chooses them (reference notes, dynamo-planner.md A.5).
 */
import {badInput} from '../errors.js';
import {decodeContextLength} from '../profile/sla.js';

/** Python's range(start, stop, step) for a positive step. */
export function pyRange(start: number, stop: number, step: number): number[] {
  if (!Number.isInteger(step) || step <= 0) throw new Error(`range step must be a positive integer, got ${step}`);
  const out: number[] = [];
  for (let v = start; v < stop; v += step) out.push(v);
  return out;
}

/** The smallest ISL Dynamo sweeps. */
export const MIN_ISL = 100;
/** Dynamo's fixed decode OSL. */
export const DEFAULT_DECODE_OSL = 500;

function checkGranularity(g: number, flag: string): void {
  if (!Number.isInteger(g) || g < 1) throw badInput(`${flag} must be a positive integer, got ${g}`);
}

/** Prefill ISLs: range(100, maxContext, (maxContext - 100) // granularity). */
export function prefillIsls(maxContext: number, granularity: number): number[] {
  checkGranularity(granularity, 'prefill granularity');
  const step = Math.floor((maxContext - MIN_ISL) / granularity);
  if (step < 1) {
    throw badInput(`max context ${maxContext} leaves no prefill ISLs above ${MIN_ISL} at granularity ${granularity}`, `use a max context of at least ${MIN_ISL + granularity}`);
  }
  return pyRange(MIN_ISL, maxContext, step);
}

/** Decode concurrencies for one ISL (v2025-08): 1..maxc when maxc < G, else range(1, maxc, maxc // G). */
export function decodeConcurrencies(maxConcurrency: number, granularity: number): number[] {
  if (maxConcurrency < 1) return [];
  if (maxConcurrency < granularity) return pyRange(1, maxConcurrency + 1, 1);
  return pyRange(1, maxConcurrency, Math.floor(maxConcurrency / granularity));
}

/**
 * Concurrencies under a cap (v2026's get_num_request_range with one DP rank, notes A.5): 1..cap
 * when cap < G, else G points spread evenly from 1 to the cap, both included.
 */
export function cappedConcurrencies(cap: number, granularity: number): number[] {
  if (cap < 1) return [];
  if (cap < granularity) return pyRange(1, cap + 1, 1);
  if (granularity === 1) return [cap];
  return [...new Set(Array.from({length: granularity}, (_, i) => 1 + Math.floor((i * (cap - 1)) / (granularity - 1))))];
}

export interface DecodePlanOptions {
  maxContext: number;
  granularity: number;
  maxKvTokens: number;
  osl?: number;
}

export interface DecodeIslPlan {
  isl: number;
  osl: number;
  /** Context length the points are recorded at: isl + osl/2. */
  contextLength: number;
  /** maxKvTokens // (isl + osl). */
  maxConcurrency: number;
  concurrencies: number[];
}

export interface DecodePlan {
  isls: DecodeIslPlan[];
  /** ISLs dropped because not one request of isl + osl fits in the KV cache (Dynamo stops there). */
  skippedIsls: number[];
}

/**
 * Decode ISLs range(100, maxContext - osl, (maxContext - osl) // G); per ISL the concurrencies up
 * to what the KV cache holds. Like Dynamo, the first ISL with no room stops the loop.
 */
export function decodePlan(opts: DecodePlanOptions): DecodePlan {
  const osl = opts.osl ?? DEFAULT_DECODE_OSL;
  checkGranularity(opts.granularity, 'decode granularity');
  const span = opts.maxContext - osl;
  const step = Math.floor(span / opts.granularity);
  if (step < 1) {
    throw badInput(`max context ${opts.maxContext} leaves no decode ISLs above ${MIN_ISL} with OSL ${osl} at granularity ${opts.granularity}`);
  }
  const all = pyRange(MIN_ISL, span, step);
  const isls: DecodeIslPlan[] = [];
  const skippedIsls: number[] = [];
  for (let i = 0; i < all.length; i++) {
    const isl = all[i];
    const maxConcurrency = Math.floor(opts.maxKvTokens / (isl + osl));
    if (maxConcurrency === 0) {
      skippedIsls.push(...all.slice(i));
      break;
    }
    isls.push({isl, osl, contextLength: decodeContextLength(isl, osl), maxConcurrency, concurrencies: decodeConcurrencies(maxConcurrency, opts.granularity)});
  }
  return {isls, skippedIsls};
}
