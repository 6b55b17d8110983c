import {describe, expect, it} from 'vitest';
import {parseGoodput, parsePercentiles, summarizeRequests, type RequestRecord} from '../../../src/engines/sim/benchmark-report.js';
import {runBenchmark} from '../../../src/engines/sim/benchmark.js';
import {linearPerfModel} from '../../helpers/linear-perf-model.js';

const rec = (index: number, sentMs: number, ttftMs: number, itlMs: number, osl = 11): RequestRecord => ({
  index, sentMs, firstTokenMs: sentMs + ttftMs, finishMs: sentMs + ttftMs + itlMs * (osl - 1), inputTokens: 100, outputTokens: osl,
  ttftMs, itlMs, tpotMs: itlMs, e2eMs: ttftMs + itlMs * (osl - 1),
});

describe('benchmark summary', () => {
  it('goodput: the share and rate of requests meeting every target', () => {
    // 4 requests over 1 s: one misses TTFT, one misses ITL
    const rs = [rec(0, 0, 100, 5), rec(1, 300, 250, 5), rec(2, 600, 100, 12), rec(3, 850, 90, 5)];
    const s = summarizeRequests(rs, {goodput: parseGoodput('ttft:200 itl:10'), gpusPerEngine: 1, openLoop: false});
    expect(s.goodput).toMatchObject({targetsMs: {ttft: 200, itl: 10}, goodRequests: 2, fraction: 0.5});
    expect(s.goodput!.goodputRps).toBeCloseTo(2 / s.durationS, 12);
    expect(s.durationS).toBeCloseTo((850 + 90 + 50) / 1000, 12);
  });

  it('chosen percentiles, NumPy interpolation', () => {
    const rs = [10, 20, 30, 40].map((t, i) => rec(i, i * 100, t, 5));
    const s = summarizeRequests(rs, {percentiles: parsePercentiles('99.9,50'), gpusPerEngine: 1, openLoop: false});
    expect(Object.keys(s.ttftMs)).toEqual(['mean', 'p50', 'p99.9']);
    expect(s.ttftMs.p50).toBe(25);
    expect(s.ttftMs['p99.9']).toBeCloseTo(39.97, 9);
  });

  it('parses aiperf and vLLM names; bad targets and percentiles are one clear error', () => {
    expect(parseGoodput('time_to_first_token:200,inter_token_latency:10 e2el=900')).toEqual({ttft: 200, itl: 10, e2e: 900});
    expect(() => parseGoodput('ttft')).toThrow('goodput target "ttft" is not METRIC:MS');
    expect(() => parseGoodput('ttft:-1')).toThrow('the limit must be a positive number of ms');
    expect(() => parsePercentiles('50,101')).toThrow('percentiles must be numbers in (0, 100]');
  });

  it('an open loop above capacity is flagged; below capacity it is not', () => {
    const model = linearPerfModel();
    // one request alone takes ~33 ms: 5 req/s is easy, 200 req/s is not (requests pile up)
    const easy = runBenchmark(model, {}, {isl: 100, osl: 3, requestRate: 5, requests: 200});
    expect(easy.overload).toMatchObject({overloaded: false, reason: null});
    const hard = runBenchmark(model, {maxNumSeqs: 1}, {isl: 100, osl: 3, requestRate: 200, arrival: 'constant', requests: 200});
    expect(hard.overload!.overloaded).toBe(true);
    expect(hard.overload!.finishedRps).toBeLessThan(0.95 * hard.overload!.sentRps);
    // a closed loop cannot overload; rate inf sends everything at once
    expect(runBenchmark(model, {}, {isl: 100, osl: 3, concurrency: 4, requests: 20}).overload).toBeNull();
    const inf = runBenchmark(model, {}, {isl: 100, osl: 3, requestRate: Number.POSITIVE_INFINITY, requests: 20});
    expect(inf.perRequest.every((r) => r.sentMs === 0)).toBe(true);
    expect(inf.overload).toBeNull();
  });
});
