/**
 * Pre-deployment bootstrap of the regressions (notes E.10 item 3, E.13 item 16): each profile
 * point becomes one synthetic forward pass, in the profile's order (prefill points, then decode
 * points), rounding with Python's `round` as Dynamo converts its NPZ.
 */
import {roundHalfEven} from '../../stats.js';
import type {BenchmarkFpms} from './state-machine.js';
import type {ForwardPassMetrics, PlannerMode, QueuedRequests, ScheduledRequests} from './types.js';

export interface BootstrapProfileData {
  prefill?: {prefill_isl: readonly number[]; prefill_ttft: readonly number[]};
  decode?: {x_kv_usage: readonly number[]; y_context_length: readonly number[]; z_itl: readonly number[]; max_kv_tokens: number};
}

const NO_QUEUE: QueuedRequests = {
  numPrefillRequests: 0, sumPrefillTokens: 0, varPrefillLength: 0, numDecodeRequests: 0, sumDecodeKvTokens: 0, varDecodeKvTokens: 0,
};

function fpm(workerId: string, wallTimeS: number, scheduled: Partial<ScheduledRequests>): ForwardPassMetrics {
  return {
    workerId, dpRank: 0, wallTimeS,
    scheduled: {numPrefillRequests: 0, sumPrefillTokens: 0, varPrefillLength: 0, sumPrefillKvTokens: 0, numDecodeRequests: 0, sumDecodeKvTokens: 0, varDecodeKvTokens: 0, ...scheduled},
    queued: NO_QUEUE,
  };
}

/** Prefill point → {1 request, isl tokens, ttft/1000 s}. */
export function prefillBootstrapFpms(d: NonNullable<BootstrapProfileData['prefill']>): ForwardPassMetrics[] {
  return d.prefill_isl.map((isl, i) => fpm('bootstrap', d.prefill_ttft[i]! / 1000, {numPrefillRequests: 1, sumPrefillTokens: isl}));
}

/** Decode point → KV = round(x · max_kv), batch = max(1, round(KV / context)), itl/1000 s. */
export function decodeBootstrapFpms(d: NonNullable<BootstrapProfileData['decode']>): ForwardPassMetrics[] {
  return d.x_kv_usage.map((x, i) => {
    const sumKv = roundHalfEven(x * d.max_kv_tokens);
    const bs = Math.max(1, roundHalfEven(sumKv / d.y_context_length[i]!));
    return fpm('bootstrap', d.z_itl[i]! / 1000, {numDecodeRequests: bs, sumDecodeKvTokens: sumKv});
  });
}

/** What `loadBenchmarkFpms` gets for a mode: agg seeds from the decode data (E.13 item 16). */
export function bootstrapFpms(data: BootstrapProfileData, mode: PlannerMode): BenchmarkFpms {
  const prefill = data.prefill ? prefillBootstrapFpms(data.prefill) : undefined;
  const decode = data.decode ? decodeBootstrapFpms(data.decode) : undefined;
  if (mode === 'agg') return {agg: decode};
  return {prefill, decode};
}
