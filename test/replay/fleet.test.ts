import {describe, expect, it} from 'vitest';
import {profilePerfModel} from '../../src/engines/profile-perf-model.js';
import {resolvePlannerConfig} from '../../src/planner/core/config-read.js';
import {bootstrapFpms} from '../../src/planner/core/bootstrap.js';
import {runTicksDryrun} from '../../src/planner/dryrun-ticks.js';
import {parseRecording} from '../../src/planner/ticks/recording.js';
import {loadProfile} from '../../src/profile/io.js';
import {engineBlockHashes} from '../../src/replay/blocks.js';
import {Fleet, type FleetOptions, type PoolSpec} from '../../src/replay/fleet.js';
import {SimDriver} from '../../src/engines/sim/driver.js';
import {ticksJsonl} from '../../src/replay/outputs.js';
import {runReplay} from '../../src/replay/run.js';
import {capabilitiesOf} from '../../src/replay/setup.js';
import type {TraceRecord} from '../../src/trace/mooncake.js';
import {Rng} from '../../src/random.js';
import {SHIPPED_PROFILE} from '../helpers/cli.js';
import {linearPerfModel} from '../helpers/linear-perf-model.js';

// Linear model: step = 10 + 0.01 * prefill tokens + 1 * decode requests + 0.001 * decode KV tokens (ms).
const linear: PoolSpec = {perfModel: linearPerfModel(), engine: {}};

function fleetOptions(o: Partial<FleetOptions> = {}): FleetOptions {
  return {
    mode: 'disagg', prefill: linear, decode: linear, startPrefill: 1, startDecode: 1, startupS: 0,
    kvBytesPerToken: 1000, kvTransferGBps: 1, router: 'round-robin', traceBlockSize: 512, ...o,
  };
}

/** Poisson arrivals at `rateRps` for `durationS`, fixed lengths. */
function poisson(rateRps: number, durationS: number, isl: number, osl: number, seed = 1, hashIds?: (i: number) => number[]): TraceRecord[] {
  const rng = new Rng(seed);
  const out: TraceRecord[] = [];
  for (let t = 0; ; ) {
    t += -Math.log(1 - rng.uniform()) * (1000 / rateRps);
    if (t >= durationS * 1000) return out;
    out.push({timestamp: t, input_length: isl, output_length: osl, hash_ids: hashIds?.(out.length)});
  }
}

describe('engineBlockHashes', () => {
  it('maps 512-token trace blocks to 16-token engine blocks; equal prefixes give equal hashes', () => {
    const a = engineBlockHashes([7, 8, 9], 1300, 512, 16);
    const b = engineBlockHashes([7, 8, 5], 1300, 512, 16);
    expect(a).toHaveLength(81); // floor(1300 / 16)
    expect(a.slice(0, 64)).toEqual(b.slice(0, 64));
    expect(a[64]).not.toBe(b[64]);
    expect(new Set(a).size).toBe(81);
    // Same id at another position is another block (the hash chains the prefix).
    expect(engineBlockHashes([8], 512, 512, 16)[0]).not.toBe(a[32]);
  });
});

