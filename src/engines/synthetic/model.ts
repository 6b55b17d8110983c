/**
 * The synthetic perf model: one engine iteration decomposed into ops as AIConfigurator does for
 * dense models, each op timed as roofline SOL / fitted efficiency (ops.ts), plus the backend's
 * serving overheads (backends.ts).
 */
import {EXIT_BAD_INPUT, PlannerError, badInput, option} from '../../errors.js';
import type {EngineInfo} from '../../profile/types.js';
import type {IterationShape, PerfModel} from '../perf-model.js';
import {BACKENDS, type BackendSpec, resolveBackend, type ServingOverheads} from './backends.js';
import {ALLREDUCE_UTIL, CONTEXT_ATTENTION_UTIL, GEMM_UTIL, GENERATION_ATTENTION_UTIL} from './calibration-data.js';
import {REFERENCE_GPU, resolveGpu, type GpuSpec} from './gpus.js';
import {resolveModel, type ModelSpec} from './models.js';
import {allReduceMs, bytesPerElement, contextAttentionMs, gemmMs, generationAttentionMs, memOpMs, type GemmUtil, type UtilGrid} from './ops.js';

/** GEMM weight precision: bf16, fp8 (per-tensor scaled) or nvfp4 (W4A4, Blackwell). */
export type Quant = 'fp8' | 'bf16' | 'fp4';
/** KV-cache precision. */
export type KvQuant = 'fp8' | 'bf16';

export interface SyntheticOptions {
  /** Catalog name, Hugging Face id of a catalog model, or path of a config.json. */
  model: string;
  gpu: string;
  tp: number;
  /** GEMM weight (and activation) precision; default bf16. */
  quant?: Quant;
  /** KV-cache precision; default: what the backend does with the checkpoint (BackendSpec.kvQuantFor). */
  kvQuant?: KvQuant;
  /** Serving framework whose kernels and overheads are used; default vllm. */
  backend?: string;
  /** Memory fraction under the backend's rule (BackendSpec.memory); default the backend's. */
  gpuMemUtil?: number;
  /** Serving overheads instead of the backend's fitted ones (calibration, what-if). */
  overheads?: Partial<Pick<ServingOverheads, 'perRequestMs' | 'perIterationMs'>>;
}

/** Time per op family, ms. */
export interface Breakdown {
  embedding: number;
  qkvGemm: number;
  oGemm: number;
  gateUpGemm: number;
  downGemm: number;
  prefillAttention: number;
  decodeAttention: number;
  allReduce: number;
  elementwise: number;
  lmHead: number;
  /** Per-iteration serving overhead of the backend (scheduler, sampler, launch). */
  overhead: number;
}

export const BREAKDOWN_LABELS: Record<keyof Breakdown, string> = {
  embedding: 'embedding',
  qkvGemm: 'qkv GEMM',
  oGemm: 'o GEMM',
  gateUpGemm: 'gate+up GEMM',
  downGemm: 'down GEMM',
  prefillAttention: 'prefill attention',
  decodeAttention: 'decode attention',
  allReduce: 'all-reduce',
  elementwise: 'element-wise',
  lmHead: 'LM head (bf16)',
  overhead: 'iteration overhead',
};

type TokenTerms = Pick<Breakdown, 'embedding' | 'qkvGemm' | 'oGemm' | 'gateUpGemm' | 'downGemm' | 'elementwise'>;

/** Memo caches hold at most this many counts (fractional shapes from callers other than the simulator could grow them without end). */
const MAX_CACHED = 1 << 16;

function remember<V>(cache: Map<number, V>, key: number, value: V): void {
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(key, value);
}

export interface MemoryPlan {
  /** Weights held by one GPU, bytes. */
  weightsB: number;
  /** Activation workspace reserved for one iteration of maxNumBatchedTokens, bytes. */
  activationsB: number;
  /** Runtime, CUDA graphs, NCCL buffers, bytes. */
  otherB: number;
  /** KV bytes per token on one GPU (its share of the KV heads, all layers). */
  kvBytesPerToken: number;
  maxKvTokens: number;
}

/** AIC's activation coefficient for Llama-family models by TP (min(tp, 8)). */
function activationCoefficient(tp: number): number {
  if (tp <= 1) return 11;
  if (tp === 2) return 6.5;
  return 5;
}

/** NCCL / custom all-reduce buffers per GPU (AIC), bytes. */
function commBuffersB(tp: number): number {
  if (tp <= 1) return 0;
  return (tp === 2 ? 342 : 392) * 1024 * 1024;
}

