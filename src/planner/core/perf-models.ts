/**
 * Dynamo's FPM regression perf models (notes E.5, E.13 items 7 and 10): prefill (1-D on
 * scheduled prefill tokens), decode (2-D on decode requests and KV tokens, the request
 * coefficient relaxable) and agg (2-D on prefill tokens and decode KV). Times are seconds
 * unless a name says ms.
 */
import {BucketedRegression, MovingAverage, clampKvHitRate} from './regression.js';
import type {ForwardPassMetrics} from './types.js';

export interface RegressionSettings {
  maxNumFpmSamples: number;
  minObservations: number;
  bucketCount: number;
}

/** Sum of per-chunk iteration times when `totalTokens` are prefilled in chunks of `mbt`. */
function chunkedTime(totalTokens: number, mbt: number, stepS: (chunk: number) => number): number {
  if (totalTokens <= 0) return 0;
  const iterations = Math.ceil(totalTokens / mbt);
  let timeS = 0;
  let remaining = totalTokens;
  for (let i = 0; i < iterations; i++) {
    const chunk = Math.min(remaining, mbt);
    timeS += stepS(chunk);
    remaining -= chunk;
  }
  return timeS;
}

export class PrefillRegressionModel {
  readonly regression: BucketedRegression;
  private readonly avgIslTokens: MovingAverage;
  private readonly avgNumPrefill: MovingAverage;

  constructor(s: RegressionSettings) {
    this.regression = new BucketedRegression(s.maxNumFpmSamples, s.minObservations, 1, s.bucketCount);
    this.avgIslTokens = new MovingAverage(s.maxNumFpmSamples);
    this.avgNumPrefill = new MovingAverage(s.maxNumFpmSamples);
  }

  addObservation(fpm: ForwardPassMetrics): void {
    const sched = fpm.scheduled;
    // #9756: idle iterations pull the average ISL down (0 added after the leading-zero skip)
    this.avgIslTokens.add(sched.numPrefillRequests > 0 ? sched.sumPrefillTokens / sched.numPrefillRequests : 0);
    this.avgNumPrefill.add(sched.numPrefillRequests);
    if (fpm.wallTimeS === 0) return;
    this.regression.addSample([sched.sumPrefillTokens], fpm.wallTimeS);
  }

  get avgIsl(): number {
    return this.avgIslTokens.value;
  }

  /** TTFT of the next request behind `queuedPrefillTokens`, s; null when the model is not ready. */
  estimateNextTtft(queuedPrefillTokens: number, mbt: number, kvHitRate: number | null): number | null {
    if (!this.regression.ensureFitted() || mbt <= 0) return null;
    const total = (queuedPrefillTokens + this.avgIslTokens.value) * (1 - clampKvHitRate(kvHitRate));
    return chunkedTime(total, mbt, (c) => this.regression.predict([c]));
  }

  /** Engine request rate at `isl` (Dynamo `find_best_engine_prefill_rps`): [rps, ttftMs]; [0, 0] if not ready. */
  findBestEnginePrefillRps(isl: number, mbt: number | undefined): [number, number] {
    if (!this.regression.ensureFitted() || isl <= 0) return [0, 0];
    let wt: number;
    if (mbt !== undefined && mbt > 0 && isl > mbt) {
      const n = Math.ceil(isl / mbt);
      const rem = isl - (n - 1) * mbt;
      wt = (n - 1) * this.regression.predict([mbt]) + this.regression.predict([rem]);
    } else {
      wt = this.regression.predict([isl]);
    }
    return [1 / wt, wt * 1000];
  }
}

export class DecodeRegressionModel {
  readonly regression: BucketedRegression;
  private readonly avgDecodeLen: MovingAverage;
  private readonly avgNumDecode: MovingAverage;
  private maxObservedKv = 0;

