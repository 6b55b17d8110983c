import {describe, expect, it} from 'vitest';
import {resolvePlannerConfig} from '../../../src/planner/core/config-read.js';

const resolve = (...raws: Array<Record<string, unknown>>) => resolvePlannerConfig(raws.map((raw, i) => ({source: `layer${i}`, raw})));

describe('resolvePlannerConfig', () => {
  it('Dynamo defaults; easy mode forces load scaling on and throughput off', () => {
    const {config} = resolve({});
    expect(config).toMatchObject({mode: 'disagg', optimizationTarget: 'throughput', enableLoadScaling: true, enableThroughputScaling: false,
      ttftMs: 500, itlMs: 50, loadAdjustmentIntervalS: 5, throughputAdjustmentIntervalS: 180, maxGpuBudget: 8, minGpuBudget: -1});
  });

  it('accepts the older aliases; the canonical key wins within a layer; later layers win', () => {
    const {config} = resolve({optimization_target: 'sla', ttft: 200, ttft_ms: 300, load_adjustment_interval: 10, enable_load_scaling: true}, {ttft: 250});
    expect(config.ttftMs).toBe(250);
    expect(config.loadAdjustmentIntervalS).toBe(10);
  });

  it('one error naming the key for a bad value', () => {
    expect(() => resolve({mode: 'both'})).toThrow(/layer0: planner config key mode must be one of disagg, prefill, decode, agg, got "both"/);
    expect(() => resolve({load_adjustment_interval_seconds: 2.5})).toThrow(/load_adjustment_interval_seconds must be an integer/);
    expect(() => resolve({decode_scale_up_kv_rate: 120})).toThrow(/decode_scale_up_kv_rate must be <= 100/);
    expect(() => resolve({optimization_target: 'sla', ttft_ms: 0})).toThrow(/ttft_ms must be > 0/);
  });

  it('validates in Dynamo\'s order: bucket size before the load-target thresholds', () => {
    expect(() => resolve({fpm_sample_bucket_size: 15, optimization_target: 'load'})).toThrow(/fpm_sample_bucket_size must be a perfect square/);
    expect(() => resolve({optimization_target: 'load'})).toThrow(/prefill_scale_up_queue_tokens is required/);
    expect(() => resolve({optimization_target: 'load', mode: 'decode', decode_scale_up_kv_rate: 10, decode_scale_down_kv_rate: 10})).toThrow(/decode_scale_up_kv_rate must be greater/);
  });

  it('the load target warns that it turns throughput scaling off', () => {
    const {config, warnings} = resolve({optimization_target: 'load', mode: 'decode', decode_scale_up_kv_rate: 80, decode_scale_down_kv_rate: 20});
    expect(config.enableThroughputScaling).toBe(false);
    expect(warnings.join('\n')).toMatch(/disables throughput-based scaling/);
  });

  it('SLA mode: at least one scaling mode, a sweep mode, load interval shorter than throughput interval', () => {
    expect(() => resolve({optimization_target: 'sla', enable_throughput_scaling: false})).toThrow(/at least one scaling mode/);
    expect(() => resolve({optimization_target: 'sla', pre_deployment_sweeping_mode: 'none'})).toThrow(/pre_deployment_sweeping_mode cannot be 'none'/);
    expect(() => resolve({optimization_target: 'sla', enable_load_scaling: true, load_adjustment_interval: 180})).toThrow(/must be shorter than throughput_adjustment_interval_seconds/);
  });

  it('unknown keys are ignored with a warning, as Dynamo ignores them', () => {
    const {warnings} = resolve({optimization_target: 'sla', no_such_key: 1});
    expect(warnings).toEqual(['layer0: unknown planner config key "no_such_key" ignored']);
  });
});
