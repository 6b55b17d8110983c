/**
 * Live sweep runner (DESIGN.md 2 and 4): the same plan as the synthetic profile, measured on an
 * OpenAI-compatible endpoint. Prefill points run one request at a time (`repeats` per ISL);
 * decode points start `n` streams together and keep all of them. Every finished request is
 * appended to samples.jsonl at once; a resumed sweep keeps complete points and drops the partial
 * one it was interrupted in.
 */
import {appendFileSync, closeSync, existsSync, openSync, readFileSync, renameSync, writeFileSync, writeSync} from 'node:fs';
import path from 'node:path';
import {setMaxListeners} from 'node:events';
import {performance} from 'node:perf_hooks';
import {badInput, failure, option} from '../errors.js';
import type {HttpClient, StreamResult} from '../engines/http/client.js';
import {calibrate, type Calibration, type PromptSource} from '../engines/http/prompt.js';
import {parseSamples, type SampleRecord} from '../profile/samples.js';
import {SUPERSEDED_SAMPLES_FILE} from '../profile/types.js';
import {medianOrNull} from '../stats.js';
import {cappedConcurrencies, decodePlan, prefillIsls} from './plan.js';
import {decodePoint, prefillPoint} from './live-profile.js';

export interface LivePoint {
  id: string;
  phase: 'prefill' | 'decode';
  isl: number;
  osl: number;
  concurrency: number;
  /** Samples a complete point has. */
  expected: number;
}

export interface LivePlanOptions {
  maxContext: number;
  prefillGranularity: number;
  decodeGranularity: number;
  decodeOsl: number;
  prefillOsl: number;
  prefillRepeats: number;
  maxKvTokens?: number;
  only?: 'prefill' | 'decode';
  /** Largest concurrency measured (Dynamo v2026 caps at 2000). */
  maxConcurrency?: number;
}

export const prefillPointId = (isl: number) => `prefill/isl=${isl}`;
export const decodePointId = (isl: number, n: number) => `decode/isl=${isl}/n=${n}`;

/** The sweep's points, in the order they run: prefill ISLs, then decode (ISL, concurrency). */
export function livePoints(o: LivePlanOptions): {points: LivePoint[]; skippedIsls: number[]} {
  const points: LivePoint[] = [];
  let skippedIsls: number[] = [];
  if (o.only !== 'decode') {
    for (const isl of prefillIsls(o.maxContext, o.prefillGranularity)) {
      points.push({id: prefillPointId(isl), phase: 'prefill', isl, osl: o.prefillOsl, concurrency: 1, expected: o.prefillRepeats});
    }
  }
  if (o.only !== 'prefill') {
    if (!o.maxKvTokens) throw badInput(`decode points need the KV capacity: give ${option('maxKvTokens')} (the server's /metrics does not expose it)`, `or measure prefill only with ${option('only')} prefill`);
    const plan = decodePlan({maxContext: o.maxContext, granularity: o.decodeGranularity, maxKvTokens: o.maxKvTokens, osl: o.decodeOsl});
    skippedIsls = plan.skippedIsls;
    const cap = o.maxConcurrency ?? Number.POSITIVE_INFINITY;
    for (const d of plan.isls) {
      // Cap first, then spread the points below it (as Dynamo v2026 does with its 2000 cap, notes A.5).
      const ns = d.maxConcurrency > cap ? cappedConcurrencies(cap, o.decodeGranularity) : d.concurrencies;
      for (const n of ns) points.push({id: decodePointId(d.isl, n), phase: 'decode', isl: d.isl, osl: d.osl, concurrency: n, expected: n});
    }
  }
  return {points, skippedIsls};
}

/** samples.jsonl, appended one line per finished request (written with writeSync: it survives a kill). */
export class SampleLog {
  private fd: number | null;
  constructor(readonly file: string) {
    this.fd = openSync(file, 'a');
  }

