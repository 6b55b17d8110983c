import {Flags} from '@oclif/core';
import {badInput} from '../errors.js';
import {BACKENDS, backendNames} from '../engines/synthetic/backends.js';
import {gpuNames} from '../engines/synthetic/gpus.js';
import {modelNames} from '../engines/synthetic/models.js';
import type {KvQuant, Quant, SyntheticOptions} from '../engines/synthetic/model.js';
import {integerFlag, numberFlag} from './number-flags.js';
import {GPUS} from '../limits.js';

/**
 * Flags that choose a synthetic engine (model on GPU at TP), shared by estimate, profile
 * --synthetic, serve-mock, simulate and recommend. `--model` and `--gpu` are validated by
 * syntheticOptionsFromFlags so commands where the synthetic engine is optional can reuse them.
 */
export const syntheticFlags = {
  model: Flags.string({
    description: `Model: a catalog name (${modelNames().join(', ')}), a Hugging Face id of one, or the path of a dense Llama-family config.json.`,
    helpGroup: 'SYNTHETIC ENGINE',
  }),
  gpu: Flags.string({
    description: `GPU: ${gpuNames().join(', ')}. Kernel efficiencies are fitted on H200 measurements and applied to other GPUs through their own peak FLOPS and bandwidths.`,
    helpGroup: 'SYNTHETIC ENGINE',
  }),
  tp: integerFlag({description: 'Tensor-parallel size (GPUs per engine).', default: 1, ...GPUS, helpGroup: 'SYNTHETIC ENGINE'}),
  quant: Flags.option({description: 'GEMM weight precision of the checkpoint (fp4 = NVFP4, Blackwell GPUs).', options: ['bf16', 'fp8', 'fp4'] as const, default: 'bf16' as const, helpGroup: 'SYNTHETIC ENGINE'})(),
  'kv-quant': Flags.option({
    description: `KV-cache precision (default: what the backend does with the checkpoint: ${BACKENDS.map((b) => `${b.name}: ${b.kvQuantRule}`).join('; ')}).`,
    options: ['bf16', 'fp8'] as const,
    helpGroup: 'SYNTHETIC ENGINE',
  })(),
  backend: Flags.string({description: 'Serving framework whose kernels and overheads are modelled.', options: backendNames(), default: 'vllm', helpGroup: 'SYNTHETIC ENGINE'}),
  'gpu-mem-util': numberFlag({
    description: `Memory fraction that sizes the KV cache, 0..1, as the backend reads it (default: the backend's; ${BACKENDS.map((b) => `${b.name}: ${b.memory.meaning}`).join('; ')}).`,
    min: 0,
    exclusiveMin: true,
    max: 1,
    helpGroup: 'SYNTHETIC ENGINE',
  }),
};

export interface SyntheticFlagValues {
  model?: string;
  gpu?: string;
  tp?: number;
  quant?: Quant;
  'kv-quant'?: KvQuant;
  backend?: string;
  'gpu-mem-util'?: number;
}

/** Turn parsed synthetic flags into factory options (pass {...flags, tp} to pick one of a --tp list). */
export function syntheticOptionsFromFlags(flags: SyntheticFlagValues): SyntheticOptions {
  if (!flags.model) throw badInput('--model is required', `one of ${modelNames().join(', ')}, or the path of a config.json`);
  if (!flags.gpu) throw badInput('--gpu is required', `one of ${gpuNames().join(', ')}`);
  const util = flags['gpu-mem-util'];
  return {
    model: flags.model,
    gpu: flags.gpu,
    tp: flags.tp ?? 1,
    quant: flags.quant ?? 'bf16',
    kvQuant: flags['kv-quant'],
    backend: flags.backend ?? 'vllm',
    gpuMemUtil: util,
  };
}
