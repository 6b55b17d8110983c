import {describe, expect, it} from 'vitest';
import {createSyntheticPerfModel} from '../../src/engines/synthetic/index.js';
import {validateProfile} from '../../src/profile/io.js';
import {syntheticDecodePoint, syntheticProfile} from '../../src/sweep/synthetic.js';

const model = createSyntheticPerfModel({model: 'llama-3.1-8b', gpu: 'h200_sxm', tp: 1, quant: 'fp8'});
const opts = {maxContext: 16384, prefillGranularity: 16, decodeGranularity: 6};
const meta = {tool: 'planner test', createdAt: '2026-01-01T00:00:00.000Z'};

describe('synthetic profile', () => {
  const {profile} = syntheticProfile(model, opts, meta);

  it('validates against the profile schema with engine and source filled', () => {
    expect(validateProfile(JSON.parse(JSON.stringify(profile)), 'synthetic')).toBeTruthy();
    expect(profile.source.kind).toBe('synthetic');
    expect(profile.engine).toMatchObject({model: 'llama-3.1-8b', gpu: 'h200_sxm', tp: 1, gpusPerEngine: 1, backend: 'vllm', quant: 'fp8', maxKvTokens: model.maxKvTokens});
    expect(profile.decode?.max_kv_tokens).toBe(model.maxKvTokens);
  });

  it('prefill: 17 strictly increasing ISLs, TTFT = model.ttftMs, thpt = isl / TTFT_s / GPUs', () => {
    const p = profile.prefill!;
    expect(p.prefill_isl).toHaveLength(17);
    expect(p.prefill_isl.every((v, i) => i === 0 || v > p.prefill_isl[i - 1])).toBe(true);
    expect(p.prefill_ttft[5]).toBe(model.ttftMs(p.prefill_isl[5]));
    expect(p.prefill_thpt_per_gpu[5]).toBeCloseTo(p.prefill_isl[5] / (p.prefill_ttft[5] / 1000), 9);
  });

  it('decode: kv usage within 0..1, x = ctx * n / maxKv, ITL = one decode step at isl + osl/2', () => {
    const d = profile.decode!;
    expect(d.x_kv_usage.every((x) => x > 0 && x <= 1)).toBe(true);
    expect(d.y_context_length[0]).toBe(350);
    expect(d.x_kv_usage[0]).toBeCloseTo(350 / model.maxKvTokens, 15);
    expect(d.z_itl[0]).toBe(model.decodeStepMs(1, 350));
    expect(d.z_thpt_per_gpu[0]).toBeCloseTo(1000 / d.z_itl[0], 9);
  });

  it('decode beyond maxNumSeqs runs in rounds: mean ITL weighted by round size', () => {
    const n = model.maxNumSeqs + 300;
    const full = model.decodeStepMs(model.maxNumSeqs, 350);
    const rest = model.decodeStepMs(300, 350);
    const pt = syntheticDecodePoint(model, n, 350);
    expect(pt.itlMs).toBeCloseTo((model.maxNumSeqs * full + 300 * rest) / n, 9);
    expect(pt.thptPerGpu).toBeCloseTo((n * 1000) / (full + rest), 9);
  });

  it('is deterministic', () => {
    expect(syntheticProfile(model, opts, meta).profile).toEqual(profile);
  });

  it('per-GPU throughput divides by the TP size', () => {
    const tp2 = createSyntheticPerfModel({model: 'llama-3.1-8b', gpu: 'h200_sxm', tp: 2, quant: 'fp8'});
    const p2 = syntheticProfile(tp2, opts, meta).profile.prefill!;
    expect(p2.prefill_thpt_per_gpu[3]).toBeCloseTo(p2.prefill_isl[3] / (p2.prefill_ttft[3] / 1000) / 2, 9);
  });
});
