import {describe, expect, it} from 'vitest';
import {createSyntheticPerfModel, resolveBackend, resolveGpu} from '../../../src/engines/synthetic/index.js';

describe('backend defaults', () => {
  it('KV dtype follows what each backend does with the checkpoint precision', () => {
    expect(resolveBackend('trtllm').kvQuantFor('fp8')).toBe('fp8');
    expect(resolveBackend('trtllm').kvQuantFor('fp4')).toBe('fp8');
    expect(resolveBackend('trtllm').kvQuantFor('bf16')).toBe('bf16');
    expect(resolveBackend('vllm').kvQuantFor('fp8')).toBe('bf16');
    expect(resolveBackend('vllm').kvQuantFor('fp4')).toBe('bf16');
    expect(resolveBackend('sglang').kvQuantFor('fp8')).toBe('bf16');
    const trt = createSyntheticPerfModel({model: 'llama-3.1-70b', gpu: 'h100_sxm', tp: 4, quant: 'fp8', backend: 'trtllm'});
    expect(trt.kvQuant).toBe('fp8');
    expect(trt.assumptions.join('\n')).toMatch(/KV cache fp8 \(trtllm default: /);
    const given = createSyntheticPerfModel({model: 'llama-3.1-70b', gpu: 'h100_sxm', tp: 4, quant: 'fp8', kvQuant: 'bf16', backend: 'trtllm'});
    expect(given.assumptions.join('\n')).toMatch(/KV cache bf16 \(as given\)/);
  });

  it('SGLang sizes mem_fraction_static from its reserves: 0.5 GB + 1.5 KB per chunk token + graphs + 1 GB per 8 GPUs', () => {
    // H100 80 GiB, chunk 8192: reserved 512 + 12288 + 512 + 128 MiB = 13440 MiB -> (81920 - 13440) / 81920.
    expect(resolveBackend('sglang').memory.defaultFraction(resolveGpu('h100_sxm'), 1)).toBe(0.836);
    expect(createSyntheticPerfModel({model: 'qwen3-32b', gpu: 'h100_sxm', tp: 2, backend: 'sglang'}).gpuMemUtil).toBe(0.834); // + 256 MiB at TP 2
    // TP 4: graphs up to batch 512 (+512 MiB) and 512 MiB for 4 GPUs: 512 + 12288 + 1024 + 512 = 14336 MiB.
    expect(resolveBackend('sglang').memory.defaultFraction(resolveGpu('h100_sxm'), 4)).toBe(0.825);
  });

  it("SGLang captures decode CUDA graphs up to batch 256 below TP 4 and 512 from TP 4 on 80-141 GB GPUs", () => {
    const bs = resolveBackend('sglang').cudaGraphMaxBatch;
    expect([1, 2, 4, 8].map((tp) => bs(resolveGpu('h200_sxm'), tp))).toEqual([256, 256, 512, 512]);
    expect(bs(resolveGpu('b200_sxm'), 1)).toBe(512);
    expect(resolveBackend('vllm').cudaGraphMaxBatch(resolveGpu('h200_sxm'), 4)).toBe(512);
  });

  it('TRT-LLM sizes KV from the memory left after weights, vLLM from the whole GPU', () => {
    const GiB = 1024 ** 3;
    expect(resolveBackend('trtllm').memory.kvBytes(100 * GiB, 0.9, 40 * GiB, 10 * GiB)).toBeCloseTo(45 * GiB, 0);
    expect(resolveBackend('vllm').memory.kvBytes(100 * GiB, 0.9, 40 * GiB, 10 * GiB)).toBeCloseTo(40 * GiB, 0);
  });

  it('NVFP4 weights take 9/16 byte per parameter and need a Blackwell GPU', () => {
    const fp8 = createSyntheticPerfModel({model: 'llama-3.1-70b', gpu: 'b200_sxm', tp: 1, quant: 'fp8'});
    const fp4 = createSyntheticPerfModel({model: 'llama-3.1-70b', gpu: 'b200_sxm', tp: 1, quant: 'fp4'});
    const bf16Parts = 2 * 2 * 128256 * 8192 + 80 * 2 * 8192 * 2; // embedding + LM head + norms stay bf16
    expect((fp4.memory.weightsB - bf16Parts) / (fp8.memory.weightsB - bf16Parts)).toBeCloseTo(9 / 16, 6);
    expect(fp4.prefillMs(1, 4096)).toBeLessThan(fp8.prefillMs(1, 4096));
    expect(() => createSyntheticPerfModel({model: 'llama-3.1-8b', gpu: 'h100_sxm', tp: 1, quant: 'fp4'})).toThrow(/no FP4 tensor cores/);
  });

  it('serving overheads and the closed-loop spread come from the fitted data module, overridable', () => {
    const m = createSyntheticPerfModel({model: 'llama-3.1-8b', gpu: 'h200_sxm', tp: 1, backend: 'sglang', overheads: {perRequestMs: 5, perIterationMs: 0.5}});
    expect([m.perRequestMs, m.perIterationMs]).toEqual([5, 0.5]);
    expect(m.assumptions.join('\n')).toMatch(/5 ms per request, 0.5 ms per iteration \(as given\)/);
    for (const b of ['vllm', 'sglang', 'trtllm']) expect(resolveBackend(b).overheads.oslSpread).toBeGreaterThanOrEqual(0);
  });
});
