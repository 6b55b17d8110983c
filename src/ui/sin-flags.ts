/** The `sin_synth` flags, shared by `trace sin` and `dryrun` (which generates its load in memory). */
import {Flags} from '@oclif/core';
import {SIN_DEFAULTS, SIN_RANGES, type SinOptions} from '../trace/sin.js';
import {numberFlag} from './number-flags.js';

export function sinFlags(defaults: SinOptions = SIN_DEFAULTS, helpGroup?: string) {
  const g = helpGroup;
  return {
    'time-duration': numberFlag({description: 'Trace length, s.', default: defaults.timeDurationS, ...SIN_RANGES.timeDurationS, helpGroup: g}),
    'process-interval': numberFlag({description: 'Generation step, s: the rate is sampled at each step start.', default: defaults.processIntervalS, ...SIN_RANGES.processIntervalS, helpGroup: g}),
    'request-rate-min': numberFlag({description: 'Lowest request rate, req/s (at t = 0).', default: defaults.requestRateMin, ...SIN_RANGES.requestRateMin, helpGroup: g}),
    'request-rate-max': numberFlag({description: 'Highest request rate, req/s (at half the period).', default: defaults.requestRateMax, ...SIN_RANGES.requestRateMax, helpGroup: g}),
    'request-rate-period': numberFlag({description: 'Period of the request-rate sinusoid, s.', default: defaults.requestRatePeriodS, ...SIN_RANGES.requestRatePeriodS, helpGroup: g}),
    isl1: numberFlag({description: 'Input length of preset 1, tokens.', default: defaults.isl1, ...SIN_RANGES.isl1, helpGroup: g}),
    osl1: numberFlag({description: 'Output length of preset 1, tokens.', default: defaults.osl1, ...SIN_RANGES.osl1, helpGroup: g}),
    isl2: numberFlag({description: 'Input length of preset 2, tokens.', default: defaults.isl2, ...SIN_RANGES.isl2, helpGroup: g}),
    osl2: numberFlag({description: 'Output length of preset 2, tokens.', default: defaults.osl2, ...SIN_RANGES.osl2, helpGroup: g}),
    'isl-osl-ratio-min': numberFlag({description: 'Lowest probability that a request uses preset 1.', default: defaults.islOslRatioMin, ...SIN_RANGES.islOslRatioMin, helpGroup: g}),
    'isl-osl-ratio-max': numberFlag({description: 'Highest probability that a request uses preset 1.', default: defaults.islOslRatioMax, ...SIN_RANGES.islOslRatioMax, helpGroup: g}),
    'isl-osl-ratio-period': numberFlag({description: 'Period of the preset-mix sinusoid, s.', default: defaults.islOslRatioPeriodS, ...SIN_RANGES.islOslRatioPeriodS, helpGroup: g}),
    'block-size': numberFlag({description: 'Tokens per hash id (the trace\'s block size, as sin_synth\'s --block-size; not a KV-cache block).', default: defaults.blockSize, ...SIN_RANGES.blockSize, helpGroup: g}),
    'total-blocks': numberFlag({description: 'Size of the random block-id universe.', default: defaults.totalBlocks, ...SIN_RANGES.totalBlocks, helpGroup: g}),
    seed: numberFlag({description: `Random seed (same seed, same trace)${defaults.seed === 0 ? '; 0 by default' : ''}.`, default: defaults.seed, ...SIN_RANGES.seed, helpGroup: g}),
    arrivals: Flags.option({description: 'Arrival times inside a step: even (as Dynamo) or poisson (exponential gaps).', options: ['even', 'poisson'] as const, default: defaults.arrivals, helpGroup: g})(),
    'hash-ids': Flags.option({description: 'independent random block ids (as Dynamo v2025-08) or chained prefix ids (as mooncake traces; keeps a prefix table in memory).', options: ['independent', 'chained'] as const, default: defaults.hashIds, helpGroup: g})(),
    'isl-stddev': numberFlag({description: 'Standard deviation of a normal jitter on each ISL, tokens.', default: defaults.islStddev, ...SIN_RANGES.islStddev, helpGroup: g}),
    'osl-stddev': numberFlag({description: 'Standard deviation of a normal jitter on each OSL, tokens.', default: defaults.oslStddev, ...SIN_RANGES.oslStddev, helpGroup: g}),
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

/** The flag of each generator option (`timeDurationS` -> `time-duration`), for a command's optionFlags. */
export const SIN_OPTION_FLAGS: Record<string, string> = Object.fromEntries(
  Object.entries(sinOptionsFromFlags(Object.fromEntries(SIN_FLAG_NAMES.map((n) => [n, n])))).map(([option, flag]) => [option, flag as string]),
);