  constructor(s: RegressionSettings) {
    this.regression = new BucketedRegression(s.maxNumFpmSamples, s.minObservations, 2, s.bucketCount, new Set([0]));
    this.avgDecodeLen = new MovingAverage(s.maxNumFpmSamples);
    this.avgNumDecode = new MovingAverage(s.maxNumFpmSamples);
  }

  addObservation(fpm: ForwardPassMetrics): void {
    const sched = fpm.scheduled;
    if (sched.numDecodeRequests > 0) this.avgDecodeLen.add(sched.sumDecodeKvTokens / sched.numDecodeRequests);
    this.avgNumDecode.add(sched.numDecodeRequests);
    if (sched.sumDecodeKvTokens > this.maxObservedKv) this.maxObservedKv = sched.sumDecodeKvTokens;
    if (fpm.wallTimeS === 0) return;
    this.regression.addSample([sched.numDecodeRequests, sched.sumDecodeKvTokens], fpm.wallTimeS);
  }

  /** ITL of the next iteration, s (one more request of average length joins). */
  estimateNextItl(scheduledDecodeKv: number, queuedDecodeKv: number): number | null {
    if (!this.regression.ensureFitted()) return null;
    const totalKv = scheduledDecodeKv + queuedDecodeKv + this.avgDecodeLen.value;
    return this.regression.predict([this.avgNumDecode.value + 1, totalKv]);
  }

