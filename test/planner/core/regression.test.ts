import {describe, expect, it} from 'vitest';
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {REPO_ROOT} from '../../helpers/cli.js';
import {BucketedRegression, MovingAverage, clampKvHitRate, leastSquares} from '../../../src/planner/core/regression.js';

interface LstsqCase {name: string; x: number[][]; y: number[]; coef: number[]; intercept: number}
const fixture = JSON.parse(readFileSync(path.join(REPO_ROOT, 'fixtures/planner-core/lstsq.json'), 'utf8')) as {cases: LstsqCase[]};

function relClose(actual: number, expected: number, rel: number, abs = 1e-15): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(Math.max(abs, rel * Math.abs(expected)));
}

describe('leastSquares (scikit-learn LinearRegression)', () => {
  for (const c of fixture.cases) {
    it(`matches NumPy lstsq: ${c.name}`, () => {
      const fit = leastSquares(c.x, c.y);
      c.coef.forEach((v, i) => relClose(fit.coef[i]!, v, 1e-9, 1e-18));
      relClose(fit.intercept, c.intercept, 1e-9);
    });
  }

  it('recovers an exact line by hand: y = 2 + 3x', () => {
    const fit = leastSquares([[0], [1], [2], [3]], [2, 5, 8, 11]);
    expect(fit.coef[0]).toBeCloseTo(3, 12);
    expect(fit.intercept).toBeCloseTo(2, 12);
  });
});

describe('MovingAverage', () => {
  it('skips leading zeros, then averages a fixed window (zeros included)', () => {
    const m = new MovingAverage(3);
    m.add(0);
    m.add(0);
    expect(m.value).toBe(0);
    expect(m.length).toBe(0);
    m.add(6);
    m.add(0);
    expect(m.value).toBe(3);
    m.add(3);
    m.add(9); // window [0, 3, 9]
    expect(m.value).toBe(4);
  });
});

describe('clampKvHitRate', () => {
  it('is 0 for null/NaN and clamps into [0, 0.95]', () => {
    expect(clampKvHitRate(null)).toBe(0);
    expect(clampKvHitRate(Number.NaN)).toBe(0);
    expect(clampKvHitRate(-0.2)).toBe(0);
    expect(clampKvHitRate(0.5)).toBe(0.5);
    expect(clampKvHitRate(0.99)).toBe(0.95);
  });
});

describe('BucketedRegression', () => {
  it('is not ready below min observations, then predicts max(1e-6, b + c·x)', () => {
    const r = new BucketedRegression(64, 3, 1, 16);
    r.addSample([100], 0.01);
    r.addSample([200], 0.02);
    expect(r.hasSufficientData()).toBe(false);
    expect(r.ensureFitted()).toBe(false);
    r.addSample([300], 0.03);
    expect(r.ensureFitted()).toBe(true);
    expect(r.predict([400])).toBeCloseTo(0.04, 12);
    expect(r.predict([-1e9])).toBe(1e-6);
  });

  it('rejects a fit with a negative coefficient on a non-relaxable feature', () => {
    const r = new BucketedRegression(64, 3, 1, 16);
    r.addSample([100], 0.03);
    r.addSample([200], 0.02);
    r.addSample([300], 0.01);
    expect(r.ensureFitted()).toBe(false);
    expect(r.coefficients).toBeNull();
  });

  it('clamps a clearly negative relaxable coefficient to 0 and keeps the intercept', () => {
    // wall time falls with n at fixed kv growth: coef on n negative, on kv positive
    const r = new BucketedRegression(64, 3, 2, 16, new Set([0]));
    const xs = [[1, 1000], [2, 3000], [3, 4000], [4, 7000]];
    const ys = xs.map(([n, kv]) => 0.01 - 1e-3 * n! + 1e-5 * kv!);
    xs.forEach((x, i) => r.addSample(x, ys[i]!));
    const raw = leastSquares(xs, ys);
    expect(raw.coef[0]).toBeLessThan(-1e-6);
    expect(r.ensureFitted()).toBe(true);
    expect(r.coefficients!.coef[0]).toBe(0);
    expect(r.coefficients!.coef[1]).toBeCloseTo(raw.coef[1]!, 15);
    expect(r.coefficients!.intercept).toBeCloseTo(raw.intercept, 15);
  });

  it('over capacity retires the oldest sample of the fullest bucket (first in insertion order on ties)', () => {
    const r = new BucketedRegression(4, 1, 1, 2);
    // bounds [0, 10]: bucket 0 = [0, 5), bucket 1 = [5, 10]
    r.addSample([0], 1);
    r.addSample([10], 2);
    r.addSample([1], 3);
    r.addSample([2], 4);
    r.addSample([9], 5); // 5 > 4: bucket 0 holds 3 -> drop its oldest (x=0)
    expect(r.numObservations).toBe(4);
    expect(r.samples().map((s) => s.x[0])).toEqual([1, 2, 10, 9]);
    // bounds widen to [0, 20]: x=9 moves to bucket 0 ([1, 2, 9]), which is then the fullest and loses x=1
    r.addSample([20], 6);
    expect(r.samples().map((s) => s.x[0])).toEqual([2, 9, 10, 20]);
  });
});