export class SyntheticPerfModel implements PerfModel {
  readonly name: string;
  readonly gpusPerEngine: number;
  readonly maxKvTokens: number;
  readonly model: ModelSpec;
  readonly gpu: GpuSpec;
  readonly backend: BackendSpec;
  readonly tp: number;
  readonly quant: Quant;
  readonly kvQuant: KvQuant;
  readonly gpuMemUtil: number;
  /** True when the serving overheads were given instead of the backend's fitted ones. */
  private readonly overheadsGiven: boolean;
  /** True when the KV dtype is the backend's default for the checkpoint, not given. */
  readonly kvQuantDefaulted: boolean;
  readonly memory: MemoryPlan;
  /** Largest prefill chunk of one iteration (chunked prefill), tokens. */
  readonly maxNumBatchedTokens: number;
  /** Most sequences one iteration holds. */
  readonly maxNumSeqs: number;
  /** Fixed cost per request outside iterations (HTTP, tokenisation, first-token path), ms. */
  readonly perRequestMs: number;
  /** Fixed cost per iteration (scheduler, sampler, launch), ms. */
  readonly perIterationMs: number;
  /** What the numbers rest on; shown by `estimate` and stored in synthetic profiles. */
  readonly assumptions: string[];

  private readonly gemmUtil: GemmUtil;
  private readonly lmHeadUtil: GemmUtil;
  private readonly ctxUtil: UtilGrid;
  private readonly genUtil: UtilGrid;
  private readonly arGraph?: UtilGrid;
  private readonly arEager?: UtilGrid;
  private readonly headsPerGpu: number;
  private readonly kvHeadsPerGpu: number;
  // Step-time terms that depend on token or sequence counts alone, memoised (exact: the same
  // computation, done once per count; a simulation repeats a few thousand counts millions of times).
  private readonly tokenTermsCache = new Map<number, TokenTerms>();
  private readonly allReduceGraphedCache = new Map<number, number>();
  private readonly allReduceEagerCache = new Map<number, number>();
  private readonly lmHeadCache = new Map<number, number>();

  constructor(opts: SyntheticOptions) {
    this.model = resolveModel(opts.model);
    this.gpu = resolveGpu(opts.gpu);
    this.backend = resolveBackend(opts.backend ?? 'vllm');
    this.quant = opts.quant ?? 'bf16';
    this.kvQuant = opts.kvQuant ?? this.backend.kvQuantFor(this.quant);
    this.kvQuantDefaulted = opts.kvQuant === undefined;
    this.gpuMemUtil = opts.gpuMemUtil ?? this.backend.memory.defaultFraction(this.gpu, opts.tp);
    const tp = opts.tp;
    if (!Number.isInteger(tp) || tp < 1) throw badInput(`TP must be a positive integer, got ${tp}`);
    if (this.model.heads % tp !== 0) {
      throw new PlannerError(`TP ${tp} does not divide the ${this.model.heads} attention heads of ${this.model.name}`, {exitCode: EXIT_BAD_INPUT, kind: 'tp-unfit'});
    }
    if (!(this.gpuMemUtil > 0 && this.gpuMemUtil <= 1)) throw badInput(`the GPU memory fraction must be in (0, 1], got ${this.gpuMemUtil}`);
    this.tp = tp;
    this.gpusPerEngine = tp;
    this.headsPerGpu = this.model.heads / tp;
    this.kvHeadsPerGpu = Math.ceil(this.model.kvHeads / tp);

    const curves = this.backend.curves;
    // No fp4 GEMM measurements: nvfp4 GEMMs get the fp8 efficiencies at the fp4 peak.
    this.gemmUtil = GEMM_UTIL[`${curves}:${this.quant === 'fp4' ? 'fp8' : this.quant}`];
    this.lmHeadUtil = GEMM_UTIL[`${curves}:bf16`];
    this.ctxUtil = CONTEXT_ATTENTION_UTIL[`${curves}:bf16:${this.kvQuant}`];
    this.genUtil = GENERATION_ATTENTION_UTIL[`${curves}:${this.kvQuant}`];
    if (tp > 1) {
      const arTp = Math.min(8, 2 ** Math.round(Math.log2(tp)));
      this.arGraph = ALLREDUCE_UTIL[`${this.backend.allReduceGraph}:${arTp}`];
      this.arEager = ALLREDUCE_UTIL[`${this.backend.allReduceEager}:${arTp}`];
    }

    if (this.quant === 'fp4' && this.gpu.flops.fp4 === undefined) throw badInput(`${this.gpu.name} has no FP4 tensor cores: ${option('quant')} fp4 needs a Blackwell GPU`);
    this.maxNumBatchedTokens = this.backend.maxNumBatchedTokens(this.gpu);
    this.maxNumSeqs = this.backend.maxNumSeqs(this.gpu);
    this.overheadsGiven = opts.overheads !== undefined;
    this.perRequestMs = opts.overheads?.perRequestMs ?? this.backend.overheads.perRequestMs;
    this.perIterationMs = opts.overheads?.perIterationMs ?? this.backend.overheads.perIterationMs;
    this.memory = this.planMemory();
    this.maxKvTokens = this.memory.maxKvTokens;
    this.name = `synthetic ${this.model.name} ${this.gpu.name} tp${tp} ${this.quant}/${this.kvQuant}kv ${this.backend.name}`;
    this.assumptions = this.buildAssumptions();
  }

