import {readFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {notAKnotSpline} from '../../src/profile/interpolate/cubic-spline.js';
import {CloughTocher, TriangleLocator} from '../../src/profile/interpolate/clough-tocher.js';
import {delaunay} from '../../src/profile/interpolate/delaunay.js';
import {inCircle, orient, pointSet} from '../../src/profile/interpolate/predicates.js';
import {DecodeInterpolator, linspace, PrefillInterpolator} from '../../src/profile/interpolate/spline.js';
import {roundHalfEven} from '../../src/stats.js';
import type {Profile} from '../../src/profile/types.js';
import {Rng} from '../../src/random.js';
import {REPO_ROOT, SHIPPED_PROFILE} from '../helpers/cli.js';

const profile = JSON.parse(readFileSync(path.join(SHIPPED_PROFILE, 'profile.json'), 'utf8')) as Profile;
const golden = JSON.parse(readFileSync(path.join(REPO_ROOT, 'fixtures/golden/h200-tp1-interpolation.json'), 'utf8'));
const sortedTriangles = (tris: number[][]) => tris.map((t) => [...t].sort((a, b) => a - b)).sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
const rel = (a: number, b: number) => Math.abs(a / b - 1);

/** Deterministic uniform stream for property tests. */
function rng(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.uniform();
}

describe('numpy helpers', () => {
  it('rounds half to even like numpy.round', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, 2.4999, 2.5001].map((v) => roundHalfEven(v) + 0)).toEqual([0, 2, 2, 0, -2, 2, 3]);
  });
  it('builds linspace with an exact endpoint', () => {
    const xi = linspace(0, 1, 100);
    expect(xi[0]).toBe(0);
    expect(xi[99]).toBe(1);
    expect(xi[16]).toBeCloseTo(16 / 99, 15);
    expect(linspace(0, 13585, 100)[1]).toBeCloseTo(137.2222, 4);
  });
});

describe('not-a-knot cubic spline', () => {
  it('reproduces any cubic exactly (property)', () => {
    const r = rng(1);
    for (let trial = 0; trial < 20; trial++) {
      const [a, b, c, d] = [r() * 10 - 5, r() * 10 - 5, r() * 2 - 1, r() * 0.1];
      const f = (x: number) => a + b * x + c * x * x + d * x * x * x;
      const xs = [0];
      for (let i = 1; i < 4 + trial; i++) xs.push(xs[i - 1] + 0.2 + r() * 2);
      const s = notAKnotSpline(xs, xs.map(f));
      for (let t = 0; t <= 20; t++) {
        const x = (xs.at(-1)! * t) / 20;
        expect(s(x)).toBeCloseTo(f(x), 8);
      }
    }
  });
  it('passes through its knots and handles 1-3 points', () => {
    expect(notAKnotSpline([1], [5])(7)).toBe(5);
    expect(notAKnotSpline([0, 2], [1, 5])(1)).toBe(3);
    expect(notAKnotSpline([0, 1, 2], [0, 1, 4])(1.5)).toBeCloseTo(2.25, 14);
    const s = notAKnotSpline([0, 1, 3, 4, 7], [2, -1, 5, 0, 3]);
    expect([0, 1, 3, 4, 7].map(s)).toEqual([2, -1, 5, 0, 3].map((v) => expect.closeTo(v, 12)));
  });
  it('differs from a natural spline (end conditions matter): hand-checked value', () => {
    // Points of x^3 at 0,1,2,3,4: not-a-knot reproduces x^3, so s(0.5) = 0.125 (a natural spline gives 0.0357...).
    expect(notAKnotSpline([0, 1, 2, 3, 4], [0, 1, 8, 27, 64])(0.5)).toBeCloseTo(0.125, 12);
  });
});

describe('prefill interpolator on the H200 reference (Dynamo golden values)', () => {
  const p = new PrefillInterpolator(profile.prefill!);
  it('matches SciPy interp1d(kind="cubic") to 1e-12', () => {
    for (const q of golden.prefill) {
      expect(rel(p.ttftMs(q.isl), q.ttftMs)).toBeLessThan(1e-12);
      expect(rel(p.thptPerGpu(q.isl), q.thptPerGpu)).toBeLessThan(1e-12);
    }
  });
  it('gives the notes B.5 vectors and clamps outside the profiled ISLs', () => {
    expect(p.ttftMs(100)).toBeCloseTo(19.525, 3);
    expect(p.ttftMs(3000)).toBeCloseTo(60.4587, 4);
    expect(p.thptPerGpu(3000)).toBeCloseTo(49481.09, 2);
    expect(p.ttftMs(8000)).toBeCloseTo(165.062, 3);
    expect(p.thptPerGpu(8000)).toBeCloseTo(48548.64, 2);
    expect(p.ttftMs(20000)).toBeCloseTo(375.483, 3);
    expect(p.thptPerGpu(20000)).toBeCloseTo(43602.55, 2);
    expect(p.ttftMs(20000)).toBe(p.ttftMs(16372));
    expect(p.ttftMs(1)).toBe(p.ttftMs(100));
    expect([p.isClamped(99), p.isClamped(100), p.isClamped(16372), p.isClamped(16373)]).toEqual([true, false, false, true]);
  });
});

