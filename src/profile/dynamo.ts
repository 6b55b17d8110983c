/**
 * Dynamo's profiler output <-> planner profile. Dynamo writes a results directory with
 * `selected_prefill_interpolation/raw_data.npz` and `selected_decode_interpolation/raw_data.npz`
 * (v2026 also `prefill_raw_data.json` / `decode_raw_data.json`, where max_kv_tokens is a scalar).
 */
import {existsSync, statSync} from 'node:fs';
import {readFile} from 'node:fs/promises';
import path from 'node:path';
import {badInput, option} from '../errors.js';
import {encodeNpz, readNpz, type NpzArrays} from './npz.js';
import {writeOutputs, type OutputFile} from '../outputs.js';
import type {NpyArray} from './npy.js';
import type {DecodeData, NpyDtype, PrefillData} from './types.js';

export const PREFILL_KEYS = ['prefill_isl', 'prefill_ttft', 'prefill_thpt_per_gpu'] as const;
export const DECODE_KEYS = ['x_kv_usage', 'y_context_length', 'z_itl', 'z_thpt_per_gpu'] as const;
export const DYNAMO_PREFILL_NPZ = 'selected_prefill_interpolation/raw_data.npz';
export const DYNAMO_DECODE_NPZ = 'selected_decode_interpolation/raw_data.npz';
export const DYNAMO_PREFILL_JSON = 'prefill_raw_data.json';
export const DYNAMO_DECODE_JSON = 'decode_raw_data.json';

/** dtypes NumPy gives these arrays when Dynamo's profiler writes them. */
export function defaultDtype(key: string): NpyDtype {
  return key === 'prefill_isl' || key === 'max_kv_tokens' ? '<i8' : '<f8';
}

export interface DynamoPhases {
  prefill?: PrefillData;
  decode?: DecodeData;
  /** dtypes of the arrays as read (only those that differ from nothing: all are recorded). */
  dtypes: Record<string, NpyDtype>;
  /** Files the data came from, for provenance. */
  files: string[];
}

type Raw = Record<string, {values: number[]; dtype?: NpyDtype; shape?: number[]}>;

function fromNpz(arrays: NpzArrays): Raw {
  const out: Raw = {};
  for (const [k, a] of Object.entries(arrays)) out[k] = {values: a.data, dtype: a.dtype, shape: a.shape};
  return out;
}

