/**
 * `dryrun --mode replay` from loaded inputs: engine timing (one or two profiles, or the synthetic
 * model), the planner config layers, the fixed fleets to compare; runs the planner replay and each
 * fixed fleet on the same trace, reporting progress through a callback.
 */
import {badInput} from '../errors.js';
import {bootstrapFpms} from '../planner/core/bootstrap.js';
import {resolvePlannerConfig, type ConfigLayer} from '../planner/core/config-read.js';
import type {WorkerCapabilities} from '../planner/core/types.js';
import type {Profile} from '../profile/types.js';
import type {TraceRecord} from '../trace/mooncake.js';
import type {OnProgress} from '../progress.js';
import type {FleetOptions, PoolSpec, RouterPolicy} from './fleet.js';
import {runReplay, type ReplayRunResult, type RunProgress, type SlaTargets} from './run.js';
import {capabilitiesOf, perfModelBootstrap, type FixedFleet} from './setup.js';

/** Engine timing of one kind of engine, with the profile it came from (if any). */
export interface EngineTiming {
  spec: PoolSpec;
  profile?: Profile;
  /** Where the timing comes from, for the report. */
  source: string;
}

export interface ReplayDryrunInput {
  records: readonly TraceRecord[];
  prefill: EngineTiming;
  decode: EngineTiming;
  /** Timing of `static:...@DIR` fleets, by DIR. */
  fleetTimings: Map<string, EngineTiming>;
  configLayers: ConfigLayer[];
  startPrefill: number;
  startDecode: number;
  compare: FixedFleet[];
  router: RouterPolicy;
  startupS: number;
  kvBytesPerToken: number;
  kvTransferGBps: number;
  traceBlockSize: number;
  /** Prefix caching on the engines requests enter first (always with the KV-aware router). */
  prefixCaching: boolean;
  /** Run the planner (false: only the fixed fleets). */
  planner: boolean;
}

export interface ReplayDryrunResult {
  runs: ReplayRunResult[];
  sla: SlaTargets;
  mode: 'disagg' | 'agg';
  capabilities: WorkerCapabilities;
  plannerConfigRaw: Record<string, unknown>;
  warnings: string[];
  wallS: number[];
}


export function runReplayDryrun(input: ReplayDryrunInput, onProgress: OnProgress = () => {}): ReplayDryrunResult {
  const {config, warnings} = resolvePlannerConfig(input.configLayers);
  if (config.mode === 'prefill' || config.mode === 'decode') throw badInput(`planner config mode ${config.mode}: a replay runs a disagg or agg fleet`, 'set mode to disagg or agg');
  const mode = config.mode;
  const sla = {ttftMs: config.ttftMs, itlMs: config.itlMs};
  const capabilities: WorkerCapabilities = mode === 'agg' ? {decode: capabilitiesOf(input.decode.spec)} : {prefill: capabilitiesOf(input.prefill.spec), decode: capabilitiesOf(input.decode.spec)};
  const plannerConfigRaw: Record<string, unknown> = {};
  for (const layer of input.configLayers) Object.assign(plannerConfigRaw, layer.raw);

  const fleetBase = (prefill: EngineTiming, decode: EngineTiming, m: 'disagg' | 'agg'): Omit<FleetOptions, 'startPrefill' | 'startDecode'> => ({
    mode: m, prefill: m === 'disagg' ? withPrefix(prefill.spec, input) : undefined, decode: m === 'agg' ? withPrefix(decode.spec, input) : decode.spec,
    startupS: input.startupS, kvBytesPerToken: input.kvBytesPerToken, kvTransferGBps: input.kvTransferGBps, router: input.router, traceBlockSize: input.traceBlockSize,
  });
  const overheadOf = (t: EngineTiming) => t.spec.perfModel.perRequestMs ?? 0;

  const jobs: Array<(progress: RunProgress) => ReplayRunResult> = [];
  const names: string[] = [];
  if (input.planner) {
    names.push('planner');
    jobs.push((progress) => {
      const p = input.prefill.profile;
      const d = input.decode.profile;
      const bootstrap = p?.prefill && d?.decode
        ? bootstrapFpms({prefill: p.prefill, decode: d.decode}, mode)
        : perfModelBootstrap(input.prefill.spec.perfModel, input.decode.spec.perfModel, capabilitiesOf(input.decode.spec).maxKvTokens!, input.decode.spec.engine.maxNumSeqs ?? 256, mode);
      return runReplay(input.records, {
        name: 'planner',
        fleet: {...fleetBase(input.prefill, input.decode, mode), startPrefill: input.startPrefill, startDecode: input.startDecode},
        planner: {config, capabilities, bootstrap},
      }, sla, {overheadMs: overheadOf(input.prefill), onProgress: progress});
    });
  }
  for (const f of input.compare) {
    const timing = f.profile !== undefined ? input.fleetTimings.get(f.profile)! : undefined;
    names.push(f.name);
    jobs.push((progress) => runReplay(input.records, {
      name: f.name,
      fleet: {...fleetBase(timing ?? input.prefill, timing ?? input.decode, f.mode), startPrefill: f.prefill, startDecode: f.decode},
    }, sla, {overheadMs: overheadOf(timing ?? input.prefill), onProgress: progress}));
  }
  const runs: ReplayRunResult[] = [];
  const wallS: number[] = [];
  jobs.forEach((job, i) => {
    const task = `replay ${i + 1}/${jobs.length} (${names[i]})`;
    const t0 = performance.now();
    const run = job((done, total) => onProgress({task, done, total, unit: 'requests'}));
    runs.push(run);
    wallS.push((performance.now() - t0) / 1000);
    const s = run.summary;
    onProgress({task, done: input.records.length, total: input.records.length, unit: 'requests',
      detail: `${(100 * s.slaAttainment).toFixed(1)} % met the SLA, ${s.gpuHours.toFixed(2)} GPU-hours, ${wallS[i]!.toFixed(1)} s`});
  });
  return {runs, sla, mode, capabilities, plannerConfigRaw, warnings, wallS};
}

/** Prefix caching on the engines a request enters first when routing by KV. */
function withPrefix(spec: PoolSpec, input: {router: RouterPolicy; prefixCaching: boolean}): PoolSpec {
  return input.router === 'kv-aware' || input.prefixCaching ? {...spec, engine: {...spec.engine, prefixCaching: true}} : spec;
}

