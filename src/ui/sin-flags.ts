/** The `sin_synth` flags, shared by `trace sin` and `dryrun` (which generates its load in memory). */
import {Flags} from '@oclif/core';
import {SIN_DEFAULTS, type SinOptions} from '../trace/sin.js';
import {numberFlag} from './number-flags.js';

export function sinFlags(defaults: SinOptions = SIN_DEFAULTS, helpGroup?: string) {
  const g = helpGroup;
  return {
    'time-duration': numberFlag('time-duration', {description: 'Trace length, s.', default: defaults.timeDurationS, min: 0, exclusiveMin: true, helpGroup: g}),
    'process-interval': numberFlag('process-interval', {description: 'Generation step, s: the rate is sampled at each step start.', default: defaults.processIntervalS, min: 0, exclusiveMin: true, helpGroup: g}),
    'request-rate-min': numberFlag('request-rate-min', {description: 'Lowest request rate, req/s (at t = 0).', default: defaults.requestRateMin, min: 0, helpGroup: g}),
    'request-rate-max': numberFlag('request-rate-max', {description: 'Highest request rate, req/s (at half the period).', default: defaults.requestRateMax, min: 0, helpGroup: g}),
    'request-rate-period': numberFlag('request-rate-period', {description: 'Period of the request-rate sinusoid, s.', default: defaults.requestRatePeriodS, min: 0, exclusiveMin: true, helpGroup: g}),
    isl1: numberFlag('isl1', {description: 'Input length of preset 1, tokens.', default: defaults.isl1, min: 0, integer: true, helpGroup: g}),
    osl1: numberFlag('osl1', {description: 'Output length of preset 1, tokens.', default: defaults.osl1, min: 0, integer: true, helpGroup: g}),
    isl2: numberFlag('isl2', {description: 'Input length of preset 2, tokens.', default: defaults.isl2, min: 0, integer: true, helpGroup: g}),
    osl2: numberFlag('osl2', {description: 'Output length of preset 2, tokens.', default: defaults.osl2, min: 0, integer: true, helpGroup: g}),
    'isl-osl-ratio-min': numberFlag('isl-osl-ratio-min', {description: 'Lowest probability that a request uses preset 1.', default: defaults.islOslRatioMin, min: 0, max: 1, helpGroup: g}),
    'isl-osl-ratio-max': numberFlag('isl-osl-ratio-max', {description: 'Highest probability that a request uses preset 1.', default: defaults.islOslRatioMax, min: 0, max: 1, helpGroup: g}),
    'isl-osl-ratio-period': numberFlag('isl-osl-ratio-period', {description: 'Period of the preset-mix sinusoid, s.', default: defaults.islOslRatioPeriodS, min: 0, exclusiveMin: true, helpGroup: g}),
    'block-size': numberFlag('block-size', {description: 'Tokens per hash id (the trace\'s block size, as sin_synth\'s --block-size; not a KV-cache block).', default: defaults.blockSize, min: 1, integer: true, helpGroup: g}),
    'total-blocks': numberFlag('total-blocks', {description: 'Size of the random block-id universe.', default: defaults.totalBlocks, min: 1, integer: true, helpGroup: g}),
    seed: numberFlag('seed', {description: `Random seed (same seed, same trace)${defaults.seed === 0 ? '; 0 by default' : ''}.`, default: defaults.seed, integer: true, helpGroup: g}),
    arrivals: Flags.option({description: 'Arrival times inside a step: even (as Dynamo) or poisson (exponential gaps).', options: ['even', 'poisson'] as const, default: defaults.arrivals, helpGroup: g})(),
    'hash-ids': Flags.option({description: 'independent random block ids (as Dynamo v2025-08) or chained prefix ids (as mooncake traces; keeps a prefix table in memory).', options: ['independent', 'chained'] as const, default: defaults.hashIds, helpGroup: g})(),
    'isl-stddev': numberFlag('isl-stddev', {description: 'Standard deviation of a normal jitter on each ISL, tokens.', default: defaults.islStddev, min: 0, helpGroup: g}),
    'osl-stddev': numberFlag('osl-stddev', {description: 'Standard deviation of a normal jitter on each OSL, tokens.', default: defaults.oslStddev, min: 0, helpGroup: g}),
  };
}

/** Parsed flag values back to generator options. */
export function sinOptionsFromFlags(f: Record<string, unknown>): SinOptions {
  const n = (k: string): number => f[k] as number;
  return {
    timeDurationS: n('time-duration'),
    processIntervalS: n('process-interval'),
    requestRateMin: n('request-rate-min'),
    requestRateMax: n('request-rate-max'),
    requestRatePeriodS: n('request-rate-period'),
    isl1: n('isl1'), osl1: n('osl1'), isl2: n('isl2'), osl2: n('osl2'),
    islOslRatioMin: n('isl-osl-ratio-min'),
    islOslRatioMax: n('isl-osl-ratio-max'),
    islOslRatioPeriodS: n('isl-osl-ratio-period'),
    blockSize: n('block-size'),
    totalBlocks: n('total-blocks'),
    seed: n('seed'),
    arrivals: f.arrivals as SinOptions['arrivals'],
    hashIds: f['hash-ids'] as SinOptions['hashIds'],
    islStddev: n('isl-stddev'),
    oslStddev: n('osl-stddev'),
  };
}

/** Names of the sin flags, to tell whether a user set any of them. */
export const SIN_FLAG_NAMES = Object.keys(sinFlags());
