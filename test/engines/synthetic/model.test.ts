import {mkdtempSync, writeFileSync, mkdirSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {PlannerError} from '../../../src/errors.js';
import {createSyntheticPerfModel, gpuNames, modelNames, resolveModel, SyntheticPerfModel} from '../../../src/engines/synthetic/index.js';
import {normaliseModelName} from '../../../src/engines/synthetic/models.js';

const llama8 = (extra: Partial<Parameters<typeof createSyntheticPerfModel>[0]> = {}) =>
  createSyntheticPerfModel({model: 'llama-3.1-8b', gpu: 'h200_sxm', tp: 1, quant: 'fp8', ...extra});

function thrown(fn: () => unknown): PlannerError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PlannerError);
    return err as PlannerError;
  }
  throw new Error('expected an error');
}

describe('catalog', () => {
  it('resolves names, Hugging Face ids and aliases', () => {
    expect(normaliseModelName('nvidia/Llama-3.1-8B-Instruct-FP8')).toBe('llama-3.1-8b');
    expect(resolveModel('meta-llama/Llama-3.3-70B-Instruct').name).toBe('llama-3.3-70b');
    expect(resolveModel('mistralai/Mistral-7B-Instruct-v0.3').name).toBe('mistral-7b');
    expect(createSyntheticPerfModel({model: 'qwen3-32b', gpu: 'H100-SXM', tp: 2}).gpu.name).toBe('h100_sxm');
  });

  it('knows the required models and GPUs', () => {
    for (const m of ['llama-3.1-8b', 'llama-3.1-70b', 'llama-3.3-70b', 'qwen3-8b', 'qwen3-32b', 'qwen2.5-72b', 'mistral-7b']) expect(modelNames()).toContain(m);
    for (const g of ['h100_sxm', 'h200_sxm', 'b200_sxm', 'gb200', 'a100_sxm', 'l40s']) expect(gpuNames()).toContain(g);
  });

  it('unknown model or GPU: bad input listing the valid names', () => {
    const m = thrown(() => createSyntheticPerfModel({model: 'gpt-17', gpu: 'h200_sxm', tp: 1}));
    expect(m.exitCode).toBe(2);
    expect(m.message).toContain('unknown model "gpt-17"');
    expect(m.hint).toContain('llama-3.1-8b');
    const g = thrown(() => createSyntheticPerfModel({model: 'llama-3.1-8b', gpu: 'tpu-v5', tp: 1}));
    expect(g.message).toContain('unknown GPU "tpu-v5"');
    expect(g.hint).toContain('h200_sxm, b200_sxm');
  });

  it('a local config.json works; a malformed one names the missing field', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'synth-model-'));
    const cfg = {architectures: ['LlamaForCausalLM'], num_hidden_layers: 16, hidden_size: 2048, num_attention_heads: 32, num_key_value_heads: 8, intermediate_size: 8192, vocab_size: 128256, max_position_embeddings: 131072, tie_word_embeddings: true, _name_or_path: 'meta-llama/Llama-3.2-1B'};
    mkdirSync(path.join(dir, 'ok'));
    writeFileSync(path.join(dir, 'ok', 'config.json'), JSON.stringify(cfg));
    const model = createSyntheticPerfModel({model: path.join(dir, 'ok'), gpu: 'l40s', tp: 1});
    expect(model.model.headDim).toBe(64);
    expect(model.model.name).toBe('meta-llama/Llama-3.2-1B');
    expect(model.prefillMs(1, 1000)).toBeGreaterThan(0);
    const bad = path.join(dir, 'bad.json');
    const {intermediate_size: _dropped, ...missing} = cfg;
    writeFileSync(bad, JSON.stringify(missing));
    const e = thrown(() => createSyntheticPerfModel({model: bad, gpu: 'l40s', tp: 1}));
    expect(e.message).toBe(`${bad}: missing field "intermediate_size"`);
    writeFileSync(bad, '{"num_hidden_layers": 2,');
    expect(thrown(() => resolveModel(bad)).message).toContain('not valid JSON');
  });

  it('rejects a TP that does not divide the heads, and a model that does not fit', () => {
    expect(thrown(() => llama8({tp: 3})).message).toContain('does not divide the 32 attention heads');
    const e = thrown(() => createSyntheticPerfModel({model: 'llama-3.1-70b', gpu: 'h100_sxm', tp: 1}));
    expect(e.message).toMatch(/does not fit on h100_sxm at TP 1/);
  });
});

