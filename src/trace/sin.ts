/**
 * Sinusoidal load generator, with the semantics of Dynamo's `sin_synth` (notes C.2):
 * the request rate and the ISL/OSL mix follow sinusoids that start at their minimum
 * (phase -pi/2); per step of `processIntervalS` the rate is sampled at the step start, the
 * request count is Poisson(rate x step length), and arrivals are evenly spaced in the step;
 * each request is preset 1 with probability `ratio` (sampled at its arrival), else preset 2;
 * timestamps are integer ms; one hash id per `blockSize` tokens of prompt.
 * Extensions: exponential inter-arrival gaps, prefix-chained hash ids, ISL/OSL jitter, a seed.
 */
import type {OnProgress} from '../progress.js';
import {Rng} from '../random.js';
import type {TraceRecord} from './mooncake.js';
import {badInput, option} from '../errors.js';
import {FRACTION, MAX_GENERATED_REQUESTS, REQUEST_RATE, TOKENS, checkNumber, type NumberRange} from '../limits.js';

export interface SinOptions {
  /** Trace length, s. */
  timeDurationS: number;
  /** Generation step, s. */
  processIntervalS: number;
  requestRateMin: number;
  requestRateMax: number;
  /** Period of the request-rate sinusoid, s. */
  requestRatePeriodS: number;
  isl1: number;
  osl1: number;
  isl2: number;
  osl2: number;
  /** Probability of preset 1 oscillates between these. */
  islOslRatioMin: number;
  islOslRatioMax: number;
  islOslRatioPeriodS: number;
  /** Tokens per hash id. */
  blockSize: number;
  /** Size of the random block-id universe. */
  totalBlocks: number;
  seed: number;
  /** `even`: evenly spaced in each step (Dynamo); `poisson`: exponential gaps at the step's rate. */
  arrivals: 'even' | 'poisson';
  /** `independent`: random block ids (Dynamo v2025-08); `chained`: ids encode the prefix chain (mooncake style). */
  hashIds: 'independent' | 'chained';
  /** Standard deviation of a normal jitter added to each ISL/OSL, tokens (0 = exact presets). */
  islStddev: number;
  oslStddev: number;
}

export const SIN_DEFAULTS: SinOptions = {
  timeDurationS: 100,
  processIntervalS: 1,
  requestRateMin: 5,
  requestRateMax: 10,
  requestRatePeriodS: 10,
  isl1: 100,
  osl1: 2000,
  isl2: 5000,
  osl2: 100,
  islOslRatioMin: 0.2,
  islOslRatioMax: 0.8,
  islOslRatioPeriodS: 10,
  blockSize: 512,
  totalBlocks: 10000,
  seed: 0,
  arrivals: 'even',
  hashIds: 'independent',
  islStddev: 0,
  oslStddev: 0,
};

/** Value of a sinusoid between `min` and `max` with the given period at time `tS`; equals `min` at t = 0. */
export function sinus(min: number, max: number, periodS: number, tS: number): number {
  return (min + max) / 2 + ((max - min) / 2) * Math.sin((2 * Math.PI * tS) / periodS - Math.PI / 2);
}

type NumericSinKey = {[K in keyof SinOptions]: SinOptions[K] extends number ? K : never}[keyof SinOptions];

const DURATION_S = {min: 0, exclusiveMin: true, max: 365 * 86_400, maxReason: 'longer than a year'} as const;
const LENGTH = {min: 0, max: TOKENS.max, maxReason: TOKENS.maxReason, integer: true} as const;

/** Range of each numeric option (the flags that set them use the same ranges). */
export const SIN_RANGES: Record<NumericSinKey, NumberRange> = {
  timeDurationS: DURATION_S,
  processIntervalS: {...DURATION_S, min: 0.001, exclusiveMin: false, minReason: 'timestamps are whole milliseconds'},
  requestRateMin: {min: 0, max: REQUEST_RATE.max, maxReason: REQUEST_RATE.maxReason},
  requestRateMax: {min: 0, max: REQUEST_RATE.max, maxReason: REQUEST_RATE.maxReason},
  requestRatePeriodS: DURATION_S,
  isl1: LENGTH, osl1: LENGTH, isl2: LENGTH, osl2: LENGTH,
  islOslRatioMin: FRACTION,
  islOslRatioMax: FRACTION,
  islOslRatioPeriodS: DURATION_S,
  blockSize: {min: 1, max: TOKENS.max, maxReason: TOKENS.maxReason, integer: true},
  totalBlocks: {min: 1, max: 2 ** 32, maxReason: 'block ids are 32-bit', integer: true},
  seed: {integer: true},
  islStddev: {min: 0, max: TOKENS.max, maxReason: TOKENS.maxReason},
  oslStddev: {min: 0, max: TOKENS.max, maxReason: TOKENS.maxReason},
};

