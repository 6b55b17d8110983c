/**
 * AIC measurement rows (fixtures/aic/*.csv) mapped to our op shapes, with the key of the
 * efficiency curve each row belongs to. Shared by the fitting script and the accuracy tests.
 */
import type {GpuSpec} from './gpus.js';
import {
  allReduceSolS,
  contextAttentionAxes,
  contextAttentionSolS,
  gemmAxes,
  gemmSolS,
  generationAttentionAxes,
  generationAttentionSolS,
  type ContextAttentionShape,
  type GenerationAttentionShape,
} from './ops.js';

export type Row = Record<string, string>;

/** Parse a simple CSV (header line, comma-separated, no quoting). */
export function parseCsv(text: string): Row[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = lines[0].split(',');
  return lines.slice(1).map((line) => {
    const cells = line.split(',');
    const row: Row = {};
    header.forEach((h, i) => (row[h] = cells[i]));
    return row;
  });
}

function dt(s: string): 'bf16' | 'fp8' {
  if (s === 'fp8') return 'fp8';
  if (s === 'bfloat16' || s === 'half' || s === 'float16') return 'bf16';
  throw new Error(`unexpected dtype ${s}`);
}

/** A measured point: curve key, axes, SOL (s) and measured latency (ms). */
export interface MeasuredPoint {
  key: string;
  a: number;
  b: number;
  /** Third axis (GEMM k); 1 for two-axis curves. */
  c: number;
  solS: number;
  latencyMs: number;
}

export function gemmPoint(g: GpuSpec, r: Row): MeasuredPoint {
  const m = Number(r.m);
  const n = Number(r.n);
  const k = Number(r.k);
  const dtype = dt(r.dtype);
  const [a, b, c] = gemmAxes(m, n, k);
  return {key: `${r.backend}:${dtype}`, a, b, c, solS: gemmSolS(g, m, n, k, dtype), latencyMs: Number(r.latency_ms)};
}

export function contextAttentionShapeOf(r: Row): ContextAttentionShape {
  return {
    batch: Number(r.batch_size),
    chunk: Number(r.isl),
    prefix: 0,
    heads: Number(r.num_heads),
    kvHeads: Number(r.num_kv_heads),
    headDim: Number(r.head_dim),
    attnDtype: dt(r.attn_dtype),
    kvDtype: dt(r.kv_cache_dtype),
  };
}

export function contextAttentionPoint(g: GpuSpec, r: Row): MeasuredPoint {
  const s = contextAttentionShapeOf(r);
  const [a, b] = contextAttentionAxes(s);
  return {key: `${r.backend}:${s.attnDtype}:${s.kvDtype}`, a, b, c: 1, solS: contextAttentionSolS(g, s), latencyMs: Number(r.latency_ms)};
}

export function generationAttentionShapeOf(r: Row): GenerationAttentionShape {
  return {
    batch: Number(r.batch_size),
    kvLen: Number(r.kv_len),
    heads: Number(r.num_heads),
    kvHeads: Number(r.num_kv_heads),
    headDim: Number(r.head_dim),
    kvDtype: dt(r.kv_cache_dtype),
  };
}

export function generationAttentionPoint(g: GpuSpec, r: Row): MeasuredPoint {
  const s = generationAttentionShapeOf(r);
  const [a, b] = generationAttentionAxes(s);
  return {key: `${r.backend}:${s.kvDtype}`, a, b, c: 1, solS: generationAttentionSolS(g, s), latencyMs: Number(r.latency_ms)};
}

/** All-reduce kernel families: the framework's custom kernel (CUDA-graph or eager launch) or NCCL. */
export function allReduceKernelOf(r: Row): string | undefined {
  if (r.op !== 'all_reduce') return undefined;
  if (r.source === 'nccl') return r.dtype === 'half' ? 'nccl' : undefined;
  const ks = r.kernel_source;
  if (ks === 'TRTLLM') return 'trtllm';
  if (ks === 'vLLM_custom_graph') return 'vllm_graph';
  if (ks === 'vLLM_custom_eager') return 'vllm_eager';
  if (ks === 'SGLang_CustomAllReduce_graph') return 'sglang_graph';
  if (ks === 'SGLang_CustomAllReduce_eager') return 'sglang_eager';
  return undefined;
}

export function allReducePoint(g: GpuSpec, r: Row): MeasuredPoint | undefined {
  const kernel = allReduceKernelOf(r);
  if (!kernel) return undefined;
  const elems = Number(r.message_size_elems);
  const tp = Number(r.num_gpus);
  return {key: `${kernel}:${tp}`, a: elems, b: 1, c: 1, solS: allReduceSolS(g, elems, tp), latencyMs: Number(r.latency_ms)};
}
