import {mkdtempSync, readFileSync, writeFileSync, mkdirSync, existsSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {runCli, runCommand, SHIPPED_PROFILE} from '../helpers/cli.js';

const SYNTH = ['recommend', '--synthetic', '--model', 'llama-3.1-8b', '--gpu', 'h200_sxm', '--tp', '1,2,4,8', '--isl', '4000', '--osl', '500', '--ttft', '300', '--itl', '20'];
// The text output's checks hold on a smaller plan (TP 1, 2): half the simulation work of SYNTH.
const SYNTH_SMALL = SYNTH.map((a) => (a === '1,2,4,8' ? '1,2' : a));
const SHIPPED = ['recommend', '--profile', SHIPPED_PROFILE, '--isl', '3000', '--osl', '300', '--ttft', '200', '--itl', '10'];

function tmp(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'planner-rec-'));
}

describe('planner recommend', () => {
  it('prints a full recommendation for the synthetic 8B case on H200', async () => {
    const r = await runCli(SYNTH_SMALL);
    expect(r.exitCode).toBe(0);
    const out = r.stdout;
    expect(out).toContain('Recommendation for ISL 4000, OSL 500: TTFT <= 300 ms, ITL <= 20 ms');
    expect(out).toMatch(/^ {2}1 +1 +\d+\.\d\d +met/m);
    expect(out).toContain('Chosen prefill TP: 1 (best tokens/s/GPU meeting TTFT)');
    expect(out).toMatch(/Chosen decode TP: \d \(best tokens\/s\/GPU meeting ITL\)/);
    expect(out).toMatch(/Prefill queue size: upper \d+\.\d\d, lower \d+\.\d\d/);
    expect(out).toMatch(/Decode kv usage: upper \d\.\d\d, lower \d\.\d\d/);
    expect(out).toMatch(/Best aggregated: TP [12], [12] GPUs? per replica, \d+\.\d\d req\/s per replica, \d+ tokens\/s\/GPU/);
    expect(out).toMatch(/Best disaggregated: \d+ x prefill TP \d \+ \d+ x decode TP \d = \d+ GPUs per replica/);
    expect(out).toMatch(/Aggregated vs disaggregated: (aggregated|disaggregated) wins: \d+ vs \d+ tokens\/s\/GPU/);
    expect(r.stderr).toMatch(/recommend took \d+\.\d\d s/);
  });

  it('--progress plain: progress of the aggregated search on stderr, ending with the last TP, nothing but JSON on stdout', async () => {
    const r = await runCli([...SYNTH.slice(0, 6), '--tp', '1,2', ...SYNTH.slice(8), '--sim-requests', '100', '--json', '--progress', 'plain']);
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout).aggregated.perTp).toHaveLength(2);
    expect(r.stderr).toMatch(/^aggregated search: 2\/2 \(TP 2: \d+\.\d\d req\/s max \(\d+ runs\)\), \d+s elapsed$/m);
  });

  it('prints only JSON under --json, agreeing with the rules it reports', async () => {
    const r = await runCommand([...SYNTH, '--json', '--max-gpu-budget', '8', '--request-rate', '20']);
    expect(r.exitCode).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.perTp.map((t: {tp: number}) => t.tp)).toEqual([1, 2, 4, 8]);
    expect(out.prefill).toMatchObject({tp: 1, rule: 'best-throughput', gpusPerEngine: 1});
    const meeting = out.perTp.filter((t: {decode: {meetsSla: boolean}}) => t.decode.meetsSla);
    const bestDecode = Math.max(...meeting.map((t: {decode: {thptPerGpu: number}}) => t.decode.thptPerGpu));
    expect(out.decode.thptPerGpu).toBe(bestDecode);
    // TP 1 and TP 2 are within simulation noise of each other here; the best is the highest tokens/s/GPU.
    expect(out.aggregated.best).toMatchObject({feasible: true});
    expect(out.aggregated.best.tp).toBeLessThanOrEqual(2);
    expect(out.aggregated.best.at.ttftMs.mean).toBeLessThanOrEqual(300);
    expect(out.aggregated.best.at.itlMs.mean).toBeLessThanOrEqual(20);
    expect(out.disaggregated.best.gpus).toBeLessThanOrEqual(8);
    // Aggregated TP1 and the disaggregated layout are within a few % here (AIConfigurator picks
    // aggregated for this case): the winner is the higher tokens/s/GPU, and a margin under 5 % is said.
    expect(out.comparison.ratio).toBeGreaterThanOrEqual(1);
    expect(out.comparison.ratio).toBeLessThan(1.05);
    expect(out.comparison.text).toMatch(/^(aggregated|disaggregated) wins: .*a margin under 5 % is within modelling error/);
    expect(out.comparison.text.startsWith(out.comparison.winner)).toBe(true);
    expect(out.replicas).toMatchObject({requestRateRps: 20, intervalS: 180, requestsPerInterval: 3600});
    expect(out.replicas.budget.maxGpuBudget).toBe(8);
    expect(out.replicas.totalGpus).toBe(out.replicas.prefill.gpus + out.replicas.decode.gpus);
    expect(out.replicas.aggregated.replicas).toBe(Math.ceil(20 / out.aggregated.best.maxRateRps));
    // No warning; a run longer than a second also reports its progress there.
    expect(r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('aggregated search: '))).toEqual([]);
  });

  it('recommends from a directory of tpN profiles, writes the planner config, its NPZ data and the HTML report', async () => {
    // Markup in the path must come out escaped in the report.
    const dir = path.join(tmp(), 'a<i>b');
    mkdirSync(dir);
    const prof = await runCommand(['profile', '--synthetic', '--model', 'llama-3.1-8b', '--gpu', 'h200_sxm', '--tp', '1,2', '--out', path.join(dir, 'profiles')]);
    expect(prof.exitCode).toBe(0);
    const cfg = path.join(dir, 'deploy', 'planner.json');
    const html = path.join(dir, 'rec.html');
    const r = await runCommand(['recommend', '--profile', path.join(dir, 'profiles'), '--isl', '3000', '--osl', '300', '--ttft', '200', '--itl', '15', '--emit-planner-config', cfg, '--html', html, '--max-gpu-budget', '16']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(`TP 1: ${path.join(dir, 'profiles', 'tp1', 'profile.json')}; TP 2: ${path.join(dir, 'profiles', 'tp2', 'profile.json')}`);
    expect(r.stdout).toContain(`Planner config: ${cfg}`);
    // units said next to each number: ms in the v2026 config, seconds on the v2025-08 command line
    expect(r.stdout).toContain('(Dynamo PlannerConfig (v2026 planner --config; ttft and itl in ms, intervals in s)');
    expect(r.stdout).toContain('  ttft 200 ms, itl 15 ms');
    expect(r.stdout).toMatch(/v2025-08 planner flags \(TTFT and ITL in seconds\): .*--ttft 0\.2 --itl 0\.015/);
    const config = JSON.parse(readFileSync(cfg, 'utf8'));
    const json = JSON.parse((await runCommand(['recommend', '--profile', path.join(dir, 'profiles'), '--isl', '3000', '--osl', '300', '--ttft', '200', '--itl', '15', '--json', '--no-agg'])).stdout);
    expect(config).toMatchObject({
      mode: 'disagg', optimization_target: 'sla', enable_throughput_scaling: true, ttft: 200, itl: 15,
      prefill_engine_num_gpu: json.prefill.gpusPerEngine, decode_engine_num_gpu: json.decode.gpusPerEngine,
      profile_results_dir: path.join(dir, 'deploy', 'profiling_results'), throughput_adjustment_interval: 180, max_gpu_budget: 16,
    });
    expect(existsSync(path.join(dir, 'deploy', 'profiling_results', 'selected_prefill_interpolation', 'raw_data.npz'))).toBe(true);
    // The written data reads back as a profile equal to the chosen TPs' data.
    const back = JSON.parse((await runCommand(['interpolate', '--profile', path.join(dir, 'deploy', 'profiling_results'), '--isl', '3000', '--osl', '300', '--ttft', '200', '--itl', '15', '--json'])).stdout);
    expect(back.prefill.ttftMs).toBeCloseTo(json.perTp.find((t: {tp: number}) => t.tp === json.prefill.tp).prefill.ttftMs, 9);
    expect(back.decode.thptPerGpu).toBeCloseTo(json.decode.thptPerGpu, 6);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('Pareto: tokens/s/GPU vs tokens/s/user');
    expect(page).toContain('agg TP1');
    expect(page).toContain('disagg decode TP2');
    expect(page).toContain('a&lt;i&gt;b');
    expect(page).not.toContain('a<i>b');
  });

  it('gives a prefill-only recommendation for a profile without decode data, and says so', async () => {
    const dir = tmp();
    const p = JSON.parse(readFileSync(path.join(SHIPPED_PROFILE, 'profile.json'), 'utf8'));
    delete p.decode;
    delete p.fits;
    mkdirSync(path.join(dir, 'prefill-only'));
    writeFileSync(path.join(dir, 'prefill-only', 'profile.json'), JSON.stringify(p));
    const r = await runCommand(['recommend', '--profile', path.join(dir, 'prefill-only'), '--isl', '3000', '--osl', '300', '--ttft', '200', '--itl', '10', '--request-rate', '30']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('Chosen prefill TP: 1');
    expect(r.stdout).toContain('no decode data: prefill only');
    expect(r.stdout).toContain('Prefill: 2 x TP 1 = 2 GPUs'); // 30 * 3000 / 49481 = 1.82 -> 2
    expect(r.stdout).not.toContain('Chosen decode TP');
    expect(r.stderr).toContain('warning: no profile has decode data: prefill recommendation only');
    const cfg = await runCommand(['recommend', '--profile', path.join(dir, 'prefill-only'), '--isl', '3000', '--osl', '300', '--ttft', '200', '--itl', '10', '--emit-planner-config', path.join(dir, 'p.json')]);
    expect(cfg.exitCode).toBe(2);
    expect(cfg.stderr.trim()).toBe('Error: --emit-planner-config needs prefill and decode data: the profiles have no decode section');
  });

  it('warns and picks the fastest TP when no TP meets the TTFT target', async () => {
    const r = await runCommand(['recommend', '--profile', SHIPPED_PROFILE, '--isl', '3000', '--osl', '300', '--ttft', '20', '--itl', '10', '--no-agg']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('Chosen prefill TP: 1 (lowest TTFT; nothing meets the target)');
    expect(r.stderr).toContain('warning: no TP meets the TTFT target of 20 ms for prefill; chose TP 1, the lowest TTFT (60.46 ms)');
  });

  it('rejects bad input in one line with exit code 2', async () => {
    const none = await runCli(['recommend', '--isl', '3000', '--osl', '300', '--ttft', '200', '--itl', '10']);
    expect(none.exitCode).toBe(2);
    expect(none.stderr.trim()).toBe('Error: give --profile DIR (one per TP, or a directory of tpN profiles) or --synthetic with --model and --gpu');
    const twice = await runCommand([...SHIPPED, '--profile', SHIPPED_PROFILE]);
    expect(twice.exitCode).toBe(2);
    expect(twice.stderr).toMatch(/^Error: --profile: .*profile\.json and .*profile\.json are both TP 1 \(give one profile per TP\)\n?$/);
    const missing = await runCommand(['recommend', '--profile', '/nonexistent/x', '--isl', '3000', '--osl', '300', '--ttft', '200', '--itl', '10']);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    const noModel = await runCommand(['recommend', '--synthetic', '--gpu', 'h200_sxm', '--isl', '3000', '--osl', '300', '--ttft', '200', '--itl', '10']);
    expect(noModel.exitCode).toBe(2);
    expect(noModel.stderr).toContain('Error: --model is required');
    const badTtft = await runCommand([...SHIPPED.slice(0, 3), '--isl', '3000', '--osl', '300', '--ttft', 'abc', '--itl', '10']);
    expect(badTtft.exitCode).toBe(2);
    expect(badTtft.stderr).toContain('--ttft must be a number, got');
  });
});
