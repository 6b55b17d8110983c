/**
 * Profile one running endpoint into a directory: discover the model and KV capacity, plan,
 * resume, run the sweep (samples.jsonl), then write profile.json (source.kind = live, fits from
 * the samples), report.html and optional CSV tables.
 */
import {mkdir} from 'node:fs/promises';
import path from 'node:path';
import {badInput, failure} from '../errors.js';
import {HttpClient, type ApiKind} from '../engines/http/client.js';
import {maxKvTokensFromMetrics} from '../engines/http/metrics.js';
import {PromptSource, type IdVocabulary} from '../engines/http/prompt.js';
import {fitProfile} from '../profile/fit.js';
import {saveProfile} from '../profile/io.js';
import {readSamples} from '../profile/samples.js';
import {SAMPLES_FILE, type Profile} from '../profile/types.js';
import {liveArrays, samplesForFit, type LiveArrays} from './live-profile.js';
import {errorKind, livePoints, prepareSamples, runLiveSweep, SampleLog, type LivePlanOptions, type LiveProgress, type LiveRunSummary} from './live.js';

export interface EndpointProfileOptions extends LivePlanOptions {
  endpoint: string;
  dir: string;
  api: ApiKind;
  model?: string;
  apiKey?: string;
  headers: Record<string, string>;
  requestTimeoutMs: number;
  retries: number;
  tokenizer?: IdVocabulary;
  tp: number;
  gpu: string;
  backend: string;
  maxConcurrency: number;
  warmup: number;
  decodePrefixWarmup: boolean;
  resume: boolean;
  /** Writes what the command renders next to profile.json (report.html, CSV); the library renders nothing itself. */
  writeOutputs?: (dir: string, profile: Profile, arrays: LiveArrays, extras: LiveOutputExtras) => Promise<{reportFile?: string; csvFiles: string[]}>;
  tool: string;
  createdAt: string;
  signal: AbortSignal;
  progress: LiveProgress;
  note: (text: string) => void;
}

/** Totals over a sweep's samples, for its report. */
export interface LiveOutputExtras {
  errorKinds: Record<string, number>;
  requests: number;
  errors: number;
  shortOutputs: number;
}

export interface EndpointProfileResult {
  dir: string;
  profileFile?: string;
  samplesFile: string;
  reportFile?: string;
  csvFiles: string[];
  model: string;
  maxKvTokens?: number;
  maxKvTokensSource?: 'flag' | 'metrics';
  run: LiveRunSummary;
  prefillPoints: number;
  decodePoints: number;
  nonSteadyPoints: number;
  samples: number;
  skippedIsls: number[];
}

function describeUnreachable(url: string, err: unknown): string {
  const e = err as {code?: string; message?: string};
  if (e.code === 'ECONNREFUSED') return `cannot reach ${url}: connection refused`;
  if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') return `cannot reach ${url}: unknown host`;
  if (e.code === 'ECONNABORTED' || e.code === 'ETIMEDOUT') return `cannot reach ${url}: no answer in time`;
  return `cannot reach ${url}: ${e.code ? `${e.code} ` : ''}${e.message ?? String(err)}`;
}

