/** Validation of a profile document (DESIGN.md 3.1): every message names the file, the key and the problem. */
import {badInput} from '../errors.js';
import {TOKENS} from '../limits.js';
import type {NpyDtype, Profile} from './types.js';

const SOURCE_KINDS = new Set(['live', 'synthetic', 'import']);
const DTYPES = new Set<NpyDtype>(['<i8', '<f8', '<i4', '<f4']);

type Obj = Record<string, unknown>;

/** Physical ranges of profile values: a point outside them is a broken measurement or a typo. */
const MIN_LATENCY_MS = 1e-3;
const MAX_LATENCY_MS = 86_400_000;
const MAX_THPT_PER_GPU = 1e9;
const MAX_KV_TOKENS = 1e12;
const latencyOk = (x: number): boolean => x >= MIN_LATENCY_MS && x <= MAX_LATENCY_MS;
const LATENCY_PROBLEM = `latency must be between ${MIN_LATENCY_MS} ms and a day (${MAX_LATENCY_MS} ms)`;
const thptOk = (x: number): boolean => x >= 0 && x <= MAX_THPT_PER_GPU;
const THPT_PROBLEM = `throughput must be between 0 and ${MAX_THPT_PER_GPU} tokens/s/GPU`;
const INTEGER_DTYPES = new Set<NpyDtype>(['<i8', '<i4']);
const FIT_COEFFICIENTS = {prefill: ['a', 'b', 'c'], decode: ['d', 'e', 'f']} as const;

class Checker {
  constructor(private readonly file: string) {}

  fail(key: string, problem: string): never {
    throw badInput(`${this.file}: ${key} ${problem}`);
  }

  object(value: unknown, key: string): Obj {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(key, value === undefined ? 'is missing' : 'must be an object');
    return value as Obj;
  }

  string(obj: Obj, key: string, path: string, optional = false): void {
    const v = obj[key];
    if (v === undefined && optional) return;
    if (typeof v !== 'string' || v.length === 0) this.fail(`${path}.${key}`, v === undefined ? 'is missing' : 'must be a non-empty string');
  }

  positiveInt(obj: Obj, key: string, path: string, optional = false): void {
    const v = obj[key];
    if (v === undefined && optional) return;
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) this.fail(`${path}.${key}`, v === undefined ? 'is missing' : `must be a positive integer (got ${JSON.stringify(v)})`);
  }

  /** A finite-number array; `expectLength` enforces equal lengths across a section. */
  numbers(obj: Obj, key: string, path: string, expectLength?: number, lengthOf = path): number[] {
    const v = obj[key];
    const name = `${path}.${key}`;
    if (v === undefined) this.fail(name, 'is missing');
    if (!Array.isArray(v)) this.fail(name, 'must be an array of numbers');
    if (expectLength !== undefined && v.length !== expectLength) this.fail(name, `has ${v.length} values but ${lengthOf} has ${expectLength} points (wrong length)`);
    v.forEach((x, i) => {
      if (typeof x !== 'number') this.fail(`${name}[${i}]`, `is ${JSON.stringify(x)}, not a number`);
      if (Number.isNaN(x)) this.fail(`${name}[${i}]`, 'is NaN');
      if (!Number.isFinite(x)) this.fail(`${name}[${i}]`, 'is infinite');
    });
    return v as number[];
  }

  each(values: number[], name: string, ok: (x: number) => boolean, problem: string): void {
    values.forEach((x, i) => {
      if (!ok(x)) this.fail(`${name}[${i}]`, `is ${x}: ${problem}`);
    });
  }
}

