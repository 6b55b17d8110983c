import {readFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {LinearDecodeSurface, LinearPrefillCurve, curvesPerfModel, extendedTtftMs, profilePerfModel, MIN_STEP_MS} from '../../src/engines/profile-perf-model.js';
import type {Profile} from '../../src/profile/types.js';
import {SimEngine} from '../../src/engines/sim/engine.js';
import {SHIPPED_PROFILE} from '../helpers/cli.js';

const shipped = JSON.parse(readFileSync(path.join(SHIPPED_PROFILE, 'profile.json'), 'utf8')) as Profile;

// A tiny hand profile: TTFT 20 ms at 100 tokens, 40 at 1100, 100 at 2100.
const prefill = {prefill_isl: [100, 1100, 2100], prefill_ttft: [20, 40, 100], prefill_thpt_per_gpu: [5000, 27500, 21000]};
// Two context lines (1000 and 3000 tokens), max KV 100000.
const decode = {
  x_kv_usage: [0.01, 0.5, 0.03, 0.6],
  y_context_length: [1000, 1000, 3000, 3000],
  z_itl: [5, 15, 6, 30],
  z_thpt_per_gpu: [200, 3000, 150, 2000],
  max_kv_tokens: 100_000,
};

describe('linear profile curves', () => {
  it('interpolates TTFT linearly and clamps inside the curve', () => {
    const c = new LinearPrefillCurve(prefill);
    expect(c.ttftMs(600)).toBeCloseTo(30, 12);
    expect(c.ttftMs(1600)).toBeCloseTo(70, 12);
    expect(c.ttftMs(50)).toBe(20);
  });

  it('extends TTFT beyond the range from the end slopes', () => {
    const c = new LinearPrefillCurve(prefill);
    // slope at the top: (100-40)/1000 = 0.06 ms/token; at the bottom 0.02.
    expect(extendedTtftMs(c, 3100)).toBeCloseTo(160, 9);
    expect(extendedTtftMs(c, 0)).toBeCloseTo(18, 9);
  });

  it('interpolates ITL along kv usage, then between context lines', () => {
    const s = new LinearDecodeSurface(decode);
    // ctx 1000, n 50 -> kv 0.5 -> 15; n 25 -> kv 0.25 -> 5 + 10*(0.24/0.49)
    expect(s.itlMs(50, 1000)).toBeCloseTo(15, 12);
    expect(s.itlMs(25, 1000)).toBeCloseTo(5 + (10 * 0.24) / 0.49, 12);
    // ctx 2000, n 10 -> kv 0.2: line 1000 gives 5 + 10*0.19/0.49, line 3000 gives 6 + 24*0.17/0.57; halfway.
    const lo = 5 + (10 * 0.19) / 0.49;
    const hi = 6 + (24 * 0.17) / 0.57;
    expect(s.itlMs(10, 2000)).toBeCloseTo((lo + hi) / 2, 12);
    // beyond the measured kv range the edge value holds
    expect(s.itlMs(99, 1000)).toBe(15);
  });
});

describe('iteration composition', () => {
  const model = curvesPerfModel({name: 't', gpusPerEngine: 1, maxKvTokens: 100_000, prefill: new LinearPrefillCurve(prefill), decode: new LinearDecodeSurface(decode)});

  it('a fresh prefill costs TTFT of its tokens; a chunk costs the TTFT increment over its prefix', () => {
    expect(model.stepMs({prefillTokens: 600, prefillRequests: 1, prefillPrefixTokens: 0, decodeRequests: 0, decodeKvTokens: 0})).toBeCloseTo(30, 12);
    expect(model.stepMs({prefillTokens: 1000, prefillRequests: 1, prefillPrefixTokens: 1100, decodeRequests: 0, decodeKvTokens: 0})).toBeCloseTo(60, 12);
  });

  it('a mixed step costs prefill plus decode', () => {
    // decode 50 requests at ctx 1000 (15 ms) + fresh prefill of 600 tokens (30 ms)
    expect(model.stepMs({prefillTokens: 600, prefillRequests: 1, prefillPrefixTokens: 0, decodeRequests: 50, decodeKvTokens: 50_000})).toBeCloseTo(45, 12);
  });

  it('never returns less than the minimum step', () => {
    expect(model.stepMs({prefillTokens: 1, prefillRequests: 1, prefillPrefixTokens: 1500, decodeRequests: 0, decodeKvTokens: 0})).toBe(MIN_STEP_MS);
  });

  it('chunked prefill of a long prompt adds up to the profile TTFT exactly', () => {
    const engine = new SimEngine({perfModel: model, maxNumBatchedTokens: 512});
    const req = engine.add({id: 'a', promptTokens: 2000, outputTokens: 1, arrivalMs: 0});
    let t = 0;
    for (let r = engine.step(t); r; r = engine.step(t)) t = r.metrics.endMs;
    expect(req.firstTokenMs).toBeCloseTo(new LinearPrefillCurve(prefill).ttftMs(2000), 9); // 94 ms
  });
});

describe('profilePerfModel on the shipped H200 profile', () => {
  for (const interpolation of ['spline', 'linear'] as const) {
    it(`${interpolation}: reproduces every prefill TTFT and decode ITL point`, () => {
      const model = profilePerfModel(shipped, {interpolation});
      const p = shipped.prefill!;
      p.prefill_isl.forEach((isl, i) => {
        const ms = model.stepMs({prefillTokens: isl, prefillRequests: 1, prefillPrefixTokens: 0, decodeRequests: 0, decodeKvTokens: 0});
        expect(ms).toBeCloseTo(p.prefill_ttft[i]!, 6);
      });
      const d = shipped.decode!;
      d.z_itl.forEach((itl, i) => {
        const ctx = d.y_context_length[i]!;
        const n = (d.x_kv_usage[i]! * d.max_kv_tokens) / ctx;
        const ms = model.stepMs({prefillTokens: 0, prefillRequests: 0, decodeRequests: n, decodeKvTokens: n * ctx});
        // The spline grid is read at the nearest of 100 x 100 cells.
        if (interpolation === 'linear') expect(ms).toBeCloseTo(itl, 9);
        else expect(Math.abs(ms - itl) / itl).toBeLessThan(0.06);
      });
    });
  }

  it('refuses a profile without decode data, naming the file', () => {
    const {decode: _d, ...noDecode} = shipped;
    expect(() => profilePerfModel(noDecode as Profile, {file: 'x/profile.json'})).toThrow(/x\/profile.json has no decode data/);
  });
});
