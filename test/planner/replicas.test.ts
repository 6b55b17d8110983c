import {describe, expect, it} from 'vitest';
import {applyClassicBudget, applyGlobalBudget, correctedItlMs, decodeReplicas, prefillReplicas} from '../../src/planner/replicas.js';
import {roundHalfEven} from '../../src/stats.js';

const budget = (maxGpuBudget: number, minEndpoint = 1, prefillGpus = 1, decodeGpus = 1) => ({maxGpuBudget, minEndpoint, prefillGpus, decodeGpus});

describe('roundHalfEven (Python round)', () => {
  it('rounds ties to the even neighbour', () => {
    expect([0.5, 1.5, 2.5, 3.5, 4.5].map(roundHalfEven)).toEqual([0, 2, 2, 4, 4]);
    expect(roundHalfEven(2.4999)).toBe(2);
    expect(roundHalfEven(2.5001)).toBe(3);
    expect(roundHalfEven(-1.5)).toBe(-2);
    expect(roundHalfEven(7)).toBe(7);
  });
});

describe('prefill replicas', () => {
  it('ceil(N * ISL / I / thpt / gpus)', () => {
    // 900 req x 2000 tok / 60 s = 30000 tok/s; / 12000 tok/s/GPU = 2.5 -> 3
    expect(prefillReplicas({numReq: 900, isl: 2000, intervalS: 60, thptPerGpu: 12000, gpusPerEngine: 1})).toBe(3);
    // two GPUs per engine: 1.25 -> 2
    expect(prefillReplicas({numReq: 900, isl: 2000, intervalS: 60, thptPerGpu: 12000, gpusPerEngine: 2})).toBe(2);
    // exact multiple stays: 720 x 2000 / 60 = 24000 -> 2.0 -> 2
    expect(prefillReplicas({numReq: 720, isl: 2000, intervalS: 60, thptPerGpu: 12000, gpusPerEngine: 1})).toBe(2);
    expect(prefillReplicas({numReq: 0, isl: 2000, intervalS: 60, thptPerGpu: 12000, gpusPerEngine: 1})).toBe(0);
  });
  it('applies min(1, pCorrection): the factor only lowers the estimate', () => {
    expect(prefillReplicas({numReq: 900, isl: 2000, intervalS: 60, thptPerGpu: 12000, gpusPerEngine: 1, pCorrection: 0.5})).toBe(2);
    expect(prefillReplicas({numReq: 900, isl: 2000, intervalS: 60, thptPerGpu: 12000, gpusPerEngine: 1, pCorrection: 2})).toBe(3);
  });
});

describe('decode replicas', () => {
  it('ceil(N * OSL / I / thpt / gpus)', () => {
    // 600 x 100 / 60 = 1000 tok/s; / 400 = 2.5 -> 3
    expect(decodeReplicas({numReq: 600, osl: 100, intervalS: 60, thptPerGpu: 400, gpusPerEngine: 1})).toBe(3);
    // 600 x 80 / 60 = 800; / 400 = 2 -> 2
    expect(decodeReplicas({numReq: 600, osl: 80, intervalS: 60, thptPerGpu: 400, gpusPerEngine: 1})).toBe(2);
    expect(decodeReplicas({numReq: 600, osl: 80, intervalS: 60, thptPerGpu: 400, gpusPerEngine: 4})).toBe(1);
  });
  it('divides the ITL target by a positive correction factor only', () => {
    expect(correctedItlMs(20, 2)).toBe(10);
    expect(correctedItlMs(20, 0)).toBe(20);
    expect(correctedItlMs(20)).toBe(20);
  });
});

describe('classic (v2025-08) GPU budget', () => {
  it('leaves a deployment within or at the budget alone', () => {
    expect(applyClassicBudget(3, 4, budget(8))).toEqual({numP: 3, numD: 4, budgetApplied: false});
    expect(applyClassicBudget(4, 4, budget(8))).toEqual({numP: 4, numD: 4, budgetApplied: false});
  });
  it('floors each side at min endpoint before the budget', () => {
    expect(applyClassicBudget(0, 0, budget(8, 2))).toEqual({numP: 2, numD: 2, budgetApplied: false});
  });
  it('rounds a .5 prefill share to even (2.5 -> 2, 1.5 -> 2)', () => {
    // total 8 > 4, s = 0.5: P = round(2.5) = 2, D = round(4 - 2) = 2 (Math.round would give 3 and 1)
    expect(applyClassicBudget(5, 3, budget(4))).toEqual({numP: 2, numD: 2, budgetApplied: true});
    // s = 0.5: P = round(1.5) = 2, D = 2
    expect(applyClassicBudget(3, 5, budget(4))).toEqual({numP: 2, numD: 2, budgetApplied: true});
  });
  it('rounds a .5 decode remainder to even with multi-GPU engines', () => {
    // P=4, D=4, pg=1, dg=2: total 12 > 7, s = 7/12, P = round(2.33) = 2, D = round((7 - 2) / 2 = 2.5) = 2
    expect(applyClassicBudget(4, 4, budget(7, 1, 1, 2))).toEqual({numP: 2, numD: 2, budgetApplied: true});
    // pg = dg = 2: total 12 > 8, s = 2/3, P = 2, D = round((8 - 4) / 2) = 2
    expect(applyClassicBudget(3, 3, budget(8, 1, 2, 2))).toEqual({numP: 2, numD: 2, budgetApplied: true});
  });
  it('can overshoot the budget when the min endpoint binds, as Dynamo does', () => {
    const r = applyClassicBudget(3, 3, budget(4, 3));
    expect(r).toEqual({numP: 3, numD: 3, budgetApplied: true});
    expect(r.numP + r.numD).toBeGreaterThan(4);
  });
});

describe('global (v2025-Q4) GPU budget', () => {
  it('floors instead of rounding and never exceeds the budget', () => {
    // s = 0.5, maxP = 3, P = floor(2.5) = 2, D = floor(4 - 2) = 2
    expect(applyGlobalBudget(5, 3, budget(4))).toEqual({numP: 2, numD: 2});
    // s = 0.5: P = floor(1.5) = 1, D = 3
    expect(applyGlobalBudget(3, 5, budget(4))).toEqual({numP: 1, numD: 3});
  });
  it('returns zero replicas when even the minimum does not fit, and ignores a negative budget', () => {
    expect(applyGlobalBudget(3, 3, budget(1))).toEqual({numP: 0, numD: 0});
    expect(applyGlobalBudget(30, 30, budget(-1))).toEqual({numP: 30, numD: 30});
    expect(applyGlobalBudget(2, 2, budget(8))).toEqual({numP: 2, numD: 2});
  });
});
