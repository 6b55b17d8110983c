/**
 * Everything `dryrun --mode ticks` reads before the pure run: the recording, the planner
 * config layers (recording < --planner-config < flags), and the regression bootstrap
 * (a profile, the synthetic model, or none = cold start).
 */
import {existsSync} from 'node:fs';
import {readFile} from 'node:fs/promises';
import path from 'node:path';
import {badInput, option} from '../../errors.js';
import {resolvePlannerConfig, type ConfigLayer} from '../core/config-read.js';
import type {PlannerConfig} from '../core/config.js';
import {bootstrapFpms} from '../core/bootstrap.js';
import type {BenchmarkFpms} from '../core/state-machine.js';
import type {TrafficObservation, WorkerCapabilities} from '../core/types.js';
import {effectiveCapabilities} from '../dryrun-ticks.js';
import {readRecording, type TicksRecording} from './recording.js';
import {loadProfile} from '../../profile/io.js';
import {createSyntheticPerfModel, type SyntheticOptions} from '../../engines/synthetic/index.js';
import {syntheticProfile} from '../../sweep/synthetic.js';
import {readTraceBatches} from '../../trace/mooncake.js';
import {bucketTrace} from '../../trace/windows.js';

/** A Dynamo planner config given as a file (.json, .yaml/.yml, else JSON then YAML) or inline JSON, as Dynamo's `--config`. */
export async function readPlannerConfigArg(arg: string): Promise<ConfigLayer> {
  const source = `${option('plannerConfig')} ${arg}`;
  let text = arg;
  let kind: 'json' | 'yaml' | 'either' = 'json';
  if (!arg.trimStart().startsWith('{')) {
    if (!existsSync(arg)) throw badInput(`${source} does not exist (and is not inline JSON)`);
    try {
      text = await readFile(arg, 'utf8');
    } catch (err) {
      throw badInput(`${source}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    const ext = path.extname(arg).toLowerCase();
    kind = ext === '.json' ? 'json' : ext === '.yaml' || ext === '.yml' ? 'yaml' : 'either';
  }
  // yaml is a quarter of the dryrun command's code: loaded only for a YAML config.
  const parseYaml = async (t: string): Promise<unknown> => (await import('yaml')).parse(t);
  let raw: unknown;
  try {
    if (kind === 'yaml') raw = await parseYaml(text);
    else if (kind === 'json') raw = JSON.parse(text);
    else {
      try {
        raw = JSON.parse(text);
      } catch {
        raw = await parseYaml(text);
      }
    }
  } catch (err) {
    throw badInput(`${source}: not valid ${kind === 'either' ? 'JSON or YAML' : kind.toUpperCase()} (${(err as Error).message.split('\n')[0]})`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw badInput(`${source}: must be a mapping of planner config keys`);
  return {source, raw: raw as Record<string, unknown>};
}

/** `KEY=VALUE` pairs of --set: the value as JSON when it parses (numbers, booleans, null), else a string. */
export function parseSetPairs(pairs: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw badInput(`${option('set')} ${pair}: expected KEY=VALUE (a Dynamo planner config key, e.g. load_scaling_down_sensitivity=60)`);
    const value = pair.slice(eq + 1);
    let parsed: unknown = value;
    try {
      parsed = JSON.parse(value);
    } catch {
      // a bare word stays a string
    }
    out[pair.slice(0, eq)] = parsed;
  }
  return out;
}

export type BootstrapChoice = {kind: 'profile'; path: string} | {kind: 'synthetic'; options: SyntheticOptions} | {kind: 'header'} | {kind: 'cold'};

export interface TicksSetup {
  recording: TicksRecording;
  config: PlannerConfig;
  capabilities: WorkerCapabilities;
  bootstrap?: BenchmarkFpms;
  /** How the regressions started, for the report. */
  bootstrapText: string;
  /** Demand history for the predictors (a trace bucketed per throughput interval). */
  warmup?: TrafficObservation[];
  warnings: string[];
}

function headerProfilePath(recordingFile: string, p: string): string {
  if (path.isAbsolute(p)) return p;
  const nextToFile = path.resolve(path.dirname(recordingFile), p);
  return existsSync(nextToFile) ? nextToFile : path.resolve(p);
}

export async function prepareTicksDryrun(opts: {
  ticksFile: string;
  skipBadLines: boolean;
  plannerConfig?: string;
  /** Dynamo keys set by flags (highest precedence). */
  overrides: Record<string, unknown>;
  bootstrap: BootstrapChoice;
  /** Mooncake trace fed to the demand predictors first (Dynamo `load_predictor_warmup_trace`). */
  warmupTrace?: string;
}): Promise<TicksSetup> {
  const recording = await readRecording(opts.ticksFile, {skipBadLines: opts.skipBadLines});
  const layers: ConfigLayer[] = [{source: `${opts.ticksFile} line 1 (plannerConfig)`, raw: recording.header.plannerConfig}];
  if (opts.plannerConfig !== undefined) layers.push(await readPlannerConfigArg(opts.plannerConfig));
  if (Object.keys(opts.overrides).length > 0) layers.push({source: 'command line', raw: opts.overrides});
  const {config, warnings} = resolvePlannerConfig(layers);
  const capabilities = effectiveCapabilities(recording.header.capabilities, config);

  let choice = opts.bootstrap;
  const fromHeader = choice.kind === 'header';
  if (choice.kind === 'header') choice = recording.header.bootstrapProfile ? {kind: 'profile', path: headerProfilePath(opts.ticksFile, recording.header.bootstrapProfile)} : {kind: 'cold'};
  let bootstrap: BenchmarkFpms | undefined;
  let bootstrapText = 'cold start (decisions wait for load_min_observations live samples)';
  if (config.optimizationTarget !== 'sla') {
    bootstrapText = 'none (easy mode has no regression)';
  } else if (choice.kind === 'profile') {
    try {
      const profile = await loadProfile(choice.path);
      bootstrap = bootstrapFpms(profile, config.mode);
      bootstrapText = `profile ${choice.path}`;
    } catch (err) {
      // as Dynamo: a failed bootstrap stops the planner only when throughput scaling needs it
      if (!fromHeader || config.enableThroughputScaling) throw err;
      warnings.push(`the recording's bootstrapProfile cannot be used (${(err as Error).message}); starting cold`);
    }
  } else if (choice.kind === 'synthetic') {
    const model = createSyntheticPerfModel(choice.options);
    const {profile} = syntheticProfile(model, {maxContext: Math.min(16384, model.model.maxPositions), prefillGranularity: 16, decodeGranularity: 6}, {tool: 'planner', createdAt: ''});
    bootstrap = bootstrapFpms(profile, config.mode);
    bootstrapText = model.name;
  } else if (config.enableThroughputScaling) {
    warnings.push('no bootstrap data: throughput scaling waits for live samples (Dynamo would not start without profile data)');
  }
  let warmup: TrafficObservation[] | undefined;
  if (opts.warmupTrace !== undefined) {
    const intervalS = config.throughputAdjustmentIntervalS;
    const rows = await bucketTrace(readTraceBatches(opts.warmupTrace, {skipBadLines: opts.skipBadLines}), intervalS);
    warmup = rows.map((r) => ({durationS: intervalS, numReq: r.requestCount, isl: r.avgIsl, osl: r.avgOsl}));
  }
  return {recording, config, capabilities, bootstrap, bootstrapText, warmup, warnings};
}