export async function profileEndpoint(o: EndpointProfileOptions): Promise<EndpointProfileResult> {
  const maxConc = o.maxConcurrency;
  const client = new HttpClient({baseUrl: o.endpoint, api: o.api, model: o.model, apiKey: o.apiKey, headers: o.headers, timeoutMs: o.requestTimeoutMs, retries: o.retries, maxSockets: maxConc});
  try {
    let model = o.model;
    let maxContext = o.maxContext;
    try {
      const served = await client.servedModel();
      model ??= served.id;
      if (served.maxModelLen !== undefined && maxContext + o.prefillOsl > served.maxModelLen) {
        const capped = served.maxModelLen - Math.max(o.prefillOsl, 16);
        o.note(`--max-context ${maxContext} exceeds the server's max_model_len ${served.maxModelLen}; using ${capped}`);
        maxContext = capped;
      }
    } catch (err) {
      const code = (err as {code?: string}).code;
      if (code) throw failure(describeUnreachable(client.baseUrl, err), 'is the engine running? check --endpoint');
      if (!model) throw badInput(`${client.baseUrl}: ${(err as Error).message}`, 'give the served model name with --model');
    }
    const clientModel = new HttpClient({...client.options, model});
    client.close();

    let maxKvTokens = o.maxKvTokens;
    let maxKvTokensSource: 'flag' | 'metrics' | undefined = maxKvTokens ? 'flag' : undefined;
    if (!maxKvTokens && o.only !== 'prefill') {
      try {
        const m = await clientModel.getText('/metrics');
        if (m.status === 200) maxKvTokens = maxKvTokensFromMetrics(m.text);
      } catch {
        // no metrics endpoint
      }
      if (maxKvTokens) maxKvTokensSource = 'metrics';
    }

    const {points, skippedIsls} = livePoints({
      maxContext, prefillGranularity: o.prefillGranularity, decodeGranularity: o.decodeGranularity, decodeOsl: o.decodeOsl, prefillOsl: o.prefillOsl,
      prefillRepeats: o.prefillRepeats, maxKvTokens, only: o.only, maxConcurrency: maxConc,
    });
    if (skippedIsls.length > 0) o.note(`decode ISLs ${skippedIsls.join(', ')} skipped: not one request fits in ${maxKvTokens} KV tokens`);
    await mkdir(o.dir, {recursive: true});
    const samplesFile = path.join(o.dir, SAMPLES_FILE);
    const state = prepareSamples(samplesFile, points, o.resume);
    if (state.droppedSamples > 0) o.note(`resume: dropped ${state.droppedSamples} samples of the point that was interrupted; it runs again`);
    const log = new SampleLog(samplesFile);
    const prompts = new PromptSource(o.tokenizer);
    let run: LiveRunSummary;
    try {
      run = await runLiveSweep({
        client: clientModel, prompts, log, points, done: state.done, warmup: o.warmup, decodePrefixWarmup: o.decodePrefixWarmup,
        probeUnits: [64, Math.max(128, Math.min(1024, Math.floor(maxContext / 2)))], signal: o.signal, progress: o.progress,
      });
    } finally {
      log.close();
      o.progress.stop();
      clientModel.close();
    }
    if (run.droppedFields.length > 0) o.note(`the server rejected ${run.droppedFields.join(', ')}; requests were sent without ${run.droppedFields.length > 1 ? 'them' : 'it'}`);
    const result: EndpointProfileResult = {
      dir: o.dir, samplesFile, csvFiles: [], model: model ?? 'unknown', maxKvTokens, maxKvTokensSource, run,
      prefillPoints: 0, decodePoints: 0, nonSteadyPoints: 0, samples: 0, skippedIsls,
    };
    if (run.interrupted) return result;

    const samples = await readSamples(samplesFile);
    result.samples = samples.length;
    const arrays = liveArrays(samples, {gpus: o.tp, maxKvTokens});
    result.prefillPoints = arrays.prefillPoints.length;
    result.decodePoints = arrays.decodePoints.length;
    result.nonSteadyPoints = arrays.decodePoints.filter((p) => !p.steady).length;
    if (result.nonSteadyPoints > 0) o.note(`${result.nonSteadyPoints} decode points had no window in which all streams were generating (prefill of the batch outlasted decode); their ITL is the whole-request ITL`);
    if (!arrays.prefill && !arrays.decode) throw failure(`no point of the sweep had a successful request (${run.errors} errors; first kinds: ${Object.keys(run.errorKinds).slice(0, 3).join(' | ')})`, `samples are in ${samplesFile}`);
    const profile: Profile = {
      format: 'planner-profile',
      version: 1,
      engine: {model: result.model, gpu: o.gpu, tp: o.tp, gpusPerEngine: o.tp, backend: o.backend, ...(maxKvTokens ? {maxKvTokens} : {})},
      source: {
        kind: 'live', endpoint: withoutCredentials(client.baseUrl), createdAt: o.createdAt, tool: o.tool, origin: `planner profile --endpoint (${o.api} API)`,
        api: o.api, calibration: run.calibration, prefillRepeats: o.prefillRepeats, decodeOsl: o.decodeOsl, prefillOsl: o.prefillOsl,
        requests: samples.length, errors: samples.filter((s) => s.status !== 'ok').length,
      },
      ...(arrays.prefill ? {prefill: arrays.prefill} : {}),
      ...(arrays.decode ? {decode: arrays.decode} : {}),
      spread: arrays.spread,
    };
    const fits = fitProfile(profile, samplesForFit(samples));
    if (fits.prefill || fits.decode) profile.fits = {...(fits.prefill ? {prefill: fits.prefill.fit} : {}), ...(fits.decode ? {decode: fits.decode.fit} : {})};
    result.profileFile = await saveProfile(o.dir, profile);
    const extras: LiveOutputExtras = {errorKinds: Object.fromEntries(countKinds(samples)), requests: samples.length, errors: samples.filter((s) => s.status !== 'ok').length, shortOutputs: samples.filter((s) => s.status === 'ok' && s.outputTokens !== null && s.outputTokens < s.osl).length};
    if (o.writeOutputs) Object.assign(result, await o.writeOutputs(o.dir, profile, arrays, extras));
    return result;
  } finally {
    client.close();
  }
}

function countKinds(samples: {status: string; error?: string}[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const s of samples) {
    if (s.status === 'ok') continue;
    const k = errorKind(s.error ?? s.status);
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}

/** A URL without user:password, for files and reports. */
export function withoutCredentials(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}
