import {profilePerfModel} from '../src/engines/profile-perf-model.js';
import {loadProfile} from '../src/profile/io.js';
import {sinTrace, SIN_DEFAULTS} from '../src/trace/sin.js';
import {runReplay} from '../src/replay/run.js';
import {resolvePlannerConfig} from '../src/planner/core/config-read.js';
import {bootstrapFpms} from '../src/planner/core/bootstrap.js';
import {capabilitiesOf, kvBytesPerToken} from '../src/replay/setup.js';
const profile = await loadProfile('profiles/h200-llama3.1-8b-fp8-tp1');
const pm = profilePerfModel(profile);
const spec = {perfModel: pm, engine: {maxNumBatchedTokens: 8192, maxNumSeqs: 256, maxKvTokens: pm.maxKvTokens}};
const records = [...sinTrace({...SIN_DEFAULTS, requestRateMin: 5, requestRateMax: 45, requestRatePeriodS: 600, isl1: 3000, osl1: 300, isl2: 3000, osl2: 300, timeDurationS: 1800})];
console.log('requests', records.length);
const base = {mode: 'disagg' as const, prefill: spec, decode: spec, startupS: 30, kvBytesPerToken: kvBytesPerToken('llama-3.1-8b', 1) ?? 65536, kvTransferGBps: 64, router: 'least-loaded' as const, traceBlockSize: 512};
const {config} = resolvePlannerConfig([{source: 'x', raw: {mode: 'disagg', optimization_target: 'sla', ttft_ms: 200, itl_ms: 10, throughput_adjustment_interval: 60, max_gpu_budget: 16}}]);
const caps = {prefill: capabilitiesOf(spec), decode: capabilitiesOf(spec)};
for (const [name, p, d, planner] of (process.env.ONLY === '3p1d' ? [['static:3p1d', 3, 1, false]] : [['planner', 1, 1, true], ['static:3p1d', 3, 1, false], ['static:2p2d', 2, 2, false]]) as const) {
  const t0 = performance.now();
  const r = runReplay(records, {name, fleet: {...base, startPrefill: p, startDecode: d}, planner: planner ? {config, capabilities: caps, bootstrap: bootstrapFpms({prefill: profile.prefill, decode: profile.decode}, 'disagg')} : undefined}, {ttftMs: 200, itlMs: 10});
  const s = r.summary;
  console.log(name, ((performance.now()-t0)/1000).toFixed(2)+'s', 'iters', r.iterations, 'events', r.events, JSON.stringify({att: s.slaAttainment.toFixed(3), good: s.goodputRps.toFixed(2), gph: s.gpuHours.toFixed(2), gpgh: s.goodputPerGpuHour.toFixed(0), ttft: s.ttftMs.p50.toFixed(0)+'/'+s.ttftMs.p99.toFixed(0), itl: s.itlMs.p50.toFixed(2)+'/'+s.itlMs.p99.toFixed(2), peak: [s.peakPrefillReplicas, s.peakDecodeReplicas], ev: s.scalingEvents}));
  if (r.planner) console.log(r.planner.decisions.filter(d=>d.scaleTo).slice(0,12).map(d => `${d.nowS}:${d.scaleTo!.prefill}/${d.scaleTo!.decode}`).join(' '), r.planner.decisions.slice(0,3).map(d=>JSON.stringify(d.diagnostics)).join('\n'));
}
