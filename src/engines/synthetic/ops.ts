/**
 * Op-level latency: roofline speed-of-light (SOL) divided by an efficiency ("utilisation") read
 * from curves fitted on AIC's H200 measurements (calibration-data.ts), floored by the per-kernel
 * minimum latency. The same SOL functions are used to fit the curves and to predict, so a
 * measured H200 point comes back close to its measurement, and another GPU gets the H200
 * efficiency applied to its own peaks (an assumption the output states).
 */
import type {Dtype, GpuSpec} from './gpus.js';
import {peakFlops, REFERENCE_GPU, resolveGpu} from './gpus.js';

/** The GPU the efficiency curves were measured on. */
const REFERENCE = resolveGpu(REFERENCE_GPU);

/** A utilisation surface over two log2 axes, bilinear inside, held constant outside. */
export interface UtilGrid {
  /** log2 knots of the first axis, increasing. */
  x: number[];
  /** log2 knots of the second axis, increasing (one knot = a 1-D curve). */
  y: number[];
  /** util[i][j] at (x[i], y[j]), in (0, 1]. */
  util: number[][];
  /** Smallest measured latency of this kernel family, ms (launch floor). */
  floorMs: number;
}

// The bracket of the last lookup: knots lo and hi around the value and the fraction between them.
// Module scratch rather than a returned tuple: the simulated engine looks up millions of times.
let bLo = 0;
let bHi = 0;
let bFrac = 0;

function bracket(knots: number[], v: number): void {
  const n = knots.length;
  if (n === 1 || v <= knots[0]) {
    bLo = 0;
    bHi = 0;
    bFrac = 0;
    return;
  }
  if (v >= knots[n - 1]) {
    bLo = n - 1;
    bHi = n - 1;
    bFrac = 0;
    return;
  }
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (knots[mid] <= v) lo = mid;
    else hi = mid;
  }
  bLo = lo;
  bHi = hi;
  bFrac = (v - knots[lo]) / (knots[hi] - knots[lo]);
}

/** Utilisation at (log2 a, log2 b). */
export function lookupUtil(grid: UtilGrid, a: number, b: number): number {
  bracket(grid.x, Math.log2(Math.max(a, 1e-9)));
  const i0 = bLo;
  const i1 = bHi;
  const fx = bFrac;
  bracket(grid.y, Math.log2(Math.max(b, 1e-9)));
  const j0 = bLo;
  const j1 = bHi;
  const fy = bFrac;
  const u = grid.util;
  const top = u[i0][j0] * (1 - fy) + u[i0][j1] * fy;
  const bottom = u[i1][j0] * (1 - fy) + u[i1][j1] * fy;
  return top * (1 - fx) + bottom * fx;
}

/** Bytes per element; nvfp4 is 4 bits plus one fp8 scale per 16 values (9/16 byte). */
export function bytesPerElement(dtype: Dtype): number {
  return dtype === 'fp4' ? 9 / 16 : dtype === 'fp8' ? 1 : 2;
}

// ---- GEMM ---------------------------------------------------------------------------------

/** Output m x n, weight n x k. SOL as AIC: max(2mnk/peak, bytes(mn + mk + nk)/HBM BW), seconds. */
/** Bytes a GEMM moves: both operands and the result. */
function gemmBytes(m: number, n: number, k: number, dtype: Dtype): number {
  return bytesPerElement(dtype) * (m * n + m * k + n * k);
}

export function gemmSolS(g: GpuSpec, m: number, n: number, k: number, dtype: Dtype): number {
  const compute = (2 * m * n * k) / peakFlops(g, dtype);
  const memory = gemmBytes(m, n, k, dtype) / g.memBwBps;
  return Math.max(compute, memory);
}

/** GEMM efficiency axes: tokens m, output width n, and (third axis, one grid per knot) depth k. */
export function gemmAxes(m: number, n: number, k: number): [number, number, number] {
  return [m, n, k];
}

/** Utilisation curves by (m, n), one per k knot (log2 k), linear in log2 k between them. */
export interface GemmUtil {
  k: number[];
  slices: UtilGrid[];
  floorMs: number;
}

export function lookupGemmUtil(grid: GemmUtil, m: number, n: number, k: number): number {
  bracket(grid.k, Math.log2(k));
  const l0 = bLo;
  const l1 = bHi;
  const f = bFrac;
  return lookupUtil(grid.slices[l0], m, n) * (1 - f) + lookupUtil(grid.slices[l1], m, n) * f;
}

/**
 * GEMM time on `g`: the H200 efficiency applied to g's roofline, except that a memory-bound GEMM
 * which did not saturate H200's HBM (below `memBwScaling` of it, e.g. fp8 at a few tokens: ~46 %)
 * was limited by something other than bandwidth, so it is not slowed by the full bandwidth ratio
 * on a GPU with less of it: time = max(H200 time x H200 / g tensor peak, bytes / (g bandwidth x
 * max(efficiency, memBwScaling))), never above the plain carry-over.
 */
