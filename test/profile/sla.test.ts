import {describe, expect, it} from 'vitest';
import {decodeContextLength, rangeWarnings, type SlaAnswer} from '../../src/profile/sla.js';

describe('decode context length', () => {
  it('is ISL + OSL/2 with true division, as Dynamo queries and records it', () => {
    expect(decodeContextLength(3000, 300)).toBe(3150);
    expect(decodeContextLength(3000, 301)).toBe(3150.5);
    expect(decodeContextLength(99.5, 150.5)).toBe(174.75);
  });
});

describe('range warnings', () => {
  const base = {method: 'spline' as const, outsideProfiledRange: false, clamped: false, extrapolated: false};
  const prefill = {...base, ttftMs: 1, ttftTargetMs: 1, queueHeadroomMs: 0, meetsSla: true, thptPerGpu: 1, requestRatePerGpu: 1, profiledIslRange: [100, 16372] as [number, number]};
  const decode = {...base, contextLength: 3150, itlMs: 1, itlTargetMs: 1, meetsSla: true, kvUsage: 0.1, thptPerGpu: 1, requestRatePerGpu: 1, profiledContextRange: [350, 13585] as [number, number]};
  it('says nothing inside the range and one line per phase outside it, naming how it was answered', () => {
    const inside: SlaAnswer = {isl: 3000, osl: 300, prefill, decode};
    expect(rangeWarnings(inside)).toEqual([]);
    const outside: SlaAnswer = {
      isl: 20000, osl: 500,
      prefill: {...prefill, outsideProfiledRange: true, clamped: true},
      decode: {...decode, method: 'regression', contextLength: 20250, outsideProfiledRange: true, extrapolated: true},
    };
    expect(rangeWarnings(outside)).toEqual([
      'ISL 20000 is outside the profiled range 100..16372; using the value at the nearest profiled ISL (no extrapolation)',
      'decode context 20250 (ISL 20000 + OSL 500/2) is outside the profiled range 350..13585; the regression fit extrapolates',
    ]);
  });
});
