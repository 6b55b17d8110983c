import {cpSync, mkdirSync, mkdtempSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {loadProfile, profileFileOf, tpProfileDirs} from '../../src/profile/io.js';
import {runCli, SHIPPED_PROFILE} from '../helpers/cli.js';

/** A folder laid out as `profile --synthetic --tp ...` writes it: DIR/tpN/profile.json. */
function tpFolder(tps: number[]): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'planner-tps-'));
  for (const tp of tps) cpSync(SHIPPED_PROFILE, path.join(dir, `tp${tp}`), {recursive: true});
  mkdirSync(path.join(dir, 'notes'));
  return dir;
}

describe('profile directories as profile writes them', () => {
  it('a folder of one tpN profile stands for it', async () => {
    const dir = tpFolder([2]);
    expect(tpProfileDirs(dir)).toEqual([path.join(dir, 'tp2')]);
    expect(profileFileOf(dir)).toBe(path.join(dir, 'tp2', 'profile.json'));
    expect((await loadProfile(dir)).prefill?.prefill_isl.length).toBeGreaterThan(0);
  });

  it('a folder of several names them in TP order and asks for one', async () => {
    const dir = tpFolder([8, 1, 2]);
    expect(tpProfileDirs(dir).map((d) => path.basename(d))).toEqual(['tp1', 'tp2', 'tp8']);
    await expect(loadProfile(dir)).rejects.toThrow(`${dir} holds one profile per TP (tp1, tp2, tp8): give one of them, e.g. ${path.join(dir, 'tp1')}`);
  });

  it('interpolate on such a folder: one line, exit 2', async () => {
    const dir = tpFolder([1, 2]);
    const r = await runCli(['interpolate', '-p', dir]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim()).toBe(`Error: ${dir} holds one profile per TP (tp1, tp2): give one of them, e.g. ${path.join(dir, 'tp1')}`);
    expect(r.stdout).toBe('');
  });
});

describe('samples.jsonl, read by one set of rules', () => {
  it('a torn last line is left out; any other bad line names file and line', async () => {
    const {parseSamples} = await import('../../src/profile/samples.js');
    const rec = JSON.stringify({point: 'prefill/isl=100', phase: 'prefill', isl: 100, osl: 5, concurrency: 1, intendedSendMs: 0, sendMs: 0, ttftMs: 20, itlMs: null, chunks: [[20, 1]], inputTokens: 100, outputTokens: 1, status: 'ok'});
    expect(parseSamples(`${rec}\n${rec}\n{"point":"pre`, 'samples.jsonl')).toHaveLength(2);
    expect(() => parseSamples(`${rec}\nnot json\n${rec}\n`, 'samples.jsonl')).toThrow('samples.jsonl:2: not a JSON sample record');
    expect(() => parseSamples(`{"point":"x"}\n`, 'samples.jsonl')).toThrow('samples.jsonl:1: not a sample record (needs "point" and "phase")');
  });
});