describe('replay fleet', () => {
  it('a fixed fleet on a light load: TTFT = the prefill alone + the KV transfer, ITL = a lone decode step', () => {
    // 1 request per 5 s: no queueing. Prefill of 1000 tokens: 10 + 10 = 20 ms; transfer 1000 x 1000 B / 1 GB/s = 1 ms.
    const records = [0, 5000, 10000].map((timestamp) => ({timestamp, input_length: 1000, output_length: 3}));
    const r = runReplay(records, {name: 'static:1p1d', fleet: fleetOptions()}, {ttftMs: 25, itlMs: 13});
    for (const q of r.requests) {
      expect(q.ttftMs).toBeCloseTo(21, 9);
      // Decode tokens 2 and 3: 10 + 1 + 0.001 x 1001, then x 1002.
      expect(q.itlMs).toBeCloseTo((12.001 + 12.002) / 2, 9);
      expect(q.slaMet).toBe(true);
      expect([q.prefillEngine, q.decodeEngine]).toEqual(['p0', 'd0']);
    }
    expect(r.summary.slaAttainment).toBe(1);
    // Two engines for the whole run (to the last token).
    expect(r.summary.gpuHours).toBeCloseTo((2 * r.endMs) / 3.6e6, 12);
  });

  it('agg fleet: one engine runs both phases; TTFT is its prefill step', () => {
    const records = [{timestamp: 0, input_length: 500, output_length: 2}];
    const r = runReplay(records, {name: 'agg:1', fleet: fleetOptions({mode: 'agg', prefill: undefined, startPrefill: 0})}, {ttftMs: 100, itlMs: 100});
    expect(r.requests[0]!.ttftMs).toBeCloseTo(15, 9);
    expect(r.requests[0]!.decodeEngine).toBe('a0');
  });

  it('KV-aware routing on shared prefixes hits the cache more than round-robin', () => {
    // 8 prompt families (drawn at random) of 4 trace blocks (2048 tokens) each, 4 prefill engines.
    const pickRng = new Rng(11);
    const family = Array.from({length: 1000}, () => Math.floor(pickRng.uniform() * 8));
    const records = poisson(20, 30, 2048, 4, 3, (i) => [1000 + family[i]!, 2000 + family[i]!, 3000 + family[i]!, 4000 + family[i]!]);
    const spec = (router: 'round-robin' | 'kv-aware') => ({name: router, fleet: fleetOptions({
      // Each prefill engine's cache holds about three prompts: round-robin keeps evicting.
      prefill: {perfModel: linearPerfModel({maxKvTokens: 7000}), engine: {prefixCaching: true}}, startPrefill: 4, startDecode: 2, router,
    })});
    const rr = runReplay(records, spec('round-robin'), {ttftMs: 1000, itlMs: 100});
    const kv = runReplay(records, spec('kv-aware'), {ttftMs: 1000, itlMs: 100});
    expect(kv.summary.prefixHitRate).toBeGreaterThan(rr.summary.prefixHitRate + 0.1);
    // Requests of one family stay on one engine once it holds their prefix.
    const engines = new Set(kv.requests.filter((q) => family[q.index] === 0).slice(1).map((q) => q.prefillEngine));
    expect(engines.size).toBe(1);
  });

  it('drains an engine: no new requests after the drain, stops when its streams are done; a started engine counts GPU time from its start', () => {
    const driver = new SimDriver();
    const fleet = new Fleet(driver, fleetOptions({startDecode: 2, startupS: 3, router: 'round-robin'}));
    fleet.load(poisson(5, 20, 1000, 50, 2));
    driver.at(10_000, () => {
      fleet.scaleTo('decode', 1);
      fleet.scaleTo('prefill', 2);
    });
    driver.run();
    const [d0, d1] = fleet.workers.filter((w) => w.pool === 'decode');
    const drained = [d0!, d1!].find((w) => w.state === 'stopped')!;
    expect(drained.stoppedMs).toBeGreaterThan(10_000);
    const onDrained = fleet.journeys.filter((j) => j.decodeWorker === drained.id);
    // Every request it got was placed before the drain, and it stopped with its last token.
    expect(Math.max(...onDrained.map((j) => j.firstTokenMs!))).toBeLessThan(10_000);
    expect(drained.stoppedMs).toBe(Math.max(...onDrained.map((j) => j.finishMs!)));
    const p1 = fleet.workers.find((w) => w.id === 'p1')!;
    expect(p1.startedMs).toBe(10_000);
    expect(Math.min(...fleet.journeys.filter((j) => j.prefillWorker === 'p1').map((j) => j.arrivalMs))).toBeGreaterThanOrEqual(13_000);
    const endMs = Math.max(...fleet.journeys.map((j) => j.finishMs!));
    // p0 and the kept decode engine the whole run, the drained one until its stop, p1 from its start (start-up included).
    expect(fleet.gpuHours(endMs)).toBeCloseTo((2 * endMs + drained.stoppedMs! + (endMs - 10_000)) / 3.6e6, 12);
  });
});

