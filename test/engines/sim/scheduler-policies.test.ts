import {describe, expect, it} from 'vitest';
import {SimEngine, type StepResult} from '../../../src/engines/sim/engine.js';
import {resolveSchedulerPolicy, SCHEDULER_POLICIES} from '../../../src/engines/sim/scheduler-policies.js';
import {linearPerfModel} from '../../helpers/linear-perf-model.js';
import {runBenchmark} from '../../../src/engines/sim/benchmark.js';

function runAll(engine: SimEngine): StepResult[] {
  const steps: StepResult[] = [];
  let t = 0;
  for (let res = engine.step(t); res; res = engine.step(t)) {
    steps.push(res);
    t = res.metrics.endMs;
  }
  return steps;
}

const engineWith = (policy: keyof typeof SCHEDULER_POLICIES, extra: {maxKvTokens?: number; maxNumBatchedTokens?: number} = {}) =>
  new SimEngine({perfModel: linearPerfModel(), scheduler: SCHEDULER_POLICIES[policy].create(), blockSize: 16, ...extra});

describe('scheduler policies', () => {
  // 100 blocks of 16 tokens; each request needs 32 blocks for its prompt, 57 for prompt + output.
  const twoLongRequests = (engine: SimEngine) => {
    engine.add({id: 'a', promptTokens: 500, outputTokens: 400, arrivalMs: 0});
    engine.add({id: 'b', promptTokens: 500, outputTokens: 400, arrivalMs: 0});
  };

  it('vLLM admits on the blocks needed now and preempts when KV runs out', () => {
    const engine = engineWith('vllm', {maxKvTokens: 1600});
    twoLongRequests(engine);
    const steps = runAll(engine);
    expect(steps[0]!.metrics.scheduledPrefillRequests).toBe(2);
    expect(engine.totals.preemptions).toBeGreaterThan(0);
    expect(engine.totals.finished).toBe(2);
  });

  it('TRT-LLM reserves prompt + output at admission: the second request waits, nothing is preempted', () => {
    const engine = engineWith('trtllm', {maxKvTokens: 1600});
    twoLongRequests(engine);
    const steps = runAll(engine);
    expect(steps[0]!.metrics).toMatchObject({scheduledPrefillRequests: 1, queuedRequests: 1});
    expect(engine.totals.preemptions).toBe(0);
    expect(engine.totals.finished).toBe(2);
    // b starts only after a finished (a: 1 prefill + 399 decode steps).
    const bStart = steps.findIndex((s, i) => i > 0 && s.metrics.scheduledPrefillRequests === 1);
    expect(bStart).toBe(400);
  });

  it('TRT-LLM runs prompts whole: a prompt that does not fit the budget left waits instead of being chunked', () => {
    const trt = engineWith('trtllm', {maxNumBatchedTokens: 1000});
    const vllm = engineWith('vllm', {maxNumBatchedTokens: 1000});
    for (const e of [trt, vllm]) {
      e.add({id: 'a', promptTokens: 600, outputTokens: 2, arrivalMs: 0});
      e.add({id: 'b', promptTokens: 600, outputTokens: 2, arrivalMs: 0});
    }
    expect(trt.step(0)!.metrics).toMatchObject({scheduledPrefillTokens: 600, scheduledPrefillRequests: 1});
    expect(vllm.step(0)!.metrics).toMatchObject({scheduledPrefillTokens: 1000, scheduledPrefillRequests: 2});
  });

  it('TRT-LLM still chunks a prompt longer than the whole budget', () => {
    const engine = engineWith('trtllm', {maxNumBatchedTokens: 1000});
    engine.add({id: 'a', promptTokens: 2500, outputTokens: 2, arrivalMs: 0});
    const steps = runAll(engine);
    expect(steps.slice(0, 3).map((s) => s.metrics.scheduledPrefillTokens)).toEqual([1000, 1000, 500]);
  });

  it('SGLang runs a prefill-only batch when a request arrives, vLLM mixes it with the decodes', () => {
    for (const [policy, decodes] of [['sglang', 0], ['vllm', 1]] as const) {
      const engine = engineWith(policy);
      engine.add({id: 'a', promptTokens: 100, outputTokens: 10, arrivalMs: 0});
      const first = engine.step(0)!;
      engine.add({id: 'b', promptTokens: 100, outputTokens: 10, arrivalMs: first.metrics.endMs});
      const second = engine.step(first.metrics.endMs)!;
      expect(second.metrics).toMatchObject({scheduledPrefillRequests: 1, decodeRequests: decodes});
      const third = engine.step(second.metrics.endMs)!;
      expect(third.metrics).toMatchObject({scheduledPrefillRequests: 0, decodeRequests: 2});
    }
  });

  it('SGLang reserves a share of the remaining output: a request that would not fit its reservation waits', () => {
    // 1600 tokens; a holds 500 prompt and reserves 0.7 x 800 output = 560; b needs 500 + 560.
    const engine = engineWith('sglang', {maxKvTokens: 1600});
    engine.add({id: 'a', promptTokens: 500, outputTokens: 800, arrivalMs: 0});
    engine.add({id: 'b', promptTokens: 500, outputTokens: 800, arrivalMs: 0});
    expect(engine.step(0)!.metrics).toMatchObject({scheduledPrefillRequests: 1, queuedRequests: 1});
  });

  it('policies resolve by backend name; unknown names are bad input', () => {
    expect(resolveSchedulerPolicy('TensorRT-LLM').name).toBe('trtllm');
    expect(() => resolveSchedulerPolicy('tgi')).toThrow(/unknown scheduler policy "tgi"/);
  });
});

