import {mkdtempSync, readFileSync, readdirSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {loadProfile} from '../../src/profile/io.js';
import {runCli, runCommand} from '../helpers/cli.js';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'synth-e2e-'));

describe('planner estimate', () => {
  it('answers --json with the documented keys', async () => {
    const r = await runCommand(['estimate', '--model', 'llama-3.1-8b', '--gpu', 'h200_sxm', '--tp', '1', '--isl', '3000', '--json']);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toBe('');
    const j = JSON.parse(r.stdout);
    for (const k of ['prefillMs', 'decodeStepMs', 'maxKvTokens', 'breakdownMs', 'assumptions']) expect(j).toHaveProperty(k);
    expect(j.prefillMs).toBeGreaterThan(10);
    expect(j.prefillMs).toBeLessThan(200);
    expect(j.decodeStepMs).toBeGreaterThan(1);
    expect(j.decodeStepMs).toBeLessThan(20);
    expect(j.breakdownMs.prefill.qkvGemm).toBeGreaterThan(0);
    expect(j).not.toHaveProperty('breakdown'); // the name carries the unit
    expect(j.engine).toMatchObject({model: 'llama-3.1-8b', gpu: 'h200_sxm', tp: 1, quant: 'bf16'});
  });

  it('prints a readable breakdown and the assumptions', async () => {
    const r = await runCli(['estimate', '--model', 'llama-3.1-70b', '--gpu', 'b200_sxm', '--tp', '4', '--quant', 'fp8', '--context', '4000', '--decode-batch', '64', '--breakdown']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('llama-3.1-70b on b200_sxm');
    expect(r.stdout).toMatch(/decode {4}batch 64 at context 4000: [\d.]+ ms per step/);
    expect(r.stdout).toMatch(/all-reduce\s+[\d.]+\s+[\d.]+/);
    expect(r.stdout).toContain("applied to b200_sxm's own peaks");
  });

  it('unknown GPU: one-line error listing the valid names, exit 2', async () => {
    const r = await runCli(['estimate', '--model', 'llama-3.1-8b', '--gpu', 'h300', '--tp', '1']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('unknown GPU "h300"');
    expect(r.stderr).toContain('h200_sxm');
  });

  it('unknown model and missing --model are bad input', async () => {
    const r = await runCommand(['estimate', '--model', 'llama-9', '--gpu', 'h200_sxm']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('valid models: llama-3.1-8b');
    const m = await runCommand(['estimate', '--gpu', 'h200_sxm']);
    expect(m.exitCode).toBe(2);
    expect(m.stderr).toContain('--model is required');
  });

  it('a malformed config.json names the missing field', async () => {
    const dir = tmp();
    const file = path.join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({num_hidden_layers: 4, hidden_size: 512, num_attention_heads: 8, vocab_size: 1000, max_position_embeddings: 2048}));
    const r = await runCommand(['estimate', '--model', file, '--gpu', 'l40s']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim()).toBe(`Error: ${file}: missing field "intermediate_size" (a dense Llama-family config.json needs it)`);
  });
});

describe('planner catalog', () => {
  it('lists models and GPUs as JSON', async () => {
    const r = await runCommand(['catalog', '--json']);
    expect(r.exitCode).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.models.map((m: {name: string}) => m.name)).toContain('qwen2.5-72b');
    const h200 = j.gpus.find((g: {name: string}) => g.name === 'h200_sxm');
    expect(h200).toMatchObject({bf16Tflops: 989, fp8Tflops: 1978, hbmTBps: 4.8, gpusPerNode: 8});
  });

  it('prints tables', async () => {
    const r = await runCommand(['catalog']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/llama-3\.1-8b\s+32\s+4096\s+32\/8\s+14336/);
    expect(r.stdout).toMatch(/gb200\s+2500\s+5000\s+10000/);
  });
});

describe('planner profile --synthetic', () => {
  it('writes one valid profile per TP that interpolate can read, deterministically', async () => {
    const out = tmp();
    const env = {SOURCE_DATE_EPOCH: '1767225600'};
    const args = ['profile', '--synthetic', '--model', 'llama-3.1-8b', '--gpu', 'h200_sxm', '--tp', '1,2', '--quant', 'fp8', '--out', out];
    const r = await runCli(args, {env});
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/TP 1: .*tp1\/profile\.json {2}\(17 prefill points/);
    expect(readdirSync(out).sort()).toEqual(['tp1', 'tp2']);
    const p1 = await loadProfile(path.join(out, 'tp1'));
    expect(p1.source.kind).toBe('synthetic');
    expect(p1.source.createdAt).toBe('2026-01-01T00:00:00.000Z');
    expect(p1.engine).toMatchObject({model: 'llama-3.1-8b', gpu: 'h200_sxm', tp: 1, gpusPerEngine: 1, backend: 'vllm', quant: 'fp8'});
    expect(p1.prefill?.prefill_isl[16]).toBe(16372);
    expect(p1.decode?.y_context_length[0]).toBe(350);
    const p2 = await loadProfile(path.join(out, 'tp2'));
    expect(p2.engine.maxKvTokens).toBeGreaterThan(2 * (p1.engine.maxKvTokens ?? 0));

    const again = tmp();
    expect((await runCommand([...args.slice(0, -1), again], {env})).exitCode).toBe(0);
    expect(readFileSync(path.join(again, 'tp1', 'profile.json'), 'utf8')).toBe(readFileSync(path.join(out, 'tp1', 'profile.json'), 'utf8'));

    const q = await runCommand(['interpolate', '--profile', path.join(out, 'tp1'), '--isl', '3000', '--osl', '500', '--ttft', '200', '--itl', '20', '--json']);
    expect(q.exitCode).toBe(0);
    expect(JSON.parse(q.stdout).prefill.ttftMs).toBeGreaterThan(30);
  });

  it('skips a TP the model does not fit and says why', async () => {
    const out = tmp();
    const r = await runCommand(['profile', '--synthetic', '--model', 'llama-3.1-70b', '--gpu', 'h100_sxm', '--tp', '1,4', '--out', out, '--json']);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain('skipping TP 1: llama-3.1-70b does not fit on h100_sxm');
    const j = JSON.parse(r.stdout);
    expect(j.profiles.map((p: {tp: number}) => p.tp)).toEqual([4]);
    expect(j.skipped[0].tp).toBe(1);
  });

  it('without --synthetic: a clear bad-input error', async () => {
    const r = await runCommand(['profile', '--model', 'llama-3.1-8b', '--gpu', 'h200_sxm', '--out', tmp()]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('--synthetic');
  });
});
