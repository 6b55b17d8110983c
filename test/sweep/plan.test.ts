import {readFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {decodeConcurrencies, decodePlan, prefillIsls, pyRange} from '../../src/sweep/plan.js';
import type {Profile} from '../../src/profile/types.js';
import {SHIPPED_PROFILE} from '../helpers/cli.js';

describe('sweep plans (Dynamo v2025-08, notes A.5)', () => {
  it('pyRange follows Python range semantics (stop exclusive)', () => {
    expect(pyRange(1, 10, 3)).toEqual([1, 4, 7]);
    expect(pyRange(1, 10, 9)).toEqual([1]);
    expect(pyRange(5, 5, 1)).toEqual([]);
  });

  it('prefill ISLs for 16384 / 16: 17 ISLs 100..16372 in steps of 1017', () => {
    const isls = prefillIsls(16384, 16);
    expect(isls).toHaveLength(17);
    expect(isls[0]).toBe(100);
    expect(isls[1]).toBe(1117);
    expect(isls[16]).toBe(16372);
    expect(isls.every((v, i) => i === 0 || v - isls[i - 1] === 1017)).toBe(true);
  });

  it('profile_endpoint granularity 8 on 16384: step 2035', () => {
    expect(prefillIsls(16384, 8)).toEqual([100, 2135, 4170, 6205, 8240, 10275, 12310, 14345, 16380]);
  });

  it('decode concurrencies: maxc=1575, G=6 -> 1,263,...,1573; maxc < G -> 1..maxc; maxc 0 -> none', () => {
    expect(decodeConcurrencies(1575, 6)).toEqual([1, 263, 525, 787, 1049, 1311, 1573]);
    expect(decodeConcurrencies(4, 6)).toEqual([1, 2, 3, 4]);
    expect(decodeConcurrencies(6, 6)).toEqual([1, 2, 3, 4, 5]);
    expect(decodeConcurrencies(0, 6)).toEqual([]);
  });

  it('decode ISLs for 16384 / 6 with OSL 500: 100, 2747, 5394, 8041, 10688, 13335', () => {
    const plan = decodePlan({maxContext: 16384, granularity: 6, maxKvTokens: 945029});
    expect(plan.isls.map((p) => p.isl)).toEqual([100, 2747, 5394, 8041, 10688, 13335]);
    expect(plan.isls.map((p) => p.contextLength)).toEqual([350, 2997, 5644, 8291, 10938, 13585]);
    expect(plan.isls[0].maxConcurrency).toBe(1575);
  });

  it('reproduces the 41 decode points of the shipped Dynamo H200 profile exactly', () => {
    const ref = JSON.parse(readFileSync(path.join(SHIPPED_PROFILE, 'profile.json'), 'utf8')) as Profile;
    const d = ref.decode!;
    const plan = decodePlan({maxContext: 16384, granularity: 6, maxKvTokens: d.max_kv_tokens});
    const x: number[] = [];
    const y: number[] = [];
    for (const p of plan.isls) {
      for (const n of p.concurrencies) {
        x.push((p.contextLength * n) / d.max_kv_tokens);
        y.push(p.contextLength);
      }
    }
    expect(y).toEqual(d.y_context_length);
    expect(x).toHaveLength(41);
    x.forEach((v, i) => expect(v).toBeCloseTo(d.x_kv_usage[i], 12));
  });

  it('stops at the first ISL where not one request fits, like Dynamo', () => {
    const plan = decodePlan({maxContext: 16384, granularity: 6, maxKvTokens: 9000});
    expect(plan.isls.map((p) => p.isl)).toEqual([100, 2747, 5394, 8041]);
    expect(plan.skippedIsls).toEqual([10688, 13335]);
    expect(plan.isls[3].concurrencies).toEqual([1]);
  });

  it('rejects granularities that leave no step', () => {
    expect(() => prefillIsls(16384, 0)).toThrow(/^prefill granularity must be a positive integer/);
    expect(() => prefillIsls(110, 16)).toThrow(/no prefill ISLs/);
    expect(() => decodePlan({maxContext: 16384, granularity: 0, maxKvTokens: 1000})).toThrow(/^decode granularity must be a positive integer/);
  });
});