  private planMemory(): MemoryPlan {
    const {hiddenSize: h, heads, headDim: d, intermediateSize: I, vocabSize: V, layers: L} = this.model;
    const tp = this.tp;
    const wBytes = bytesPerElement(this.quant);
    const perLayerParams =
      h * ((heads / tp + 2 * this.kvHeadsPerGpu) * d) + (heads / tp) * d * h + (2 * I * h) / tp + (I * h) / tp;
    const embeddingParams = (V * h) / tp;
    const lmHeadParams = this.model.tieWordEmbeddings ? 0 : (V * h) / tp;
    // Embedding and LM head stay bf16 in fp8 checkpoints; norms are negligible.
    const weightsB = L * perLayerParams * wBytes + (embeddingParams + lmHeadParams) * 2 + L * 2 * h * 2;
    const activationsB = Math.max(70 * 1024 ** 2, 2 * this.maxNumBatchedTokens * heads * d * activationCoefficient(tp));
    const otherB = this.gpu.otherMemB + commBuffersB(tp);
    const kvBytesPerToken = 2 * this.kvHeadsPerGpu * d * L * (this.kvQuant === 'fp8' ? 1 : 2);
    const free = this.backend.memory.kvBytes(this.gpu.memCapacityB, this.gpuMemUtil, weightsB, activationsB + otherB);
    const maxKvTokens = Math.floor(free / kvBytesPerToken);
    if (maxKvTokens < 1) {
      const gib = (b: number) => (b / 1024 ** 3).toFixed(1);
      throw new PlannerError(
        `${this.model.name} does not fit on ${this.gpu.name} at TP ${tp}: weights ${gib(weightsB)} GiB + reserve ${gib(activationsB + otherB)} GiB per GPU > ${gib(this.gpu.memCapacityB * this.gpuMemUtil)} GiB usable`,
        {hint: 'a larger TP or fp8 weights', exitCode: EXIT_BAD_INPUT, kind: 'tp-unfit'},
      );
    }
    return {weightsB, activationsB, otherB, kvBytesPerToken, maxKvTokens};
  }

