import {describe, expect, it} from 'vitest';
import {SimEngine, type StepResult} from '../../../src/engines/sim/engine.js';
import {linearPerfModel} from '../../helpers/linear-perf-model.js';

/** Step until idle, starting at 0 (all requests already added); returns every step. */
function runAll(engine: SimEngine, startMs = 0): StepResult[] {
  const steps: StepResult[] = [];
  let t = startMs;
  for (let res = engine.step(t); res; res = engine.step(t)) {
    steps.push(res);
    t = res.metrics.endMs;
  }
  return steps;
}

// Model: step = 10 + 0.01 * prefill tokens + 1 * decode requests + 0.001 * decode KV tokens (ms).
describe('SimEngine', () => {
  it('one request: TTFT is one prefill step, each token one decode step', () => {
    const engine = new SimEngine({perfModel: linearPerfModel(), recordTokenTimes: true});
    const req = engine.add({id: 'a', promptTokens: 100, outputTokens: 3, arrivalMs: 0});
    const steps = runAll(engine);
    expect(steps).toHaveLength(3);
    // prefill 100 tokens: 10 + 1 = 11; decode over 101 then 102 KV tokens: 11.101, 11.102.
    expect(req.firstTokenMs).toBeCloseTo(11, 9);
    expect(req.tokenTimesMs![1]).toBeCloseTo(22.101, 9);
    expect(req.tokenTimesMs![2]).toBeCloseTo(33.203, 9);
    expect(req.finishMs).toBeCloseTo(33.203, 9);
    expect(steps[1]!.metrics).toMatchObject({decodeRequests: 1, decodeKvTokens: 101, scheduledPrefillTokens: 0});
    expect(req.state).toBe('finished');
    expect(engine.idle).toBe(true);
    expect(engine.kv.freeBlocks).toBe(engine.kv.numBlocks);
  });

  it('two requests batch into one prefill and shared decode steps', () => {
    const engine = new SimEngine({perfModel: linearPerfModel(), recordTokenTimes: true});
    const a = engine.add({id: 'a', promptTokens: 100, outputTokens: 2, arrivalMs: 0});
    const b = engine.add({id: 'b', promptTokens: 100, outputTokens: 2, arrivalMs: 0});
    const steps = runAll(engine);
    expect(steps).toHaveLength(2);
    expect(steps[0]!.metrics).toMatchObject({scheduledPrefillTokens: 200, scheduledPrefillRequests: 2});
    // 10 + 0.01*200 = 12; then 10 + 2 + 0.001*202 = 12.202.
    expect(a.firstTokenMs).toBeCloseTo(12, 9);
    expect(b.firstTokenMs).toBeCloseTo(12, 9);
    expect(a.finishMs).toBeCloseTo(24.202, 9);
    expect(b.finishMs).toBeCloseTo(24.202, 9);
  });

  it('a request arriving during a decode joins the next iteration (mixed prefill + decode)', () => {
    const engine = new SimEngine({perfModel: linearPerfModel(), recordTokenTimes: true});
    const a = engine.add({id: 'a', promptTokens: 100, outputTokens: 3, arrivalMs: 0});
    const s1 = engine.step(0)!; // prefill a: ends at 11
    const b = engine.add({id: 'b', promptTokens: 50, outputTokens: 1, arrivalMs: 5});
    const s2 = engine.step(s1.metrics.endMs)!;
    // decode a (101 KV) + prefill b (50): 10 + 0.5 + 1 + 0.101 = 11.601
    expect(s2.metrics).toMatchObject({decodeRequests: 1, scheduledPrefillTokens: 50, scheduledPrefillRequests: 1});
    expect(s2.metrics.durationMs).toBeCloseTo(11.601, 9);
    expect(b.firstTokenMs! - b.arrivalMs).toBeCloseTo(11 + 11.601 - 5, 9);
    expect(a.tokenTimesMs![1]).toBeCloseTo(22.601, 9);
  });

  it('chunked prefill splits a long prompt by the token budget', () => {
    const engine = new SimEngine({perfModel: linearPerfModel(), maxNumBatchedTokens: 64});
    const req = engine.add({id: 'a', promptTokens: 150, outputTokens: 1, arrivalMs: 0});
    const steps = runAll(engine);
    expect(steps.map((s) => s.metrics.scheduledPrefillTokens)).toEqual([64, 64, 22]);
    expect(steps.map((s) => s.metrics.prefillPrefixTokens)).toEqual([0, 64, 128]);
    expect(steps.map((s) => s.emitted.length)).toEqual([0, 0, 1]);
    // 10.64 + 10.64 + 10.22
    expect(req.firstTokenMs).toBeCloseTo(31.5, 9);
  });

  it('decodes take the budget first; the rest goes to a waiting prompt', () => {
    const engine = new SimEngine({perfModel: linearPerfModel(), maxNumBatchedTokens: 64});
    engine.add({id: 'a', promptTokens: 10, outputTokens: 5, arrivalMs: 0});
    engine.add({id: 'b', promptTokens: 10, outputTokens: 5, arrivalMs: 0});
    engine.step(0);
    engine.add({id: 'c', promptTokens: 200, outputTokens: 1, arrivalMs: 1});
    const s = engine.step(100)!;
    expect(s.metrics).toMatchObject({decodeRequests: 2, scheduledPrefillTokens: 62, queuedRequests: 0, runningRequests: 3});
  });

  it('admits a request only when its KV blocks are free', () => {
    // 4 blocks of 16 tokens.
    const engine = new SimEngine({perfModel: linearPerfModel({maxKvTokens: 64}), blockSize: 16});
    const a = engine.add({id: 'a', promptTokens: 30, outputTokens: 2, arrivalMs: 0}); // 2 blocks
    const b = engine.add({id: 'b', promptTokens: 40, outputTokens: 2, arrivalMs: 0}); // 3 blocks
    const steps = runAll(engine);
    expect(steps[0]!.metrics).toMatchObject({scheduledPrefillRequests: 1, scheduledPrefillTokens: 30, queuedRequests: 1, queuedPrefillTokens: 40, kvUsage: 0.5});
    expect(a.firstTokenMs).toBeCloseTo(10.3, 9);
    expect(a.finishMs).toBeCloseTo(21.331, 9);
    // b waits for a to finish: prefill 40 (10.4), decode over 41 (11.041).
    expect(b.firstTokenMs).toBeCloseTo(31.731, 9);
    expect(b.finishMs).toBeCloseTo(42.772, 9);
    expect(engine.totals.preemptions).toBe(0);
  });

  it('caps running requests at maxNumSeqs', () => {
    const engine = new SimEngine({perfModel: linearPerfModel(), maxNumSeqs: 2});
    for (let i = 0; i < 3; i++) engine.add({id: String(i), promptTokens: 10, outputTokens: 2, arrivalMs: 0});
    const s = engine.step(0)!;
    expect(s.metrics).toMatchObject({scheduledPrefillRequests: 2, runningRequests: 2, queuedRequests: 1});
  });

  it('preempts the newest request when decode growth runs out of blocks, and recomputes it later', () => {
    const engine = new SimEngine({perfModel: linearPerfModel({maxKvTokens: 64}), blockSize: 16, recordTokenTimes: true});
    const a = engine.add({id: 'a', promptTokens: 32, outputTokens: 20, arrivalMs: 0}); // 52 tokens: 4 blocks at the end
    const b = engine.add({id: 'b', promptTokens: 16, outputTokens: 3, arrivalMs: 0});
    const steps = runAll(engine);
    // Step 1: both prefill (2 + 1 blocks). Step 2: a takes the 4th block (33 tokens), b needs a 2nd: preempted.
    expect(steps[0]!.metrics).toMatchObject({scheduledPrefillTokens: 48, kvUsage: 0.75});
    expect(steps[1]!.preempted.map((r) => r.id)).toEqual(['b']);
    expect(steps[1]!.metrics).toMatchObject({decodeRequests: 1, decodeKvTokens: 33, preemptions: 1, queuedRequests: 1});
    expect(b.preemptions).toBe(1);
    // b cannot come back before a finishes (a holds 3, later 4 blocks; b needs 2).
    expect(b.tokenTimesMs![1]!).toBeGreaterThan(a.finishMs!);
    // On re-admission b recomputes its prompt and its one generated token: a 17-token prefill.
    const readmit = steps.find((s) => s.metrics.startMs === a.finishMs)!;
    expect(readmit.metrics).toMatchObject({scheduledPrefillTokens: 17, prefillPrefixTokens: 0, scheduledPrefillRequests: 1});
    expect(b.generatedTokens).toBe(3);
    expect(b.firstTokenMs).toBeCloseTo(10.48, 9); // first token time is kept
    expect(engine.totals.preemptions).toBe(1);
    expect(engine.kv.freeBlocks).toBe(4);
  });

  it('prefix caching reuses cached blocks by hash', () => {
    const engine = new SimEngine({perfModel: linearPerfModel(), blockSize: 16, prefixCaching: true});
    const a = engine.add({id: 'a', promptTokens: 64, outputTokens: 1, arrivalMs: 0, blockHashes: [1, 2, 3, 4]});
    runAll(engine);
    expect(a.cachedTokens).toBe(0);
    const b = engine.add({id: 'b', promptTokens: 64, outputTokens: 1, arrivalMs: 20, blockHashes: [1, 2, 3, 9]});
    const [sb] = runAll(engine, 20);
    expect(b.cachedTokens).toBe(48);
    expect(sb!.metrics).toMatchObject({scheduledPrefillTokens: 16, prefillPrefixTokens: 48});
    expect(sb!.metrics.durationMs).toBeCloseTo(10.16, 9);
    // A full hit still computes the last block (one token at least must be computed).
    const c = engine.add({id: 'c', promptTokens: 64, outputTokens: 1, arrivalMs: 40, blockHashes: [1, 2, 3, 4]});
    runAll(engine, 40);
    expect(c.cachedTokens).toBe(48);
    // A different first block shares nothing (hashes are chained).
    const d = engine.add({id: 'd', promptTokens: 64, outputTokens: 1, arrivalMs: 60, blockHashes: [7, 2, 3, 4]});
    runAll(engine, 60);
    expect(d.cachedTokens).toBe(0);
    expect(engine.totals.prefixHitTokens).toBe(96);
  });

  it('evicts cached blocks when space is needed, least recently freed first', () => {
    const engine = new SimEngine({perfModel: linearPerfModel({maxKvTokens: 64}), blockSize: 16, prefixCaching: true});
    engine.add({id: 'a', promptTokens: 32, outputTokens: 1, arrivalMs: 0, blockHashes: [1, 2]});
    runAll(engine);
    // b fills the whole cache, evicting a's blocks.
    engine.add({id: 'b', promptTokens: 63, outputTokens: 1, arrivalMs: 0, blockHashes: [5, 6, 7]});
    runAll(engine, 100);
    const c = engine.add({id: 'c', promptTokens: 32, outputTokens: 1, arrivalMs: 200, blockHashes: [1, 2]});
    runAll(engine, 200);
    expect(c.cachedTokens).toBe(0);
  });

  it('aborting a request frees its blocks', () => {
    const engine = new SimEngine({perfModel: linearPerfModel({maxKvTokens: 64}), blockSize: 16});
    const a = engine.add({id: 'a', promptTokens: 40, outputTokens: 5, arrivalMs: 0});
    engine.step(0);
    expect(engine.kv.freeBlocks).toBe(1);
    engine.abort(a);
    expect(engine.kv.freeBlocks).toBe(4);
    expect(engine.idle).toBe(true);
    expect(engine.step(50)).toBeNull();
  });

  it('rejects requests that can never fit', () => {
    const engine = new SimEngine({perfModel: linearPerfModel({maxKvTokens: 64}), blockSize: 16});
    expect(() => engine.add({id: 'x', promptTokens: 60, outputTokens: 10, arrivalMs: 0})).toThrow(/exceed the KV capacity of 64/);
    expect(() => engine.add({id: 'y', promptTokens: 0, outputTokens: 10, arrivalMs: 0})).toThrow(/promptTokens/);
  });
});
