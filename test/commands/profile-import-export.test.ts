import {copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {readNpz} from '../../src/profile/npz.js';
import {FIXTURES_DIR, runCli, runCommand, SHIPPED_PROFILE} from '../helpers/cli.js';

const REFERENCE = path.join(FIXTURES_DIR, 'dynamo-h200-tp1-llama3.1-8b-fp8');
const tmp = (prefix: string) => mkdtempSync(path.join(os.tmpdir(), `planner-${prefix}-`));

/** A Dynamo profile_results_dir holding the reference NPZ files. */
function dynamoResultsDir(): string {
  const dir = tmp('dynamo');
  for (const phase of ['prefill', 'decode']) {
    mkdirSync(path.join(dir, `selected_${phase}_interpolation`));
    copyFileSync(path.join(REFERENCE, `${phase}_raw_data.npz`), path.join(dir, `selected_${phase}_interpolation/raw_data.npz`));
  }
  return dir;
}

describe('planner profile import / export', () => {
  it('round-trips Dynamo NPZ -> profile -> NPZ byte for byte', async () => {
    const src = dynamoResultsDir();
    const out = tmp('profile');
    const imp = await runCli(['profile', 'import', src, '--out', out, '--model', 'nvidia/Llama-3.1-8B-Instruct-FP8', '--gpu', 'h200_sxm', '--backend', 'vllm']);
    expect(imp.exitCode).toBe(0);
    expect(imp.stdout).toContain('prefill: 17 points, ISL 100..16372');
    expect(imp.stdout).toContain('decode:  41 points at 6 context lengths, max_kv_tokens 945029');
    const profile = JSON.parse(readFileSync(path.join(out, 'profile.json'), 'utf8'));
    expect(profile.engine).toMatchObject({model: 'nvidia/Llama-3.1-8B-Instruct-FP8', gpu: 'h200_sxm', tp: 1, backend: 'vllm', maxKvTokens: 945029});
    expect(profile.source.kind).toBe('import');

    const back = tmp('export');
    const exp = await runCommand(['profile', 'export', out, '--format', 'npz', '--out', back, '--json']);
    expect(JSON.parse(exp.stdout).files).toHaveLength(2);
    for (const phase of ['prefill', 'decode']) {
      const original = readFileSync(path.join(REFERENCE, `${phase}_raw_data.npz`));
      const written = readFileSync(path.join(back, `selected_${phase}_interpolation/raw_data.npz`));
      expect(written.equals(original)).toBe(true);
      const a = await readNpz(path.join(REFERENCE, `${phase}_raw_data.npz`));
      const b = await readNpz(path.join(back, `selected_${phase}_interpolation/raw_data.npz`));
      expect(b).toEqual(a); // every value and dtype
    }
  });

  it('imports the two NPZ files given directly, and the shipped profile holds the same arrays', async () => {
    const out = tmp('files');
    const r = await runCommand(['profile', 'import', '--prefill', path.join(REFERENCE, 'prefill_raw_data.npz'), '--decode', path.join(REFERENCE, 'decode_raw_data.npz'), '--out', out, '--json']);
    expect(JSON.parse(r.stdout)).toMatchObject({prefillPoints: 17, decodePoints: 41, maxKvTokens: 945029});
    const imported = JSON.parse(readFileSync(path.join(out, 'profile.json'), 'utf8'));
    const shipped = JSON.parse(readFileSync(path.join(SHIPPED_PROFILE, 'profile.json'), 'utf8'));
    expect(imported.prefill).toEqual(shipped.prefill);
    expect(imported.decode).toEqual(shipped.decode);
    expect(shipped.source).toMatchObject({kind: 'import', license: expect.stringContaining('Apache-2.0'), hardware: expect.stringContaining('H200')});
  });

  it("exports and re-imports Dynamo's JSON pair (max_kv_tokens as a scalar)", async () => {
    const json = tmp('json');
    await runCommand(['profile', 'export', 'profiles/h200-llama3.1-8b-fp8-tp1', '--format', 'json', '--out', json]);
    const decode = JSON.parse(readFileSync(path.join(json, 'decode_raw_data.json'), 'utf8'));
    expect(decode.max_kv_tokens).toBe(945029);
    expect(Object.keys(JSON.parse(readFileSync(path.join(json, 'prefill_raw_data.json'), 'utf8')))).toEqual(['prefill_isl', 'prefill_ttft', 'prefill_thpt_per_gpu']);
    const out = tmp('json-import');
    const r = await runCommand(['profile', 'import', json, '--out', out]);
    expect(r.exitCode).toBe(0);
    const shipped = JSON.parse(readFileSync(path.join(SHIPPED_PROFILE, 'profile.json'), 'utf8'));
    expect(JSON.parse(readFileSync(path.join(out, 'profile.json'), 'utf8')).decode).toEqual(shipped.decode);
  });

  it.each([
    ['a truncated NPZ', 'truncated.npz', /truncated\.npz: not a zip archive, or truncated/],
    ['a zip with a wrong member', 'wrong_member.npz', /wrong_member\.npz: the archive holds no \.npy arrays/],
    ['an NPZ without the prefill arrays', 'stored_f8_i8.npz', /stored_f8_i8\.npz: array 'prefill_thpt_per_gpu' is missing \(found: prefill_isl, prefill_ttft\)/],
  ])('refuses %s with one clear line', async (_name, file, message) => {
    const r = await runCommand(['profile', 'import', '--prefill', path.join(FIXTURES_DIR, 'npz-samples', file), '--out', tmp('bad')]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });

  it('refuses NaN data, a missing directory and an empty directory', async () => {
    const dir = tmp('nan');
    writeFileSync(path.join(dir, 'prefill_raw_data.json'), JSON.stringify({prefill_isl: [100, 200], prefill_ttft: [10, null], prefill_thpt_per_gpu: [1, 2]}));
    const nan = await runCli(['profile', 'import', dir, '--out', tmp('o')]);
    expect(nan.stderr.trim()).toBe(`Error: ${dir}/prefill_raw_data.json: prefill.prefill_ttft[1] is NaN`);
    const missing = await runCommand(['profile', 'import', '/no/such/dir', '--out', tmp('o')]);
    expect(missing.stderr.trim()).toBe('Error: /no/such/dir does not exist');
    const empty = tmp('empty');
    const none = await runCommand(['profile', 'import', empty, '--out', tmp('o')]);
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toContain(`${empty}: no Dynamo results found`);
  });
});