async function fromJson(file: string): Promise<Raw> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw badInput(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw badInput(`${file}: not valid JSON (${(err as Error).message})`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw badInput(`${file}: expected a JSON object of arrays`);
  const out: Raw = {};
  for (const [k, v] of Object.entries(doc as Record<string, unknown>)) {
    const values = Array.isArray(v) ? v : [v];
    if (values.some((x) => typeof x !== 'number' && x !== null)) throw badInput(`${file}: ${k} must hold numbers`);
    // JSON has no NaN; Python's json writes NaN as a bare token (rejected by JSON.parse) or null.
    out[k] = {values: values.map((x) => (x === null ? Number.NaN : (x as number)))};
  }
  return out;
}

async function readPhaseFile(file: string): Promise<Raw> {
  if (!existsSync(file)) throw badInput(`Dynamo profile file ${file} does not exist`);
  return file.toLowerCase().endsWith('.json') ? fromJson(file) : fromNpz(await readNpz(file));
}

function take(raw: Raw, key: string, file: string, dtypes: Record<string, NpyDtype>): number[] {
  const entry = raw[key];
  if (!entry) throw badInput(`${file}: array '${key}' is missing (found: ${Object.keys(raw).join(', ') || 'nothing'})`);
  if (entry.shape && entry.shape.length > 1) throw badInput(`${file}: '${key}' has shape (${entry.shape.join(', ')}); expected a 1-D array`);
  dtypes[key] = entry.dtype ?? defaultDtype(key);
  return entry.values;
}

function prefillFrom(raw: Raw, file: string, dtypes: Record<string, NpyDtype>): PrefillData {
  const [isl, ttft, thpt] = PREFILL_KEYS.map((k) => take(raw, k, file, dtypes));
  return {prefill_isl: isl, prefill_ttft: ttft, prefill_thpt_per_gpu: thpt};
}

function decodeFrom(raw: Raw, file: string, dtypes: Record<string, NpyDtype>): DecodeData {
  const [x, y, itl, thpt] = DECODE_KEYS.map((k) => take(raw, k, file, dtypes));
  const kv = take(raw, 'max_kv_tokens', file, dtypes);
  if (kv.length !== 1) throw badInput(`${file}: 'max_kv_tokens' must hold one value (has ${kv.length})`);
  return {x_kv_usage: x, y_context_length: y, z_itl: itl, z_thpt_per_gpu: thpt, max_kv_tokens: kv[0]};
}

/** Read Dynamo's per-phase files; either may be absent but not both. */
export async function readDynamoFiles(files: {prefill?: string; decode?: string}): Promise<DynamoPhases> {
  if (!files.prefill && !files.decode) throw badInput('no Dynamo profile files given', `pass ${option('prefill')} FILE and/or ${option('decode')} FILE, or a results directory`);
  const dtypes: Record<string, NpyDtype> = {};
  const out: DynamoPhases = {dtypes, files: []};
  if (files.prefill) {
    out.prefill = prefillFrom(await readPhaseFile(files.prefill), files.prefill, dtypes);
    out.files.push(files.prefill);
  }
  if (files.decode) {
    out.decode = decodeFrom(await readPhaseFile(files.decode), files.decode, dtypes);
    out.files.push(files.decode);
  }
  return out;
}

/** The phase files in a Dynamo results directory (NPZ layout first, then the JSON pair). */
export function findDynamoFiles(dir: string): {prefill?: string; decode?: string} {
  const pick = (...names: string[]) => names.map((n) => path.join(dir, n)).find((f) => existsSync(f));
  // Flat copies named prefill_raw_data.npz / decode_raw_data.npz are accepted too.
  return {
    prefill: pick(DYNAMO_PREFILL_NPZ, DYNAMO_PREFILL_JSON, 'prefill_raw_data.npz'),
    decode: pick(DYNAMO_DECODE_NPZ, DYNAMO_DECODE_JSON, 'decode_raw_data.npz'),
  };
}

export function isDynamoResultsDir(dir: string): boolean {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return false;
  const found = findDynamoFiles(dir);
  return Boolean(found.prefill || found.decode);
}

function array(values: number[], key: string, dtypes: Record<string, NpyDtype> | undefined): NpyArray {
  return {dtype: dtypes?.[key] ?? defaultDtype(key), shape: [values.length], data: values};
}

export function prefillToNpz(p: PrefillData, dtypes?: Record<string, NpyDtype>): NpzArrays {
  return Object.fromEntries(PREFILL_KEYS.map((k) => [k, array(p[k], k, dtypes)]));
}

export function decodeToNpz(d: DecodeData, dtypes?: Record<string, NpyDtype>): NpzArrays {
  return {
    ...Object.fromEntries(DECODE_KEYS.map((k) => [k, array(d[k], k, dtypes)])),
    max_kv_tokens: array([d.max_kv_tokens], 'max_kv_tokens', dtypes),
  };
}

/** The files of Dynamo's results layout in `outDir`, encoded in memory (nothing written yet). */
export function dynamoLayoutOutputs(
  outDir: string,
  phases: {prefill?: PrefillData; decode?: DecodeData; dtypes?: Record<string, NpyDtype>},
  format: 'npz' | 'json',
): OutputFile[] {
  const out: OutputFile[] = [];
  if (format === 'npz') {
    if (phases.prefill) out.push({file: path.join(outDir, DYNAMO_PREFILL_NPZ), data: encodeNpz(prefillToNpz(phases.prefill, phases.dtypes))});
    if (phases.decode) out.push({file: path.join(outDir, DYNAMO_DECODE_NPZ), data: encodeNpz(decodeToNpz(phases.decode, phases.dtypes))});
    return out;
  }
  if (phases.prefill) {
    out.push({file: path.join(outDir, DYNAMO_PREFILL_JSON), data: `${JSON.stringify(Object.fromEntries(PREFILL_KEYS.map((k) => [k, phases.prefill![k]])))}\n`});
  }
  if (phases.decode) {
    const d = phases.decode;
    out.push({file: path.join(outDir, DYNAMO_DECODE_JSON), data: `${JSON.stringify({...Object.fromEntries(DECODE_KEYS.map((k) => [k, d[k]])), max_kv_tokens: d.max_kv_tokens})}\n`});
  }
  return out;
}

/** Write Dynamo's results layout into `outDir` (all files or none); returns the files written. */
export async function writeDynamoLayout(
  outDir: string,
  phases: {prefill?: PrefillData; decode?: DecodeData; dtypes?: Record<string, NpyDtype>},
  format: 'npz' | 'json',
): Promise<string[]> {
  return writeOutputs(dynamoLayoutOutputs(outDir, phases, format));
}
