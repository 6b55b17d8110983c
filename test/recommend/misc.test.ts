import {describe, expect, it} from 'vitest';
import {createSyntheticPerfModel} from '../../src/engines/synthetic/index.js';
import {legacyPlannerArgs, plannerConfig} from '../../src/recommend/planner-config.js';
import {paretoFrontier} from '../../src/recommend/render.js';
import {addTargetPoints, syntheticCandidateProfile} from '../../src/recommend/synthetic.js';
import {syntheticDecodePoint, syntheticProfile} from '../../src/sweep/synthetic.js';
import type {ParetoPoint} from '../../src/recommend/recommend.js';

describe('planner config', () => {
  const input = {ttftMs: 300, itlMs: 20, prefillEngineNumGpu: 1, decodeEngineNumGpu: 2, profileResultsDir: 'out/profiling_results', adjustmentIntervalS: 180, maxGpuBudget: 8, minEndpoint: 1, backend: 'vllm'};

  it('writes a v2026 PlannerConfig that keeps throughput scaling on (ms targets)', () => {
    expect(plannerConfig(input)).toEqual({
      mode: 'disagg', backend: 'vllm', optimization_target: 'sla', enable_throughput_scaling: true, enable_load_scaling: false,
      pre_deployment_sweeping_mode: 'thorough', profile_results_dir: 'out/profiling_results', ttft: 300, itl: 20,
      prefill_engine_num_gpu: 1, decode_engine_num_gpu: 2, throughput_adjustment_interval: 180, max_gpu_budget: 8, min_endpoint: 1, load_predictor: 'arima',
    });
    expect(plannerConfig({...input, backend: 'synthetic-thing'}).backend).toBe('vllm');
  });

  it('gives the v2025-08 flags with TTFT and ITL in seconds', () => {
    const args = legacyPlannerArgs(input);
    expect(args.slice(args.indexOf('--ttft'), args.indexOf('--ttft') + 2)).toEqual(['--ttft', '0.3']);
    expect(args.slice(args.indexOf('--itl'), args.indexOf('--itl') + 2)).toEqual(['--itl', '0.02']);
    expect(args).toContain('--decode-engine-num-gpu');
    expect(args[args.indexOf('--decode-engine-num-gpu') + 1]).toBe('2');
  });
});

describe('synthetic candidates', () => {
  const model = createSyntheticPerfModel({model: 'llama-3.1-8b', gpu: 'h200_sxm', tp: 1});

  it('adds the target prefill point in order and decode points at ISL + OSL/2', () => {
    const {profile} = syntheticProfile(model, {maxContext: 16384, prefillGranularity: 16, decodeGranularity: 6}, {tool: 't', createdAt: 'x'});
    const before = profile.decode!.z_itl.length;
    addTargetPoints(profile, model, {isl: 4000, osl: 500}, 6);
    const isls = profile.prefill!.prefill_isl;
    expect(isls).toContain(4000);
    expect(isls.every((v, i) => i === 0 || v > isls[i - 1])).toBe(true);
    const i = isls.indexOf(4000);
    expect(profile.prefill!.prefill_ttft[i]).toBeCloseTo(model.ttftMs(4000), 9);
    const d = profile.decode!;
    const added = d.y_context_length.map((c, k) => ({c, k})).filter(({c}) => c === 4250);
    expect(added.length).toBe(d.z_itl.length - before);
    // maxc = floor(maxKv / 4500); concurrencies range(1, maxc, maxc // 6).
    const maxc = Math.floor(model.maxKvTokens / 4500);
    expect(added.length).toBe(Math.ceil((maxc - 1) / Math.floor(maxc / 6)));
    const {k} = added[1];
    const n = Math.round((d.x_kv_usage[k] * model.maxKvTokens) / 4250);
    expect(d.z_itl[k]).toBeCloseTo(syntheticDecodePoint(model, n, 4250).itlMs, 9);
  });

  it('does not duplicate an ISL the sweep already has', () => {
    const p = syntheticCandidateProfile(model, {maxContext: 16384, target: {isl: 1117, osl: 500}, tool: 't'});
    expect(p.prefill!.prefill_isl.filter((v) => v === 1117)).toHaveLength(1);
  });
});

describe('paretoFrontier', () => {
  const pt = (u: number, g: number): ParetoPoint => ({layout: 'aggregated', series: 's', tokensPerSPerUser: u, tokensPerSPerGpu: g, ttftMs: 0, itlMs: 0, detail: ''});

  it('keeps the points no other point beats on both axes, by tokens/s/user', () => {
    const front = paretoFrontier([pt(10, 100), pt(20, 80), pt(15, 70), pt(30, 40), pt(25, 30), pt(5, 90)]);
    expect(front.map((p) => [p.tokensPerSPerUser, p.tokensPerSPerGpu])).toEqual([[10, 100], [20, 80], [30, 40]]);
  });
});