describe('replay with the planner', async () => {
  const profile = await loadProfile(SHIPPED_PROFILE);
  const pm = profilePerfModel(profile);
  const spec: PoolSpec = {perfModel: pm, engine: {maxNumBatchedTokens: 8192, maxNumSeqs: 256, maxKvTokens: pm.maxKvTokens}};
  const caps = {prefill: capabilitiesOf(spec), decode: capabilitiesOf(spec)};
  const bootstrap = bootstrapFpms({prefill: profile.prefill, decode: profile.decode}, 'disagg');
  const raw = {mode: 'disagg', optimization_target: 'sla', ttft_ms: 200, itl_ms: 10, throughput_adjustment_interval_seconds: 30, max_gpu_budget: 16};
  const {config} = resolvePlannerConfig([{source: 'test', raw}]);
  const fleet = fleetOptions({prefill: spec, decode: spec, startupS: 20, kvBytesPerToken: 131072, kvTransferGBps: 64, router: 'least-loaded'});

  it('a load step scales prefill up; the new engine is ready after the start-up time and its start-up counts in GPU-hours', () => {
    const records = [...poisson(8, 90, 4000, 150, 5), ...poisson(18, 240, 4000, 150, 6).map((r) => ({...r, timestamp: r.timestamp + 90_000}))];
    // The constant predictor (next = last window) keeps the step's count from being averaged away.
    const constant = resolvePlannerConfig([{source: 'test', raw: {...raw, load_predictor: 'constant'}}]).config;
    const r = runReplay(records, {name: 'planner', fleet, planner: {config: constant, capabilities: caps, bootstrap}}, {ttftMs: 200, itlMs: 10});
    const ups = r.fleet.scalingEvents.filter((e) => e.pool === 'prefill' && e.to > e.from);
    expect(ups.length).toBeGreaterThan(0);
    expect(ups[0]!.atS).toBeGreaterThan(90);
    const started = r.fleet.workers.find((w) => w.id === 'p1')!;
    expect(started.startedMs).toBeCloseTo(ups[0]!.atS * 1000, 6);
    // Requests after the step are served by p1 only from its ready time on.
    const first = r.requests.filter((q) => q.prefillEngine === 'p1').sort((a, b) => a.arrivalS - b.arrivalS)[0]!;
    expect(first.arrivalS * 1000 + first.queueWaitMs!).toBeGreaterThanOrEqual(started.startedMs + 20_000 - 1e-6);
    expect(r.fleet.scalingEvents.filter((e) => e.pool === 'decode')).toEqual([]);
    expect(r.summary.gpuHours).toBeCloseTo((2 * r.endMs + (r.endMs - started.startedMs)) / 3.6e6, 9);
    // TTFT recovers once two prefill engines run and the backlog of the step has drained.
    const met = (from: number, to: number) => {
      const w = r.requests.filter((q) => q.arrivalS >= from && q.arrivalS < to);
      return w.filter((q) => q.ttftMs <= 200).length / w.length;
    };
    expect(met(ups[0]!.atS - 20, ups[0]!.atS)).toBeLessThan(0.1);
    expect(met(ups[0]!.atS + 120, 330)).toBeGreaterThan(0.6);
  });

  it('constant load converges to the replica counts of the capacity math and stays there', () => {
    const records = poisson(10, 300, 3000, 150, 7);
    const r = runReplay(records, {name: 'planner', fleet, planner: {config, capabilities: caps, bootstrap}}, {ttftMs: 200, itlMs: 10});
    const throughputTicks = r.planner!.decisions.filter((d) => d.diagnostics.throughputDecisionReason === 'scale');
    const late = throughputTicks.filter((d) => d.nowS >= 120);
    expect(late.length).toBeGreaterThan(3);
    for (const d of late) {
      // Replicas = ceil(demand / engine rps) (min 1), as the throughput pass computes them.
      const demand = d.diagnostics.predictedNumReq! / 30;
      expect(d.scaleTo!.prefill).toBe(Math.max(1, Math.ceil(demand / d.diagnostics.engineRpsPrefill! - 1e-9)));
      expect(d.scaleTo).toEqual(late[0]!.scaleTo);
    }
  });

  it("its ticks.jsonl, run through the ticks dry run, gives the replay's decisions exactly", () => {
    const records = poisson(12, 120, 3000, 150, 9);
    const lr = resolvePlannerConfig([{source: 'test', raw: {...raw, enable_load_scaling: true, load_adjustment_interval_seconds: 5}}]).config;
    const r = runReplay(records, {name: 'planner', fleet, planner: {config: lr, capabilities: caps, bootstrap}}, {ttftMs: 200, itlMs: 10});
    const text = ticksJsonl(r, {plannerConfig: {...raw, enable_load_scaling: true, load_adjustment_interval_seconds: 5}, capabilities: caps});
    const rec = parseRecording(text, 'ticks.jsonl');
    const again = runTicksDryrun(rec.ticks, rec.header.startS, lr, rec.header.capabilities, bootstrap);
    expect(again.outcomes.map((o) => o.record)).toEqual(r.planner!.decisions);
    expect(r.planner!.decisions.some((d) => d.diagnostics.loadDecisionReason !== 'disabled')).toBe(true);
  });
});