describe('memory and KV capacity', () => {
  it('Llama-3.1-8B weights: 8,030,257,152 parameters (all but the final norm) at 2 bytes', () => {
    expect(llama8({quant: 'bf16'}).memory.weightsB).toBe(2 * 8_030_257_152);
  });

  it('KV bytes per token: 2 x 8 kv heads x 128 x 32 layers x 2 B; fp8 halves it', () => {
    expect(llama8({kvQuant: 'bf16'}).memory.kvBytesPerToken).toBe(131072);
    expect(llama8({kvQuant: 'fp8'}).memory.kvBytesPerToken).toBe(65536);
    // vLLM's default (kv_cache_dtype auto before 0.13) keeps bf16 KV for an FP8 checkpoint.
    expect(llama8().memory.kvBytesPerToken).toBe(131072);
    // TP 4 holds 2 of the 8 KV heads per GPU.
    expect(llama8({tp: 4, kvQuant: 'bf16'}).memory.kvBytesPerToken).toBe(32768);
  });

  it('max KV tokens within 2 % of what vLLM reported on the H200 (945,029; that vLLM kept bf16 KV)', () => {
    expect(Math.abs(llama8({kvQuant: 'bf16'}).maxKvTokens / 945029 - 1)).toBeLessThan(0.02);
  });

  it('more memory for KV with fp8 weights, fp8 KV, higher TP or higher utilisation', () => {
    const base = llama8({quant: 'bf16'}).maxKvTokens;
    expect(llama8().maxKvTokens).toBeGreaterThan(base);
    expect(llama8({quant: 'bf16', kvQuant: 'fp8'}).maxKvTokens).toBeGreaterThan(1.9 * base);
    expect(llama8({quant: 'bf16', tp: 2}).maxKvTokens).toBeGreaterThan(2 * base);
    expect(llama8({quant: 'bf16', gpuMemUtil: 0.5}).maxKvTokens).toBeLessThan(base);
  });
});

