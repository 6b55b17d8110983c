import {describe, expect, it} from 'vitest';
import type {Profile} from '../../src/profile/types.js';
import {beyondProfiledKv, recommend, type RecommendCandidate} from '../../src/recommend/recommend.js';
import {linearPerfModel} from '../helpers/linear-perf-model.js';

const MAX_KV = 200_000;

/** A profile whose prefill TTFT is a + b * isl and whose decode ITL is base + 20 * kv usage. */
function profile(tp: number, ttft: {a: number; b: number}, itlBaseMs: number | null): Profile {
  const isls = [500, 1000, 2000, 4000, 8000];
  const ttfts = isls.map((isl) => ttft.a + ttft.b * isl);
  const p: Profile = {
    format: 'planner-profile', version: 1,
    engine: {model: 'test', gpu: 'test', tp, gpusPerEngine: tp, backend: 'vllm', maxKvTokens: MAX_KV},
    source: {kind: 'synthetic', createdAt: '1970-01-01T00:00:00.000Z', tool: 'test'},
    prefill: {prefill_isl: isls, prefill_ttft: ttfts, prefill_thpt_per_gpu: isls.map((isl, i) => isl / (ttfts[i] / 1000) / tp)},
  };
  if (itlBaseMs !== null) {
    const d = {x_kv_usage: [] as number[], y_context_length: [] as number[], z_itl: [] as number[], z_thpt_per_gpu: [] as number[], max_kv_tokens: MAX_KV};
    for (const ctx of [1000, 3000, 5000]) {
      for (const kv of [0.01, 0.2, 0.4, 0.6, 0.8, 0.99]) {
        const itl = itlBaseMs + 20 * kv;
        d.x_kv_usage.push(kv);
        d.y_context_length.push(ctx);
        d.z_itl.push(itl);
        d.z_thpt_per_gpu.push(((kv * MAX_KV) / ctx / itl) * 1000 / tp);
      }
    }
    p.decode = d;
  }
  return p;
}

const cand = (p: Profile): RecommendCandidate => ({tp: p.engine.tp, gpusPerEngine: p.engine.gpusPerEngine, source: `tp${p.engine.tp}`, profile: p});
// At ISL 2000: TP1 TTFT 120 ms (16667 tok/s/GPU), TP2 TTFT 75 ms (13333 tok/s/GPU).
const TP1 = profile(1, {a: 20, b: 0.05}, 6);
const TP2 = profile(2, {a: 15, b: 0.03}, 4);
const base = {isl: 2000, osl: 200, ttftMs: 150, itlMs: 15, noAgg: true};

describe('recommend: TP choice', () => {
  it('chooses the prefill TP with the best tokens/s/GPU meeting TTFT, whatever the input order', () => {
    const r = recommend([cand(TP2), cand(TP1)], base);
    expect(r.perTp.map((t) => t.tp)).toEqual([1, 2]);
    expect(r.perTp[0].prefill!.ttftMs).toBeCloseTo(120, 9);
    expect(r.perTp[1].prefill!.ttftMs).toBeCloseTo(75, 9);
    expect(r.prefill).toMatchObject({tp: 1, rule: 'best-throughput', gpusPerEngine: 1});
    expect(r.prefill!.thptPerGpu).toBeCloseTo(2000 / 0.12, 6);
    expect(r.thresholds.prefillQueue!.upper).toBeCloseTo((150 * 1.2) / 120 - 1, 9);
    expect(r.thresholds.prefillQueue!.lower).toBeCloseTo(0.1, 12); // 150 * 0.8 / 120 - 1 = 0 -> 0.1
  });

  it('moves to the TP that meets a tighter TTFT target', () => {
    expect(recommend([cand(TP1), cand(TP2)], {...base, ttftMs: 100}).prefill).toMatchObject({tp: 2, rule: 'best-throughput'});
  });

  it('falls back to the lowest TTFT with a warning when no TP meets the target', () => {
    const r = recommend([cand(TP1), cand(TP2)], {...base, ttftMs: 50});
    expect(r.prefill).toMatchObject({tp: 2, rule: 'lowest-latency'});
    expect(r.warnings).toContain('no TP meets the TTFT target of 50 ms for prefill; chose TP 2, the lowest TTFT (75.00 ms)');
    expect(r.disaggregated.best).toBeNull();
  });

  it('chooses decode from the answers at ISL + OSL/2 and derives the kv bounds from the chosen point', () => {
    const r = recommend([cand(TP1), cand(TP2)], base);
    expect(r.query.contextLength).toBe(2100);
    for (const t of r.perTp) {
      expect(t.decode!.meetsSla).toBe(true);
      expect(t.decode!.itlMs).toBeLessThanOrEqual(15);
    }
    const best = r.perTp.reduce((a, b) => (b.decode!.thptPerGpu > a.decode!.thptPerGpu ? b : a));
    expect(r.decode!.tp).toBe(best.tp);
    expect(r.thresholds.decodeKvUsage!.upper).toBeCloseTo(Math.min(1, r.decode!.kvUsage + 0.2), 12);
    expect(r.thresholds.decodeKvUsage!.lower).toBeCloseTo(Math.max(0.1, r.decode!.kvUsage - 0.2), 12);
  });

  it('picks the lowest ITL with a warning when no decode TP meets the target', () => {
    const r = recommend([cand(TP1), cand(TP2)], {...base, itlMs: 3});
    expect(r.decode).toMatchObject({tp: 2, rule: 'lowest-latency'});
    expect(r.warnings.some((w) => w.startsWith('no TP meets the ITL target of 3 ms for decode; chose TP 2'))).toBe(true);
  });

  it('rejects two profiles of the same TP', () => {
    expect(() => recommend([cand(TP1), cand(TP1)], base)).toThrow('two profiles for TP 1');
  });
});