/** Reject options the generator cannot honour (messages name them with option(key): a command shows its flags). */
export function checkSinOptions(o: SinOptions): void {
  for (const [key, range] of Object.entries(SIN_RANGES) as Array<[NumericSinKey, NumberRange]>) checkNumber(o[key], range, option(key));
  if (o.requestRateMax < o.requestRateMin) throw badInput(`${option('requestRateMax')} (${o.requestRateMax}) is below ${option('requestRateMin')} (${o.requestRateMin})`);
}

/**
 * Reject a trace that could grow past MAX_GENERATED_REQUESTS (the generator itself is lazy and
 * would stream any length: this bounds what a command writes or runs).
 */
export function checkSinSize(o: SinOptions): void {
  const upToRequests = o.requestRateMax * o.timeDurationS;
  if (upToRequests > MAX_GENERATED_REQUESTS) {
    throw badInput(`${option('requestRateMax')} ${o.requestRateMax} req/s over ${option('timeDurationS')} ${o.timeDurationS} s makes up to ${upToRequests.toPrecision(3)} requests, more than the ${MAX_GENERATED_REQUESTS} a generated trace may hold`);
  }
}

/** Interns (parent id, block) pairs to consecutive ids, like a rolling prefix hash. */
class PrefixChain {
  private readonly ids = new Map<string, number>();

  idsFor(blocks: number[]): number[] {
    const out: number[] = [];
    let parent = -1;
    for (const b of blocks) {
      const key = `${parent}:${b}`;
      let id = this.ids.get(key);
      if (id === undefined) {
        id = this.ids.size;
        this.ids.set(key, id);
      }
      out.push(id);
      parent = id;
    }
    return out;
  }
}

function jitter(rng: Rng, base: number, stddev: number): number {
  if (stddev <= 0) return base;
  return Math.max(1, Math.round(base + stddev * rng.normal()));
}

/**
 * Generate the trace lazily, in time order. Memory is constant in the trace length
 * (except the prefix table of `hashIds: 'chained'`, which grows with distinct prefixes).
 * `onProgress` hears of each process interval generated, in seconds of load.
 */
export function* sinTrace(options: Partial<SinOptions> = {}, onProgress?: OnProgress): Generator<TraceRecord> {
  const o: SinOptions = {...SIN_DEFAULTS, ...options};
  checkSinOptions(o);
  const rng = new Rng(o.seed);
  const chain = o.hashIds === 'chained' ? new PrefixChain() : undefined;
  const make = (tReqS: number): TraceRecord => {
    const ratio = sinus(o.islOslRatioMin, o.islOslRatioMax, o.islOslRatioPeriodS, tReqS);
    const first = rng.uniform() < ratio;
    const isl = jitter(rng, first ? o.isl1 : o.isl2, o.islStddev);
    const osl = jitter(rng, first ? o.osl1 : o.osl2, o.oslStddev);
    const nBlocks = Math.ceil(isl / o.blockSize);
    const blocks = new Array<number>(nBlocks);
    for (let i = 0; i < nBlocks; i += 1) blocks[i] = rng.int(o.totalBlocks);
    return {
      timestamp: Math.floor(tReqS * 1000),
      input_length: isl,
      output_length: osl,
      hash_ids: chain ? chain.idsFor(blocks) : blocks,
    };
  };
  for (let t = 0; t < o.timeDurationS; t += o.processIntervalS) {
    const tEnd = Math.min(t + o.processIntervalS, o.timeDurationS);
    const stepS = tEnd - t;
    const rate = sinus(o.requestRateMin, o.requestRateMax, o.requestRatePeriodS, t);
    if (o.arrivals === 'even') {
      const n = rng.poisson(rate * stepS);
      for (let k = 0; k < n; k += 1) yield make(t + (stepS * k) / n);
    } else if (rate > 0) {
      let tReq = t + rng.exponential(rate);
      while (tReq < tEnd) {
        yield make(tReq);
        tReq += rng.exponential(rate);
      }
    }
    onProgress?.({task: 'generating', done: tEnd, total: o.timeDurationS, unit: 's of load'});
  }
}

/** Dynamo's automatic output name, with Python float formatting of the float flags. */
export function sinDefaultFileName(o: SinOptions): string {
  const f = (x: number): string => (Number.isInteger(x) ? `${x}.0` : String(x));
  return `sin_b${o.blockSize}_t${o.timeDurationS}_rr${f(o.requestRateMin)}-${f(o.requestRateMax)}-${f(o.requestRatePeriodS)}` +
    `_io${o.isl1}${o.osl1}-${o.isl2}${o.osl2}-${f(o.islOslRatioMin)}-${f(o.islOslRatioMax)}-${f(o.islOslRatioPeriodS)}.jsonl`;
}
