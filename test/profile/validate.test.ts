import {readFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {parseProfileText, validateProfile} from '../../src/profile/io.js';
import type {Profile} from '../../src/profile/types.js';
import {SHIPPED_PROFILE} from '../helpers/cli.js';

const shipped = (): Profile => JSON.parse(readFileSync(path.join(SHIPPED_PROFILE, 'profile.json'), 'utf8'));

function problem(edit: (p: Profile & Record<string, any>) => void): string {
  const p = shipped() as Profile & Record<string, any>;
  edit(p);
  try {
    validateProfile(p, 'p/profile.json');
  } catch (err) {
    return (err as Error).message;
  }
  return 'accepted';
}

describe('profile validation', () => {
  it('accepts the shipped profile', () => {
    expect(validateProfile(shipped(), 'x').engine.maxKvTokens).toBe(945029);
  });

  it.each([
    ['a missing key', (p: any) => delete p.prefill.prefill_ttft, 'p/profile.json: prefill.prefill_ttft is missing'],
    ['a wrong length', (p: any) => p.decode.z_itl.pop(), 'p/profile.json: decode.z_itl has 40 values but decode has 41 points (wrong length)'],
    ['a NaN', (p: any) => (p.decode.z_itl[5] = Number.NaN), 'p/profile.json: decode.z_itl[5] is NaN'],
    ['a negative latency', (p: any) => (p.prefill.prefill_ttft[2] = -1), 'p/profile.json: prefill.prefill_ttft[2] is -1: latency must be between 0.001 ms and a day (86400000 ms)'],
    ['a TTFT of 1e308', (p: any) => (p.prefill.prefill_ttft[0] = 1e308), 'p/profile.json: prefill.prefill_ttft[0] is 1e+308: latency must be between 0.001 ms and a day (86400000 ms)'],
    ['a TTFT of 5e-324', (p: any) => (p.prefill.prefill_ttft[0] = 5e-324), 'p/profile.json: prefill.prefill_ttft[0] is 5e-324: latency must be between 0.001 ms and a day (86400000 ms)'],
    ['a last ISL of 1e300', (p: any) => (p.prefill.prefill_isl[p.prefill.prefill_isl.length - 1] = 1e300), `p/profile.json: prefill.prefill_isl[16] is 1e+300: ISLs must be positive integers up to 10000000 (longer than any model's context window (10M tokens))`],
    ['string fit coefficients', (p: any) => (p.fits = {decode: {coefficients: {d: '1', e: 2, f: 3}}}), 'p/profile.json: fits.decode.coefficients.d is "1", not a finite number'],
    ['fits without coefficients', (p: any) => (p.fits = {prefill: {r2: 1}}), 'p/profile.json: fits.prefill.coefficients is missing'],
    ['an integer dtype over float data', (p: any) => (p.dtypes = {prefill_ttft: '<i8'}), 'p/profile.json: dtypes.prefill_ttft is <i8 but prefill_ttft[0] is 19.525209, not an integer of that size'],
    ['unsorted ISLs', (p: any) => ([p.prefill.prefill_isl[3], p.prefill.prefill_isl[4]] = [p.prefill.prefill_isl[4], p.prefill.prefill_isl[3]]), 'p/profile.json: prefill.prefill_isl[4] is 3151 after 4168: ISLs must be sorted ascending'],
    ['duplicate ISLs', (p: any) => (p.prefill.prefill_isl[1] = 100), 'p/profile.json: prefill.prefill_isl[1] is 100, a duplicate ISL'],
    ['kv usage above 1', (p: any) => (p.decode.x_kv_usage[0] = 1.2), 'p/profile.json: decode.x_kv_usage[0] is 1.2: kv usage must be within 0..1'],
    ['kv usage below 0', (p: any) => (p.decode.x_kv_usage[0] = -0.1), 'p/profile.json: decode.x_kv_usage[0] is -0.1: kv usage must be within 0..1'],
    ['max_kv_tokens of 0', (p: any) => (p.decode.max_kv_tokens = 0), 'p/profile.json: decode.max_kv_tokens must be a positive integer up to 1000000000000 (got 0)'],
    ['a string value', (p: any) => (p.prefill.prefill_isl[0] = '100'), 'p/profile.json: prefill.prefill_isl[0] is "100", not a number'],
    ['a wrong format tag', (p: any) => (p.format = 'other'), 'p/profile.json: format must be "planner-profile" (got "other")'],
    ['no phases', (p: any) => { delete p.prefill; delete p.decode; }, 'p/profile.json: prefill/decode are both missing: a profile needs at least one phase'],
    ['a bad tp', (p: any) => (p.engine.tp = 0), 'p/profile.json: engine.tp must be a positive integer (got 0)'],
    ['a spread of the wrong length', (p: any) => (p.spread = {z_itl_p10: [1, 2]}), 'p/profile.json: spread.z_itl_p10 has 2 values but decode has 41 points (wrong length)'],
    ['a spread without its phase', (p: any) => { delete p.prefill; p.spread = {prefill_ttft_p90: [1]}; }, 'p/profile.json: spread.prefill_ttft_p90 is present but the profile has no prefill data'],
    ['a bad source kind', (p: any) => (p.source.kind = 'guess'), 'p/profile.json: source.kind must be one of live, synthetic, import (got "guess")'],
  ])('names the file, key and problem for %s', (_name, edit, message) => {
    expect(problem(edit)).toBe(message);
  });

  it('points at the line of a JSON syntax error and explains NaN', () => {
    expect(() => parseProfileText('{\n  "format": "planner-profile",\n  "x": NaN\n}', 'q.json')).toThrow(/^q\.json: not valid JSON.*\(NaN and Infinity are not allowed in a profile\)$/);
    expect(() => parseProfileText('{\n "a": 1,\n "b": }', 'q.json')).toThrow(/q\.json: not valid JSON/);
  });
});
