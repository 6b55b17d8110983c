/**
 * Planner tick recordings (`ticks.jsonl`, DESIGN 3.5): line 1 a header (Dynamo planner config,
 * engine capabilities, start time, optional bootstrap profile), then one tick input per line.
 * Every bad line is reported with its number and the field that is wrong.
 */
import {readFile} from 'node:fs/promises';
import {badInput, failure} from '../../errors.js';
import type {
  EngineCapabilities, ForwardPassMetrics, FpmObservations, QueuedRequests, ScheduledRequests, TickInput,
  TrafficObservation, WorkerCapabilities, WorkerCounts,
} from '../core/types.js';

export interface TicksHeader {
  /** Dynamo PlannerConfig keys as written (snake case). */
  plannerConfig: Record<string, unknown>;
  capabilities: WorkerCapabilities;
  startS: number;
  bootstrapProfile?: string;
}

export interface RecordedTick {
  line: number;
  input: TickInput;
}

export interface TicksRecording {
  header: TicksHeader;
  ticks: RecordedTick[];
  badLines: number;
  firstBadLine?: {line: number; reason: string};
}

/** A field problem inside one line: the message names the field path. */
class FieldError extends Error {}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function shown(v: unknown): string {
  return typeof v === 'string' ? `"${v}"` : JSON.stringify(v) ?? String(v);
}

function num(o: Obj, key: string, path: string, opts: {required?: boolean; integer?: boolean; min?: number} = {}): number | undefined {
  const v = o[key];
  if (v === undefined || v === null) {
    if (opts.required) throw new FieldError(`${path}${key} is required`);
    return undefined;
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new FieldError(`${path}${key} must be a number, got ${shown(v)}`);
  if (opts.integer && !Number.isInteger(v)) throw new FieldError(`${path}${key} must be an integer, got ${v}`);
  if (opts.min !== undefined && v < opts.min) throw new FieldError(`${path}${key} must be >= ${opts.min}, got ${v}`);
  return v;
}

function obj(o: Obj, key: string, path: string): Obj | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) throw new FieldError(`${path}${key} must be an object`);
  return v;
}

function capabilities(o: Obj | undefined, path: string): EngineCapabilities | undefined {
  if (o === undefined) return undefined;
  const c: EngineCapabilities = {};
  for (const key of ['numGpu', 'maxNumBatchedTokens', 'maxNumSeqs', 'contextLength', 'maxKvTokens'] as const) {
    const v = num(o, key, path, {integer: true, min: 0});
    if (v !== undefined) c[key] = v;
  }
  return c;
}

export function parseHeader(value: unknown): TicksHeader {
  if (!isObj(value)) throw new FieldError('the header must be a JSON object');
  const config = obj(value, 'plannerConfig', '');
  if (config === undefined) throw new FieldError('the header needs plannerConfig (Dynamo planner config keys)');
  const caps = obj(value, 'capabilities', '') ?? {};
  const bootstrap = value.bootstrapProfile;
  if (bootstrap !== undefined && bootstrap !== null && typeof bootstrap !== 'string') throw new FieldError('bootstrapProfile must be a path string');
  return {
    plannerConfig: config,
    capabilities: {prefill: capabilities(obj(caps, 'prefill', 'capabilities.'), 'capabilities.prefill.'), decode: capabilities(obj(caps, 'decode', 'capabilities.'), 'capabilities.decode.')},
    startS: num(value, 'startS', '') ?? 0,
    bootstrapProfile: typeof bootstrap === 'string' ? bootstrap : undefined,
  };
}

const SCHEDULED_KEYS = ['numPrefillRequests', 'sumPrefillTokens', 'varPrefillLength', 'sumPrefillKvTokens', 'numDecodeRequests', 'sumDecodeKvTokens', 'varDecodeKvTokens'] as const;
const QUEUED_KEYS = ['numPrefillRequests', 'sumPrefillTokens', 'varPrefillLength', 'numDecodeRequests', 'sumDecodeKvTokens', 'varDecodeKvTokens'] as const;

function counters<K extends string>(o: Obj | undefined, keys: readonly K[], path: string): Record<K, number> {
  const out = {} as Record<K, number>;
  for (const k of keys) out[k] = o === undefined ? 0 : num(o, k, path) ?? 0;
  return out;
}