  append(rec: SampleRecord): void {
    if (this.fd === null) return;
    writeSync(this.fd, `${JSON.stringify(rec)}\n`);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}


export interface ResumeState {
  /** Samples of complete points, in file order. */
  kept: SampleRecord[];
  done: Set<string>;
  /** Samples of partial points (or points not in this plan) moved to samples.superseded.jsonl. */
  supersededSamples: number;
  /** Where they went. */
  supersededFile: string;
}

/**
 * Prepare samples.jsonl: a new sweep refuses to mix with an existing one; `--resume` keeps the
 * complete points of this plan and moves the rest to samples.superseded.jsonl (DESIGN.md 3.4:
 * a measured sample is never deleted) before rewriting the file.
 */
export function prepareSamples(file: string, points: LivePoint[], resume: boolean): ResumeState {
  const supersededFile = path.join(path.dirname(file), SUPERSEDED_SAMPLES_FILE);
  const exists = existsSync(file) && readFileSync(file, 'utf8').trim() !== '';
  if (!exists) {
    writeFileSync(file, '');
    return {kept: [], done: new Set(), supersededSamples: 0, supersededFile};
  }
  if (!resume) throw badInput(`${file} already holds samples of a sweep`, `add ${option('resume')} to continue it, or choose another ${option('dir')}`);
  const all = parseSamples(readFileSync(file, 'utf8'), file);
  const expected = new Map(points.map((p) => [p.id, p.expected]));
  const counts = new Map<string, number>();
  const succeeded = new Set<string>();
  for (const s of all) {
    counts.set(s.point, (counts.get(s.point) ?? 0) + 1);
    if (s.status === 'ok') succeeded.add(s.point);
  }
  // A point whose every request failed was not measured: a resumed sweep runs it again.
  const done = new Set([...counts].filter(([id, c]) => expected.has(id) && c >= expected.get(id)! && succeeded.has(id)).map(([id]) => id));
  const kept = all.filter((s) => done.has(s.point));
  const superseded = all.filter((s) => !done.has(s.point));
  // Saved before samples.jsonl is rewritten: a crash in between duplicates samples, never loses one.
  if (superseded.length > 0) appendFileSync(supersededFile, superseded.map((s) => `${JSON.stringify(s)}\n`).join(''));
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, kept.map((s) => `${JSON.stringify(s)}\n`).join(''));
  renameSync(tmp, file);
  return {kept, done, supersededSamples: superseded.length, supersededFile};
}

export interface PointSummary {
  ok: number;
  errors: number;
  ttftMs: number | null;
  itlMs: number | null;
  elapsedS: number;
}

export interface LiveProgress {
  start(total: number, done: number): void;
  phase(text: string): void;
  pointStart(point: LivePoint, index: number, total: number): void;
  request(point: LivePoint, sample: SampleRecord): void;
  pointDone(point: LivePoint, summary: PointSummary, index: number, total: number, etaS: number | null): void;
  warn(text: string): void;
  stop(): void;
}

export interface LiveRunOptions {
  client: HttpClient;
  prompts: PromptSource;
  log: SampleLog;
  points: LivePoint[];
  done: Set<string>;
  /** Unrecorded requests before the sweep. */
  warmup: number;
  /** Send each decode point's prompts once with max_tokens 1 before measuring it (fills a prefix cache). */
  decodePrefixWarmup: boolean;
  /** Units of the two calibration probes (skipped when `calibration` is given). */
  probeUnits?: [number, number];
  calibration?: Calibration;
  signal: AbortSignal;
  progress: LiveProgress;
}

export interface LiveRunSummary {
  calibration: Calibration;
  interrupted: boolean;
  pointsRun: number;
  pointsSkipped: number;
  requests: number;
  errors: number;
  /** Requests that returned fewer tokens than asked (EOS despite ignore_eos). */
  shortOutputs: number;
  /** Error messages and how often each occurred. */
  errorKinds: Record<string, number>;
  droppedFields: string[];
}

