import {readFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {crossValidatedMape, decodePoints, fitDecode, fitPrefill, fitProfile, fitShape, PREFILL_SHAPE, prefillPoints, type WeightedPoint} from '../../src/profile/fit.js';
import {nnls} from '../../src/profile/nnls.js';
import {DecodeRegression, PrefillRegression} from '../../src/profile/interpolate/regression.js';
import type {SampleRecord} from '../../src/profile/samples.js';
import type {Profile} from '../../src/profile/types.js';
import {Rng} from '../../src/random.js';
import {SHIPPED_PROFILE} from '../helpers/cli.js';

const profile = JSON.parse(readFileSync(path.join(SHIPPED_PROFILE, 'profile.json'), 'utf8')) as Profile;

/** Deterministic standard normal noise. */
function gaussian(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.normal();
}

describe('NNLS', () => {
  it('equals ordinary least squares when no constraint is active', () => {
    // y = 1 + 2x exactly.
    const rows = [[1, 0], [1, 1], [1, 2], [1, 3]];
    const {x, active} = nnls(rows, [1, 3, 5, 7]);
    expect(x[0]).toBeCloseTo(1, 12);
    expect(x[1]).toBeCloseTo(2, 12);
    expect(active).toEqual([]);
  });
  it('holds a coefficient at zero when least squares wants it negative (hand-checked)', () => {
    // Unconstrained: y = 3 - 1x. With x >= 0 the slope sits at 0 and the intercept is the mean, 1.5.
    const {x, active} = nnls([[1, 0], [1, 1], [1, 2], [1, 3]], [3, 2, 1, 0]);
    expect(x).toEqual([expect.closeTo(1.5, 12), 0]);
    expect(active).toEqual([1]);
  });
});

describe('shape fits', () => {
  it('recovers known prefill coefficients from exact data to 1e-9', () => {
    const [a, b, c] = [12.5, 0.0123, 4.2e-7];
    const points = [100, 1117, 2134, 4168, 8236, 12304, 16372].map((isl) => ({inputs: [isl], y: a + b * isl + c * isl * isl}));
    const fit = fitPrefill(points).fit;
    expect(fit.coefficients.a).toBeCloseTo(a, 9);
    expect(fit.coefficients.b / b).toBeCloseTo(1, 9);
    expect(fit.coefficients.c / c).toBeCloseTo(1, 9);
    expect(fit.r2).toBeCloseTo(1, 12);
    expect(fit.mapePct).toBeLessThan(1e-9);
  });
  it('recovers known decode coefficients from exact data to 1e-9', () => {
    const [d, e, f] = [4.4, 0.021, 3.1e-5];
    const points: WeightedPoint[] = [];
    for (const ctx of [350, 2997, 5644, 8291]) for (const n of [1, 17, 60, 130]) points.push({inputs: [n, ctx], y: d + e * n + f * n * ctx});
    const fit = fitDecode(points).fit;
    expect(fit.coefficients.d).toBeCloseTo(d, 9);
    expect(fit.coefficients.e / e).toBeCloseTo(1, 9);
    expect(fit.coefficients.f / f).toBeCloseTo(1, 9);
  });
  it('keeps coefficients non-negative on data that pulls one below zero', () => {
    // TTFT falling with ISL would need b < 0.
    const points = [100, 200, 300, 400].map((isl, i) => ({inputs: [isl], y: 50 - i}));
    const c = fitShape(PREFILL_SHAPE, points);
    expect(c.every((v) => v >= 0)).toBe(true);
  });
  it('cross-validates near the noise level on a known-noise set', () => {
    const noise = gaussian(3);
    const sigma = 0.05; // 5 % multiplicative noise: E|N(0, 0.05)| = 3.99 %
    const points = Array.from({length: 200}, (_, i) => {
      const isl = 100 + i * 80;
      return {inputs: [isl], y: (10 + 0.02 * isl + 3e-7 * isl * isl) * (1 + sigma * noise())};
    });
    const cv = crossValidatedMape(PREFILL_SHAPE, points)!;
    expect(cv).toBeGreaterThan(3.4);
    expect(cv).toBeLessThan(4.6);
    expect(crossValidatedMape(PREFILL_SHAPE, points.slice(0, 3))).toBeUndefined();
  });
});

describe('fits of the H200 reference profile', () => {
  const result = fitProfile(profile);
  it('fits both phases well with cross-validated MAPE reported', () => {
    expect(result.source).toBe('points');
    expect(result.prefill!.fit.r2).toBeGreaterThan(0.99);
    expect(result.prefill!.fit.mapePct).toBeLessThan(5);
    expect(result.prefill!.fit.cvMapePct).toBeLessThan(6);
    expect(result.decode!.fit.mapePct).toBeLessThan(10);
    expect(result.prefill!.poor || result.decode!.poor).toBe(false);
  });
  it('answers ISL 3000 / OSL 300 close to the spline (decode within 1 %, prefill TTFT within 10 %)', () => {
    const pre = new PrefillRegression(result.prefill!.fit, profile.prefill!, 1);
    const dec = new DecodeRegression(result.decode!.fit, profile.decode!, 1);
    expect(dec.findBestThroughputPerGpu(10, 3150).thptPerGpu / 4555.68).toBeCloseTo(1, 1);
    expect(Math.abs(pre.ttftMs(3000) / 60.4587 - 1)).toBeLessThan(0.1);
    expect(pre.thptPerGpu(3000)).toBeCloseTo((3000 / pre.ttftMs(3000)) * 1000, 9);
  });
  it('reports a poor fit with the points that break it', () => {
    const points = decodePoints(profile.decode!).map((p, i) => (i === 3 ? {...p, y: p.y * 4} : p));
    const r = fitDecode(points.map((p) => ({...p, weight: 1 / p.y ** 2})));
    const spiky = prefillPoints(profile.prefill!).map((p, i) => ({...p, y: i % 2 ? p.y * 3 : p.y}));
    const poor = fitPrefill(spiky);
    expect(poor.poor).toBe(true);
    expect(poor.worst.length).toBeGreaterThan(0);
    expect(poor.worst[0].errPct).toBeGreaterThan(15);
    expect(r.worst.map((e) => e.index)).toContain(3);
  });
});

describe('fits from per-request samples', () => {
  it('fits samples with the measured ISL and reports their spread', () => {
    const noise = gaussian(11);
    const samples: SampleRecord[] = [];
    for (let k = 0; k < 60; k++) {
      const isl = 500 + 250 * (k % 20);
      const ttft = (15 + 0.014 * isl + 5e-7 * isl * isl) * (1 + 0.03 * noise());
      samples.push({point: `prefill/isl=${isl}`, phase: 'prefill', isl: isl + 3, osl: 5, concurrency: 1, intendedSendMs: k, sendMs: k, ttftMs: ttft, itlMs: null, chunks: [], inputTokens: isl, outputTokens: 5, status: 'ok'});
    }
    samples.push({...samples[0], status: 'error', ttftMs: null, error: 'HTTP 500'});
    const r = fitProfile({...profile, decode: undefined}, samples);
    expect(r.source).toBe('samples');
    expect(r.prefill!.inputs).toBe(60);
    expect(r.prefill!.fit.points).toBe(20); // judged on the 20 sweep points' medians
    expect(r.prefill!.fit.coefficients.b).toBeCloseTo(0.014, 2);
    expect(r.prefill!.spreadPct!.p10).toBeLessThan(0);
    expect(r.prefill!.spreadPct!.p90).toBeGreaterThan(0);
    expect(r.decode).toBeUndefined();
  });
});