describe('planner consolidation in the replay (E.6, E.13 item 13)', async () => {
  const profile = await loadProfile(SHIPPED_PROFILE);
  const pm = profilePerfModel(profile);
  const spec: PoolSpec = {perfModel: pm, engine: {maxNumBatchedTokens: 8192, maxNumSeqs: 256, maxKvTokens: pm.maxKvTokens}};
  const caps = {prefill: capabilitiesOf(spec), decode: capabilitiesOf(spec)};
  const bootstrap = bootstrapFpms({prefill: profile.prefill, decode: profile.decode}, 'decode');
  // Little's law at 2 decode engines, 0.7 of the KV cache each (945,029 tokens): 0.7 x 945,029 / (3000 + 300 / 2)
  // = 210 streams per engine; a step of 210 streams over 661,520 KV tokens takes 28.7 ms, so a stream lasts
  // 300 x 28.7 ms = 8.6 s and 2 x 210 / 8.6 s = 48.8 req/s keep both engines there.
  const records = poisson(48.8, 240, 3000, 300, 21);
  const fleet = fleetOptions({prefill: spec, decode: spec, startPrefill: 4, startDecode: 2, startupS: 20, kvBytesPerToken: 131072, kvTransferGBps: 64, router: 'least-loaded'});
  const replay = (extra: Record<string, unknown>, trace = records) => {
    // Load scaling only (no throughput floor), decode only; the first load tick (10 s) comes after a stream's lifetime.
    const raw = {mode: 'decode', optimization_target: 'sla', ttft_ms: 500, itl_ms: 60, enable_throughput_scaling: false, enable_load_scaling: true, load_adjustment_interval_seconds: 20, ...extra};
    const {config} = resolvePlannerConfig([{source: 'test', raw}]);
    return runReplay(trace, {name: 'planner', fleet, planner: {config, capabilities: caps, bootstrap}}, {ttftMs: 500, itlMs: 60});
  };

  it('2 decode engines at KV 0.7 each never consolidate to 1 while the load lasts, at sensitivity 80 or 100: the survivor would need 2 x 0.7 of its cache', () => {
    const runs = [replay({}), replay({load_scaling_down_sensitivity: 100})];
    for (const r of runs) {
      const during = r.planner!.decisions.filter((d) => d.nowS <= 240);
      expect(during.map((d) => d.nowS)).toEqual([20, 40, 60, 80, 100, 120, 140, 160, 180, 200, 220, 240]);
      // No scale target at all: the planner holds 2 engines, refusing each scale-down (E.6 decode, cache check first).
      for (const d of during) {
        expect(d.scaleTo).toBeNull();
        expect(d.diagnostics.loadDecisionReason).toBe('scale_down_refused_consolidation');
        expect(d.diagnostics.estimatedItlMs!).toBeLessThan(60);
      }
      const kv = r.planner!.snapshots.filter((s) => s.nowS <= 240).map((s) => Object.values(s.decodeKvTokens).map((t) => t / pm.maxKvTokens));
      for (const k of kv) {
        expect(k).toHaveLength(2);
        // cons = N/(N-1) = 2: the survivor's KV would overflow the cache, whatever the sensitivity.
        for (const u of k) expect(2 * u).toBeGreaterThan(1);
      }
      const mean = kv.flat().reduce((a, b) => a + b, 0) / kv.flat().length;
      expect(mean).toBeGreaterThan(0.6);
      expect(mean).toBeLessThan(0.85);
      expect(r.fleet.scalingEvents.filter((e) => e.atS <= 240)).toEqual([]);
      // Once the trace is over the idle engines do consolidate.
      expect(r.planner!.decisions.find((d) => d.nowS > 240 && d.scaleTo)?.scaleTo).toEqual({prefill: null, decode: 1});
    }
    // Sensitivity scales only the ITL budget (ITL SLA x s); the cache check refuses alone, so 100 decides exactly as 80.
    // (Before PR #9294 the flat rule "every estimate < SLA x s" would have scaled 2 -> 1 here: 28.8 ms < 60 ms.)
    expect(runs[1]!.planner!.decisions).toEqual(runs[0]!.planner!.decisions);
  });

  it('the same fleet at KV ~0.3 per engine consolidates 2 -> 1 on the first load tick (the refusal above is the load, not the rule)', () => {
    const r = replay({load_scaling_down_sensitivity: 100}, poisson(20, 30, 3000, 300, 22));
    const first = r.planner!.decisions[0]!;
    expect(first.nowS).toBe(20);
    expect(first.scaleTo).toEqual({prefill: null, decode: 1});
    expect(first.diagnostics.loadDecisionReason).toBe('scale_down');
    for (const u of Object.values(r.planner!.snapshots[0]!.decodeKvTokens)) expect(2 * u / pm.maxKvTokens).toBeLessThan(1);
  });
});

