import {cpSync, mkdtempSync, readFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {runCli, runCommand, SHIPPED_PROFILE} from '../helpers/cli.js';

const PROFILE = 'profiles/h200-llama3.1-8b-fp8-tp1';

describe('planner fit', () => {
  it('prints a table with R^2, MAPE and CV MAPE and writes the fits into profile.json', async () => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'planner-fit-')), 'p');
    cpSync(SHIPPED_PROFILE, dir, {recursive: true});
    const r = await runCli(['fit', dir]);
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(`Fits for ${dir}/profile.json (from profile points: 17 prefill, 41 decode)`);
    expect(lines[1]).toMatch(/^phase\s+model\s+R\^2\s+MAPE\s+max err\s+CV MAPE\s+verdict$/);
    expect(lines[2]).toMatch(/^prefill\s+TTFT = [\d.]+ \+ [\d.]+\*isl \+ [\d.e-]+\*isl\^2 ms\s+0\.99\d\d\s+\d\.\d\d %\s+\d+\.\d\d %\s+\d\.\d\d %\s+good$/);
    expect(lines[3]).toMatch(/^decode\s+ITL = [\d.]+ \+ [\d.]+\*n \+ [\d.e-]+\*n\*ctx ms\s+0\.\d{4}\s+\d\.\d\d %/);
    const saved = JSON.parse(readFileSync(path.join(dir, 'profile.json'), 'utf8'));
    expect(saved.fits.prefill.coefficients.a).toBeGreaterThan(0);
    expect(saved.fits.decode.cvMapePct).toBeGreaterThan(0);
  });

  it('prints JSON without writing under --json --no-write', async () => {
    const r = await runCommand(['fit', PROFILE, '--json', '--no-write']);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({written: false, source: 'points', prefill: {poor: false}, decode: {poor: false}});
    expect(Object.keys(out.prefill.fit)).toEqual(expect.arrayContaining(['coefficients', 'r2', 'mapePct', 'maxErrPct', 'cvMapePct', 'points']));
  });
});

describe('planner interpolate --method', () => {
  it('answers from the fits with --method regression, within 10 % of the spline', async () => {
    const spline = JSON.parse((await runCommand(['interpolate', '-p', PROFILE, '--isl', '3000', '--osl', '300', '--ttft', '200', '--itl', '10', '--method', 'spline', '--json'])).stdout);
    const reg = JSON.parse((await runCommand(['interpolate', '-p', PROFILE, '--isl', '3000', '--osl', '300', '--ttft', '200', '--itl', '10', '--method', 'regression', '--json'])).stdout);
    expect(reg.prefill.method).toBe('regression');
    expect(reg.decode.method).toBe('regression');
    expect(Math.abs(reg.decode.thptPerGpu / spline.decode.thptPerGpu - 1)).toBeLessThan(0.02);
    expect(Math.abs(reg.prefill.ttftMs / spline.prefill.ttftMs - 1)).toBeLessThan(0.1);
  });

  it('uses the spline inside the range and the regression outside with --method auto, and says so', async () => {
    const inside = JSON.parse((await runCommand(['interpolate', '-p', PROFILE, '--isl', '3000', '--osl', '300', '--json'])).stdout);
    expect([inside.prefill.method, inside.decode.method]).toEqual(['spline', 'spline']);
    const r = await runCommand(['interpolate', '-p', PROFILE, '--isl', '30000', '--osl', '300', '--ttft', '2000', '--itl', '30']);
    expect(r.stderr).toContain('warning: ISL 30000 is outside the profiled range 100..16372; the regression fit extrapolates');
    expect(r.stderr).toContain('warning: decode context 30150 (ISL 30000 + OSL 300/2) is outside the profiled range 350..13585; the regression fit extrapolates');
    const json = JSON.parse((await runCommand(['interpolate', '-p', PROFILE, '--isl', '30000', '--osl', '300', '--json'])).stdout);
    expect(json.prefill).toMatchObject({method: 'regression', outsideProfiledRange: true, extrapolated: true, clamped: false});
  });
});
