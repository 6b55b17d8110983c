/**
 * Evaluating a sweep plan on a synthetic perf model (no sockets): the numbers a live sweep would
 * measure, computed from the model.
 *
 * Prefill point (ISL): one request alone, TTFT = per-request overhead + its chunked-prefill
 * iterations (SyntheticPerfModel.ttftMs); thpt/GPU = isl / TTFT_s / GPUs (Dynamo's formula).
 *
 * Decode point (ISL, n), OSL fixed: every request sits at context isl + osl/2 (the mid-generation
 * average Dynamo records as y). The engine runs at most maxNumSeqs of them per iteration; the rest
 * wait and run in later rounds, so with n = k rounds of sizes s_r the mean ITL over requests is
 * sum_r s_r * step(s_r) / n, where step(s) = decodeStepMs(s, isl + osl/2) (iteration overhead
 * included). Throughput: n * osl tokens in sum_r osl * step(s_r) ms, per GPU. Prefill time of the
 * decode requests is left out (Dynamo warms the prefix cache first, so it is short).
 */
import type {DecodeData, EngineInfo, PrefillData, Profile} from '../profile/types.js';
import type {SyntheticPerfModel} from '../engines/synthetic/model.js';
import {decodePlan, prefillIsls, type DecodePlan} from './plan.js';
import {prefillThptPerGpu} from '../profile/sla.js';

export interface SyntheticSweepOptions {
  maxContext: number;
  prefillGranularity: number;
  decodeGranularity: number;
  osl?: number;
}

export function syntheticPrefill(model: SyntheticPerfModel, isls: number[]): PrefillData {
  const ttft = isls.map((isl) => model.ttftMs(isl));
  return {
    prefill_isl: [...isls],
    prefill_ttft: ttft,
    prefill_thpt_per_gpu: isls.map((isl, i) => prefillThptPerGpu(isl, ttft[i]!, model.gpusPerEngine)),
  };
}

/** Mean ITL (ms) and throughput per GPU (tokens/s) of n concurrent requests at one context length. */
export function syntheticDecodePoint(model: SyntheticPerfModel, n: number, contextLength: number): {itlMs: number; thptPerGpu: number} {
  let weighted = 0;
  let stepsMs = 0;
  for (let left = n; left > 0; left -= model.maxNumSeqs) {
    const size = Math.min(left, model.maxNumSeqs);
    const step = model.decodeStepMs(size, contextLength);
    weighted += size * step;
    stepsMs += step;
  }
  return {itlMs: weighted / n, thptPerGpu: (n * 1000) / stepsMs / model.gpusPerEngine};
}

export function syntheticDecode(model: SyntheticPerfModel, plan: DecodePlan): DecodeData {
  const out: DecodeData = {x_kv_usage: [], y_context_length: [], z_itl: [], z_thpt_per_gpu: [], max_kv_tokens: model.maxKvTokens};
  for (const p of plan.isls) {
    for (const n of p.concurrencies) {
      const {itlMs, thptPerGpu} = syntheticDecodePoint(model, n, p.contextLength);
      out.x_kv_usage.push((p.contextLength * n) / model.maxKvTokens);
      out.y_context_length.push(p.contextLength);
      out.z_itl.push(itlMs);
      out.z_thpt_per_gpu.push(thptPerGpu);
    }
  }
  return out;
}

/** A whole synthetic profile for one engine configuration. Deterministic except `createdAt`. */
export function syntheticProfile(model: SyntheticPerfModel, opts: SyntheticSweepOptions, meta: {tool: string; createdAt: string}): {
  profile: Profile;
  plan: DecodePlan;
} {
  const isls = prefillIsls(opts.maxContext, opts.prefillGranularity);
  const plan = decodePlan({maxContext: opts.maxContext, granularity: opts.decodeGranularity, maxKvTokens: model.maxKvTokens, osl: opts.osl});
  const engine: EngineInfo = model.describe();
  const profile: Profile = {
    format: 'planner-profile',
    version: 1,
    engine,
    source: {
      kind: 'synthetic',
      createdAt: meta.createdAt,
      tool: meta.tool,
      origin: model.name,
      assumptions: model.assumptions,
      sweep: {maxContext: opts.maxContext, prefillGranularity: opts.prefillGranularity, decodeGranularity: opts.decodeGranularity, osl: plan.isls[0]?.osl ?? opts.osl},
    },
    prefill: syntheticPrefill(model, isls),
    decode: syntheticDecode(model, plan),
  };
  return {profile, plan};
}
