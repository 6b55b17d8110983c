import {badInput} from '../../errors.js';
import type {GpuSpec} from './gpus.js';
import {SERVING_OVERHEADS} from './serving-overheads.js';

/** Time a backend spends outside the GPU kernels, ms. */
export interface ServingOverheads {
  /** Fixed time per request outside iterations (HTTP, tokenisation, first-token path). */
  perRequestMs: number;
  /** Fixed time per iteration (scheduler, sampler, launch). */
  perIterationMs: number;
  /**
   * Output-length spread (± fraction) that de-synchronises the simulated closed loop as the
   * measured ones are; 0 where measured runs behave as exact lock-step waves.
   */
  oslSpread: number;
  /** Where the numbers come from. */
  source: string;
}

/** How a backend sizes its KV cache. */
export interface KvMemoryRule {
  /** What `--gpu-mem-util` means for this backend, for help and assumptions. */
  meaning: string;
  defaultFraction: (gpu: GpuSpec, tp: number) => number;
  /** KV bytes per GPU from total memory, the fraction, weights and the other reserves. */
  kvBytes: (totalB: number, fraction: number, weightsB: number, reserveB: number) => number;
}

/**
 * What a serving framework changes in the synthetic model: which measured kernels its ops use,
 * its scheduler defaults, KV sizing and dtype, and its serving overheads.
 */
export interface BackendSpec {
  name: 'vllm' | 'sglang' | 'trtllm';
  /** Kernel curves (calibration-data.ts keys) its GEMMs and attention use. */
  curves: 'vllm' | 'trtllm';
  allReduceGraph: string;
  allReduceEager: string;
  /** Largest decode batch run as a CUDA graph, by GPU and TP. */
  cudaGraphMaxBatch: (gpu: GpuSpec, tp: number) => number;
  /** Default token budget of one iteration (chunked-prefill size / max_num_tokens). */
  maxNumBatchedTokens: (gpu: GpuSpec) => number;
  /** Default most sequences running at once. */
  maxNumSeqs: (gpu: GpuSpec) => number;
  /** KV-cache dtype the backend uses by default for a checkpoint of this weight precision. */
  kvQuantFor: (quant: 'bf16' | 'fp8' | 'fp4') => 'bf16' | 'fp8';
  /** Said in --help and assumptions. */
  kvQuantRule: string;
  memory: KvMemoryRule;
  overheads: ServingOverheads;
}

const GiB = 1024 ** 3;
/** vLLM's "large GPU" test for its API-server defaults: >= 70 GiB and not an A100. */
const vllmLarge = (g: GpuSpec) => g.memCapacityB >= 70 * GiB && !g.name.startsWith('a100');
/** SGLang's chunked-prefill size by GPU memory (server_args defaults). */
const sglangChunk = (g: GpuSpec) => (g.memCapacityB < 60 * GiB ? 4096 : g.memCapacityB < 160 * GiB ? 8192 : 16384);
/** SGLang's cuda_graph_max_bs by GPU memory and TP (server_args heuristic of sgl-project/sglang#10975, 0.5.4 on; 0.5.1 used 160 on H100). */
const sglangCudaGraphMaxBatch = (g: GpuSpec, tp: number) => (g.memCapacityB < 60 * GiB ? (tp < 4 ? 32 : 160) : g.memCapacityB < 160 * GiB ? (tp < 4 ? 256 : 512) : 512);

export const BACKENDS: readonly BackendSpec[] = [
  {
    name: 'vllm',
    curves: 'vllm',
    allReduceGraph: 'vllm_graph',
    allReduceEager: 'vllm_eager',
    cudaGraphMaxBatch: () => 512,
    maxNumBatchedTokens: (g) => (vllmLarge(g) ? 8192 : 2048),
    maxNumSeqs: (g) => (vllmLarge(g) ? 1024 : 256),
    // kv_cache_dtype auto before v0.13 keeps the model dtype even when a ModelOpt checkpoint declares
    // kv_cache_quant_algo FP8 (Dynamo's H200 profile: 945,029 bf16 KV tokens); v0.13 honours it
    // (vllm-project/vllm#29980). Calibration runs launched with an FP8 KV cache say so (measured-runs.ts).
    kvQuantFor: () => 'bf16',
    kvQuantRule: 'kv_cache_dtype auto: bf16 whatever the weight precision, as vLLM before 0.13 does; vLLM 0.13+ uses the FP8 KV cache a ModelOpt FP8/NVFP4 checkpoint declares, and --kv-cache-dtype fp8 forces it: give --kv-quant fp8 for those',
    memory: {
      meaning: 'gpu_memory_utilization: share of GPU memory for weights, activations, graphs and KV',
      defaultFraction: () => 0.9,
      kvBytes: (total, f, weights, reserve) => total * f - weights - reserve,
    },
    overheads: SERVING_OVERHEADS.vllm,
  },
  {
    name: 'sglang',
    curves: 'vllm',
    allReduceGraph: 'sglang_graph',
    allReduceEager: 'sglang_eager',
    cudaGraphMaxBatch: sglangCudaGraphMaxBatch,
    maxNumBatchedTokens: sglangChunk,
    maxNumSeqs: () => 1024,
    kvQuantFor: () => 'bf16',
    kvQuantRule: 'kv_cache_dtype auto: the model dtype (bf16) whatever the weight precision',
    memory: {
      meaning: 'mem_fraction_static: share of GPU memory for weights and KV (activations and graphs outside it)',
      // SGLang reserves ~1.5 KB per chunked-prefill token, 2 MB per graph batch, 0.5 GB and 1 GB per 8 GPUs.
      defaultFraction: (g, tp) => {
        const reservedB = (512 + 1.5 * sglangChunk(g) + 2 * sglangCudaGraphMaxBatch(g, tp) + (tp / 8) * 1024) * 1024 ** 2;
        return Math.round(((g.memCapacityB - reservedB) / g.memCapacityB) * 1000) / 1000;
      },
      kvBytes: (total, f, weights) => total * f - weights,
    },
    overheads: SERVING_OVERHEADS.sglang,
  },
  {
    name: 'trtllm',
    curves: 'trtllm',
    allReduceGraph: 'trtllm',
    allReduceEager: 'trtllm',
    cudaGraphMaxBatch: () => 2048,
    maxNumBatchedTokens: () => 8192,
    maxNumSeqs: () => 2048,
    kvQuantFor: (q) => (q === 'bf16' ? 'bf16' : 'fp8'),
    kvQuantRule: 'quantized (ModelOpt FP8/NVFP4) checkpoints carry an FP8 KV cache, which TRT-LLM uses; bf16 checkpoints keep a bf16 KV cache',
    memory: {
      meaning: 'free_gpu_memory_fraction: share of the memory left after weights and reserves',
      defaultFraction: () => 0.9,
      kvBytes: (total, f, weights, reserve) => (total - weights - reserve) * f,
    },
    overheads: SERVING_OVERHEADS.trtllm,
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
