import {describe, expect, it} from 'vitest';
import {choosePhase, decodeKvBounds, prefillQueueBounds, type PhaseCandidate} from '../../src/recommend/choose.js';

const c = (tp: number, latencyMs: number, thptPerGpu: number, target: number): PhaseCandidate => ({tp, latencyMs, thptPerGpu, meetsSla: latencyMs <= target});

describe('choosePhase (Dynamo profiler rule)', () => {
  it('picks the best tokens/s/GPU among the TPs that meet the target, not the fastest', () => {
    const cands = [c(1, 110, 36000, 300), c(2, 77, 26000, 300), c(4, 58, 17000, 300)];
    expect(choosePhase(cands, 'prefill', 300)).toEqual({index: 0, tp: 1, rule: 'best-throughput'});
  });

  it('ignores a higher throughput that misses the target', () => {
    const cands = [c(1, 120, 36000, 100), c(2, 90, 26000, 100), c(4, 60, 17000, 100)];
    expect(choosePhase(cands, 'prefill', 100)).toMatchObject({tp: 2, rule: 'best-throughput'});
  });

  it('falls back to the lowest latency with a warning when nothing meets the target', () => {
    const cands = [c(1, 25, 5000, 10), c(2, 18, 5200, 10), c(4, 21, 4000, 10)];
    const choice = choosePhase(cands, 'decode', 10)!;
    expect(choice).toMatchObject({index: 1, tp: 2, rule: 'lowest-latency'});
    expect(choice.warning).toBe('no TP meets the ITL target of 10 ms for decode; chose TP 2, the lowest ITL (18.00 ms)');
  });

  it('breaks ties toward the first candidate (the smaller TP), like numpy argmax/argmin', () => {
    expect(choosePhase([c(1, 50, 1000, 100), c(2, 40, 1000, 100), c(4, 30, 900, 100)], 'prefill', 100)).toMatchObject({tp: 1});
    expect(choosePhase([c(1, 150, 1000, 100), c(2, 120, 900, 100), c(4, 120, 800, 100)], 'prefill', 100)).toMatchObject({tp: 2, rule: 'lowest-latency'});
  });

  it('meets the target at equality and returns null without candidates', () => {
    expect(choosePhase([c(1, 100, 10, 100)], 'prefill', 100)).toMatchObject({rule: 'best-throughput'});
    expect(choosePhase([], 'decode', 10)).toBeNull();
  });
});

describe('planner thresholds', () => {
  it('prefill queue bounds: target * 1.2 / ttft - 1 and target * 0.8 / ttft - 1', () => {
    const b = prefillQueueBounds(300, 120);
    expect(b.upper).toBeCloseTo(2, 12); // 360 / 120 - 1
    expect(b.lower).toBeCloseTo(1, 12); // 240 / 120 - 1
  });

  it('prefill queue bounds never go below 0.1', () => {
    const b = prefillQueueBounds(100, 95);
    expect(b.upper).toBeCloseTo(120 / 95 - 1, 12);
    expect(b.lower).toBe(0.1);
    expect(prefillQueueBounds(50, 95)).toEqual({upper: 0.1, lower: 0.1});
  });

  it('decode kv bounds: u +/- 0.2 clamped to [0.1, 1]', () => {
    const mid = decodeKvBounds(0.5);
    expect(mid.upper).toBeCloseTo(0.7, 12);
    expect(mid.lower).toBeCloseTo(0.3, 12);
    expect(decodeKvBounds(0.95).upper).toBe(1);
    expect(decodeKvBounds(0.95).lower).toBeCloseTo(0.75, 12);
    expect(decodeKvBounds(0.05)).toEqual({upper: 0.25, lower: 0.1});
  });
});