describe('perf model behaviour', () => {
  const m = llama8();

  it('stepMs is the sum of the breakdown; an empty iteration costs only the overhead', () => {
    const shape = {prefillTokens: 2048, prefillRequests: 1, decodeRequests: 32, decodeKvTokens: 32 * 3000};
    const b = m.breakdown(shape);
    expect(m.stepMs(shape)).toBeCloseTo(Object.values(b).reduce((s, v) => s + v, 0), 9);
    expect(b.prefillAttention).toBeGreaterThan(0);
    expect(b.decodeAttention).toBeGreaterThan(0);
    expect(b.allReduce).toBe(0);
    expect(m.stepMs({prefillTokens: 0, prefillRequests: 0, decodeRequests: 0, decodeKvTokens: 0})).toBe(m.perIterationMs);
  });

  it('memoised step terms change no answer: a model reused over many shapes gives exactly what a fresh one gives', () => {
    for (const tp of [1, 2]) {
      const reused = llama8({tp});
      const shapes = [];
      for (let i = 0; i < 60; i++) {
        const decodeRequests = (i * 37) % 300;
        const prefillTokens = i % 3 === 0 ? 0 : (i * 977) % 8192;
        // Same token count with and without prefill: the all-reduce is graphed only for decode-only steps.
        shapes.push({prefillTokens, prefillRequests: prefillTokens > 0 ? 1 + (i % 4) : 0, decodeRequests, decodeKvTokens: decodeRequests * (500 + i * 71)});
        shapes.push({prefillTokens: 0, prefillRequests: 0, decodeRequests: prefillTokens + decodeRequests, decodeKvTokens: (prefillTokens + decodeRequests) * 900});
      }
      for (const s of [...shapes, ...shapes.reverse()]) {
        expect(reused.stepMs(s)).toBe(llama8({tp}).stepMs(s));
        expect(reused.breakdown(s)).toEqual(llama8({tp}).breakdown(s));
      }
    }
  });

  it('a mixed iteration costs more than either part alone', () => {
    const mixed = m.stepMs({prefillTokens: 2048, prefillRequests: 1, decodeRequests: 64, decodeKvTokens: 64 * 2000});
    expect(mixed).toBeGreaterThan(m.prefillMs(1, 2048));
    expect(mixed).toBeGreaterThan(m.decodeStepMs(64, 2000));
  });

  it('monotonic in prompt tokens, batch and context', () => {
    const isls = [1, 16, 100, 500, 1000, 2000, 4000, 8000, 16000, 32000];
    for (let i = 1; i < isls.length; i++) {
      expect(m.prefillMs(1, isls[i])).toBeGreaterThan(m.prefillMs(1, isls[i - 1]));
      expect(m.ttftMs(isls[i])).toBeGreaterThan(m.ttftMs(isls[i - 1]));
    }
    for (const b of [1, 2, 4, 8]) expect(m.prefillMs(2 * b, 1000)).toBeGreaterThan(m.prefillMs(b, 1000));
    const batches = [1, 2, 8, 32, 64, 128, 256, 512, 1024];
    for (const ctx of [128, 1000, 8000]) {
      for (let i = 1; i < batches.length; i++) expect(m.decodeStepMs(batches[i], ctx)).toBeGreaterThan(m.decodeStepMs(batches[i - 1], ctx));
    }
    for (const b of [1, 16, 128]) expect(m.decodeStepMs(b, 16000)).toBeGreaterThan(m.decodeStepMs(b, 1000));
  });

  it('long prompts are chunked: a prefix makes the second chunk slower than the first', () => {
    const first = m.stepMs({prefillTokens: 8192, prefillRequests: 1, decodeRequests: 0, decodeKvTokens: 0});
    const second = m.stepMs({prefillTokens: 8192, prefillRequests: 1, prefillPrefixTokens: 8192, decodeRequests: 0, decodeKvTokens: 0});
    expect(second).toBeGreaterThan(first);
    expect(m.ttftMs(16384)).toBeCloseTo(m.perRequestMs + first + second, 9);
  });

  it('TP scaling is sane: each doubling speeds a 70B prefill up by 1.2x..2x and adds all-reduce', () => {
    const times = [1, 2, 4, 8].map((tp) => createSyntheticPerfModel({model: 'llama-3.1-70b', gpu: 'h200_sxm', tp, quant: 'fp8'}).prefillMs(1, 4096));
    for (let i = 1; i < times.length; i++) {
      const speedup = times[i - 1] / times[i];
      expect(speedup).toBeGreaterThan(1.2);
      expect(speedup).toBeLessThan(2);
    }
    const tp4 = createSyntheticPerfModel({model: 'llama-3.1-70b', gpu: 'h200_sxm', tp: 4, quant: 'fp8'});
    expect(tp4.breakdown({prefillTokens: 4096, prefillRequests: 1, decodeRequests: 0, decodeKvTokens: 0}).allReduce).toBeGreaterThan(0);
  });

  it('faster GPUs are faster; fp8 beats bf16 on compute-bound prefill', () => {
    const on = (gpu: string) => createSyntheticPerfModel({model: 'llama-3.1-8b', gpu, tp: 1}).prefillMs(1, 4096);
    expect(on('b200_sxm')).toBeLessThan(on('h200_sxm'));
    expect(on('h200_sxm')).toBeLessThan(on('a100_sxm'));
    // Decode is bandwidth-bound: A100 (2.0 TB/s) beats L40S (0.86 TB/s).
    const decode = (gpu: string) => createSyntheticPerfModel({model: 'llama-3.1-8b', gpu, tp: 1}).decodeStepMs(8, 2000);
    expect(decode('a100_sxm')).toBeLessThan(decode('l40s'));
    expect(decode('h200_sxm')).toBeLessThan(decode('h100_sxm'));
    expect(llama8().prefillMs(1, 8192)).toBeLessThan(llama8({quant: 'bf16'}).prefillMs(1, 8192));
  });

  it('states its assumptions, including the H200 extrapolation for other GPUs', () => {
    expect(llama8().assumptions.join('\n')).toContain('same GPU');
    const b200 = createSyntheticPerfModel({model: 'llama-3.1-8b', gpu: 'b200_sxm', tp: 1});
    expect(b200.assumptions[0]).toContain("applied to b200_sxm's own peaks");
    expect(b200).toBeInstanceOf(SyntheticPerfModel);
    expect(b200.describe()).toMatchObject({model: 'llama-3.1-8b', gpu: 'b200_sxm', tp: 1, gpusPerEngine: 1, backend: 'vllm', quant: 'bf16'});
  });
});