export function gemmMs(grid: GemmUtil, g: GpuSpec, m: number, n: number, k: number, dtype: Dtype): number {
  if (m <= 0) return 0;
  const util = lookupGemmUtil(grid, m, n, k);
  const carriedMs = (gemmSolS(g, m, n, k, dtype) * 1000) / util;
  const referenceMs = (gemmSolS(REFERENCE, m, n, k, dtype) * 1000) / util;
  const nonMemoryMs = (referenceMs * peakFlops(REFERENCE, dtype)) / peakFlops(g, dtype);
  const memoryMs = (gemmBytes(m, n, k, dtype) / (g.memBwBps * Math.max(util, g.memBwScaling))) * 1000;
  return Math.max(grid.floorMs, Math.min(carriedMs, Math.max(nonMemoryMs, memoryMs)));
}

// ---- prefill (context) attention --------------------------------------------------------------

export interface ContextAttentionShape {
  /** Sequences in the batch. */
  batch: number;
  /** New tokens per sequence (the chunk). */
  chunk: number;
  /** Tokens already in KV ahead of the chunk, per sequence. */
  prefix: number;
  /** Query heads per GPU. */
  heads: number;
  /** KV heads per GPU. */
  kvHeads: number;
  headDim: number;
  /** FMHA compute dtype. */
  attnDtype: 'bf16' | 'fp8';
  kvDtype: 'bf16' | 'fp8';
}

/** Causal attention of a chunk over itself and its prefix: 2·b·H·d·(full² − prefix²) FLOPs (QK and PV, halved by the mask). */
export function contextAttentionSolS(g: GpuSpec, s: ContextAttentionShape): number {
  const full = s.prefix + s.chunk;
  const flops = 2 * s.batch * s.heads * s.headDim * (full * full - s.prefix * s.prefix);
  const bytes =
    s.batch * s.chunk * s.heads * s.headDim * 2 * 2 + s.batch * full * 2 * s.kvHeads * s.headDim * bytesPerElement(s.kvDtype);
  return Math.max(flops / peakFlops(g, s.attnDtype), bytes / g.memBwBps);
}

/** Efficiency axes: full sequence length, and batch x heads (the parallel work items); contextAttentionMs inlines them. */
export function contextAttentionAxes(s: ContextAttentionShape): [number, number] {
  return [s.prefix + s.chunk, s.batch * s.heads];
}

export function contextAttentionMs(grid: UtilGrid, g: GpuSpec, s: ContextAttentionShape): number {
  if (s.batch <= 0 || s.chunk <= 0) return 0;
  return Math.max(grid.floorMs, (contextAttentionSolS(g, s) * 1000) / lookupUtil(grid, s.prefix + s.chunk, s.batch * s.heads));
}

// ---- decode (generation) attention ------------------------------------------------------------

export interface GenerationAttentionShape {
  batch: number;
  /** KV length each sequence attends over. */
  kvLen: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  kvDtype: 'bf16' | 'fp8';
}

/** One query token per sequence over its KV: KV read dominates. */
export function generationAttentionSolS(g: GpuSpec, s: GenerationAttentionShape): number {
  const flops = 2 * s.batch * s.heads * s.headDim * 2 * s.kvLen;
  const bytes = s.batch * (2 * s.heads * s.headDim * 2 + 2 * s.kvHeads * s.kvLen * s.headDim * bytesPerElement(s.kvDtype));
  return Math.max(flops / peakFlops(g, 'bf16'), bytes / g.memBwBps);
}

/** Efficiency axes: KV length, and batch x KV heads; generationAttentionMs inlines them. */
export function generationAttentionAxes(s: GenerationAttentionShape): [number, number] {
  return [s.kvLen, s.batch * s.kvHeads];
}

export function generationAttentionMs(grid: UtilGrid, g: GpuSpec, s: GenerationAttentionShape): number {
  if (s.batch <= 0) return 0;
  return Math.max(grid.floorMs, (generationAttentionSolS(g, s) * 1000) / lookupUtil(grid, s.kvLen, s.batch * s.kvHeads));
}

// ---- all-reduce -------------------------------------------------------------------------------

/** Link bandwidth an all-reduce over tp GPUs runs on: NVLink inside a node, the scale-out network across. */
export function allReduceBwBps(g: GpuSpec, tp: number): number {
  return tp > g.gpusPerNode ? g.interNodeBwBps : g.intraNodeBwBps;
}

/** Ring all-reduce of `elems` bf16 values: 2·bytes·(tp−1)/tp over the link. */
export function allReduceSolS(g: GpuSpec, elems: number, tp: number): number {
  if (tp <= 1) return 0;
  return (2 * elems * 2 * (tp - 1)) / tp / allReduceBwBps(g, tp);
}

export function allReduceMs(grid: UtilGrid, g: GpuSpec, elems: number, tp: number): number {
  if (tp <= 1 || elems <= 0) return 0;
  return Math.max(grid.floorMs, (allReduceSolS(g, elems, tp) * 1000) / lookupUtil(grid, elems, 1));
}

// ---- memory-bound element-wise ops (analytic, as AIC) ----------------------------------------------

/** bytes / (HBM BW x 0.8) + 3 us, ms. */
export function memOpMs(g: GpuSpec, bytes: number): number {
  if (bytes <= 0) return 0;
  return (bytes / (g.memBwBps * g.memBwScaling) + g.memConstLatencyS) * 1000;
}
