/**
 * From user-level choices to replay runs: fixed fleets named as `static:2p2d` / `agg:4`, engine
 * capabilities as the planner sees them, KV bytes per token for the transfer time, and the
 * regression bootstrap (a profile's points, as Dynamo converts its NPZ, or a sweep of the perf
 * model, as Dynamo's AIC bootstrap does).
 */
import {badInput, option} from '../errors.js';
import type {PerfModel} from '../engines/perf-model.js';
import {resolveModel} from '../engines/synthetic/index.js';
import type {EngineCapabilities, ForwardPassMetrics} from '../planner/core/types.js';
import type {BenchmarkFpms} from '../planner/core/state-machine.js';
import type {PoolSpec} from './fleet.js';

export interface FixedFleet {
  name: string;
  mode: 'disagg' | 'agg';
  prefill: number;
  decode: number;
  /** Profile directory timing this fleet's engines (`static:1p1d@DIR`), else the run's. */
  profile?: string;
}

/** `static:NpMd` (disaggregated) or `agg:N`, optionally `@PROFILE_DIR`. */
export function parseFixedFleet(text: string): FixedFleet {
  const [spec, profile] = text.split('@', 2) as [string, string | undefined];
  const disagg = /^static:(\d+)p(\d+)d$/i.exec(spec);
  if (disagg) {
    const prefill = Number(disagg[1]);
    const decode = Number(disagg[2]);
    if (prefill < 1 || decode < 1) throw badInput(`${option('compare')} ${text}: a fixed fleet needs at least 1 prefill and 1 decode engine`);
    return {name: text, mode: 'disagg', prefill, decode, profile};
  }
  const agg = /^agg:(\d+)$/i.exec(spec);
  if (agg && Number(agg[1]) >= 1) return {name: text, mode: 'agg', prefill: 0, decode: Number(agg[1]), profile};
  throw badInput(`${option('compare')} ${text}: expected static:<N>p<M>d or agg:<N> (optionally @PROFILE_DIR), e.g. static:2p2d,agg:4`);
}

/** KV bytes per token of a catalog model: layers x 2 (K and V) x KV heads x head dim x bytes. */
export function kvBytesPerToken(model: string, kvBytes: number): number | undefined {
  try {
    const m = resolveModel(model);
    return m.layers * 2 * m.kvHeads * m.headDim * kvBytes;
  } catch {
    return undefined;
  }
}

export function capabilitiesOf(spec: PoolSpec): EngineCapabilities {
  const blockSize = spec.engine.blockSize ?? 16;
  const maxKvTokens = spec.engine.maxKvTokens ?? spec.perfModel.maxKvTokens;
  return {
    numGpu: spec.perfModel.gpusPerEngine,
    maxNumBatchedTokens: spec.engine.maxNumBatchedTokens,
    maxNumSeqs: spec.engine.maxNumSeqs,
    contextLength: Math.floor(maxKvTokens / blockSize) * blockSize,
    maxKvTokens,
  };
}

function fpm(wallTimeS: number, s: Partial<ForwardPassMetrics['scheduled']>): ForwardPassMetrics {
  return {
    workerId: 'bootstrap', dpRank: 0, wallTimeS,
    scheduled: {numPrefillRequests: 0, sumPrefillTokens: 0, varPrefillLength: 0, sumPrefillKvTokens: 0, numDecodeRequests: 0, sumDecodeKvTokens: 0, varDecodeKvTokens: 0, ...s},
    queued: {numPrefillRequests: 0, sumPrefillTokens: 0, varPrefillLength: 0, numDecodeRequests: 0, sumDecodeKvTokens: 0, varDecodeKvTokens: 0},
  };
}

/**
 * Benchmark FPMs from a perf model (E.10 item 2's shape): single prefills over ISLs, decode
 * batches over context lengths; agg seeds from the decode points (E.13 item 16).
 */
export function perfModelBootstrap(prefill: PerfModel | undefined, decode: PerfModel, maxKvTokens: number, maxNumSeqs: number, mode: 'disagg' | 'agg'): BenchmarkFpms {
  const maxLen = Math.min(maxKvTokens, 16384);
  const decodeFpms: ForwardPassMetrics[] = [];
  for (const ctx of [256, 1024, 2048, 4096, 8192].filter((c) => c < maxLen)) {
    const cap = Math.max(1, Math.min(maxNumSeqs, Math.floor(maxKvTokens / ctx)));
    for (const n of [1, 4, 16, 64, 128, 256].filter((b) => b <= cap)) {
      const ms = decode.stepMs({prefillTokens: 0, prefillRequests: 0, prefillPrefixTokens: 0, decodeRequests: n, decodeKvTokens: n * ctx});
      decodeFpms.push(fpm(ms / 1000, {numDecodeRequests: n, sumDecodeKvTokens: n * ctx}));
    }
  }
  if (mode === 'agg') return {agg: decodeFpms};
  const prefillFpms: ForwardPassMetrics[] = [];
  for (let isl = 100; isl < maxLen - 512; isl += Math.max(1, Math.floor((maxLen - 612) / 16))) {
    const ms = prefill!.stepMs({prefillTokens: isl, prefillRequests: 1, prefillPrefixTokens: 0, decodeRequests: 0, decodeKvTokens: 0});
    prefillFpms.push(fpm(ms / 1000, {numPrefillRequests: 1, sumPrefillTokens: isl}));
  }
  return {prefill: prefillFpms, decode: decodeFpms};
}
