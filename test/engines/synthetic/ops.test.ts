import {readFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {resolveGpu} from '../../../src/engines/synthetic/gpus.js';
import {
  allReducePoint,
  contextAttentionPoint,
  gemmPoint,
  generationAttentionPoint,
  parseCsv,
  type MeasuredPoint,
} from '../../../src/engines/synthetic/aic-rows.js';
import {ALLREDUCE_UTIL, CONTEXT_ATTENTION_UTIL, GEMM_UTIL, GENERATION_ATTENTION_UTIL} from '../../../src/engines/synthetic/calibration-data.js';
import {enforceMonotoneLatency, fitGemmUtil, fitUtilGrid, isotonic} from '../../../src/engines/synthetic/fit.js';
import {
  allReduceSolS,
  contextAttentionSolS,
  gemmMs,
  gemmSolS,
  generationAttentionSolS,
  lookupGemmUtil,
  lookupUtil,
  memOpMs,
  type GemmUtil,
  type UtilGrid,
} from '../../../src/engines/synthetic/ops.js';
import {REPO_ROOT} from '../../helpers/cli.js';

const h200 = resolveGpu('h200_sxm');
const rows = (f: string) => parseCsv(readFileSync(path.join(REPO_ROOT, 'fixtures/aic', f), 'utf8'));

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/** Relative errors of the model against measured points, grouped by curve. */
function errors(points: MeasuredPoint[], predict: (p: MeasuredPoint) => number): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const p of points) {
    if (!out.has(p.key)) out.set(p.key, []);
    out.get(p.key)?.push(Math.abs(predict(p) / p.latencyMs - 1));
  }
  return out;
}

const grid2 = (g: UtilGrid) => (p: MeasuredPoint) => Math.max(g.floorMs, (p.solS * 1000) / lookupUtil(g, p.a, p.b));

describe('roofline SOL, hand-checked', () => {
  it('GEMM: max(2mnk/peak, bytes/BW)', () => {
    // m=8192, n=k=4096 fp8: 2.749e11 FLOP / 1978 TFLOPS = 0.13897 ms (compute-bound)
    expect(gemmSolS(h200, 8192, 4096, 4096, 'fp8') * 1000).toBeCloseTo(0.1389676, 6);
    // m=1 bf16: 2 B x (4096 + 4096 + 4096^2) / 4.8 TB/s = 6.99 us (memory-bound)
    expect(gemmSolS(h200, 1, 4096, 4096, 'bf16') * 1000).toBeCloseTo(0.00699392, 7);
  });

  it('prefill attention: causal 2·b·H·d·(full² − prefix²) FLOPs', () => {
    const s = {batch: 1, chunk: 8192, prefix: 0, heads: 32, kvHeads: 8, headDim: 128, attnDtype: 'bf16' as const, kvDtype: 'bf16' as const};
    expect(contextAttentionSolS(h200, s) * 1000).toBeCloseTo(0.55587039, 6);
    expect(contextAttentionSolS(h200, {...s, chunk: 4096, prefix: 4096}) * 1000).toBeCloseTo(0.41690279, 6);
  });

  it('decode attention: KV read bound', () => {
    const s = {batch: 32, kvLen: 4096, heads: 32, kvHeads: 8, headDim: 128, kvDtype: 'fp8' as const};
    expect(generationAttentionSolS(h200, s) * 1000).toBeCloseTo(0.05603328, 7);
  });

  it('all-reduce: ring 2·bytes·(n−1)/n over NVLink; zero at TP 1', () => {
    expect(allReduceSolS(h200, 4194304, 8) * 1000).toBeCloseTo(0.0326223644, 8);
    expect(allReduceSolS(h200, 4194304, 1)).toBe(0);
  });

  it('element-wise: bytes / (0.8 BW) + 3 us', () => {
    expect(memOpMs(h200, 1e6)).toBeCloseTo(0.00326041667, 9);
    expect(memOpMs(h200, 0)).toBe(0);
  });
});