describe('recommend: prefill-only profiles', () => {
  it('recommends prefill only and says so', () => {
    const r = recommend([cand(profile(1, {a: 20, b: 0.05}, null)), cand(profile(2, {a: 15, b: 0.03}, null))], {...base, requestRateRps: 10, noAgg: false});
    expect(r.prefillOnly).toBe(true);
    expect(r.prefill).toMatchObject({tp: 1});
    expect(r.decode).toBeNull();
    expect(r.thresholds.decodeKvUsage).toBeNull();
    expect(r.aggregated.skipped).toBe('needs decode data');
    expect(r.disaggregated.best).toBeNull();
    expect(r.comparison).toEqual({winner: null, ratio: null, text: 'no comparison: the profiles have no decode data'});
    expect(r.replicas!.decode).toBeNull();
    expect(r.replicas!.prefill).toMatchObject({tp: 1, replicas: 2}); // 10 * 2000 / 16667 = 1.2 -> 2
    expect(r.warnings).toContain('no profile has decode data: prefill recommendation only (no decode TP, kv bounds, decode replicas or aggregated search)');
  });
});

describe('recommend: replicas', () => {
  const first = recommend([cand(TP1), cand(TP2)], base);
  const pThpt = first.prefill!.thptPerGpu;
  const dEngine = first.decode!.thptPerGpu * first.decode!.gpusPerEngine;

  it("rounds Dynamo's prefill and decode replica counts up", () => {
    // Prefill: ceil(rate * ISL / thpt / GPUs); decode: ceil(rate * OSL / thpt_per_gpu / GPUs).
    const exactP = (3 * pThpt) / 2000; // exactly 3 prefill engines' worth
    const under = recommend([cand(TP1), cand(TP2)], {...base, requestRateRps: exactP * 0.999}).replicas!;
    const over = recommend([cand(TP1), cand(TP2)], {...base, requestRateRps: exactP * 1.001}).replicas!;
    expect(under.prefill).toMatchObject({replicas: 3, gpus: 3});
    expect(over.prefill).toMatchObject({replicas: 4, gpus: 4});
    const exactD = (2 * dEngine) / 200;
    expect(recommend([cand(TP1), cand(TP2)], {...base, requestRateRps: exactD * 0.999}).replicas!.decode!.replicas).toBe(2);
    expect(recommend([cand(TP1), cand(TP2)], {...base, requestRateRps: exactD * 1.001}).replicas!.decode!.replicas).toBe(3);
    expect(under.requestsPerInterval).toBeCloseTo(exactP * 0.999 * 180, 9);
  });

  it('keeps at least min-endpoint replicas per component', () => {
    const r = recommend([cand(TP1), cand(TP2)], {...base, requestRateRps: 0.001, minEndpoint: 2}).replicas!;
    expect(r.prefill!.replicas).toBe(2);
    expect(r.decode!.replicas).toBe(2);
  });

  it('checks the GPU budget and reports what the planner would cap to', () => {
    const rate = (3 * pThpt) / 2000 * 1.001; // 4 prefill replicas
    const r = recommend([cand(TP1), cand(TP2)], {...base, requestRateRps: rate, maxGpuBudget: 3});
    const rep = r.replicas!;
    expect(rep.totalGpus).toBe(rep.prefill!.gpus + rep.decode!.gpus);
    expect(rep.budget!.fits).toBe(false);
    expect(rep.budget!.capped.prefill * rep.prefill!.gpusPerEngine + rep.budget!.capped.decode * rep.decode!.gpusPerEngine).toBeLessThanOrEqual(3);
    expect(r.warnings.some((w) => w.includes(`needs ${rep.totalGpus} GPUs disaggregated, over the budget of 3`))).toBe(true);
    expect(r.disaggregated.best === null || r.disaggregated.best.gpus <= 3).toBe(true);
  });
});

