import {describe, expect, it} from 'vitest';
import {existsSync, mkdtempSync, readFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {REPO_ROOT, SHIPPED_PROFILE, runCli, runCommand} from '../helpers/cli.js';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'dryrun-cmd-'));

describe('planner dryrun', () => {
  it('says when the replicas exceed the GPU budget (v2025-08 rounding reproduced)', async () => {
    // prefill-heavy load (OSL 5): the scaled prefill count rounds up to the whole budget and the
    // decode floor of one replica comes on top
    const r = await runCli(['dryrun', '--max-gpu-budget', '6', '--request-rate-max', '120', '--osl1', '5', '--osl2', '5', '--out', tmp(), '--json']);
    expect(r.exitCode).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.summary.overBudgetIntervals).toBeGreaterThan(0);
    expect(j.summary.overBudgetIntervals).toBe(j.ticks.filter((t: {gpus: number}) => t.gpus > 6).length);
    expect(r.stderr).toMatch(new RegExp(`^warning: in ${j.summary.overBudgetIntervals} intervals the replicas use up to ${j.summary.peakGpus} GPUs, over the budget of 6: Dynamo's v2025-08 budget rule`, 'm'));
  });

  it('warns when the load fits in one adjustment interval (trace sin defaults: 100 s < 180 s)', async () => {
    const r = await runCli(['dryrun', '--time-duration', '100', '--request-rate-period', '10', '--out', tmp()]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('intervals: 1 ');
    expect(r.stderr).toContain('warning: the generated load fits in one 180 s adjustment interval: the planner makes one decision with nothing to predict from (use a longer trace or a shorter --adjustment-interval)');
  });

  it('with no flags runs the shipped profile under the default sinusoid and writes the report', async () => {
    const dir = tmp();
    const r = await runCli(['dryrun'], {cwd: dir});
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('dry run (classic, arima predictor) of sinusoid 5-30 req/s');
    expect(r.stdout).toContain('intervals: 40');
    expect(r.stdout).toMatch(/peak replicas: prefill \d+, decode \d+; peak GPUs \d+/);
    expect(r.stdout).toMatch(/GPU-hours: \d+\.\d\d/);
    expect(r.stdout).toMatch(/intervals over the safe limit: \d+/);
    const html = readFileSync(path.join(dir, 'dryrun-report/report.html'), 'utf8');
    expect(html).toContain('<title>Planner dry run (classic)</title>');
    expect(html).toContain('nvidia/Llama-3.1-8B-Instruct-FP8');
    const csv = readFileSync(path.join(dir, 'dryrun-report/ticks.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('step,windowStartS,observedNumReq,observedIsl,observedOsl,predictedNumReq,predictedIsl,predictedOsl,prefillReplicas,decodeReplicas,gpus,prefillTokens,safePrefillTokens,decodeTokens,safeDecodeTokens,budgetApplied,overBudget');
    expect(csv).toHaveLength(41);
  });

  it('--json prints only the documented result', async () => {
    const dir = tmp();
    const r = await runCommand(['dryrun', '--trace', path.join(REPO_ROOT, 'fixtures/traces/empty-windows.jsonl'), '--adjustment-interval', '60',
      '--predictor', 'constant', '--out', dir, '--json', '--profile', SHIPPED_PROFILE]);
    expect(r.exitCode).toBe(0);
    const j = JSON.parse(r.stdout);
    // empty windows dropped: 3 steps (planner times 0, 60, 120 s) observing the windows at 0, 180 and 240 s
    expect(j.ticks.map((t: {step: number; windowStartS: number}) => [t.step, t.windowStartS])).toEqual([[0, 0], [1, 180], [2, 240]]);
    expect(j.ticks[0]).toMatchObject({observed: {numReq: 3, isl: 2000, osl: 200}, predicted: {numReq: 3, isl: 2000, osl: 200}, prefillReplicas: 1, decodeReplicas: 1});
    expect(j.ticks[1].predicted).toEqual({numReq: 3, isl: 2000, osl: 200});
    for (const k of ['step', 'observed', 'predicted', 'prefillReplicas', 'decodeReplicas', 'safePrefillTokens', 'safeDecodeTokens', 'overBudget']) expect(j.ticks[2]).toHaveProperty(k);
    expect(j.summary).toMatchObject({intervals: 3, totalRequests: 6, peakPrefillReplicas: 1, peakDecodeReplicas: 1, peakGpus: 2, predictor: 'constant'});
    expect(j.summary.gpuHours).toBeCloseTo((3 * 2 * 60) / 3600, 12);
    expect(existsSync(path.join(dir, 'report.html'))).toBe(true);
  });

  it('--progress plain reports reading and planning on stderr; stdout stays the JSON result', async () => {
    const trace = path.join(REPO_ROOT, 'fixtures/traces/empty-windows.jsonl');
    const r = await runCli(['dryrun', '--trace', trace, '--adjustment-interval', '60', '--predictor', 'constant', '--out', tmp(), '--json', '--progress', 'plain']);
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout).summary.intervals).toBe(3);
    const reading = r.stderr.split('\n').filter((l) => l.startsWith(`reading ${trace}: `));
    expect(reading.map((l) => l.slice(trace.length + 10))).toEqual([expect.stringMatching(/^0\.0\/0\.0 MB, \d+s elapsed$/)]);
    expect(r.stderr).toMatch(/^planning: 3\/3 intervals, \d+s elapsed$/m);
  });

  it('shows no progress on a log for a quick run (--progress auto), and none at all with --progress none', async () => {
    const trace = path.join(REPO_ROOT, 'fixtures/traces/empty-windows.jsonl');
    const base = ['dryrun', '--trace', trace, '--adjustment-interval', '60', '--predictor', 'constant', '--out', tmp()];
    expect((await runCli(base)).stderr).toBe('');
    expect((await runCli([...base, '--progress', 'none'])).stderr).toBe('');
  });

  it('feeds a warm-up trace to the predictors first', async () => {
    const trace = path.join(REPO_ROOT, 'fixtures/traces/empty-windows.jsonl');
    const base = ['dryrun', '--trace', trace, '--adjustment-interval', '60', '--predictor', 'moving-average', '--json'];
    const cold = JSON.parse((await runCommand([...base, '--out', tmp()])).stdout);
    const warm = JSON.parse((await runCommand([...base, '--out', tmp(), '--warmup-trace', trace])).stdout);
    // cold: history [3] -> 3; warm: history [3, 2, 1] + [3] -> mean 2.25
    expect(cold.ticks[1].predicted.numReq).toBe(3);
    expect(warm.ticks[1].predicted.numReq).toBe(2.25);
  });

  it('escapes a hostile model name in the report', async () => {
    const dir = tmp();
    const profile = JSON.parse(readFileSync(path.join(SHIPPED_PROFILE, 'profile.json'), 'utf8'));
    profile.engine.model = '<script>alert(1)</script>';
    const {writeFileSync, mkdirSync} = await import('node:fs');
    mkdirSync(path.join(dir, 'p'));
    writeFileSync(path.join(dir, 'p/profile.json'), JSON.stringify(profile));
    const r = await runCommand(['dryrun', '--profile', path.join(dir, 'p'), '--time-duration', '1800', '--out', path.join(dir, 'out')]);
    expect(r.exitCode).toBe(0);
    const html = readFileSync(path.join(dir, 'out/report.html'), 'utf8');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>alert(1)');
  });

  it('rejects mixing --trace with generator flags, and bad input, with one line', async () => {
    const r = await runCli(['dryrun', '--trace', 'x.jsonl', '--request-rate-max', '9']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim()).toBe('Error: --trace cannot be combined with generator flags (--request-rate-max)');
    // the same check in process (it read process.argv, which is not the command's there)
    const inProcess = await runCommand(['dryrun', '--trace', 'x.jsonl', '--request-rate-max=9', '--out', tmp()]);
    expect(inProcess.stderr.trim()).toBe('Error: --trace cannot be combined with generator flags (--request-rate-max)');
    const r2 = await runCommand(['dryrun', '--trace', 'missing.jsonl', '--out', tmp()]);
    expect(r2.exitCode).toBe(2);
    expect(r2.stderr.trim()).toBe('Error: trace file missing.jsonl does not exist');
    const r3 = await runCommand(['dryrun', '--ttft', '-1']);
    expect(r3.exitCode).toBe(2);
    expect(r3.stderr).toContain('--ttft must be > 0, got -1');
    const r4 = await runCommand(['dryrun', '--predictor', 'magic']);
    expect(r4.exitCode).toBe(2);
    expect(r4.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('runs every predictor on a generated load: each predicts as it should, within the GPU budget', async () => {
    type Tick = {observed: {numReq: number}; predicted: {numReq: number}; prefillReplicas: number; decodeReplicas: number; gpus: number};
    const runs: Record<string, Tick[]> = {};
    for (const p of ['constant', 'moving-average', 'kalman', 'prophet']) {
      const r = await runCommand(['dryrun', '--predictor', p, '--time-duration', '3600', '--adjustment-interval', '120', '--out', tmp(), '--json']);
      expect(r.exitCode).toBe(0);
      const j = JSON.parse(r.stdout);
      expect(j.summary.intervals).toBe(30);
      expect(j.summary.predictor).toBe(p);
      runs[p] = j.ticks;
    }
    const observed = runs.constant!.map((t) => t.observed.numReq);
    // every predictor sees the same (seeded) load
    for (const ticks of Object.values(runs)) expect(ticks.map((t) => t.observed.numReq)).toEqual(observed);
    const predicted = (p: string) => runs[p]!.map((t) => t.predicted.numReq);
    // constant: the last observation; moving average: the mean of the last 5 (Dynamo's default)
    expect(predicted('constant').slice(1)).toEqual(observed.slice(0, -1));
    predicted('moving-average').slice(1).forEach((v, i) => {
      const last = observed.slice(Math.max(0, i - 4), i + 1);
      expect(v).toBeCloseTo(last.reduce((a, b) => a + b, 0) / last.length, 6);
    });
    // Kalman (local linear trend): on the sinusoid's rising start it predicts above the last value
    for (let i = 3; i <= 5; i++) expect(predicted('kalman')[i]).toBeGreaterThan(observed[i - 1]!);
    // prophet-like: its own forecast once it has history, not a copy of another predictor's
    expect(predicted('prophet').slice(5)).not.toEqual(predicted('constant').slice(5));
    expect(predicted('prophet').slice(5)).not.toEqual(predicted('kalman').slice(5));
    for (const ticks of Object.values(runs)) {
      for (const t of ticks) {
        expect(t.gpus).toBe(t.prefillReplicas + t.decodeReplicas); // one GPU per engine in the shipped profile
        expect(t.gpus).toBeLessThanOrEqual(8);
      }
      // more load, more replicas: the busiest predicted tick gets more GPUs than the quietest
      const byLoad = [...ticks].sort((a, b) => a.predicted.numReq - b.predicted.numReq);
      expect(byLoad.at(-1)!.gpus).toBeGreaterThan(byLoad[0]!.gpus);
    }
  });

  it('refuses a flag the chosen --mode does not read, naming the mode that does', async () => {
    const ticksFile = path.join(REPO_ROOT, 'fixtures/ticks/decode-sla.jsonl');
    const cases: Array<[string[], string]> = [
      [['--router', 'kv-aware'], 'Error: --router is not used by --mode classic (give --mode replay)'],
      [['--compare', 'static:1p1d', '--sensitivity', '50'], 'Error: --sensitivity, --compare are not used by --mode classic (--sensitivity: --mode ticks or --mode replay; --compare: --mode replay)'],
      [['--mode', 'ticks', '--ticks', ticksFile, '--request-rate-max', '80'], 'Error: --request-rate-max is not used by --mode ticks (give --mode classic or --mode replay)'],
      [['--mode', 'ticks', '--ticks', ticksFile, '--router', 'round-robin'], 'Error: --router is not used by --mode ticks (give --mode replay)'],
      [['--mode', 'replay', '--prediction-window', '10'], 'Error: --prediction-window is not used by --mode replay (give --mode classic)'],
      [['--mode', 'replay', '--trace-block-size', '64'], 'Error: --trace-block-size applies to --trace (the generated load has --block-size tokens per hash id)'],
    ];
    for (const [args, error] of cases) {
      const r = await runCommand(['dryrun', ...args, '--out', tmp()]);
      expect(r.exitCode, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim()).toBe(error);
    }
  });
});
