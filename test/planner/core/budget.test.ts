import {describe, expect, it} from 'vitest';
import {applyGlobalBudget, applySingleBudget, clampPair, clampSingle} from '../../../src/planner/core/budget.js';

const band = (minGpuBudget: number, maxGpuBudget: number, minEndpoint = 1) => ({minGpuBudget, maxGpuBudget, minEndpoint});

describe('clampSingle (E.13 item 4)', () => {
  it('inside the band or both bounds off: unchanged', () => {
    expect(clampSingle(3, 2, band(-1, 8))).toBe(3);
    expect(clampSingle(30, 2, band(-1, -1))).toBe(30);
    expect(clampSingle(4, 2, band(8, 8))).toBe(4);
    // tolerance = one engine when both bounds are on: 3 x 2 = 6 >= 8 - 2
    expect(clampSingle(3, 2, band(8, 8))).toBe(3);
  });
  it('above the ceiling: floor(max / gpu), at least min endpoint; 0 when even the minimum does not fit', () => {
    expect(clampSingle(5, 2, band(-1, 7))).toBe(3);
    expect(clampSingle(5, 4, band(-1, 3))).toBe(0);
  });
  it('below the floor: ceil(min / gpu)', () => {
    expect(clampSingle(1, 2, band(7, -1))).toBe(4);
    expect(clampSingle(1, 2, band(7, 20))).toBe(4); // 2 < 7 - 2
  });
  it('applySingleBudget: unknown GPU count leaves desired (min endpoint not applied either)', () => {
    expect(applySingleBudget(0, undefined, band(-1, 8))).toBe(0);
    expect(applySingleBudget(0, 1, band(-1, 8))).toBe(1);
  });
});

describe('clampPair (E.13 item 4)', () => {
  it('shrinks proportionally above the ceiling', () => {
    // 6P x1 + 6D x1 = 12 > 8: scale 2/3 -> P = 4, D = 4
    expect(clampPair(6, 6, 1, 1, band(-1, 8))).toEqual([4, 4]);
    // prefill capped so decode keeps its minimum: 10P + 1D at 1 GPU, budget 4 -> P = min(3, floor(10 x 4/11)) = 3, D = 1
    expect(clampPair(10, 1, 1, 1, band(-1, 4))).toEqual([3, 1]);
  });
  it('(0, 0) when the minimum of both does not fit: 1P + 1D at 2 GPUs, budget 3', () => {
    expect(clampPair(1, 1, 2, 2, band(-1, 3))).toEqual([0, 0]);
    expect(applyGlobalBudget(1, 1, 2, 2, band(-1, 3))).toEqual([0, 0]);
  });
  it('grows toward the floor with ceil; even split when nothing is allocated', () => {
    // 1P + 1D = 2 GPUs < 8 - 1: scale 4 -> P = 4, D = ceil((8 - 4) / 1) = 4
    expect(clampPair(1, 1, 1, 1, band(8, 16))).toEqual([4, 4]);
    expect(clampPair(0, 0, 2, 1, band(9, -1, 0))).toEqual([3, 3]);
  });
  it('a floor that cannot be met under the ceiling leaves the input', () => {
    // 1P x 4 = 4 < 12 - 4: grow to P = 3, D = 1 -> 16 GPUs > 12
    expect(clampPair(1, 0, 4, 4, band(12, 12))).toEqual([1, 0]);
  });
  it('unknown GPU counts leave the pair', () => {
    expect(applyGlobalBudget(9, 9, undefined, 1, band(-1, 2))).toEqual([9, 9]);
  });
});