  /** Dynamo `find_best_engine_decode_rps`: [rps, itlMs]; [0, 0] if not ready or inputs <= 0. */
  findBestEngineDecodeRps(itlMs: number, contextLength: number, osl: number, maxKvTokens?: number, maxNumSeqs?: number): [number, number] {
    if (!this.regression.ensureFitted() || contextLength <= 0 || osl <= 0 || itlMs <= 0) return [0, 0];
    let kvCap: number;
    if (maxKvTokens !== undefined && maxKvTokens > 0) kvCap = Math.max(1, Math.trunc(maxKvTokens / contextLength));
    else if (this.maxObservedKv > 0) kvCap = Math.max(1, Math.trunc(this.maxObservedKv / contextLength));
    else kvCap = 256;
    const seqCap = maxNumSeqs !== undefined && maxNumSeqs > 0 ? maxNumSeqs : kvCap;
    const maxBatch = Math.max(1, Math.min(kvCap, seqCap));
    let bestBs = 1;
    let bestWt = this.regression.predict([1, contextLength]);
    if (bestWt * 1000 > itlMs) return [bestBs / (osl * bestWt), bestWt * 1000];
    let lo = 1;
    let hi = maxBatch;
    while (lo <= hi) {
      const mid = Math.floor((lo + hi) / 2);
      const wt = this.regression.predict([mid, mid * contextLength]);
      if (wt * 1000 <= itlMs) {
        bestBs = mid;
        bestWt = wt;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return [bestBs / (osl * bestWt), bestWt * 1000];
  }
}

export class AggRegressionModel {
  readonly regression: BucketedRegression;
  private readonly avgIslTokens: MovingAverage;
  private readonly avgDecodeLen: MovingAverage;
  private readonly avgPrefillTokens: MovingAverage;
  private readonly avgNumPrefill: MovingAverage;
  private readonly avgNumDecode: MovingAverage;

  constructor(s: RegressionSettings) {
    this.regression = new BucketedRegression(s.maxNumFpmSamples, s.minObservations, 2, s.bucketCount);
    this.avgIslTokens = new MovingAverage(s.maxNumFpmSamples);
    this.avgDecodeLen = new MovingAverage(s.maxNumFpmSamples);
    this.avgPrefillTokens = new MovingAverage(s.maxNumFpmSamples);
    this.avgNumPrefill = new MovingAverage(s.maxNumFpmSamples);
    this.avgNumDecode = new MovingAverage(s.maxNumFpmSamples);
  }

  addObservation(fpm: ForwardPassMetrics): void {
    const sched = fpm.scheduled;
    if (sched.numPrefillRequests > 0) this.avgIslTokens.add(sched.sumPrefillTokens / sched.numPrefillRequests);
    if (sched.numDecodeRequests > 0) this.avgDecodeLen.add(sched.sumDecodeKvTokens / sched.numDecodeRequests);
    this.avgPrefillTokens.add(sched.sumPrefillTokens);
    this.avgNumPrefill.add(sched.numPrefillRequests);
    this.avgNumDecode.add(sched.numDecodeRequests);
    if (fpm.wallTimeS === 0) return;
    this.regression.addSample([sched.sumPrefillTokens, sched.sumDecodeKvTokens], fpm.wallTimeS);
  }

  get avgIsl(): number {
    return this.avgIslTokens.value;
  }

  /** TTFT with decode piggybacked at `currentDecodeKv`, s; null when not ready. */
  estimateNextTtft(queuedPrefillTokens: number, mbt: number, currentDecodeKv: number, kvHitRate: number | null): number | null {
    if (!this.regression.ensureFitted() || mbt <= 0) return null;
    const total = (queuedPrefillTokens + this.avgIslTokens.value) * (1 - clampKvHitRate(kvHitRate));
    return chunkedTime(total, mbt, (c) => this.regression.predict([c, currentDecodeKv]));
  }

  /** ITL with the average per-iteration prefill piggybacked, s; null when not ready. */
  estimateNextItl(scheduledDecodeKv: number, queuedDecodeKv: number): number | null {
    if (!this.regression.ensureFitted()) return null;
    const totalKv = scheduledDecodeKv + queuedDecodeKv + this.avgDecodeLen.value;
    return this.regression.predict([this.avgPrefillTokens.value, totalKv]);
  }

  /** Dynamo `find_best_engine_agg_rps`: [rps, ttftMs, itlMs]; zeros if not ready or inputs <= 0. */
  findBestEngineAggRps(
    isl: number, osl: number, mbt: number, ttftSlaMs: number, itlSlaMs: number,
    maxKvTokens: number | undefined, maxNumSeqs: number | undefined, kvHitRate: number | null,
  ): [number, number, number] {
    if (!this.regression.ensureFitted() || isl <= 0 || osl <= 0 || mbt <= 0) return [0, 0, 0];
    const effIsl = isl * (1 - clampKvHitRate(kvHitRate));
    const avgCtx = isl + osl / 2;
    const kvCap = maxKvTokens !== undefined && maxKvTokens > 0 ? Math.max(1, Math.trunc(maxKvTokens / Math.max(1, avgCtx))) : 1024;
    const seqCap = maxNumSeqs !== undefined && maxNumSeqs > 0 ? maxNumSeqs : kvCap;
    const hardCap = Math.min(kvCap, seqCap, mbt - 1);
    const balanced = (x: number): boolean => mbt - x > 0 && effIsl / (mbt - x) <= osl;
    let lo = 1;
    let hi = Math.max(1, hardCap);
    while (lo < hi) {
      const mid = Math.floor((lo + hi + 1) / 2);
      if (balanced(mid)) lo = mid;
      else hi = mid - 1;
    }
    let best: [number, number, number] = [0, 0, 0];
    for (let bs = 1; bs <= lo; bs++) {
      const decodeKv = bs * avgCtx;
      const prefillPerIter = Math.min((bs * effIsl) / Math.max(1, osl), mbt);
      const wt = this.regression.predict([prefillPerIter, decodeKv]);
      const itlMs = wt * 1000;
      const rawPrefillPerIter = Math.min((bs * isl) / Math.max(1, osl), mbt);
      const ttftS = this.estimateNextTtft(Math.trunc(rawPrefillPerIter), mbt, Math.trunc(decodeKv), kvHitRate);
      const ttftMs = ttftS !== null ? ttftS * 1000 : 0;
      if (itlMs > itlSlaMs || ttftMs > ttftSlaMs) {
        if (bs === 1) best = [1 / (osl * wt), ttftMs, itlMs];
        break;
      }
      best = [bs / (osl * wt), ttftMs, itlMs];
    }
    return best;
  }
}
