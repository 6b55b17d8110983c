import {describe, expect, it} from 'vitest';
import type {SampleRecord} from '../../src/profile/samples.js';
import {decodePoint, liveArrays, prefillPoint, steadyWindow, windowItl} from '../../src/sweep/live-profile.js';
import {percentileSorted} from '../../src/stats.js';
import {livePoints, prepareSamples} from '../../src/sweep/live.js';
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';

function sample(p: Partial<SampleRecord>): SampleRecord {
  return {point: 'decode/isl=100/n=2', phase: 'decode', isl: 100, osl: 6, concurrency: 2, intendedSendMs: 0, sendMs: 0, ttftMs: null, itlMs: null, chunks: [], inputTokens: 100, outputTokens: null, status: 'ok', ...p};
}

describe('steady-state window', () => {
  // Request A: sent at 0, tokens at 10, 20, 30, 40, 50, 60. Request B: sent at 15, tokens at 35, 45, 55, 65, 75, 85.
  const a = sample({sendMs: 0, chunks: [[10, 1], [20, 1], [30, 1], [40, 1], [50, 1], [60, 1]], outputTokens: 6, itlMs: 10});
  const b = sample({sendMs: 15, chunks: [[20, 1], [30, 1], [40, 1], [50, 1], [60, 1], [70, 1]], outputTokens: 6, itlMs: 10});

  it('runs from the latest first token to the earliest last token', () => {
    expect(steadyWindow([a, b])).toEqual({startMs: 35, endMs: 60});
  });

  it('per-request ITL uses only chunks in the window', () => {
    const w = {startMs: 35, endMs: 60};
    // A: chunks at 40, 50, 60 -> (60 - 40) / 2 = 10; tokens after 35: 3
    expect(windowItl(a, w)).toEqual({itlMs: 10, tokens: 3});
    // B: chunks at 35, 45, 55 -> (55 - 35) / 2 = 10; tokens strictly after 35: 2
    expect(windowItl(b, w)).toEqual({itlMs: 10, tokens: 2});
  });

  it('multi-token chunks divide the gap by the tokens they carry', () => {
    const c = sample({sendMs: 0, chunks: [[10, 1], [50, 4], [90, 4]]});
    expect(windowItl(c, {startMs: 0, endMs: 100}).itlMs).toBe(10);
  });

  it('decode point: median window ITL, throughput over the window, kv usage from the measured ISL', () => {
    const r = decodePoint({point: 'd', phase: 'decode', isl: 100, osl: 6, concurrency: 2, samples: [a, b]}, 1, 1000)!;
    expect(r.steady).toBe(true);
    expect(r.itlMs).toBe(10);
    expect(r.windowMs).toBe(25);
    // 5 tokens in 25 ms = 200 tokens/s
    expect(r.thptPerGpu).toBeCloseTo(200, 10);
    expect(r.contextLength).toBe(103);
    expect(r.kvUsage).toBeCloseTo((103 * 2) / 1000, 12);
  });

  it('chunks whose tokens are unknown (no per-chunk usage) fall back to whole-request ITLs', () => {
    // 3 chunks counted one token each, but usage says 9 tokens: the per-request ITL (from usage) is used
    const x = sample({sendMs: 0, chunks: [[10, 1], [50, 1], [90, 1]], outputTokens: 9, itlMs: 10});
    const y = sample({sendMs: 0, chunks: [[10, 1], [50, 1], [90, 1]], outputTokens: 9, itlMs: 10});
    const r = decodePoint({point: 'd', phase: 'decode', isl: 100, osl: 9, concurrency: 2, samples: [x, y]}, 1, 1000)!;
    expect(r.steady).toBe(false);
    expect(r.itlMs).toBe(10);
  });

  it('no window (prefill outlasted decode): whole-request ITLs', () => {
    const late = sample({sendMs: 100, chunks: [[10, 1], [20, 1]], itlMs: 10, outputTokens: 2});
    const r = decodePoint({point: 'd', phase: 'decode', isl: 100, osl: 6, concurrency: 2, samples: [a, late]}, 2, 1000)!;
    expect(r.steady).toBe(false);
    expect(r.itlMs).toBe(10);
    // 8 tokens from 0 to 120 ms over 2 GPUs
    expect(r.thptPerGpu).toBeCloseTo((8 / 120) * 1000 / 2, 10);
  });
});