  private buildAssumptions(): string[] {
    const out = [
      `kernel efficiencies fitted on AIC ${REFERENCE_GPU} measurements (${this.backend.curves} kernels); ${this.gpu.name === REFERENCE_GPU ? 'same GPU' : `applied to ${this.gpu.name}'s own peaks (${(this.gpu.memBwBps / 1e12).toFixed(2)} TB/s HBM, ${((this.gpu.flops[this.quant === 'fp8' ? 'fp8' : 'bf16'] ?? this.gpu.flops.bf16 ?? 0) / 1e12).toFixed(0)} TFLOPS ${this.quant}), an extrapolation`}`,
      `weights ${this.quant}, KV cache ${this.kvQuant}${this.kvQuantDefaulted ? ` (${this.backend.name} default: ${this.backend.kvQuantRule})` : ' (as given)'}, LM head and embedding bf16`,
      `KV capacity ${this.maxKvTokens} tokens: ${this.backend.memory.meaning} = ${this.gpuMemUtil} of ${(this.gpu.memCapacityB / 1024 ** 3).toFixed(0)} GiB; weights ${(this.memory.weightsB / 1024 ** 3).toFixed(2)} GiB, activations ${(this.memory.activationsB / 1024 ** 3).toFixed(2)} GiB, runtime reserve ${(this.memory.otherB / 1024 ** 3).toFixed(2)} GiB per GPU`,
      `${this.backend.name} defaults: chunked prefill of ${this.maxNumBatchedTokens} tokens per iteration, at most ${this.maxNumSeqs} sequences per iteration`,
      `serving overheads: ${this.perRequestMs} ms per request, ${this.perIterationMs} ms per iteration (${this.overheadsGiven ? 'as given' : this.backend.overheads.source})`,
      'element-wise ops analytic: bytes / (0.8 x HBM BW) + 3 us each; no CPU scheduling contention, no prefix cache',
    ];
    if (this.tp > 1) {
      out.push(
        this.tp > this.gpu.gpusPerNode
          ? `all-reduce across ${this.tp} GPUs spans nodes: the 8-GPU NVLink curve at the scale-out bandwidth`
          : `all-reduce: ${this.backend.name} custom kernel curve for ${Math.min(8, 2 ** Math.round(Math.log2(this.tp)))} GPUs (CUDA graph for decode-only steps)`,
      );
    }
    if (this.quant === 'fp8' && this.gpu.flops.fp8 === undefined) out.push(`${this.gpu.name} has no FP8 tensor cores: fp8 GEMMs run at the bf16 peak`);
    return out;
  }

  /** The engine block of a profile made from this model. */
  describe(): EngineInfo {
    return {
      model: this.model.name,
      gpu: this.gpu.name,
      tp: this.tp,
      gpusPerEngine: this.gpusPerEngine,
      backend: this.backend.name,
      quant: this.quant,
      maxKvTokens: this.maxKvTokens,
      maxNumBatchedTokens: this.maxNumBatchedTokens,
      maxNumSeqs: this.maxNumSeqs,
    };
  }

  /** The GEMM, embedding and element-wise times of an iteration of T tokens: they depend on T alone. */
  private tokenTerms(T: number): TokenTerms {
    const cached = this.tokenTermsCache.get(T);
    if (cached) return cached;
    const {hiddenSize: h, headDim: d, intermediateSize: I, layers: L} = this.model;
    const g = this.gpu;
    const tp = this.tp;
    const H = this.headsPerGpu;
    const K = this.kvHeadsPerGpu;
    const q = this.quant;
    // Two add+RMSNorm (residual and activations in and out) and SiLU(gate)*up per layer; Qwen3 adds q/k norms.
    let ew = 2 * memOpMs(g, T * 4 * h * 2) + memOpMs(g, T * ((3 * I) / tp) * 2);
    if (this.model.qkNorm) ew += memOpMs(g, T * (H + K) * d * 2 * 2);
    // RoPE on q and k (read + write bf16), then K and V written into the paged cache.
    const kvBytes = this.kvQuant === 'fp8' ? 1 : 2;
    ew += memOpMs(g, T * (H + K) * d * 2 * 2) + memOpMs(g, T * 2 * K * d * (2 + kvBytes));
    const terms: TokenTerms = {
      embedding: memOpMs(g, T * h * 2),
      qkvGemm: L * gemmMs(this.gemmUtil, g, T, (H + 2 * K) * d, h, q),
      oGemm: L * gemmMs(this.gemmUtil, g, T, h, H * d, q),
      gateUpGemm: L * gemmMs(this.gemmUtil, g, T, (2 * I) / tp, h, q),
      downGemm: L * gemmMs(this.gemmUtil, g, T, h, I / tp, q),
      elementwise: L * ew + memOpMs(g, T * h * 2 * 2), // + final norm
    };
    remember(this.tokenTermsCache, T, terms);
    return terms;
  }

  /** All-reduces of an iteration of T tokens, ms: two per layer (after attention and after the MLP) plus one after the vocab-parallel embedding. */
  private allReduceTerm(T: number, graphed: boolean): number {
    const cache = graphed ? this.allReduceGraphedCache : this.allReduceEagerCache;
    const cached = cache.get(T);
    if (cached !== undefined) return cached;
    const grid = (graphed ? this.arGraph : this.arEager) as UtilGrid;
    const ms = (2 * this.model.layers + 1) * allReduceMs(grid, this.gpu, T * this.model.hiddenSize, this.tp);
    remember(cache, T, ms);
    return ms;
  }

