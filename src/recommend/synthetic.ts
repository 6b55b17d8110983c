/**
 * Synthetic candidates for `recommend --synthetic`: one in-memory profile per TP, from Dynamo's
 * sweep plan evaluated on the synthetic model, plus the points Dynamo's profiler measures for its
 * TP choice (reference notes A.4 steps 2-3): a prefill point at the target ISL, and decode points
 * at the target ISL/OSL over the concurrencies the KV cache holds. Without them the decode answer
 * at the target context would come from the grid around the sweep's own contexts (for an 8B model
 * at ISL 4000 that is the sample at context 2997, up to 10 % off).
 */
import type {SyntheticPerfModel} from '../engines/synthetic/model.js';
import type {Profile} from '../profile/types.js';
import {decodeConcurrencies} from '../sweep/plan.js';
import {syntheticDecodePoint, syntheticProfile} from '../sweep/synthetic.js';
import {decodeContextLength, prefillThptPerGpu} from '../profile/sla.js';

export interface TargetPoint {
  isl: number;
  osl: number;
}

/** Add the target prefill point (keeping prefill_isl strictly increasing) and target decode points to a profile, in place. */
export function addTargetPoints(profile: Profile, model: SyntheticPerfModel, target: TargetPoint, granularity: number): void {
  const p = profile.prefill;
  if (p && !p.prefill_isl.includes(target.isl)) {
    const at = p.prefill_isl.findIndex((v) => v > target.isl);
    const i = at < 0 ? p.prefill_isl.length : at;
    const ttft = model.ttftMs(target.isl);
    p.prefill_isl.splice(i, 0, target.isl);
    p.prefill_ttft.splice(i, 0, ttft);
    p.prefill_thpt_per_gpu.splice(i, 0, prefillThptPerGpu(target.isl, ttft, model.gpusPerEngine));
  }
  const d = profile.decode;
  if (!d) return;
  const contextLength = decodeContextLength(target.isl, target.osl);
  const maxConcurrency = Math.floor(model.maxKvTokens / (target.isl + target.osl));
  for (const n of decodeConcurrencies(maxConcurrency, granularity)) {
    const kvUsage = (contextLength * n) / model.maxKvTokens;
    if (d.x_kv_usage.some((x, i) => x === kvUsage && d.y_context_length[i] === contextLength)) continue;
    const {itlMs, thptPerGpu} = syntheticDecodePoint(model, n, contextLength);
    d.x_kv_usage.push(kvUsage);
    d.y_context_length.push(contextLength);
    d.z_itl.push(itlMs);
    d.z_thpt_per_gpu.push(thptPerGpu);
  }
}

export interface SyntheticCandidateOptions {
  maxContext: number;
  prefillGranularity?: number;
  decodeGranularity?: number;
  target: TargetPoint;
  tool: string;
}

/** The profile of one synthetic engine: Dynamo's sweep plus the target points. */
export function syntheticCandidateProfile(model: SyntheticPerfModel, opts: SyntheticCandidateOptions): Profile {
  const decodeGranularity = opts.decodeGranularity ?? 6;
  const {profile} = syntheticProfile(
    model,
    {maxContext: opts.maxContext, prefillGranularity: opts.prefillGranularity ?? 16, decodeGranularity},
    {tool: opts.tool, createdAt: new Date(0).toISOString()},
  );
  addTargetPoints(profile, model, opts.target, decodeGranularity);
  profile.source.origin = `${model.name} (in memory, with points at ISL ${opts.target.isl} / OSL ${opts.target.osl})`;
  return profile;
}