describe('utilisation grids', () => {
  const grid: UtilGrid = {x: [0, 1], y: [0, 1], util: [[0.2, 0.4], [0.6, 0.8]], floorMs: 0};

  it('interpolates bilinearly in log2 space and holds the boundary outside', () => {
    expect(lookupUtil(grid, 1, 1)).toBeCloseTo(0.2, 12);
    expect(lookupUtil(grid, 2, 2)).toBeCloseTo(0.8, 12);
    expect(lookupUtil(grid, Math.SQRT2, Math.SQRT2)).toBeCloseTo(0.5, 12);
    expect(lookupUtil(grid, 64, 0.25)).toBeCloseTo(0.6, 12);
  });

  it('isotonic regression pools adjacent violators', () => {
    expect(isotonic([1, 3, 2, 4])).toEqual([1, 2.5, 2.5, 4]);
    expect(isotonic([5, 4, 3])).toEqual([4, 4, 4]);
    expect(isotonic([1, 2, 3])).toEqual([1, 2, 3]);
  });

  it('monotone pass: latency never falls with more work', () => {
    // SOL 1 everywhere: latency = 1/util; util [[0.5, 0.25], [1, 0.25]] has a dip (2 -> 1) along x.
    const out = enforceMonotoneLatency([[0.5, 0.25], [1, 0.25]], [0, 1], [0, 1], () => 1);
    const lat = out.map((r) => r.map((u) => 1 / u));
    expect(lat[1][0]).toBeGreaterThanOrEqual(lat[0][0]);
    expect(lat[0][0]).toBeCloseTo(Math.SQRT2, 9); // geometric mean of 2 and 1 (isotonic in log latency)
    expect(lat[1][1]).toBeGreaterThanOrEqual(lat[1][0]);
  });

  it('fits the median utilisation of the samples nearest each knot and fills empty cells', () => {
    const fitted = fitUtilGrid(
      [
        {a: 1, b: 1, util: 0.1, latencyMs: 1},
        {a: 1, b: 1, util: 0.3, latencyMs: 2},
        {a: 1, b: 1, util: 0.2, latencyMs: 3},
        {a: 2, b: 2, util: 0.9, latencyMs: 0.5},
      ],
      [0, 1],
      [0, 1],
    );
    expect(fitted.util).toEqual([[0.2, 0.2], [0.9, 0.9]]);
    expect(fitted.floorMs).toBe(0.5);
  });
});

describe('synthetic ops reproduce the AIC H200 measurements (median error <= 5 %)', () => {
  it('GEMM (vLLM and TRT-LLM, fp8 and bf16)', () => {
    const pts = rows('h200_gemm.csv').map((r) => gemmPoint(h200, r));
    const errs = errors(pts, (p) => {
      const g = GEMM_UTIL[p.key];
      return Math.max(g.floorMs, (p.solS * 1000) / lookupGemmUtil(g, p.a, p.b, p.c));
    });
    expect([...errs.keys()].sort()).toEqual(['trtllm:bf16', 'trtllm:fp8', 'vllm:bf16', 'vllm:fp8']);
    for (const [, e] of errs) expect(median(e)).toBeLessThanOrEqual(0.05);
  });

  it('GEMM shapes never measured: k = 4096 held out of the fit, predicted from the other k (median <= 10 %)', () => {
    const pts = rows('h200_gemm.csv')
      .map((r) => gemmPoint(h200, r))
      .filter((p) => p.key === 'vllm:fp8');
    const toSample = (p: MeasuredPoint) => ({a: p.a, b: p.b, c: p.c, util: (p.solS * 1000) / p.latencyMs, latencyMs: p.latencyMs});
    const fit: GemmUtil = fitGemmUtil(pts.filter((p) => p.c !== 4096).map(toSample));
    const held = pts.filter((p) => p.c === 4096);
    expect(held.length).toBeGreaterThan(300);
    const e = held.map((p) => Math.abs(Math.max(fit.floorMs, (p.solS * 1000) / lookupGemmUtil(fit, p.a, p.b, p.c)) / p.latencyMs - 1));
    expect(median(e)).toBeLessThanOrEqual(0.1);
  });

  it('prefill attention', () => {
    const errs = errors(
      rows('h200_context_attention.csv').map((r) => contextAttentionPoint(h200, r)),
      (p) => grid2(CONTEXT_ATTENTION_UTIL[p.key])(p),
    );
    expect(errs.size).toBe(5);
    for (const [, e] of errs) expect(median(e)).toBeLessThanOrEqual(0.05);
  });

  it('decode attention', () => {
    const errs = errors(
      rows('h200_generation_attention.csv').map((r) => generationAttentionPoint(h200, r)),
      (p) => grid2(GENERATION_ATTENTION_UTIL[p.key])(p),
    );
    expect(errs.size).toBe(4);
    for (const [, e] of errs) expect(median(e)).toBeLessThanOrEqual(0.05);
  });

  it('all-reduce by message size and GPU count', () => {
    const pts = rows('h200_allreduce.csv')
      .map((r) => allReducePoint(h200, r))
      .filter((p): p is MeasuredPoint => p !== undefined);
    const errs = errors(pts, (p) => grid2(ALLREDUCE_UTIL[p.key])(p));
    expect(errs.has('vllm_graph:8')).toBe(true);
    for (const [, e] of errs) expect(median(e)).toBeLessThanOrEqual(0.05);
  });

  it('no fitted utilisation exceeds the roofline', () => {
    const all = [...Object.values(CONTEXT_ATTENTION_UTIL), ...Object.values(GENERATION_ATTENTION_UTIL), ...Object.values(ALLREDUCE_UTIL), ...Object.values(GEMM_UTIL).flatMap((g) => g.slices)];
    for (const g of all) for (const row of g.util) for (const u of row) expect(u > 0 && u <= 1.05).toBe(true);
  });
});

