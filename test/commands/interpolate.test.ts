import {mkdtempSync, readFileSync, writeFileSync, mkdirSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {runCli, runCommand, SHIPPED_PROFILE} from '../helpers/cli.js';

const PROFILE = 'profiles/h200-llama3.1-8b-fp8-tp1';

describe('planner interpolate', () => {
  it("prints Dynamo's numbers for the README query", async () => {
    const r = await runCli(['interpolate', '--profile', PROFILE, '--isl', '3000', '--osl', '300', '--ttft', '200', '--itl', '10']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('Estimated TTFT=60.46ms <= target TTFT=200.00ms. Requests can queue 139.54ms maximally while meeting TTFT SLA.');
    expect(r.stdout).toContain('Estimated throughput: 49481.09 tokens/s/gpu. Request rate at 16.49 requests/s will saturate one GPU.');
    expect(r.stdout).toContain('Average context length: isl + osl/2 = 3150.');
    expect(r.stdout).toContain('Estimated ITL=9.73ms <= target ITL=10.00ms at 16.16% active kv usage.');
    expect(r.stdout).toContain('Estimated throughput: 4555.68 token/s/gpu. Request rate at 15.19 requests/s will saturate one GPU.');
    expect(r.stderr).toBe('');
  });

  it('prints only JSON under --json, with the documented keys', async () => {
    const r = await runCommand(['interpolate', '--profile', PROFILE, '--isl', '3000', '--osl', '300', '--ttft', '50', '--itl', '10', '--json']);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(['isl', 'osl', 'prefill', 'decode']);
    expect(out.prefill).toMatchObject({ttftTargetMs: 50, meetsSla: false, queueHeadroomMs: 0, clamped: false});
    expect(out.prefill.ttftMs).toBeCloseTo(60.4587, 4);
    expect(out.decode).toMatchObject({contextLength: 3150, itlTargetMs: 10, meetsSla: true});
    expect(out.decode.kvUsage).toBeCloseTo(0.161616, 6);
    expect(out.decode.requestRatePerGpu).toBeCloseTo(4555.68 / 300, 2);
  });

  it('flags answers outside the profiled range (prefill and decode, clamped with --method spline) on stderr in every mode', async () => {
    const args = ['interpolate', '--profile', PROFILE, '--isl', '20000', '--osl', '100', '--ttft', '100', '--itl', '2', '--method', 'spline'];
    const warnings = [
      'warning: ISL 20000 is outside the profiled range 100..16372; using the value at the nearest profiled ISL (no extrapolation)',
      'warning: decode context 20050 (ISL 20000 + OSL 100/2) is outside the profiled range 350..13585; the interpolation grid answers from its edge (no extrapolation)',
    ];
    const r = await runCommand(args);
    expect(r.exitCode).toBe(0);
    expect(r.stderr.trim().split('\n')).toEqual(warnings);
    expect(r.stdout).toContain('Estimated TTFT=375.48ms > target TTFT=100.00ms. Cannot meet TTFT SLA.');
    expect(r.stdout).toMatch(/Estimated ITL=\d+\.\d\dms > target ITL=2\.00ms\. Cannot meet ITL SLA\./);
    const json = await runCommand([...args, '--json']);
    expect(json.stderr.trim().split('\n')).toEqual(warnings);
    const out = JSON.parse(json.stdout);
    expect(out.prefill).toMatchObject({outsideProfiledRange: true, clamped: true, extrapolated: false});
    expect(out.decode).toMatchObject({contextLength: 20050, outsideProfiledRange: true, clamped: true, extrapolated: false});
  });

  it('answers a JSONL file of queries as JSONL, CSV or lines, naming a bad line', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'planner-q-'));
    const file = path.join(dir, 'q.jsonl');
    writeFileSync(file, '{"isl":3000,"osl":300,"ttft":200,"itl":10}\n\n{"isl":8000,"osl":500}\n{"isl":99.5,"osl":150.5}\n{"isl":20000}\n');
    const json = await runCommand(['interpolate', '--profile', PROFILE, '--input', file, '--json']);
    const lines = json.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(4);
    expect(lines[0].prefill.thptPerGpu).toBeCloseTo(49481.09, 2);
    expect(lines[1]).toMatchObject({isl: 8000, osl: 500, prefill: {ttftTargetMs: 100}, decode: {contextLength: 8250, itlTargetMs: 10}});
    // fractional mean lengths are answered (ISL 99.5 is below the profiled 100: flagged and said)
    expect(lines[2]).toMatchObject({isl: 99.5, osl: 150.5, prefill: {outsideProfiledRange: true}, decode: {contextLength: 174.75}});
    expect(json.stderr).toContain(`warning: ${file}:4: ISL 99.5 is outside the profiled range 100..16372`);
    expect(json.stderr).toContain(`warning: ${file}:5: ISL 20000 is outside the profiled range 100..16372`);

    const csv = await runCommand(['interpolate', '--profile', PROFILE, '--input', file, '--csv']);
    const rows = csv.stdout.trim().split('\n');
    expect(rows[0]).toBe('isl,osl,prefillMethod,ttftMs,ttftTargetMs,queueHeadroomMs,prefillMeetsSla,prefillThptPerGpu,prefillRequestRatePerGpu,prefillClamped,prefillExtrapolated,decodeMethod,contextLength,itlMs,itlTargetMs,decodeMeetsSla,kvUsage,decodeThptPerGpu,decodeRequestRatePerGpu,decodeClamped,decodeExtrapolated');
    expect(rows).toHaveLength(5);
    expect(rows[1].startsWith('3000,300,spline,60.458')).toBe(true);
    // auto: the regression answers ISL 20000 and its decode context 20075, both extrapolated
    expect(rows[4]).toMatch(/^20000,150,regression,.*,false,true,regression,20075,.*,false,true$/);

    const text = await runCommand(['interpolate', '--profile', PROFILE, '--input', file]);
    expect(text.stdout.split('\n')[0]).toContain('isl=3000 osl=300 | spline: ttft=60.46ms (target 200.00ms, met) prefill=49481.09 tok/s/gpu 16.49 req/s | spline: itl=9.73ms');

    writeFileSync(file, '{"isl":3000}\n{"isl":-4}\n');
    const bad = await runCommand(['interpolate', '--profile', PROFILE, '--input', file, '--json']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr.trim()).toBe(`Error: ${file}:2: isl must be > 0, got -4`);
    expect(bad.stdout.trim().split('\n')).toHaveLength(1); // the good line was answered before the bad one
  });

  it('a missing --input file is one error line, with no CSV header printed before it', async () => {
    const r = await runCommand(['interpolate', '--profile', PROFILE, '--input', 'no-such-queries.jsonl', '--csv']);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('Error: query file no-such-queries.jsonl does not exist');
  });

  it('accepts a Dynamo results directory as the profile', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'planner-dyn-'));
    await runCommand(['profile', 'export', PROFILE, '--out', dir]);
    const r = await runCommand(['interpolate', '--profile', dir, '--isl', '3000', '--osl', '300', '--ttft', '200', '--itl', '10', '--json']);
    expect(JSON.parse(r.stdout).decode.thptPerGpu).toBeCloseTo(4555.68, 2);
  });

  it.each([
    [['--profile', '/nonexistent/profile'], 'Error: profile /nonexistent/profile does not exist (give a profile directory such as profiles/h200-llama3.1-8b-fp8-tp1)'],
    [['--profile', PROFILE, '--isl', '-5'], 'Error: --isl must be > 0, got -5 (see --help)'],
    [['--profile', PROFILE, '--ttft', '0'], 'Error: --ttft must be > 0, got 0 (see --help)'],
  ])('refuses bad input with one line and exit code 2: %s', async (args, message) => {
    const r = await runCommand(['interpolate', ...args]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim()).toBe(message);
    expect(r.stdout).toBe('');
  });

  it('refuses a profile with a NaN, naming the file and key', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'planner-nan-'));
    mkdirSync(dir, {recursive: true});
    const text = readFileSync(path.join(SHIPPED_PROFILE, 'profile.json'), 'utf8').replace('"z_itl": [\n      ', '"z_itl": [\n      NaN, ');
    writeFileSync(path.join(dir, 'profile.json'), text);
    const r = await runCli(['interpolate', '--profile', dir]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim()).toMatch(new RegExp(`^Error: ${dir}/profile.json: not valid JSON at line \\d+, column \\d+ \\(NaN and Infinity are not allowed in a profile\\)$`));
  });
});