describe('prefill points and arrays', () => {
  it('median TTFT, NumPy-style p10/p90, throughput per GPU at the measured ISL', () => {
    const g = {point: 'prefill/isl=1000', phase: 'prefill' as const, isl: 1000, osl: 5, concurrency: 1, samples: [
      sample({phase: 'prefill', ttftMs: 50, inputTokens: 1002}), sample({phase: 'prefill', ttftMs: 40, inputTokens: 1002}),
      sample({phase: 'prefill', ttftMs: 60, inputTokens: 1002}), sample({phase: 'prefill', status: 'error', error: 'HTTP 500'}),
    ]};
    const r = prefillPoint(g, 2)!;
    expect(r.ttftMs).toBe(50);
    expect(r.ttftP10Ms).toBeCloseTo(42, 10);
    expect(r.ttftP90Ms).toBeCloseTo(58, 10);
    expect(r.isl).toBe(1002);
    expect(r.thptPerGpu).toBeCloseTo((1002 / 50) * 1000 / 2, 10);
    expect(r.errors).toBe(1);
    expect(percentileSorted([1, 2, 3, 4], 50)).toBe(2.5);
  });

  it('sorts prefill points by ISL and leaves out a point without a successful request', () => {
    const s = [
      sample({point: 'prefill/isl=2000', phase: 'prefill', isl: 2000, ttftMs: 80, inputTokens: 2000}),
      sample({point: 'prefill/isl=100', phase: 'prefill', isl: 100, ttftMs: 20, inputTokens: 100}),
      sample({point: 'prefill/isl=900', phase: 'prefill', isl: 900, status: 'error', error: 'x'}),
    ];
    const out = liveArrays(s, {gpus: 1});
    expect(out.prefill!.prefill_isl).toEqual([100, 2000]);
    expect(out.prefill!.prefill_ttft).toEqual([20, 80]);
    expect(out.dropped.map((d) => d.point)).toEqual(['prefill/isl=900']);
    expect(out.unmeasured).toEqual([{point: 'prefill/isl=900', reason: '0 of 1 requests succeeded (x)'}]);
  });
});

describe('plan and resume bookkeeping', () => {
  it('uses the shared sweep plan and caps concurrency', () => {
    const {points} = livePoints({maxContext: 1100, prefillGranularity: 2, decodeGranularity: 2, decodeOsl: 100, prefillOsl: 5, prefillRepeats: 3, maxKvTokens: 2000, maxConcurrency: 5});
    // prefill range(100, 1100, 500); decode ISLs range(100, 1000, 500) -> 100 (maxc 2000 // 200 = 10:
    // over the cap of 5: 2 points spread from 1 to the cap) and 600 (maxc 2000 // 700 = 2, not < 2: range(1, 2, 1) = 1)
    expect(points.map((p) => p.id)).toEqual(['prefill/isl=100', 'prefill/isl=600', 'decode/isl=100/n=1', 'decode/isl=100/n=5', 'decode/isl=600/n=1']);
    // Dynamo's default granularity 6 with a KV room of 1575 streams and a cap of 100: six points within the cap, not {1, 100}
    const wide = livePoints({maxContext: 3600, prefillGranularity: 2, decodeGranularity: 6, decodeOsl: 500, prefillOsl: 5, prefillRepeats: 1, maxKvTokens: 1575 * 600, maxConcurrency: 100, only: 'decode'});
    expect(wide.points.filter((p) => p.isl === 100).map((p) => p.concurrency)).toEqual([1, 20, 40, 60, 80, 100]);
    expect(() => livePoints({maxContext: 1100, prefillGranularity: 2, decodeGranularity: 2, decodeOsl: 100, prefillOsl: 5, prefillRepeats: 1})).toThrow(/give maxKvTokens/);
  });

  it('resume keeps complete points, moves a partial one to samples.superseded.jsonl, drops a torn last line', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'resume-'));
    const file = path.join(dir, 'samples.jsonl');
    const points = [{id: 'prefill/isl=100', phase: 'prefill' as const, isl: 100, osl: 5, concurrency: 1, expected: 2}, {id: 'prefill/isl=600', phase: 'prefill' as const, isl: 600, osl: 5, concurrency: 1, expected: 2}];
    const line = (point: string) => JSON.stringify(sample({point, phase: 'prefill'}));
    writeFileSync(file, `${line('prefill/isl=100')}\n${line('prefill/isl=100')}\n${line('prefill/isl=600')}\n{"point":"prefill/is`);
    expect(() => prepareSamples(file, points, false)).toThrow(/already holds samples/);
    const st = prepareSamples(file, points, true);
    expect([...st.done]).toEqual(['prefill/isl=100']);
    expect(st.supersededSamples).toBe(1);
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(2);
    expect(readFileSync(path.join(dir, 'samples.superseded.jsonl'), 'utf8')).toBe(`${line('prefill/isl=600')}\n`);
  });
});
