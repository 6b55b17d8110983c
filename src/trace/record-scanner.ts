/**
 * The fast path of the mooncake reader: one line's bytes scanned straight into a TraceRecord,
 * without decoding to a string or building a generic JSON value. It accepts only what it can
 * read exactly: an object of the four mooncake keys (any order, JSON whitespace allowed, each at
 * most once, timestamp/input_length/output_length present) with plain non-negative integers of at
 * most 15 digits, inside the validator's limits. Anything else, valid or not, returns undefined
 * and the caller takes the general path (JSON.parse + validateRecord), which keeps every
 * message and every unusual record exactly as before.
 */
import type {TraceRecord} from './mooncake.js';
import {MAX_TIMESTAMP_MS, TOKENS} from '../limits.js';
/** 15 decimal digits stay below 2^53: every such integer is exact (and a safe integer). */
const MAX_DIGITS = 15;

const KEYS = ['timestamp', 'input_length', 'output_length', 'hash_ids'].map((k) => Buffer.from(k));
const TIMESTAMP = 0;
const INPUT = 1;
const OUTPUT = 2;
const HASH_IDS = 3;

const SPACE = 0x20;
const TAB = 0x09;
const CR = 0x0d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const ZERO = 0x30;

// Small pure helpers over (bytes, position, line end) that V8 inlines; the scan keeps its
// position in a local (state in module variables made it three times slower).

/** The first position at or after p that is not JSON whitespace. */
function skipSpace(b: Uint8Array, p: number, end: number): number {
  while (p < end) {
    const c = b[p]!;
    if (c !== SPACE && c !== TAB && c !== CR) break;
    p += 1;
  }
  return p;
}

/** The value of the last integer() read (one store per number keeps the digit loop in registers). */
let integerValue = 0;

/**
 * Read a plain JSON integer at p that this scanner reads exactly (no sign, no leading zero, at most
 * 15 digits, no fraction or exponent after); returns the position after it, with its value in
 * integerValue, or -1 when there is none such.
 */
function integer(b: Uint8Array, p: number, end: number): number {
  const s = p;
  let v = 0;
  while (p < end) {
    const d = b[p]! - ZERO;
    if (d < 0 || d > 9) break;
    v = v * 10 + d;
    p += 1;
  }
  const digits = p - s;
  if (digits === 0 || digits > MAX_DIGITS || (digits > 1 && b[s] === ZERO)) return -1;
  if (p < end) {
    const c = b[p]!;
    if (c === 0x2e || c === 0x65 || c === 0x45) return -1; // . e E: the general path reads it
  }
  integerValue = v;
  return p;
}

/** Which of the four keys bytes [s, e) spell, or -1. */
function keyIndex(b: Uint8Array, s: number, e: number): number {
  const length = e - s;
  for (let k = 0; k < KEYS.length; k += 1) {
    const name = KEYS[k]!;
    if (name.length !== length) continue;
    let i = 0;
    while (i < length && b[s + i] === name[i]) i += 1;
    if (i === length) return k;
  }
  return -1;
}

/** The record on bytes [start, end) of `b` (one line, without its newline), or undefined: take the general path. */
export function scanRecord(b: Uint8Array, start: number, end: number): TraceRecord | undefined {
  let p = skipSpace(b, start, end);
  if (p >= end || b[p] !== LBRACE) return undefined;
  p += 1;
  let timestamp = -1;
  let input = -1;
  let output = -1;
  let hashIds: number[] | undefined;
  let seen = 0;
  for (;;) {
    p = skipSpace(b, p, end);
    if (p >= end || b[p] !== QUOTE) return undefined;
    const keyStart = p + 1;
    p = keyStart;
    while (p < end && b[p] !== QUOTE) {
      if (b[p] === BACKSLASH) return undefined; // an escape: leave it to JSON.parse
      p += 1;
    }
    if (p >= end) return undefined;
    const k = keyIndex(b, keyStart, p);
    if (k < 0 || seen & (1 << k)) return undefined;
    seen |= 1 << k;
    p = skipSpace(b, p + 1, end);
    if (p >= end || b[p] !== COLON) return undefined;
    p = skipSpace(b, p + 1, end);
    if (k === HASH_IDS) {
      if (p >= end || b[p] !== LBRACKET) return undefined;
      p = skipSpace(b, p + 1, end);
      const ids: number[] = [];
      if (p < end && b[p] === RBRACKET) p += 1;
      else {
        for (;;) {
          p = integer(b, p, end);
          if (p < 0) return undefined;
          ids.push(integerValue);
          p = skipSpace(b, p, end);
          if (p >= end) return undefined;
          const c = b[p];
          p += 1;
          if (c === RBRACKET) break;
          if (c !== COMMA) return undefined;
          p = skipSpace(b, p, end);
        }
      }
      hashIds = ids;
    } else {
      p = integer(b, p, end);
      if (p < 0) return undefined;
      const v = integerValue;
      if (k === TIMESTAMP) timestamp = v;
      else if (k === INPUT) input = v;
      else if (k === OUTPUT) output = v;
    }
    p = skipSpace(b, p, end);
    if (p >= end) return undefined;
    const c = b[p];
    p += 1;
    if (c === RBRACE) break;
    if (c !== COMMA) return undefined;
  }
  if (skipSpace(b, p, end) < end) return undefined;
  if (timestamp < 0 || input < 0 || output < 0) return undefined;
  if (timestamp > MAX_TIMESTAMP_MS || input > TOKENS.max || output > TOKENS.max) return undefined;
  return hashIds === undefined
    ? {timestamp, input_length: input, output_length: output}
    : {timestamp, input_length: input, output_length: output, hash_ids: hashIds};
}
