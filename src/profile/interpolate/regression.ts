/**
 * Answers from a profile's regression fits (DESIGN.md 5.2). Unlike the spline, these extrapolate:
 * callers warn when a query leaves the profiled range.
 */
import {decodeItlMs, decodePoints, fitDecode, fitPrefill, prefillPoints, prefillTtftMs} from '../fit.js';
import type {DecodeData, DecodeFit, PrefillData, PrefillFit, Profile} from '../types.js';
import type {BestThroughput} from './spline.js';
import {prefillThptPerGpu} from '../sla.js';

export class PrefillRegression {
  readonly method = 'regression' as const;
  readonly minIsl: number;
  readonly maxIsl: number;

  constructor(readonly fit: PrefillFit, data: PrefillData, private readonly gpusPerEngine: number) {
    this.minIsl = Math.min(...data.prefill_isl);
    this.maxIsl = Math.max(...data.prefill_isl);
  }

  ttftMs(isl: number): number {
    return prefillTtftMs(this.fit, isl);
  }

  /** ISL tokens per second of TTFT, per GPU (how Dynamo's profiler derives prefill throughput). */
  thptPerGpu(isl: number): number {
    return prefillThptPerGpu(isl, this.ttftMs(isl), this.gpusPerEngine);
  }

  /** The regression never clamps. */
  isClamped(): boolean {
    return false;
  }
}

export class DecodeRegression {
  readonly method = 'regression' as const;
  readonly minContext: number;
  readonly maxContext: number;
  readonly maxKvTokens: number;

  constructor(readonly fit: DecodeFit, data: DecodeData, private readonly gpusPerEngine: number) {
    this.minContext = Math.min(...data.y_context_length);
    this.maxContext = Math.max(...data.y_context_length);
    this.maxKvTokens = data.max_kv_tokens;
  }

  itlMs(concurrency: number, contextLength: number): number {
    return decodeItlMs(this.fit, concurrency, contextLength);
  }

  thptPerGpu(concurrency: number, contextLength: number): number {
    return (concurrency / this.itlMs(concurrency, contextLength)) * 1000 / this.gpusPerEngine;
  }

  /**
   * The largest whole concurrency whose ITL meets the target, capped by the KV cache
   * (kv usage <= 1); one request when even that misses the target.
   */
  findBestThroughputPerGpu(itlTargetMs: number, contextLength: number): BestThroughput {
    const {d, e, f} = this.fit.coefficients;
    const slope = e + f * contextLength;
    const cap = Math.max(1, Math.floor(this.maxKvTokens / contextLength));
    const fits = slope > 0 ? Math.floor((itlTargetMs - d) / slope) : cap;
    const n = Math.min(cap, Math.max(1, fits));
    return {thptPerGpu: this.thptPerGpu(n, contextLength), itlMs: this.itlMs(n, contextLength), kvUsage: (n * contextLength) / this.maxKvTokens};
  }
}

/** The profile's stored fits, or fits computed now from its points. */
export function regressionModels(profile: Profile): {prefill?: PrefillRegression; decode?: DecodeRegression} {
  const gpus = profile.engine.gpusPerEngine;
  return {
    prefill: profile.prefill && new PrefillRegression(profile.fits?.prefill ?? fitPrefill(prefillPoints(profile.prefill)).fit, profile.prefill, gpus),
    decode: profile.decode && new DecodeRegression(profile.fits?.decode ?? fitDecode(decodePoints(profile.decode)).fit, profile.decode, gpus),
  };
}
