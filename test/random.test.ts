import {describe, expect, it} from 'vitest';
import {Rng, logFactorial} from '../src/random.js';

describe('Rng (xoshiro128** seeded by splitmix32)', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const sa = Array.from({length: 5}, () => a.nextUint32());
    expect(Array.from({length: 5}, () => b.nextUint32())).toEqual(sa);
    expect(Array.from({length: 5}, () => c.nextUint32())).not.toEqual(sa);
    for (const v of sa) expect(Number.isInteger(v) && v >= 0 && v < 2 ** 32).toBe(true);
  });
  it('gives uniforms in [0, 1) with mean 1/2 and variance 1/12', () => {
    const r = new Rng(1);
    const xs = Array.from({length: 200000}, () => r.uniform());
    const m = xs.reduce((s, v) => s + v, 0) / xs.length;
    const v = xs.reduce((s, x) => s + (x - m) ** 2, 0) / xs.length;
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(m).toBeCloseTo(0.5, 2);
    expect(v).toBeCloseTo(1 / 12, 3);
  });
  it('draws integers below the bound, each about equally often', () => {
    const r = new Rng(2);
    const counts = new Array(7).fill(0);
    for (let i = 0; i < 70000; i += 1) counts[r.int(7)] += 1;
    for (const c of counts) expect(Math.abs(c - 10000)).toBeLessThan(400);
  });
  it.each([0.5, 3, 9.9, 10, 50, 1000])('Poisson(%s) has mean and variance lambda', (lambda) => {
    const r = new Rng(7);
    const k = 40000;
    const xs = Array.from({length: k}, () => r.poisson(lambda));
    const m = xs.reduce((s, v) => s + v, 0) / k;
    const v = xs.reduce((s, x) => s + (x - m) ** 2, 0) / k;
    expect(xs.every((x) => Number.isInteger(x) && x >= 0)).toBe(true);
    // mean within 5 standard errors, variance within 5 %
    expect(Math.abs(m - lambda)).toBeLessThan(5 * Math.sqrt(lambda / k));
    expect(Math.abs(v / lambda - 1)).toBeLessThan(0.05);
  });
  it('Poisson(4) matches the pmf at 0 and 4', () => {
    const r = new Rng(9);
    const k = 100000;
    let zeros = 0;
    let fours = 0;
    for (let i = 0; i < k; i += 1) {
      const x = r.poisson(4);
      if (x === 0) zeros += 1;
      if (x === 4) fours += 1;
    }
    expect(zeros / k).toBeCloseTo(Math.exp(-4), 2); // 0.0183
    expect(fours / k).toBeCloseTo((Math.exp(-4) * 256) / 24, 2); // 0.1954
  });
  it('normal and exponential have the right moments', () => {
    const r = new Rng(3);
    const k = 100000;
    const ns = Array.from({length: k}, () => r.normal());
    const es = Array.from({length: k}, () => r.exponential(4));
    const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
    expect(mean(ns)).toBeCloseTo(0, 1);
    expect(mean(ns.map((x) => x * x))).toBeCloseTo(1, 1);
    expect(mean(es)).toBeCloseTo(0.25, 2);
  });
  it('logFactorial matches the exact sum on both sides of the Stirling switch', () => {
    const exact = (k: number) => Array.from({length: k}, (_, i) => Math.log(i + 1)).reduce((s, v) => s + v, 0);
    for (const k of [0, 1, 5, 29, 30, 31, 100, 1000]) expect(logFactorial(k)).toBeCloseTo(exact(k), 8);
  });
});
