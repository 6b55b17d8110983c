import {describe, expect, it} from 'vitest';
import {mkdtempSync, readFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {runCli, runCommand, SHIPPED_PROFILE} from '../helpers/cli.js';

describe('planner simulate', () => {
  it('follows the benchmark clients: goodput, percentiles, rate inf, per-request export, settings echoed, overload flagged', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'simulate-'));
    const file = path.join(dir, 'requests.csv');
    const r = await runCli(['simulate', '-p', SHIPPED_PROFILE, '--isl', '1000', '--osl', '200', '--request-rate', '20', '--requests', '1000', '--goodput', 'ttft:200 itl:10', '--percentiles', '50,99.9', '--export-requests', file, '--json']);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(/^warning: overloaded: mean TTFT rose from [\d.]+ ms \(first quarter of the requests\) to [\d.]+ ms \(last quarter\): the engine cannot keep up/);
    const out = JSON.parse(r.stdout);
    expect(out.settings).toMatchObject({isl: 1000, osl: 200, concurrency: null, requestRate: 20, arrival: 'poisson', requests: 1000, percentiles: [50, 99.9], goodputTargetsMs: {ttft: 200, itl: 10}});
    expect(Object.keys(out.ttftMs)).toEqual(['mean', 'p50', 'p99.9']);
    expect(out.tpotMs.mean).toBeLessThan(out.e2eMs.mean / 200); // the first token excluded
    expect(out.totalTokensPerS).toBeCloseTo(out.inputTokensPerS + out.outputTokensPerS, 6);
    expect(out.inputTokensPerS).toBeCloseTo(out.requestsPerS * 1000, 6);
    expect(out.overload.overloaded).toBe(true);
    expect(out.goodput.goodRequests).toBe(Math.round(out.goodput.fraction * 1000));
    const rows = readFileSync(file, 'utf8').trim().split('\n');
    expect(rows[0]).toBe('index,sentMs,firstTokenMs,finishMs,inputTokens,outputTokens,ttftMs,itlMs,tpotMs,e2eMs');
    expect(rows).toHaveLength(1001);
    const inf = await runCommand(['simulate', '-p', SHIPPED_PROFILE, '--isl', '1000', '--osl', '50', '--request-rate', 'inf', '--requests', '20']);
    expect(inf.exitCode).toBe(0);
    expect(inf.stdout).toContain('all requests at once (rate inf)');
    const bad = await runCommand(['simulate', '-p', SHIPPED_PROFILE, '--isl', '1000', '--osl', '50', '--concurrency', '2', '--goodput', 'ttft']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr.trim()).toMatch(/^Error: --goodput: goodput target "ttft" is not METRIC:MS \(METRIC is one of /);
  });


  it('--json prints only the benchmark result', async () => {
    // Exact output lengths (no closed-loop spread), so that requests/s = output tokens/s / OSL.
    const r = await runCommand(['simulate', '--profile', SHIPPED_PROFILE, '--isl', '3000', '--osl', '300', '--concurrency', '16', '--requests', '200', '--osl-spread', '0', '--json']);
    expect(r.exitCode).toBe(0);
    const out = JSON.parse(r.stdout);
    for (const key of ['ttftMs', 'itlMs', 'e2eMs', 'tpotMs']) expect(Object.keys(out[key]).sort()).toEqual(['mean', 'p50', 'p90', 'p99']);
    expect(out.requests).toBe(200);
    expect(out.warmupRequests).toBe(16);
    // 16 streams at ~ITL ms each: output tokens/s = 16 * 1000 / TPOT, within the tail effects
    expect(out.outputTokensPerS).toBeGreaterThan(0.8 * (16 * 1000) / out.tpotMs.mean);
    expect(out.outputTokensPerS).toBeLessThan(1.05 * (16 * 1000) / out.tpotMs.mean);
    expect(out.tokensPerSPerGpu).toBeCloseTo(out.outputTokensPerS, 9);
    expect(out.requestsPerS).toBeCloseTo(out.outputTokensPerS / 300, 6);
    // A lone 3000-token prompt takes the profile's TTFT at 3000 (spline between 2134 and 3151: ~60 ms);
    // with 16 streams TTFT includes waiting behind other prefills and decodes.
    expect(out.ttftMs.p50).toBeGreaterThan(55);
    expect(out.settings.servingModel).toMatchObject({schedulerPolicy: 'vllm', oslSpread: 0});
  });

  it('--progress plain reports the simulated requests on stderr; stdout keeps only the result', async () => {
    const args = ['simulate', '-p', SHIPPED_PROFILE, '--isl', '1000', '--osl', '50', '--concurrency', '8', '--requests', '600'];
    const r = await runCommand([...args, '--progress', 'plain', '--json']);
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout).requests).toBe(600);
    // 8 warm-up + 600 measured requests; the first report after 256, the last at the end.
    expect(r.stderr).toMatch(/^simulating: 256\/608 requests, /m);
    expect(r.stderr).toMatch(/^simulating: 608\/608 requests, /m);
    const none = await runCommand([...args, '--progress', 'none']);
    expect(none.stderr).not.toMatch(/simulating:/);
  });

  it('--export-requests makes its directory, and a destination that cannot be written stops before the run', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sim-export-'));
    const args = ['simulate', '-p', SHIPPED_PROFILE, '--isl', '100', '--osl', '10', '--concurrency', '2', '--requests', '20'];
    const nested = path.join(dir, 'runs', 'a', 'requests.jsonl');
    const ok = await runCommand([...args, '--export-requests', nested]);
    expect(ok.exitCode).toBe(0);
    expect(readFileSync(nested, 'utf8').trim().split('\n')).toHaveLength(20);
    const bad = await runCommand([...args, '--export-requests', dir]);
    expect(bad.exitCode).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toBe(`Error: ${dir} is a directory, not a file`);
  });

  it('says which scheduler policy, overheads and KV dtype it used, per backend', async () => {
    const model = ['--synthetic', '--model', 'llama-3.1-70b', '--gpu', 'h100_sxm', '--tp', '4', '--quant', 'fp8', '--isl', '1000', '--osl', '50', '--concurrency', '8', '--requests', '16'];
    const trt = await runCommand(['simulate', ...model, '--backend', 'trtllm']);
    expect(trt.exitCode).toBe(0);
    expect(trt.stdout).toMatch(/Scheduler policy\s+TRT-LLM guaranteed-no-evict/);
    expect(trt.stdout).toMatch(/Serving overheads\s+[\d.]+ ms per request, [\d.]+ ms per iteration \(fitted on \d+ measured closed-loop runs/);
    expect(trt.stdout).toMatch(/KV cache fp8 \(trtllm default: /);
    const forced = JSON.parse((await runCommand(['simulate', ...model, '--backend', 'trtllm', '--scheduler-policy', 'sglang', '--json'])).stdout);
    expect(forced.settings.servingModel.schedulerPolicy).toBe('sglang');
    // the output-length spread says where it comes from (it also applies to an open loop)
    const open = await runCommand(['simulate', ...model.filter((a, i) => a !== '--concurrency' && model[i - 1] !== '--concurrency'), '--request-rate', '2']);
    expect(open.stdout).toMatch(/^Output lengths\s+±\d+ % of --osl \(the backend's calibrated spread\)$/m);
    const given = await runCommand(['simulate', ...model, '--osl-spread', '0.2']);
    expect(given.stdout).toMatch(/^Output lengths\s+±20 % of --osl \(--osl-spread\)$/m);
    const bad = await runCommand(['simulate', ...model, '--osl-spread', '2']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/--osl-spread must be a fraction in \[0, 1\)/);
    // a blank value is no number (Number('') would read it as 0)
    const blank = await runCommand(['simulate', ...model, '--osl-spread', ' ']);
    expect(blank.exitCode).toBe(2);
    expect(blank.stderr.trim()).toBe('Error: --osl-spread must be a fraction in [0, 1), got " "');
  });

  it('agrees with estimate and profile --synthetic on a lone request, per-request overhead included', async () => {
    const model = ['--model', 'llama-3.1-8b', '--gpu', 'h200_sxm', '--tp', '1'];
    const est = JSON.parse((await runCommand(['estimate', ...model, '--isl', '3000', '--json'])).stdout);
    const sim = JSON.parse((await runCommand(['simulate', '--synthetic', ...model, '--isl', '3000', '--osl', '20', '--concurrency', '1', '--requests', '3', '--json'])).stdout);
    expect(est.ttftMs).toBeGreaterThan(est.prefillMs); // the calibrated per-request overhead
    expect(sim.ttftMs.mean).toBeCloseTo(est.ttftMs, 6);
  });

  it('concurrency 1 reproduces the profile: TTFT at the ISL, ITL at one stream', async () => {
    const r = await runCommand(['simulate', '--profile', SHIPPED_PROFILE, '--isl', '3151', '--osl', '50', '--concurrency', '1', '--requests', '20', '--json']);
    const out = JSON.parse(r.stdout);
    expect(out.ttftMs.mean).toBeCloseTo(63.214755, 3); // prefill_ttft at ISL 3151
    expect(out.itlMs.mean).toBeGreaterThan(4.3); // z_itl at one stream, ~4.4 ms
    expect(out.itlMs.mean).toBeLessThan(4.6);
  });

  it('prints a table for people', async () => {
    const r = await runCli(['simulate', '--profile', SHIPPED_PROFILE, '--isl', '1000', '--osl', '100', '--request-rate', '5', '--requests', '100']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/Simulated benchmark: ISL 1000, OSL 100, 5 req\/s \(poisson\)/);
    expect(r.stdout).toMatch(/^TTFT\s+\d/m);
    expect(r.stdout).toMatch(/^Output tokens\/s\s+\d+/m);
    expect(r.stderr).toMatch(/simulated 100 requests/);
  });

  it('--synthetic times the engine with the op-level model', async () => {
    const r = await runCommand(['simulate', '--synthetic', '--model', 'llama-3.1-8b', '--gpu', 'h200_sxm', '--tp', '2', '--isl', '2000', '--osl', '100', '--concurrency', '8', '--requests', '100', '--json']);
    expect(r.exitCode).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.perfModel).toMatch(/^synthetic llama-3.1-8b h200_sxm tp2/);
    expect(out.tokensPerSPerGpu).toBeCloseTo(out.outputTokensPerS / 2, 9);
    expect(out.itlMs.mean).toBeGreaterThan(1);
    expect(out.ttftMs.mean).toBeGreaterThan(out.itlMs.mean);
  });

  it('needs exactly one source of timing', async () => {
    const none = await runCli(['simulate', '--isl', '10', '--osl', '10', '--concurrency', '1']);
    expect(none.exitCode).toBe(2);
    expect(none.stderr.trim()).toBe('Error: choose the timing: --profile DIR or --synthetic --model M --gpu G');
    const both = await runCommand(['simulate', '--profile', SHIPPED_PROFILE, '--synthetic', '--model', 'llama-3.1-8b', '--gpu', 'h200_sxm', '--isl', '10', '--osl', '10', '--concurrency', '1']);
    expect(both.stderr.trim()).toBe('Error: give either --profile or --synthetic, not both');
    const noModel = await runCommand(['simulate', '--synthetic', '--gpu', 'h200_sxm', '--isl', '10', '--osl', '10', '--concurrency', '1']);
    expect(noModel.exitCode).toBe(2);
    expect(noModel.stderr).toMatch(/^Error: --model is required/);
  });

  it('bad input: one-line errors, exit 2', async () => {
    const both = await runCommand(['simulate', '--profile', SHIPPED_PROFILE, '--isl', '10', '--osl', '10', '--concurrency', '2', '--request-rate', '3']);
    expect(both.exitCode).toBe(2);
    const rate = await runCommand(['simulate', '--profile', SHIPPED_PROFILE, '--isl', '10', '--osl', '10', '--request-rate', 'fast']);
    expect(rate.exitCode).toBe(2);
    expect(rate.stderr.trim()).toBe('Error: --request-rate must be a number, got "fast"');
    const missing = await runCommand(['simulate', '--profile', '/nonexistent/p', '--isl', '10', '--osl', '10', '--concurrency', '1']);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/^Error: profile \/nonexistent\/p does not exist/);
    expect(missing.stderr).not.toMatch(/at .*\.js/);
    const long = await runCommand(['simulate', '--profile', SHIPPED_PROFILE, '--isl', '2000000', '--osl', '10', '--concurrency', '1']);
    expect(long.exitCode).toBe(2);
    expect(long.stderr).toMatch(/exceed the engine's KV capacity/);
  });
});
