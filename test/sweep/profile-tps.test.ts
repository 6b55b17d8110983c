import {existsSync, mkdtempSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {profileSyntheticTps} from '../../src/sweep/profile-tps.js';

const engine = {model: 'llama-3.1-70b', gpu: 'h100_sxm', tp: 1, quant: 'bf16', backend: 'vllm'} as const;
const sweep = {maxContext: 1_000_000, prefillGranularity: 2, decodeGranularity: 2, decodeOsl: 50, tool: 'test', createdAt: '2026-01-01T00:00:00.000Z'};

describe('profileSyntheticTps (library, no CLI)', () => {
  it('skips a TP the model does not fit, caps the context at the model\'s positions, and says both through the callback', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'profile-tps-'));
    const notes: string[] = [];
    const r = await profileSyntheticTps({engine, tps: [1, 4, 4], dir, ...sweep, note: (t) => notes.push(t)});
    expect(r.profiles.map((p) => p.tp)).toEqual([4]);
    expect(r.skipped.map((s) => s.tp)).toEqual([1]);
    expect(notes[0]).toMatch(/^skipping TP 1: llama-3\.1-70b does not fit on h100_sxm/);
    // the library names its option by key; the command shows it as --max-context
    expect(notes[1]).toBe("{{maxContext}} 1000000 exceeds llama-3.1-70b's 131072 positions; using 131072");
    expect(existsSync(path.join(dir, 'tp4', 'profile.json'))).toBe(true);
  });

  it('fails, naming each TP, when none can be profiled', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'profile-tps-'));
    await expect(profileSyntheticTps({engine: {...engine, gpu: 'l4'}, tps: [1, 2], dir, ...sweep, note: () => {}})).rejects.toThrow(/^no profile written: TP 1: .*; TP 2: /);
  });
});