describe('decode aggregation', () => {
  it('a prompt chunked to one token short of its end still gets its first token (ISL = budget with a decode running)', () => {
    const run = (aggregateDecodes: boolean) => {
      const engine = new SimEngine({perfModel: linearPerfModel(), maxNumBatchedTokens: 100, aggregateDecodes});
      engine.add({id: 'a', promptTokens: 50, outputTokens: 20, arrivalMs: 0});
      const first = engine.step(0)!;
      const b = engine.add({id: 'b', promptTokens: 100, outputTokens: 5, arrivalMs: first.metrics.endMs});
      let t = first.metrics.endMs;
      for (let res = engine.step(t); res; res = engine.step(t)) t = res.metrics.endMs;
      return b;
    };
    const grouped = run(true);
    const single = run(false);
    expect(grouped.firstTokenMs).toBeDefined();
    expect(grouped.firstTokenMs).toBeCloseTo(single.firstTokenMs!, 9);
    expect(grouped.finishMs).toBeCloseTo(single.finishMs!, 9);
  });
});

describe('SGLang closed loop (bench/serving-accuracy.md, SGLang)', () => {
  // 8 streams of 1000-token prompts, 20 output tokens, chunk 2048: a wave's prefill run takes 4 iterations.
  const loop = (oslSpread: number, policy: keyof typeof SCHEDULER_POLICIES = 'sglang') =>
    runBenchmark(linearPerfModel(), {scheduler: SCHEDULER_POLICIES[policy].create(), maxNumBatchedTokens: 2048}, {isl: 1000, osl: 20, concurrency: 8, requests: 40, warmupRequests: 0, oslSpread}).perRequest;

  it('with exact lengths stays in lock-step waves: a wave prefilled in one run finishes in one iteration', () => {
    const finishes = new Set(loop(0).map((r) => r.finishMs));
    expect(finishes.size).toBe(5); // 40 requests, 5 waves of 8
    // vLLM's decode-first chunked mixing starts a wave's requests decoding at different iterations.
    expect(new Set(loop(0, 'vllm').map((r) => r.finishMs)).size).toBeGreaterThan(10);
  });

  it('with varying output lengths de-synchronises', () => {
    expect(new Set(loop(0.2).map((r) => r.finishMs)).size).toBeGreaterThan(10);
  });
});