describe('the KV-aware router feeds the planner its hit rate (E.5, E.8)', async () => {
  const profile = await loadProfile(SHIPPED_PROFILE);
  const pm = profilePerfModel(profile);
  const spec: PoolSpec = {perfModel: pm, engine: {maxNumBatchedTokens: 8192, maxNumSeqs: 256, maxKvTokens: pm.maxKvTokens, prefixCaching: true}};
  const caps = {prefill: capabilitiesOf(spec), decode: capabilitiesOf(spec)};
  const bootstrap = bootstrapFpms({prefill: profile.prefill, decode: profile.decode}, 'disagg');
  // 8 prompt families sharing 4 trace blocks (2048 tokens) of 3000, then 2 blocks of their own: hit rate -> 2048 / 3000 = 0.683.
  const pickRng = new Rng(31);
  const family = Array.from({length: 10_000}, () => Math.floor(pickRng.uniform() * 8));
  const records = poisson(25, 60, 3000, 150, 32, (i) => [1000 + family[i]!, 2000 + family[i]!, 3000 + family[i]!, 4000 + family[i]!, 10_000 + 2 * i, 10_001 + 2 * i]);
  const raw = {mode: 'disagg', optimization_target: 'sla', ttft_ms: 200, itl_ms: 10, throughput_adjustment_interval_seconds: 30, max_gpu_budget: 16, load_predictor: 'constant', enable_load_scaling: true, load_adjustment_interval_seconds: 10};
  const {config} = resolvePlannerConfig([{source: 'test', raw}]);
  const replay = (router: 'round-robin' | 'kv-aware') => runReplay(records, {
    name: router,
    fleet: fleetOptions({prefill: spec, decode: spec, startPrefill: 2, startDecode: 2, startupS: 20, kvBytesPerToken: 131072, kvTransferGBps: 64, router}),
    planner: {config, capabilities: caps, bootstrap},
  }, {ttftMs: 200, itlMs: 10});
  let kvRun: ReturnType<typeof replay> | undefined;
  const kvAware = () => (kvRun ??= replay('kv-aware'));
  const throughputTicks = (r: ReturnType<typeof replay>) => r.planner!.decisions.filter((d) => d.diagnostics.throughputDecisionReason === 'set_lower_bound');

  it("with KV-aware routing the planner's prefill capacity is discounted by the router's hit rate; round-robin reports none", () => {
    const rr = replay('round-robin');
    const kv = kvAware();
    // Both fleets' engines cache prefixes, but only the KV-aware router observes (and reports) its hits.
    expect(rr.planner!.ticks.every((t) => t.traffic?.kvHitRate === undefined)).toBe(true);
    const kvTraffic = kv.planner!.ticks.flatMap((t) => (t.traffic ? [t.traffic] : []));
    expect(kvTraffic).toHaveLength(2);
    for (const t of kvTraffic) {
      expect(t.kvHitRate!).toBeGreaterThan(0.6);
      expect(t.kvHitRate!).toBeLessThanOrEqual(2048 / 3000);
    }
    const [rrTicks, kvTicks] = [throughputTicks(rr), throughputTicks(kv)];
    expect(kvTicks.map((d) => d.nowS)).toEqual([30, 60]);
    expect(rrTicks.map((d) => d.nowS)).toEqual([30, 60]);
    kvTicks.forEach((d, i) => {
      // The constant predictor forecasts the last window's hit rate, below the 0.95 clamp: eff ISL = 3000 x (1 - h).
      expect(d.diagnostics.predictedKvHitRate).toBeCloseTo(kvTraffic[i]!.kvHitRate!, 12);
      expect(rrTicks[i]!.diagnostics.predictedKvHitRate ?? 0).toBe(0);
      // One prefill engine of ~3000 new tokens runs ~16 req/s; one of ~950 runs > 50 req/s.
      expect(rrTicks[i]!.diagnostics.engineRpsPrefill!).toBeLessThan(20);
      expect(d.diagnostics.engineRpsPrefill!).toBeGreaterThan(2.5 * rrTicks[i]!.diagnostics.engineRpsPrefill!);
      // 25 req/s: 2 prefill engines without the discount, 1 with it.
      expect(rrTicks[i]!.diagnostics.throughputLowerBoundPrefill).toBe(2);
      expect(d.diagnostics.throughputLowerBoundPrefill).toBe(1);
    });
  });

  it("the same KV-aware ticks without their hit rate give the undiscounted capacity and TTFT estimates (only h differs)", () => {
    const kv = kvAware();
    const text = ticksJsonl(kv, {plannerConfig: raw, capabilities: caps});
    const rec = parseRecording(text, 'ticks.jsonl');
    const same = runTicksDryrun(rec.ticks, rec.header.startS, config, rec.header.capabilities, bootstrap).outcomes.map((o) => o.record);
    expect(same).toEqual(kv.planner!.decisions);
    const stripped = rec.ticks.map((t) => {
      if (!t.input.traffic) return t;
      const {kvHitRate: _dropped, ...traffic} = t.input.traffic;
      return {...t, input: {...t.input, traffic}};
    });
    const without = runTicksDryrun(stripped, rec.header.startS, config, rec.header.capabilities, bootstrap).outcomes.map((o) => o.record);
    let compared = 0;
    without.forEach((d, i) => {
      const w = same[i]!;
      if (w.diagnostics.throughputDecisionReason === 'set_lower_bound') {
        expect(d.diagnostics.engineRpsPrefill!).toBeLessThan(w.diagnostics.engineRpsPrefill!);
        expect(d.diagnostics.throughputLowerBoundPrefill).toBeGreaterThan(w.diagnostics.throughputLowerBoundPrefill);
      }
      // Load ticks after the first hit rate is known: TTFT = prefill of (queued + avg ISL) x (1 - h) tokens.
      if (w.nowS > 30 && w.diagnostics.estimatedTtftMs !== null) {
        expect(d.diagnostics.estimatedTtftMs!).toBeGreaterThan(w.diagnostics.estimatedTtftMs);
        compared++;
      }
    });
    expect(compared).toBeGreaterThan(0);
  });
});
