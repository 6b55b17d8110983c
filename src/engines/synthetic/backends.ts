import {badInput} from '../../errors.js';

/**
 * What a serving framework changes in the synthetic model: which measured kernels its ops use,
 * its scheduler defaults, and its serving overheads.
 */
export interface BackendSpec {
  name: string;
  /** Kernel curves (calibration-data.ts keys) its GEMMs and attention use. */
  curves: 'vllm' | 'trtllm';
  allReduceGraph: string;
  allReduceEager: string;
  /** Largest decode batch run as a CUDA graph. */
  cudaGraphMaxBatch: number;
  /** Chunked-prefill token budget per iteration: GPUs >= 70 GiB (not A100), smaller ones. */
  maxNumBatchedTokens: {large: number; small: number};
  maxNumSeqs: {large: number; small: number};
  /** Fixed time per request outside iterations, ms. */
  perRequestMs: number;
  /** Fixed time per iteration, ms. */
  perIterationMs: number;
  /** Where the overheads come from. */
  overheadSource: string;
}

/**
 * Serving overheads: the only numbers calibrated on end-to-end data (bench/synthetic-accuracy.ts,
 * Dynamo's vLLM H200 Llama-3.1-8B-FP8 profile). SGLang and TRT-LLM have no end-to-end reference
 * here; they reuse vLLM's values (an assumption their output states).
 */
export const VLLM_PER_REQUEST_MS = 20;
export const VLLM_PER_ITERATION_MS = 1;

export const BACKENDS: readonly BackendSpec[] = [
  {
    name: 'vllm',
    curves: 'vllm',
    allReduceGraph: 'vllm_graph',
    allReduceEager: 'vllm_eager',
    cudaGraphMaxBatch: 512,
    maxNumBatchedTokens: {large: 8192, small: 2048},
    maxNumSeqs: {large: 1024, small: 256},
    perRequestMs: VLLM_PER_REQUEST_MS,
    perIterationMs: VLLM_PER_ITERATION_MS,
    overheadSource: 'calibrated on Dynamo\'s vLLM H200 Llama-3.1-8B-FP8 profile',
  },
  {
    name: 'sglang',
    curves: 'vllm',
    allReduceGraph: 'sglang_graph',
    allReduceEager: 'sglang_eager',
    cudaGraphMaxBatch: 256,
    maxNumBatchedTokens: {large: 8192, small: 2048},
    maxNumSeqs: {large: 1024, small: 256},
    perRequestMs: VLLM_PER_REQUEST_MS,
    perIterationMs: VLLM_PER_ITERATION_MS,
    overheadSource: 'vLLM values reused, not calibrated for SGLang; GEMM/attention use the vLLM kernel curves',
  },
  {
    name: 'trtllm',
    curves: 'trtllm',
    allReduceGraph: 'trtllm',
    allReduceEager: 'trtllm',
    cudaGraphMaxBatch: 2048,
    maxNumBatchedTokens: {large: 8192, small: 8192},
    maxNumSeqs: {large: 2048, small: 2048},
    perRequestMs: VLLM_PER_REQUEST_MS,
    perIterationMs: VLLM_PER_ITERATION_MS,
    overheadSource: 'vLLM values reused, not calibrated for TRT-LLM',
  },
];

export function backendNames(): string[] {
  return BACKENDS.map((b) => b.name);
}

export function resolveBackend(name: string): BackendSpec {
  const key = name.trim().toLowerCase().replace(/[-_]/g, '');
  const found = BACKENDS.find((b) => b.name === key || (key === 'tensorrtllm' && b.name === 'trtllm'));
  if (!found) throw badInput(`unknown backend "${name}"`, `valid backends: ${backendNames().join(', ')}`);
  return found;
}
