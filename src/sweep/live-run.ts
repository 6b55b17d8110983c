/**
 * Profile one running endpoint into a directory: discover the model and KV capacity, plan,
 * resume, run the sweep (samples.jsonl), then write profile.json (source.kind = live, fits from
 * the samples), report.html and optional CSV tables.
 */
import path from 'node:path';
import {badInput, failure, option} from '../errors.js';
import {HttpClient, type ApiKind} from '../engines/http/client.js';
import {maxKvTokensFromMetrics} from '../engines/http/metrics.js';
import {PromptSource, type IdVocabulary} from '../engines/http/prompt.js';
import {fitProfile} from '../profile/fit.js';
import {profileOutput} from '../profile/io.js';
import {makeDirectory, writeOutputs, type OutputFile} from '../outputs.js';
import {readSamples} from '../profile/samples.js';
import {PROFILE_FILE, SAMPLES_FILE, type Profile} from '../profile/types.js';
import {liveArrays, samplesForFit, type LiveArrays, type UnmeasuredPoint} from './live-profile.js';
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
  /** Longest wait before a retry, ms (caps a server's Retry-After). */
  maxRetryWaitMs: number;
  tokenizer?: IdVocabulary;
  tp: number;
  gpu: string;
  backend: string;
  maxConcurrency: number;
  warmup: number;
  decodePrefixWarmup: boolean;
  resume: boolean;
  /** What the command renders next to profile.json (report.html, CSV), written with it; the library renders nothing itself. */
  renderOutputs?: (dir: string, profile: Profile, arrays: LiveArrays, extras: LiveOutputExtras) => OutputFile[];
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
  /** Points of the plan that could not be measured (the profile is written without them). */
  unmeasured: UnmeasuredPoint[];
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
  const client = new HttpClient({baseUrl: o.endpoint, api: o.api, model: o.model, apiKey: o.apiKey, headers: o.headers, timeoutMs: o.requestTimeoutMs, retries: o.retries, maxSockets: maxConc, maxRetryWaitMs: o.maxRetryWaitMs, onRetryWait: (t) => o.note(t)});
  try {
    let model = o.model;
    let maxContext = o.maxContext;
    try {
      const served = await client.servedModel();
      model ??= served.id;
      if (served.maxModelLen !== undefined && maxContext + o.prefillOsl > served.maxModelLen) {
        const capped = served.maxModelLen - Math.max(o.prefillOsl, 16);
        o.note(`${option('maxContext')} ${maxContext} exceeds the server's max_model_len ${served.maxModelLen}; using ${capped}`);
        maxContext = capped;
      }
    } catch (err) {
      const code = (err as {code?: string}).code;
      if (code) throw failure(describeUnreachable(client.baseUrl, err), `is the engine running? check ${option('endpoint')}`);
      if (!model) throw badInput(`${client.baseUrl}: ${(err as Error).message}`, `give the served model name with ${option('model')}`);
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
    await makeDirectory(o.dir);
    const samplesFile = path.join(o.dir, SAMPLES_FILE);
    const state = prepareSamples(samplesFile, points, o.resume);
    if (state.supersededSamples > 0) o.note(`resume: moved ${state.supersededSamples} samples of the point that was interrupted to ${state.supersededFile}; it runs again`);
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
      prefillPoints: 0, decodePoints: 0, nonSteadyPoints: 0, samples: 0, skippedIsls, unmeasured: [],
    };
    if (run.interrupted) return result;

    const samples = await readSamples(samplesFile);
    result.samples = samples.length;
    const arrays = liveArrays(samples, {gpus: o.tp, maxKvTokens});
    result.prefillPoints = arrays.prefillPoints.length;
    result.decodePoints = arrays.decodePoints.length;
    result.nonSteadyPoints = arrays.decodePoints.filter((p) => !p.steady).length;
    if (result.nonSteadyPoints > 0) o.note(`${result.nonSteadyPoints} decode points had no window in which all streams were generating (prefill of the batch outlasted decode); their ITL is the whole-request ITL`);
    result.unmeasured = arrays.unmeasured;
    for (const u of arrays.unmeasured) o.note(`warning: point ${u.point} could not be measured: ${u.reason}`);
    const failed = samples.filter((s) => s.status !== 'ok').length;
    if (failed > 0) o.note(`warning: ${failed} of ${samples.length} requests failed (see errorKinds and ${samplesFile})`);
    if (!arrays.prefill && !arrays.decode) throw failure(`no point of the sweep had a successful request (${run.errors} errors; first kinds: ${Object.keys(run.errorKinds).slice(0, 3).join(' | ')})`, `samples are in ${samplesFile}`);
    const profile: Profile = {
      format: 'planner-profile',
      version: 1,
      engine: {model: result.model, gpu: o.gpu, tp: o.tp, gpusPerEngine: o.tp, backend: o.backend, ...(maxKvTokens ? {maxKvTokens} : {})},
      source: {
        kind: 'live', endpoint: client.baseUrl, createdAt: o.createdAt, tool: o.tool, origin: `planner profile --endpoint (${o.api} API)`,
        api: o.api, calibration: run.calibration, prefillRepeats: o.prefillRepeats, decodeOsl: o.decodeOsl, prefillOsl: o.prefillOsl,
        requests: samples.length, errors: samples.filter((s) => s.status !== 'ok').length,
      },
      ...(arrays.prefill ? {prefill: arrays.prefill} : {}),
      ...(arrays.decode ? {decode: arrays.decode} : {}),
      spread: arrays.spread,
    };
    const fits = fitProfile(profile, samplesForFit(samples));
    if (fits.prefill || fits.decode) profile.fits = {...(fits.prefill ? {prefill: fits.prefill.fit} : {}), ...(fits.decode ? {decode: fits.decode.fit} : {})};
    const outputs: OutputFile[] = [profileOutput(path.join(o.dir, PROFILE_FILE), profile)];
    result.profileFile = outputs[0]!.file;
    const extras: LiveOutputExtras = {errorKinds: Object.fromEntries(countKinds(samples)), requests: samples.length, errors: failed, shortOutputs: samples.filter((s) => s.status === 'ok' && s.outputTokens !== null && s.outputTokens < s.osl).length};
    const rendered = o.renderOutputs?.(o.dir, profile, arrays, extras) ?? [];
    outputs.push(...rendered);
    result.reportFile = rendered.find((f) => f.file.endsWith('report.html'))?.file;
    result.csvFiles = rendered.filter((f) => f.file.endsWith('.csv')).map((f) => f.file);
    await writeOutputs(outputs);
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