/** Check a parsed profile document and return it typed; throws a bad-input error naming `file`. */
export function validateProfile(value: unknown, file: string): Profile {
  const c = new Checker(file);
  const doc = c.object(value, 'the document');
  if (doc.format !== 'planner-profile') c.fail('format', `must be "planner-profile" (got ${JSON.stringify(doc.format)})`);
  if (doc.version !== 1) c.fail('version', `must be 1 (got ${JSON.stringify(doc.version)})`);

  const engine = c.object(doc.engine, 'engine');
  c.string(engine, 'model', 'engine');
  c.string(engine, 'gpu', 'engine');
  c.string(engine, 'backend', 'engine');
  c.positiveInt(engine, 'tp', 'engine');
  c.positiveInt(engine, 'gpusPerEngine', 'engine');
  for (const key of ['maxKvTokens', 'maxNumBatchedTokens', 'maxNumSeqs']) c.positiveInt(engine, key, 'engine', true);

  const source = c.object(doc.source, 'source');
  if (!SOURCE_KINDS.has(source.kind as string)) c.fail('source.kind', `must be one of live, synthetic, import (got ${JSON.stringify(source.kind)})`);
  c.string(source, 'createdAt', 'source');
  c.string(source, 'tool', 'source');

  if (doc.prefill === undefined && doc.decode === undefined) c.fail('prefill/decode', 'are both missing: a profile needs at least one phase');
  let prefillPoints: number | undefined;
  let decodePoints: number | undefined;

  if (doc.prefill !== undefined) {
    const p = c.object(doc.prefill, 'prefill');
    const isl = c.numbers(p, 'prefill_isl', 'prefill');
    if (isl.length === 0) c.fail('prefill.prefill_isl', 'is empty');
    prefillPoints = isl.length;
    c.each(isl, 'prefill.prefill_isl', (x) => Number.isInteger(x) && x > 0 && x <= TOKENS.max, `ISLs must be positive integers up to ${TOKENS.max} (${TOKENS.maxReason})`);
    for (let i = 1; i < isl.length; i++) {
      if (isl[i] === isl[i - 1]) c.fail(`prefill.prefill_isl[${i}]`, `is ${isl[i]}, a duplicate ISL`);
      if (isl[i] < isl[i - 1]) c.fail(`prefill.prefill_isl[${i}]`, `is ${isl[i]} after ${isl[i - 1]}: ISLs must be sorted ascending`);
    }
    c.each(c.numbers(p, 'prefill_ttft', 'prefill', isl.length), 'prefill.prefill_ttft', latencyOk, LATENCY_PROBLEM);
    c.each(c.numbers(p, 'prefill_thpt_per_gpu', 'prefill', isl.length), 'prefill.prefill_thpt_per_gpu', thptOk, THPT_PROBLEM);
  }

  if (doc.decode !== undefined) {
    const d = c.object(doc.decode, 'decode');
    const x = c.numbers(d, 'x_kv_usage', 'decode');
    if (x.length === 0) c.fail('decode.x_kv_usage', 'is empty');
    decodePoints = x.length;
    c.each(x, 'decode.x_kv_usage', (v) => v >= 0 && v <= 1, 'kv usage must be within 0..1');
    c.each(c.numbers(d, 'y_context_length', 'decode', x.length), 'decode.y_context_length', (v) => v > 0 && v <= TOKENS.max, `context length must be positive and at most ${TOKENS.max} tokens`);
    c.each(c.numbers(d, 'z_itl', 'decode', x.length), 'decode.z_itl', latencyOk, LATENCY_PROBLEM);
    c.each(c.numbers(d, 'z_thpt_per_gpu', 'decode', x.length), 'decode.z_thpt_per_gpu', thptOk, THPT_PROBLEM);
    const kv = d.max_kv_tokens;
    if (typeof kv !== 'number' || !Number.isInteger(kv) || kv <= 0 || kv > MAX_KV_TOKENS) c.fail('decode.max_kv_tokens', kv === undefined ? 'is missing' : `must be a positive integer up to ${MAX_KV_TOKENS} (got ${JSON.stringify(kv)})`);
  }

  if (doc.spread !== undefined) {
    const s = c.object(doc.spread, 'spread');
    for (const [key, points] of [['prefill_ttft_p10', prefillPoints], ['prefill_ttft_p90', prefillPoints], ['z_itl_p10', decodePoints], ['z_itl_p90', decodePoints]] as const) {
      if (s[key] === undefined) continue;
      if (points === undefined) c.fail(`spread.${key}`, `is present but the profile has no ${key.startsWith('prefill') ? 'prefill' : 'decode'} data`);
      c.each(c.numbers(s, key, 'spread', points, key.startsWith('prefill') ? 'prefill' : 'decode'), `spread.${key}`, latencyOk, LATENCY_PROBLEM);
    }
  }
  if (doc.fits !== undefined) {
    const fits = c.object(doc.fits, 'fits');
    for (const phase of ['prefill', 'decode'] as const) {
      if (fits[phase] === undefined) continue;
      const coefficients = c.object(c.object(fits[phase], `fits.${phase}`).coefficients, `fits.${phase}.coefficients`);
      for (const k of FIT_COEFFICIENTS[phase]) {
        const v = coefficients[k];
        if (typeof v !== 'number' || !Number.isFinite(v)) c.fail(`fits.${phase}.coefficients.${k}`, `is ${JSON.stringify(v)}, not a finite number`);
      }
    }
  }
  if (doc.dtypes !== undefined) {
    const dt = c.object(doc.dtypes, 'dtypes');
    for (const [key, v] of Object.entries(dt)) {
      if (!DTYPES.has(v as NpyDtype)) c.fail(`dtypes.${key}`, `must be one of <i8, <f8, <i4, <f4 (got ${JSON.stringify(v)})`);
      if (!INTEGER_DTYPES.has(v as NpyDtype)) continue;
      // An integer dtype must hold integers, or an NPZ export could not write the data.
      for (const section of [doc.prefill, doc.decode] as const) {
        const data = (section as Obj | undefined)?.[key];
        const values = Array.isArray(data) ? data : typeof data === 'number' ? [data] : [];
        values.forEach((x, i) => {
          if (!Number.isSafeInteger(x) || (v === '<i4' && Math.abs(x as number) > 2 ** 31 - 1)) c.fail(`dtypes.${key}`, `is ${String(v)} but ${key}[${i}] is ${JSON.stringify(x)}, not an integer of that size`);
        });
      }
    }
  }
  return doc as unknown as Profile;
}
