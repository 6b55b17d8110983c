/**
 * The sweeps behind `planner profile`: one synthetic profile per TP (a TP that cannot run the
 * model is skipped), and live profiling of one endpoint or of one launched engine per TP, stopped
 * cleanly by SIGINT/SIGTERM with every finished sample kept for a resume. Progress and notices go
 * out through callbacks; the command renders them.
 */
import path from 'node:path';
import {badInput, isTpUnfit, option} from '../errors.js';
import {makeDirectory} from '../outputs.js';
import {createSyntheticPerfModel, type SyntheticOptions} from '../engines/synthetic/index.js';
import {freePort, launchArgv, launchEngine} from '../engines/http/launch.js';
import {saveProfile} from '../profile/io.js';
import {syntheticProfile} from './synthetic.js';
import {profileEndpoint, type EndpointProfileOptions, type EndpointProfileResult} from './live-run.js';
import type {LiveProgress} from './live.js';

export interface SyntheticTpsOptions {
  /** The engine; `tp` is taken from `tps`. */
  engine: SyntheticOptions;
  tps: number[];
  /** Profiles go to DIR/tp<N>/profile.json. */
  dir: string;
  maxContext: number;
  prefillGranularity: number;
  decodeGranularity: number;
  decodeOsl: number;
  tool: string;
  createdAt: string;
  note: (text: string) => void;
}

export interface SyntheticTpProfile {
  tp: number;
  dir: string;
  file: string;
  maxKvTokens: number;
  prefillPoints: number;
  decodePoints: number;
  ttftMsRange: [number, number];
}

export interface SyntheticTpsResult {
  profiles: SyntheticTpProfile[];
  /** TPs that cannot run the model, and why. */
  skipped: {tp: number; reason: string}[];
}

/** One synthetic profile per TP; fails when no TP could be profiled. */
export async function profileSyntheticTps(o: SyntheticTpsOptions): Promise<SyntheticTpsResult> {
  const tps = [...new Set(o.tps)];
  await makeDirectory(o.dir);
  const profiles: SyntheticTpProfile[] = [];
  const skipped: {tp: number; reason: string}[] = [];
  for (const tp of tps) {
    let model;
    try {
      model = createSyntheticPerfModel({...o.engine, tp});
    } catch (err) {
      // An unknown model or GPU is wrong for every TP: fail. A TP that does not fit is skipped.
      if (isTpUnfit(err) && tps.length > 1) {
        skipped.push({tp, reason: err.message});
        o.note(`skipping TP ${tp}: ${err.message}`);
        continue;
      }
      throw err;
    }
    let maxContext = o.maxContext;
    if (maxContext > model.model.maxPositions) {
      o.note(`${option('maxContext')} ${maxContext} exceeds ${model.model.name}'s ${model.model.maxPositions} positions; using ${model.model.maxPositions}`);
      maxContext = model.model.maxPositions;
    }
    const {profile, plan} = syntheticProfile(
      model,
      {maxContext, prefillGranularity: o.prefillGranularity, decodeGranularity: o.decodeGranularity, osl: o.decodeOsl},
      {tool: o.tool, createdAt: o.createdAt},
    );
    if (plan.skippedIsls.length > 0) o.note(`TP ${tp}: decode ISLs ${plan.skippedIsls.join(', ')} skipped: not one request fits in ${model.maxKvTokens} KV tokens`);
    const dir = path.join(o.dir, `tp${tp}`);
    const file = await saveProfile(dir, profile);
    const ttft = profile.prefill?.prefill_ttft ?? [0];
    profiles.push({
      tp,
      dir,
      file,
      maxKvTokens: model.maxKvTokens,
      prefillPoints: profile.prefill?.prefill_isl.length ?? 0,
      decodePoints: profile.decode?.z_itl.length ?? 0,
      ttftMsRange: [Math.min(...ttft), Math.max(...ttft)],
    });
  }
  if (profiles.length === 0) throw badInput(`no profile written: ${skipped.map((s) => `TP ${s.tp}: ${s.reason}`).join('; ')}`);
  return {profiles, skipped};
}

export interface LiveTpsOptions extends Omit<EndpointProfileOptions, 'endpoint' | 'dir' | 'tp' | 'signal' | 'progress'> {
  /** A running server (profiled once, at tps[0] GPUs into `dir`), or else `launch`. */
  endpoint?: string;
  /** Command template with {tp} and {port}: one engine per TP, profiled into DIR/tp<N>. */
  launch?: string;
  tps: number[];
  dir: string;
  /** Port given to the launched engines (default: a free one each). */
  port?: number;
  /** How long a launched engine may take to answer /health, ms. */
  readyTimeoutMs: number;
  /** The progress display of one endpoint's sweep; `prefix` names the TP when engines are launched. */
  progress: (prefix: string) => Promise<LiveProgress>;
}

export interface LiveTpsResult {
  results: (EndpointProfileResult & {tp: number})[];
  /** Stopped by SIGINT/SIGTERM: the samples are kept and a resume continues. */
  interrupted: boolean;
}

/**
 * Stop on the first SIGINT/SIGTERM (the sweep ends cleanly, finished requests kept), quit at once
 * on the second; `run` gets the signal that aborts it.
 */
async function untilInterrupted<T>(note: (text: string) => void, run: (signal: AbortSignal) => Promise<T>): Promise<{value: T; interrupted: boolean}> {
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    signals++;
    if (signals === 1) {
      note(`\n${sig}: stopping; finished requests are kept (press again to quit at once)`);
      controller.abort();
    } else process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const value = await run(controller.signal);
    return {value, interrupted: controller.signal.aborted};
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Live profiling: one endpoint, or one launched engine per TP (started, profiled, stopped in turn). */
export async function profileLiveTps(o: LiveTpsOptions): Promise<LiveTpsResult> {
  const {endpoint, launch, tps, dir, port, readyTimeoutMs, progress, ...common} = o;
  await makeDirectory(dir);
  const {value: results, interrupted} = await untilInterrupted(o.note, async (signal) => {
    const out: (EndpointProfileResult & {tp: number})[] = [];
    if (endpoint !== undefined) {
      const tp = tps[0]!;
      out.push({...(await profileEndpoint({...common, endpoint, dir, tp, signal, progress: await progress('')})), tp});
      return out;
    }
    if (launch === undefined) throw badInput(`give ${option('endpoint')} or ${option('launch')}`);
    for (const tp of [...new Set(tps)]) {
      if (signal.aborted) break;
      const enginePort = port ?? (await freePort());
      const argv = launchArgv(launch, {tp, port: enginePort});
      o.note(`TP ${tp}: starting ${argv.join(' ')}`);
      const engine = await launchEngine({argv, url: `http://127.0.0.1:${enginePort}`, readyTimeoutMs, signal});
      try {
        o.note(`TP ${tp}: engine ready on ${engine.url}`);
        out.push({...(await profileEndpoint({...common, endpoint: engine.url, dir: path.join(dir, `tp${tp}`), tp, signal, progress: await progress(`TP ${tp}: `)})), tp});
      } finally {
        await engine.stop();
        o.note(`TP ${tp}: engine stopped`);
      }
    }
    return out;
  });
  return {results, interrupted};
}