describe('Delaunay triangulation', () => {
  it('equals the triangulation SciPy (Qhull) builds for the reference decode points', () => {
    const tri = delaunay(profile.decode!.x_kv_usage, profile.decode!.y_context_length);
    expect(sortedTriangles(tri.triangles)).toEqual(golden.decode.triangles);
  });
  it('equals SciPy on a scattered point set', () => {
    const s = golden.scattered;
    expect(sortedTriangles(delaunay(s.x, s.y).triangles)).toEqual(s.triangles);
  });
  it('is Delaunay: no point inside any circumcircle, 2n-2-h triangles (property)', () => {
    const r = rng(42);
    for (let trial = 0; trial < 10; trial++) {
      const n = 8 + trial * 5;
      const x = Array.from({length: n}, () => r());
      const y = Array.from({length: n}, () => 100 + r() * 10000);
      const tri = delaunay(x, y);
      const p = pointSet(x, y);
      for (const [a, b, c] of tri.triangles) {
        expect(orient(p, a, b, c)).toBe(1);
        for (let d = 0; d < n; d++) if (d !== a && d !== b && d !== c) expect(inCircle(p, a, b, c, d)).toBeLessThanOrEqual(0);
      }
      const hullEdges = tri.neighbors.flat().filter((t) => t === -1).length;
      expect(tri.triangles.length).toBe(2 * n - 2 - hullEdges);
    }
  });
  it('gives no triangles for collinear points and ignores duplicates', () => {
    expect(delaunay([0, 1, 2, 3], [0, 1, 2, 3]).triangles).toHaveLength(0);
    expect(delaunay([0, 1, 0, 0], [0, 0, 1, 0]).triangles).toHaveLength(1);
  });
});

describe('Clough-Tocher interpolation', () => {
  it('matches SciPy griddata(cubic) on a scattered set, NaN outside the hull', () => {
    const s = golden.scattered;
    const ct = new CloughTocher(new TriangleLocator(delaunay(s.x, s.y)), s.z);
    s.probeY.forEach((py: number, i: number) =>
      s.probeX.forEach((px: number, j: number) => {
        const want = s.values[i][j];
        if (want === null) expect(ct.at(px, py)).toBeNaN();
        else expect(rel(ct.at(px, py), want)).toBeLessThan(1e-10);
      }),
    );
  });
  it('reproduces a linear function (to the gradient solver tolerance of 1e-6)', () => {
    const x = [0, 1, 0, 1, 0.4, 0.7];
    const y = [0, 0, 1, 1, 0.3, 0.8];
    const f = (u: number, v: number) => 3 + 2 * u - 5 * v;
    const ct = new CloughTocher(new TriangleLocator(delaunay(x, y)), x.map((u, i) => f(u, y[i])));
    for (const [u, v] of [[0.1, 0.1], [0.5, 0.5], [0.9, 0.2], [0.33, 0.66]]) expect(ct.at(u, v)).toBeCloseTo(f(u, v), 6);
    expect(ct.at(1.5, 0.5)).toBeNaN();
  });
});

describe('decode interpolator on the H200 reference (Dynamo golden values)', () => {
  const d = new DecodeInterpolator(profile.decode!);
  it('fills the same 100 x 100 grids as SciPy to 1e-9 and the same NaN share', () => {
    expect(d.nanFraction).toBe(golden.decode.nanFraction);
    expect(d.yi[1] - d.yi[0]).toBeCloseTo(golden.decode.yiStep, 9);
    let worst = 0;
    for (let iy = 0; iy < 100; iy++) {
      for (let ix = 0; ix < 100; ix++) {
        worst = Math.max(worst, rel(d.itlGrid[iy][ix], golden.decode.itlGrid[iy][ix]), rel(d.thptGrid[iy][ix], golden.decode.thptGrid[iy][ix]));
      }
    }
    expect(worst).toBeLessThan(1e-9);
  });
  it('finds the best throughput as notes B.5 list', () => {
    const cases: [number, number, number, number, number, number][] = [
      // itl target ms, ctx, thpt, itl ms, kv, ix
      [10, 3150, 4555.68, 9.7344, 0.161616, 16],
      [20, 3150, 5804.89, 19.5529, 0.414141, 41],
      [10, 350, 4967.36, 9.072, 0.030303, 3],
      [5, 8000, 290.24, 4.7178, 0.010101, 1],
      [50, 13000, 1758.22, 36.169, 1.0, 99],
    ];
    for (const [target, ctx, thpt, itl, kv] of cases) {
      const best = d.findBestThroughputPerGpu(target, ctx);
      expect(best.thptPerGpu).toBeCloseTo(thpt, 2);
      expect(best.itlMs).toBeCloseTo(itl, 3);
      expect(best.kvUsage).toBeCloseTo(kv, 6);
    }
    expect(d.index(50, 3150)).toEqual({ix: 16, iy: 23});
    expect(d.index(0, 8000).iy).toBe(58);
    expect(d.itlMs(50, 3150)).toBeCloseTo(9.7344, 4);
    expect(d.thptPerGpu(50, 3150)).toBeCloseTo(4555.68, 2);
  });
  it('falls back to the lowest kv cell when no cell meets the target', () => {
    const best = d.findBestThroughputPerGpu(0.1, 3150);
    expect(best.kvUsage).toBe(0);
    expect(best.itlMs).toBeGreaterThan(0.1);
  });
});
