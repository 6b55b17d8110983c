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