function fpmList(o: Obj, key: 'prefill' | 'decode'): ForwardPassMetrics[] | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw new FieldError(`fpm.${key} must be a list`);
  return v.map((item, i) => {
    const path = `fpm.${key}[${i}].`;
    if (!isObj(item)) throw new FieldError(`fpm.${key}[${i}] must be an object`);
    const id = item.workerId;
    if (typeof id !== 'string' && typeof id !== 'number') throw new FieldError(`${path}workerId must be a string, got ${shown(id)}`);
    return {
      workerId: String(id),
      dpRank: num(item, 'dpRank', path, {integer: true, min: 0}) ?? 0,
      wallTimeS: num(item, 'wallTimeS', path, {min: 0}) ?? 0,
      scheduled: counters(obj(item, 'scheduled', path), SCHEDULED_KEYS, `${path}scheduled.`) as ScheduledRequests,
      queued: counters(obj(item, 'queued', path), QUEUED_KEYS, `${path}queued.`) as QueuedRequests,
    };
  });
}

export function parseTick(value: unknown): TickInput {
  if (!isObj(value)) throw new FieldError('a tick must be a JSON object');
  const input: TickInput = {nowS: num(value, 'nowS', '', {required: true})!};
  const t = obj(value, 'traffic', '');
  if (t !== undefined) {
    const kv = t.kvHitRate;
    if (kv !== undefined && kv !== null && typeof kv !== 'number') throw new FieldError(`traffic.kvHitRate must be a number or null, got ${shown(kv)}`);
    const traffic: TrafficObservation = {
      durationS: num(t, 'durationS', 'traffic.') ?? 0,
      numReq: num(t, 'numReq', 'traffic.') ?? 0,
      isl: num(t, 'isl', 'traffic.') ?? 0,
      osl: num(t, 'osl', 'traffic.') ?? 0,
      kvHitRate: typeof kv === 'number' ? kv : null,
    };
    input.traffic = traffic;
  }
  const w = obj(value, 'workers', '');
  if (w !== undefined) {
    const workers: WorkerCounts = {};
    for (const key of ['readyPrefill', 'readyDecode', 'expectedPrefill', 'expectedDecode'] as const) {
      const v = num(w, key, 'workers.', {integer: true, min: 0});
      if (v !== undefined) workers[key] = v;
    }
    for (const key of ['prefillScalingInProgress', 'decodeScalingInProgress'] as const) {
      const v = w[key];
      if (v === undefined || v === null) continue;
      if (typeof v !== 'boolean') throw new FieldError(`workers.${key} must be true or false, got ${shown(v)}`);
      workers[key] = v;
    }
    input.workers = workers;
  }
  const f = obj(value, 'fpm', '');
  if (f !== undefined) {
    const fpm: FpmObservations = {};
    const prefill = fpmList(f, 'prefill');
    const decode = fpmList(f, 'decode');
    if (prefill !== undefined) fpm.prefill = prefill;
    if (decode !== undefined) fpm.decode = decode;
    input.fpm = fpm;
  }
  return input;
}

/** Parse a whole recording; a bad tick line fails naming it unless `skipBadLines` (then counted). */
export function parseRecording(text: string, file: string, opts: {skipBadLines?: boolean} = {}): TicksRecording {
  const lines = text.split('\n');
  let header: TicksHeader | undefined;
  const ticks: RecordedTick[] = [];
  let badLines = 0;
  let firstBadLine: {line: number; reason: string} | undefined;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === '') continue;
    const lineNo = i + 1;
    let reason: string;
    try {
      const value: unknown = JSON.parse(raw);
      if (header === undefined) header = parseHeader(value);
      else ticks.push({line: lineNo, input: parseTick(value)});
      continue;
    } catch (err) {
      reason = err instanceof FieldError ? err.message : `not valid JSON (${(err as Error).message})`;
    }
    // a bad header cannot be skipped: nothing after it means anything without the config
    if (header === undefined || !opts.skipBadLines) throw badInput(`${file} line ${lineNo}: ${reason}`);
    badLines += 1;
    firstBadLine ??= {line: lineNo, reason};
  }
  if (header === undefined) throw badInput(`${file} is empty: a tick recording starts with a header line`);
  return {header, ticks, badLines, firstBadLine};
}

export async function readRecording(file: string, opts: {skipBadLines?: boolean} = {}): Promise<TicksRecording> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw badInput(`tick recording ${file} does not exist`);
    if (code === 'EISDIR') throw badInput(`tick recording ${file} is a directory`);
    throw failure(`cannot read tick recording ${file}: ${(err as Error).message}`);
  }
  return parseRecording(text, file, opts);
}