  /** LM head over `sequences` last tokens, ms. */
  private lmHeadTerm(sequences: number): number {
    const cached = this.lmHeadCache.get(sequences);
    if (cached !== undefined) return cached;
    const ms = gemmMs(this.lmHeadUtil, this.gpu, sequences, this.model.vocabSize / this.tp, this.model.hiddenSize, 'bf16');
    remember(this.lmHeadCache, sequences, ms);
    return ms;
  }

  /** Per-op-family time of one iteration, ms (sums to stepMs). */
  breakdown(step: IterationShape): Breakdown {
    const {headDim: d, layers: L} = this.model;
    const g = this.gpu;
    const tp = this.tp;
    const H = this.headsPerGpu;
    const K = this.kvHeadsPerGpu;
    const prefillTokens = Math.max(0, step.prefillTokens);
    const prefillRequests = prefillTokens > 0 ? Math.max(1, step.prefillRequests) : 0;
    const decodeRequests = Math.max(0, step.decodeRequests);
    const T = prefillTokens + decodeRequests;
    const b: Breakdown = {
      embedding: 0,
      qkvGemm: 0,
      oGemm: 0,
      gateUpGemm: 0,
      downGemm: 0,
      prefillAttention: 0,
      decodeAttention: 0,
      allReduce: 0,
      elementwise: 0,
      lmHead: 0,
      overhead: this.perIterationMs,
    };
    if (T <= 0) return b;
    const t = this.tokenTerms(T);
    b.embedding = t.embedding;
    b.qkvGemm = t.qkvGemm;
    b.oGemm = t.oGemm;
    b.gateUpGemm = t.gateUpGemm;
    b.downGemm = t.downGemm;
    b.elementwise = t.elementwise;
    if (prefillRequests > 0) {
      b.prefillAttention =
        L *
        contextAttentionMs(this.ctxUtil, g, {
          batch: prefillRequests,
          chunk: prefillTokens / prefillRequests,
          prefix: Math.max(0, step.prefillPrefixTokens ?? 0) / prefillRequests,
          heads: H,
          kvHeads: K,
          headDim: d,
          attnDtype: 'bf16',
          kvDtype: this.kvQuant,
        });
    }
    // Decode attention at the decode requests' mean KV length (the shape carries only the sum).
    if (decodeRequests > 0) {
      b.decodeAttention =
        L *
        generationAttentionMs(this.genUtil, g, {
          batch: decodeRequests,
          kvLen: Math.max(1, step.decodeKvTokens / decodeRequests),
          heads: H,
          kvHeads: K,
          headDim: d,
          kvDtype: this.kvQuant,
        });
    }
    if (tp > 1) b.allReduce = this.allReduceTerm(T, prefillTokens === 0 && decodeRequests <= this.backend.cudaGraphMaxBatch(this.gpu, tp));
    // Logits for the last token of each prefill and for every decode sequence.
    b.lmHead = this.lmHeadTerm(prefillRequests + decodeRequests);
    return b;
  }

  /** Wall time of one iteration, ms: the breakdown summed in its field order. */
  stepMs(step: IterationShape): number {
    const b = this.breakdown(step);
    return (
      b.embedding + b.qkvGemm + b.oGemm + b.gateUpGemm + b.downGemm + b.prefillAttention + b.decodeAttention + b.allReduce + b.elementwise + b.lmHead + b.overhead
    );
  }

  /** One forward pass over `batch` prompts of `isl` tokens (no chunking), ms. */
  prefillMs(batch: number, isl: number): number {
    return this.stepMs({prefillTokens: batch * isl, prefillRequests: batch, decodeRequests: 0, decodeKvTokens: 0});
  }

  /** One decode step of `batch` sequences each attending over `context` KV tokens, ms. */
  decodeStepMs(batch: number, context: number): number {
    return this.stepMs({prefillTokens: 0, prefillRequests: 0, decodeRequests: batch, decodeKvTokens: batch * context});
  }

  /**
   * TTFT of one request alone on the engine: the per-request overhead plus the prompt's prefill
   * iterations, chunked by maxNumBatchedTokens (later chunks attend over the earlier ones).
   */
  ttftMs(isl: number): number {
    let total = this.perRequestMs;
    for (let done = 0; done < isl; done += this.maxNumBatchedTokens) {
      const chunk = Math.min(this.maxNumBatchedTokens, isl - done);
      total += this.stepMs({prefillTokens: chunk, prefillRequests: 1, prefillPrefixTokens: done, decodeRequests: 0, decodeKvTokens: 0});
    }
    return total;
  }
}

export {BACKENDS};