describe('recommend: aggregated vs disaggregated', () => {
  it('simulates each TP within the budget and compares the best of each layout', () => {
    const model1 = linearPerfModel({baseMs: 2, prefillMsPerToken: 0.005, decodeMsPerRequest: 0.05, decodeMsPerKvToken: 0, maxKvTokens: MAX_KV});
    const model2 = linearPerfModel({baseMs: 2, prefillMsPerToken: 0.004, decodeMsPerRequest: 0.04, decodeMsPerKvToken: 0, maxKvTokens: MAX_KV, gpusPerEngine: 2});
    const engine = {maxNumBatchedTokens: 4096, maxNumSeqs: 128};
    const c1 = {...cand(TP1), agg: {perfModel: model1, engine}};
    const c2 = {...cand(TP2), agg: {perfModel: model2, engine}};
    const r = recommend([c1, c2], {...base, noAgg: false, aggRequests: 100});
    expect(r.aggregated.perTp.map((a) => a.tp)).toEqual([1, 2]);
    const best = r.aggregated.best!;
    expect(best.at.meetsSla).toBe(true);
    expect(best.at.tokensPerSPerGpu).toBeCloseTo((best.maxRateRps * 200) / best.gpusPerEngine, 9);
    for (const a of r.aggregated.perTp) expect(best.at.tokensPerSPerGpu).toBeGreaterThanOrEqual(a.at.tokensPerSPerGpu);
    const d = r.disaggregated.best!;
    expect(r.comparison.winner).toBe(best.at.tokensPerSPerGpu >= d.tokensPerSPerGpu ? 'aggregated' : 'disaggregated');
    expect(r.comparison.ratio).toBeCloseTo(Math.max(best.at.tokensPerSPerGpu, d.tokensPerSPerGpu) / Math.min(best.at.tokensPerSPerGpu, d.tokensPerSPerGpu), 12);
    expect(r.pareto.some((p) => p.layout === 'aggregated')).toBe(true);
    expect(r.pareto.some((p) => p.layout === 'disaggregated')).toBe(true);

    const budget1 = recommend([c1, c2], {...base, noAgg: false, aggRequests: 100, maxGpuBudget: 1});
    expect(budget1.aggregated.perTp.map((a) => a.tp)).toEqual([1]);
  });

  it('says which layout wins and flags a margin under 5 %', () => {
    const model1 = linearPerfModel({baseMs: 2, prefillMsPerToken: 0.005, decodeMsPerRequest: 0.05, decodeMsPerKvToken: 0, maxKvTokens: MAX_KV});
    const r = recommend([{...cand(TP1), agg: {perfModel: model1, engine: {maxNumBatchedTokens: 4096, maxNumSeqs: 128}}}], {...base, noAgg: false, aggRequests: 100});
    expect(r.comparison.text).toMatch(/^(aggregated|disaggregated) wins: \d+ vs \d+ tokens\/s\/GPU \(\d+\.\d\dx, \+\d+\.\d %\)/);
    expect(r.comparison.text.includes('within modelling error')).toBe(r.comparison.ratio! < 1.05);
  });
});

describe('beyondProfiledKv', () => {
  it('flags kv usage above every point at the neighbouring profiled contexts', () => {
    expect(beyondProfiledKv(TP1, 2100, 0.5)).toBe(false);
    expect(beyondProfiledKv(TP1, 2100, 0.995)).toBe(true);
    expect(beyondProfiledKv(profile(1, {a: 1, b: 1}, null), 2100, 1)).toBe(false);
  });
});

describe('recommend: one TP choice throughout', () => {
  it('the disaggregated layout uses the chosen prefill and decode TPs', () => {
    const r = recommend([cand(TP1), cand(TP2)], base);
    expect(r.disaggregated.best).not.toBeNull();
    expect(r.disaggregated.best!.prefillTp).toBe(r.prefill!.tp);
    expect(r.disaggregated.best!.decodeTp).toBe(r.decode!.tp);
  });
});