describe('GEMM time on another GPU', () => {
  // One flat efficiency everywhere, no floor: the rule alone.
  const flat = (util: number): GemmUtil => ({k: [10], slices: [{x: [0], y: [0], util: [[util]], floorMs: 0}], floorMs: 0});
  const h100 = resolveGpu('h100_sxm');
  // m = 8, n = k = 8192 in fp8: 64.1 MB, memory-bound on both (H200 and H100 have the same tensor peaks).
  const bytes = 8 * 8192 + 8 * 8192 + 8192 * 8192;

  it('is the measured efficiency on the reference GPU itself', () => {
    expect(gemmMs(flat(0.46), h200, 8, 8192, 8192, 'fp8')).toBeCloseTo((bytes / h200.memBwBps / 0.46) * 1000, 12);
  });

  it('a memory-bound GEMM that did not saturate H200 bandwidth keeps its H200 time unless the smaller bandwidth at 80 % binds', () => {
    const h200Ms = (bytes / h200.memBwBps / 0.46) * 1000; // 0.0290 ms
    const boundMs = (bytes / (h100.memBwBps * 0.8)) * 1000; // 0.0239 ms
    expect(gemmMs(flat(0.46), h100, 8, 8192, 8192, 'fp8')).toBeCloseTo(Math.max(h200Ms, boundMs), 12);
    expect(gemmMs(flat(0.46), h100, 8, 8192, 8192, 'fp8')).toBeCloseTo(h200Ms, 12);
    // At 0.3 of 3.35 TB/s the H100 bound no longer binds either; the carried-over time would be 0.0638 ms.
    expect(gemmMs(flat(0.3), h100, 8, 8192, 8192, 'fp8')).toBeCloseTo((bytes / h200.memBwBps / 0.3) * 1000, 12);
  });

  it('a GEMM that saturated H200 bandwidth, or a compute-bound one, carries its efficiency over', () => {
    expect(gemmMs(flat(0.9), h100, 8, 8192, 8192, 'fp8')).toBeCloseTo((bytes / h100.memBwBps / 0.9) * 1000, 12);
    const b200 = resolveGpu('b200_sxm');
    expect(gemmMs(flat(0.7), b200, 8192, 8192, 8192, 'fp8')).toBeCloseTo(((2 * 8192 ** 3) / 4500e12 / 0.7) * 1000, 12);
  });

  it('is never slower than carrying the efficiency over', () => {
    for (const g of ['a100_sxm', 'l4', 'h100_sxm', 'b200_sxm', 'gb200'].map(resolveGpu)) {
      for (const util of [0.1, 0.46, 0.8, 0.95]) {
        for (const m of [1, 8, 256, 8192]) {
          const carried = (gemmSolS(g, m, 8192, 8192, 'bf16') * 1000) / util;
          expect(gemmMs(flat(util), g, m, 8192, 8192, 'bf16')).toBeLessThanOrEqual(carried * (1 + 1e-12));
        }
      }
    }
  });
});
