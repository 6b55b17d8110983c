import {describe, expect, it} from 'vitest';
import {DrivenEngine, SimDriver} from '../../../src/engines/sim/driver.js';
import {SimEngine, type SimEngineConfig, type SimRequest, type StepResult} from '../../../src/engines/sim/engine.js';
import {EventQueue} from '../../../src/engines/sim/event-queue.js';
import {pendingTokens} from '../../../src/engines/sim/scheduler.js';
import {Rng} from '../../../src/random.js';
import {linearPerfModel} from '../../helpers/linear-perf-model.js';

describe('EventQueue', () => {
  it('pops by time, then rank, then insertion order', () => {
    const q = new EventQueue();
    const order: string[] = [];
    const rng = new Rng(3);
    const expected: Array<{t: number; r: number; i: number}> = [];
    for (let i = 0; i < 300; i++) {
      const t = Math.floor(rng.uniform() * 20);
      const r = rng.uniform() < 0.5 ? 0 : 1;
      expected.push({t, r, i});
      q.push(t, r, () => order.push(String(i)));
    }
    while (q.size > 0) q.pop()!.fire();
    expected.sort((a, b) => a.t - b.t || a.r - b.r || a.i - b.i);
    expect(order).toEqual(expected.map((e) => String(e.i)));
    expect(q.nextTimeMs).toBe(Infinity);
  });
});

interface Arrival {
  atMs: number;
  promptTokens: number;
  outputTokens: number;
}

/** Run arrivals through one driven engine; every request and every iteration's metrics. */
function drive(config: Omit<SimEngineConfig, 'perfModel'> & {maxKvTokens?: number}, arrivals: Arrival[], fastForwardIterations: number, aggregateDecodes = false) {
  const driver = new SimDriver();
  const steps: StepResult[] = [];
  const reqs: SimRequest[] = [];
  const engine = new SimEngine({...config, aggregateDecodes, perfModel: linearPerfModel({maxKvTokens: config.maxKvTokens ?? 1_000_000})});
  const driven = new DrivenEngine(driver, engine, (res) => {
    steps.push(res);
    // The running total of queued prompt tokens equals the sum over waiting requests.
    const waiting = reqs.filter((r) => r.state === 'waiting').reduce((s, r) => s + pendingTokens(r), 0);
    expect(res.metrics.queuedPrefillTokens).toBe(waiting);
  }, {fastForwardIterations});
  arrivals.forEach((a, i) => driver.at(a.atMs, () => reqs.push(driven.submit({id: String(i), promptTokens: a.promptTokens, outputTokens: a.outputTokens}))));
  driver.run();
  return {reqs, steps, engine};
}

function randomArrivals(seed: number, n: number, meanGapMs: number): Arrival[] {
  const rng = new Rng(seed);
  let t = 0;
  return Array.from({length: n}, () => {
    t += -Math.log(1 - rng.uniform()) * meanGapMs;
    return {atMs: t, promptTokens: 1 + Math.floor(rng.uniform() * 200), outputTokens: 1 + Math.floor(rng.uniform() * 60)};
  });
}

describe('SimDriver + DrivenEngine', () => {
  it('requests arriving at an iteration end join the next iteration; effects come at the end', () => {
    const driver = new SimDriver();
    const seen: number[] = [];
    const engine = new DrivenEngine(driver, new SimEngine({perfModel: linearPerfModel()}), (res) => seen.push(res.metrics.endMs));
    driver.at(0, () => engine.submit({id: 'a', promptTokens: 100, outputTokens: 2}));
    // The prefill of a takes 10 + 1 = 11 ms; b arrives exactly then and is prefilled with a's decode.
    let b: SimRequest | undefined;
    driver.at(11, () => {
      b = engine.submit({id: 'b', promptTokens: 100, outputTokens: 1});
      expect(b.state).toBe('waiting');
    });
    driver.run();
    expect(seen[0]).toBe(11);
    // 10 + 0.01 * 100 (b's prefill) + 1 (a's decode) + 0.001 * 101 = 12.101 ms.
    expect(seen[1]).toBeCloseTo(23.101, 9);
    expect(b!.firstTokenMs).toBeCloseTo(23.101, 9);
  });

  it('decode fast-forward gives exactly the results of stepping one iteration at a time', () => {
    for (const [seed, gap, kv] of [[1, 40, 1_000_000], [2, 5, 1_000_000], [3, 15, 2048]] as const) {
      const arrivals = randomArrivals(seed, 300, gap);
      const slow = drive({maxKvTokens: kv, maxNumSeqs: 32}, arrivals, 1);
      const fast = drive({maxKvTokens: kv, maxNumSeqs: 32}, arrivals, 64);
      expect(fast.steps.length).toBeLessThan(slow.steps.length);
      const times = (r: {reqs: SimRequest[]}) => r.reqs.map((q) => [q.firstTokenMs, q.lastTokenMs, q.finishMs, q.generatedTokens, q.preemptions]);
      expect(times(fast)).toEqual(times(slow));
      expect(fast.engine.totals).toEqual(slow.engine.totals);
      // The last metrics of each fast-forward are those of the matching single iteration.
      const byEnd = new Map(slow.steps.map((s) => [s.metrics.endMs, s.metrics]));
      for (const s of fast.steps) {
        const {iterations: _i, spanStartMs: _s, ...rest} = s.metrics;
        const {iterations: _i2, spanStartMs: _s2, ...single} = byEnd.get(s.metrics.endMs)!;
        expect(rest).toEqual(single);
      }
      if (kv === 2048) expect(slow.engine.totals.preemptions).toBeGreaterThan(0);
      // Decodes kept in aggregate: the same requests, totals and per-iteration metrics.
      const grouped = drive({maxKvTokens: kv, maxNumSeqs: 32}, arrivals, 1, true);
      expect(times(grouped)).toEqual(times(slow));
      expect(grouped.engine.totals).toEqual(slow.engine.totals);
      expect(grouped.steps.map((s) => s.metrics)).toEqual(slow.steps.map((s) => s.metrics));
    }
  });
});
