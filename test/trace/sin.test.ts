import {describe, expect, it} from 'vitest';
import {SIN_DEFAULTS, sinDefaultFileName, sinTrace, sinus} from '../../src/trace/sin.js';
import type {TraceRecord} from '../../src/trace/mooncake.js';

const take = (it: Iterable<TraceRecord>, n = Infinity): TraceRecord[] => {
  const out: TraceRecord[] = [];
  for (const r of it) {
    if (out.length >= n) break;
    out.push(r);
  }
  return out;
};

describe('sinus', () => {
  it('starts at the minimum, peaks at half a period, phase -pi/2', () => {
    expect(sinus(5, 10, 10, 0)).toBeCloseTo(5, 12);
    expect(sinus(5, 10, 10, 5)).toBeCloseTo(10, 12);
    expect(sinus(5, 10, 10, 2.5)).toBeCloseTo(7.5, 12);
    expect(sinus(5, 10, 10, 10)).toBeCloseTo(5, 12);
  });
});

describe('sinTrace', () => {
  it('keeps Dynamo\'s default file name', () => {
    expect(sinDefaultFileName(SIN_DEFAULTS)).toBe('sin_b512_t100_rr5.0-10.0-10.0_io1002000-5000100-0.2-0.8-10.0.jsonl');
  });
  it('is reproducible per seed', () => {
    expect(take(sinTrace({seed: 3}))).toEqual(take(sinTrace({seed: 3})));
    expect(take(sinTrace({seed: 3}))).not.toEqual(take(sinTrace({seed: 4})));
  });
  it('spaces arrivals evenly within each step, in ms, in time order', () => {
    const rs = take(sinTrace({seed: 1}));
    const byStep = new Map<number, number[]>();
    for (const r of rs) {
      expect(Number.isInteger(r.timestamp)).toBe(true);
      const step = Math.floor(r.timestamp / 1000);
      byStep.set(step, [...(byStep.get(step) ?? []), r.timestamp]);
    }
    for (const [step, ts] of byStep) {
      const n = ts.length;
      expect(ts).toEqual(ts.map((_, k) => Math.floor((step + k / n) * 1000)));
    }
    for (let i = 1; i < rs.length; i += 1) expect(rs[i]!.timestamp).toBeGreaterThanOrEqual(rs[i - 1]!.timestamp);
    expect(rs[rs.length - 1]!.timestamp).toBeLessThan(100000);
  });
  it('draws Poisson(rate x step) requests per step with the rate at the step start', () => {
    // constant 20 req/s over 2000 one-second steps: 40000 expected, sd 200
    const n1 = take(sinTrace({requestRateMin: 20, requestRateMax: 20, timeDurationS: 2000, seed: 5})).length;
    expect(Math.abs(n1 - 40000)).toBeLessThan(1000);
    // 10-second steps sample the rate only at t = 0, 10, 20, ...: with period 20 that is 1, 9, 1, 9 ...
    const rs = take(sinTrace({requestRateMin: 1, requestRateMax: 9, requestRatePeriodS: 20, processIntervalS: 10, timeDurationS: 4000, seed: 6}));
    const low = rs.filter((r) => Math.floor(r.timestamp / 10000) % 2 === 0).length;
    const high = rs.length - low;
    expect(Math.abs(low - 200 * 10)).toBeLessThan(5 * Math.sqrt(2000));
    expect(Math.abs(high - 200 * 90)).toBeLessThan(5 * Math.sqrt(18000));
  });
  it('ratio is the probability of preset 1', () => {
    const all1 = take(sinTrace({islOslRatioMin: 1, islOslRatioMax: 1, seed: 2}));
    expect(all1.every((r) => r.input_length === 100 && r.output_length === 2000)).toBe(true);
    const all2 = take(sinTrace({islOslRatioMin: 0, islOslRatioMax: 0, seed: 2}));
    expect(all2.every((r) => r.input_length === 5000 && r.output_length === 100)).toBe(true);
    const mixed = take(sinTrace({islOslRatioMin: 0.3, islOslRatioMax: 0.3, timeDurationS: 2000, seed: 2}));
    const share = mixed.filter((r) => r.input_length === 100).length / mixed.length;
    expect(Math.abs(share - 0.3)).toBeLessThan(0.02);
  });
  it('gives one hash id per block, drawn from the block universe', () => {
    const rs = take(sinTrace({blockSize: 64, totalBlocks: 50, seed: 8}));
    for (const r of rs) {
      expect(r.hash_ids!.length).toBe(Math.ceil(r.input_length / 64));
      for (const h of r.hash_ids!) expect(Number.isInteger(h) && h >= 0 && h < 50).toBe(true);
    }
  });
  it('chained hash ids encode the prefix: equal ids imply equal parents', () => {
    const rs = take(sinTrace({hashIds: 'chained', totalBlocks: 3, blockSize: 100, isl1: 300, isl2: 500, seed: 4}));
    const parentOf = new Map<number, number>();
    let maxId = -1;
    for (const r of rs) {
      r.hash_ids!.forEach((id, i) => {
        const parent = i === 0 ? -1 : r.hash_ids![i - 1]!;
        if (parentOf.has(id)) expect(parentOf.get(id)).toBe(parent);
        else {
          // first-seen ids are consecutive
          expect(id).toBe(maxId + 1);
          maxId = id;
          parentOf.set(id, parent);
        }
      });
    }
    // a 3-block universe shares prefixes: far fewer ids than blocks emitted
    expect(maxId + 1).toBeLessThan(rs.reduce((s, r) => s + r.hash_ids!.length, 0) / 2);
  });
  it('poisson arrivals keep the rate but not the even spacing', () => {
    const rs = take(sinTrace({arrivals: 'poisson', requestRateMin: 20, requestRateMax: 20, timeDurationS: 2000, seed: 9}));
    expect(Math.abs(rs.length - 40000)).toBeLessThan(1000);
    const gaps = rs.slice(1).map((r, i) => r.timestamp - rs[i]!.timestamp);
    const mean = gaps.reduce((s, v) => s + v, 0) / gaps.length;
    const sd = Math.sqrt(gaps.reduce((s, g) => s + (g - mean) ** 2, 0) / gaps.length);
    expect(mean).toBeCloseTo(50, -1);
    // exponential gaps: sd close to the mean (even spacing at 20/s would give sd near 0)
    expect(sd / mean).toBeGreaterThan(0.9);
  });
  it('jitters ISL/OSL with the given standard deviation, never below 1', () => {
    const rs = take(sinTrace({islOslRatioMin: 1, islOslRatioMax: 1, isl1: 1000, islStddev: 100, osl1: 5, oslStddev: 50, timeDurationS: 1000, seed: 10}));
    const isl = rs.map((r) => r.input_length);
    const m = isl.reduce((s, v) => s + v, 0) / isl.length;
    const sd = Math.sqrt(isl.reduce((s, v) => s + (v - m) ** 2, 0) / isl.length);
    expect(m).toBeCloseTo(1000, -1);
    expect(Math.abs(sd - 100)).toBeLessThan(5);
    expect(rs.every((r) => r.output_length >= 1 && Number.isInteger(r.output_length))).toBe(true);
  });
  it('is lazy: records are drawn one by one, as the caller asks (how fast: bench/simulate-speed.ts)', () => {
    // A trace far too long to build in memory (a year at 1e6 req/s) still yields its first records.
    const gen = sinTrace({timeDurationS: 365 * 86400, requestRateMin: 1e6, requestRateMax: 1e6});
    const first = [gen.next(), gen.next(), gen.next()];
    expect(first.every((r) => !r.done)).toBe(true);
    const times = first.map((r) => (r.value as TraceRecord).timestamp);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times[2]).toBeLessThan(1); // ms: three arrivals at 1e6 req/s
  });
  it('rejects bad options naming the option (commands map them to flags)', () => {
    expect(() => take(sinTrace({timeDurationS: 0}))).toThrow(/^timeDurationS must be > 0, got 0$/);
    expect(() => take(sinTrace({requestRateMin: 10, requestRateMax: 5}))).toThrow(/requestRateMax \(5\) is below requestRateMin/);
    expect(() => take(sinTrace({islOslRatioMax: 1.5}))).toThrow(/islOslRatioMax must be <= 1/);
  });
});