function sampleFrom(point: LivePoint, r: StreamResult, intendedMs: number, originMs: number): SampleRecord {
  const rec: SampleRecord = {
    point: point.id,
    phase: point.phase,
    isl: point.isl,
    osl: point.osl,
    concurrency: point.concurrency,
    intendedSendMs: round3(intendedMs - originMs),
    sendMs: round3(r.sendAt - originMs),
    ttftMs: r.ttftMs === null ? null : round3(r.ttftMs),
    itlMs: r.itlMs === null ? null : round4(r.itlMs),
    chunks: r.chunks.map(([t, n]) => [round3(t), n]),
    inputTokens: r.inputTokens,
    outputTokens: r.outputTokens,
    status: r.status,
  };
  if (r.httpStatus !== undefined) rec.httpStatus = r.httpStatus;
  if (r.error) rec.error = r.error;
  if (r.responseId) rec.responseId = r.responseId;
  if (r.attempts > 1) rec.attempts = r.attempts;
  return rec;
}

const round3 = (v: number) => Math.round(v * 1000) / 1000;
const round4 = (v: number) => Math.round(v * 10000) / 10000;

/** Group error messages into kinds (numbers stripped) for the summary. */
export function errorKind(message: string): string {
  return message.replace(/\d+(\.\d+)?/g, 'N').slice(0, 120);
}

export async function runLiveSweep(o: LiveRunOptions): Promise<LiveRunSummary> {
  const originMs = performance.now();
  // Every in-flight request listens for Ctrl-C on the same signal.
  setMaxListeners(0, o.signal);
  const summary: LiveRunSummary = {calibration: {overheadTokens: 0, tokensPerUnit: 1}, interrupted: false, pointsRun: 0, pointsSkipped: o.done.size, requests: 0, errors: 0, shortOutputs: 0, errorKinds: {}, droppedFields: []};
  const todo = o.points.filter((p) => !o.done.has(p.id));
  o.progress.start(o.points.length, o.points.length - todo.length);
  const aborted = () => o.signal.aborted;

  const fail = (msg: string): void => {
    summary.errors++;
    const k = errorKind(msg);
    summary.errorKinds[k] = (summary.errorKinds[k] ?? 0) + 1;
  };

  // Calibrate prompt length against the server's own count.
  if (o.calibration) summary.calibration = o.calibration;
  else if (todo.length > 0) {
    o.progress.phase('calibrating prompt length from usage.prompt_tokens');
    const [a, b] = o.probeUnits ?? [64, 512];
    const probes = [];
    for (const units of [a, b]) {
      // A flaky server gets a few tries (beyond the client's own retries); a broken one fails here.
      let r = await o.client.stream({prompt: o.prompts.raw(units), maxTokens: 1, signal: o.signal});
      for (let tries = 1; r.status !== 'ok' && tries < 5 && (r.httpStatus === undefined || r.httpStatus >= 500) && !/ignored max_tokens|SSE stream/.test(r.error ?? '') && !aborted(); tries++) {
        r = await o.client.stream({prompt: o.prompts.raw(units), maxTokens: 1, signal: o.signal});
      }
      if (aborted()) return {...summary, interrupted: true};
      if (r.status !== 'ok') throw probeError(o.client.baseUrl, r);
      if (r.inputTokens === null) throw badInput(`${o.client.baseUrl} reports no usage.prompt_tokens, so prompt lengths cannot be calibrated`, `give ${option('tokenizer')} tokenizer.json of the served model`);
      probes.push({units, promptTokens: r.inputTokens});
    }
    summary.calibration = calibrate(probes);
  }
  o.prompts.calibration = summary.calibration;

  if (todo.length > 0 && o.warmup > 0) {
    o.progress.phase(`warming up (${o.warmup} requests)`);
    for (let i = 0; i < o.warmup && !aborted(); i++) await o.client.stream({prompt: o.prompts.forIsl(todo[0]!.isl), maxTokens: 5, signal: o.signal});
  }

  let shortWarned = false;
  let chunkWarned = false;
  let index = o.points.length - todo.length;
  // ETA: seconds per unit of work, learnt per phase from the points run so far. Prefill work
  // grows with the tokens prefilled; a decode point with the OSL steps and the KV they read.
  const cost = {prefill: {s: 0, units: 0}, decode: {s: 0, units: 0}};
  const units = (p: LivePoint) => (p.phase === 'prefill' ? p.expected * p.isl : p.osl * (1 + (p.concurrency * (p.isl + p.osl)) / 100_000));
  const record = (point: LivePoint, r: StreamResult, intended: number): SampleRecord => {
    const s = sampleFrom(point, r, intended, originMs);
    o.log.append(s);
    summary.requests++;
    if (s.status !== 'ok') fail(s.error ?? s.status);
    else if (s.outputTokens !== null && s.outputTokens < point.osl) {
      summary.shortOutputs++;
      if (!shortWarned) {
        shortWarned = true;
        o.progress.warn(`the server returned ${s.outputTokens} output tokens for max_tokens ${point.osl} (${point.id}): it stopped early despite ignore_eos/min_tokens; ITL and throughput use the tokens actually received`);
      }
    }
    if (s.status === 'ok' && !r.chunkTokensFromUsage && s.outputTokens !== null && s.outputTokens > s.chunks.length && !chunkWarned) {
      chunkWarned = true;
      o.progress.warn(`the server sends several tokens per chunk without per-chunk usage (${s.outputTokens} tokens in ${s.chunks.length} chunks at ${point.id}): per-request ITL uses the usage total, but per-chunk token counts are unknown and steady-window ITLs count chunks, not tokens`);
    }
    o.progress.request(point, s);
    return s;
  };

  for (const point of todo) {
    if (aborted()) break;
    index++;
    o.progress.pointStart(point, index, o.points.length);
    const t0 = performance.now();
    const got: SampleRecord[] = [];
    if (point.phase === 'prefill') {
      for (let i = 0; i < point.expected && !aborted(); i++) {
        const intended = performance.now();
        const r = await o.client.stream({prompt: o.prompts.forIsl(point.isl), maxTokens: point.osl, signal: o.signal});
        if (aborted()) break;
        got.push(record(point, r, intended));
      }
    } else {
      const prompts = Array.from({length: point.concurrency}, () => o.prompts.forIsl(point.isl));
      if (o.decodePrefixWarmup) {
        await Promise.all(prompts.map((prompt) => o.client.stream({prompt, maxTokens: 1, signal: o.signal})));
        if (aborted()) break;
      }
      const intended = performance.now();
      await Promise.all(
        prompts.map(async (prompt) => {
          const r = await o.client.stream({prompt, maxTokens: point.osl, signal: o.signal});
          if (!aborted()) got.push(record(point, r, intended));
        }),
      );
    }
    if (aborted()) break;
    summary.pointsRun++;
    const elapsedS = (performance.now() - t0) / 1000;
    cost[point.phase].s += elapsedS;
    cost[point.phase].units += units(point);
    const left = o.points.slice(index).filter((p) => !o.done.has(p.id));
    let etaS: number | null = 0;
    for (const p of left) {
      const c = cost[p.phase];
      if (c.units === 0) {
        etaS = null;
        break;
      }
      etaS += (c.s / c.units) * units(p);
    }
    const ok = got.filter((s) => s.status === 'ok');
    // The figures the profile will store for this point (same median, same steady window).
    const group = {point: point.id, phase: point.phase, isl: point.isl, osl: point.osl, concurrency: point.concurrency, samples: got};
    o.progress.pointDone(point, {
      ok: ok.length,
      errors: got.length - ok.length,
      ttftMs: point.phase === 'prefill' ? prefillPoint(group, 1)?.ttftMs ?? null : medianOrNull(ok.map((s) => s.ttftMs).filter((v): v is number => v !== null)),
      itlMs: point.phase === 'decode' ? decodePoint(group, 1, Infinity)?.itlMs ?? null : null,
      elapsedS,
    }, index, o.points.length, etaS);
  }
  summary.interrupted = aborted();
  summary.droppedFields = o.client.droppedFields;
  return summary;
}

function probeError(url: string, r: StreamResult) {
  const msg = `the first request to ${url} failed: ${r.error ?? r.status}`;
  const status = r.httpStatus ?? 0;
  return status >= 400 && status < 500 && status !== 429 ? badInput(msg, `check ${option('endpoint')}, ${option('api')}, ${option('model')}, ${option('apiKey')} and ${option('headers')}`) : failure(msg, 'is the engine healthy?');
}
