import {describe, expect, it} from 'vitest';
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {REPO_ROOT, SHIPPED_PROFILE, runCli, runCommand} from '../helpers/cli.js';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'dryrun-ticks-'));
const fixture = (name: string) => path.join(REPO_ROOT, 'fixtures/ticks', name);

describe('planner dryrun --mode ticks', () => {
  it('prints each tick\'s decision on the decode fixture (estimates checked by hand: ITL = 5 ms + 0.1 ms per 1000 KV)', async () => {
    const out = tmp();
    const r = await runCli(['dryrun', '--mode', 'ticks', '--ticks', fixture('decode-sla.jsonl'), '--out', out]);
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.split('\n').map((l) => l.trim());
    expect(lines).toContain('t=5s [load] no decision (load insufficient_data)');
    // 3 samples, avg length 1500: 5 + 0.1 x 31.5 = 8.15 ms; one worker cannot go down
    expect(lines).toContain('t=15s [load] no decision (load no_change); est ITL 8.15 ms');
    // avg length 2125: 5 + 0.1 x 162.125 = 21.21 ms > 20 ms
    expect(lines).toContain('t=20s [load] scale to decode 2 (load scale_up); est ITL 21.21 ms');
    expect(lines).toContain('t=25s [load] no decision (load scaling_in_progress)');
    // survivor would hold 160000 KV: 21.3 ms >= 0.8 x 20 ms
    expect(lines).toContain('t=30s [load] no decision (load scale_down_refused_consolidation); est ITL 13.29 ms');
    expect(lines).toContain('t=35s [load] scale to decode 1 (load scale_down); est ITL 7.27 ms');
    expect(lines).toContain('ticks: 7, decisions: 2');
    const csv = readFileSync(path.join(out, 'ticks.csv'), 'utf8').trim().split('\n');
    expect(csv[0]!.startsWith('line,nowS,loadTick,throughputTick,readyPrefill,readyDecode,scaleToPrefill,scaleToDecode,nextTickS,estimatedTtftMs')).toBe(true);
    expect(csv).toHaveLength(8);
    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(html).toContain('<title>Planner dry run (ticks)</title>');
    expect(html).toContain('Estimated ITL vs SLA');
  });

  it('--json prints only the decision records', async () => {
    const r = await runCommand(['dryrun', '--mode', 'ticks', '--ticks', fixture('decode-sla.jsonl'), '--out', tmp(), '--json']);
    expect(r.exitCode).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.summary).toMatchObject({ticks: 7, decisions: 2, plannerMode: 'decode', optimizationTarget: 'sla'});
    expect(j.decisions[3]).toMatchObject({nowS: 20, scaleTo: {prefill: null, decode: 2}, nextTickS: 25,
      diagnostics: {loadDecisionReason: 'scale_up', throughputDecisionReason: null, throughputLowerBoundDecode: 1}});
    expect(j.decisions[3].diagnostics.estimatedItlMs).toBeCloseTo(21.2125, 9);
  });

  it('flags override the recording\'s config: a lower sensitivity refuses the last scale-down too', async () => {
    // at 35 s the survivor would see 9.27 ms; 0.4 x 20 = 8 ms
    const r = await runCommand(['dryrun', '--mode', 'ticks', '--ticks', fixture('decode-sla.jsonl'), '--out', tmp(), '--sensitivity', '40']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('t=35s [load] no decision (load scale_down_refused_consolidation); est ITL 7.27 ms');
  });

  it('--planner-config (YAML) then --set override the recording', async () => {
    const dir = tmp();
    const cfg = path.join(dir, 'planner.yaml');
    writeFileSync(cfg, 'itl_ms: 25\nload_scaling_down_sensitivity: 80\n');
    const r = await runCommand(['dryrun', '--mode', 'ticks', '--ticks', fixture('decode-sla.jsonl'), '--out', dir, '--planner-config', cfg, '--set', 'itl_ms=22', '--json']);
    expect(r.exitCode).toBe(0);
    // 21.21 ms < 22 ms: no scale-up at 20 s
    expect(JSON.parse(r.stdout).decisions[3]).toMatchObject({scaleTo: null, diagnostics: {loadDecisionReason: 'no_change'}});
  });

  it('a bad planner config value is one error naming the key', async () => {
    const r = await runCommand(['dryrun', '--mode', 'ticks', '--ticks', fixture('decode-sla.jsonl'), '--out', tmp(), '--set', 'mode=both']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim()).toBe('Error: command line: planner config key mode must be one of disagg, prefill, decode, agg, got "both"');
  });

  it('the report states the GPU budget in words, not as "-1..16"', async () => {
    const dir = tmp();
    const r = await runCommand(['dryrun', '--mode', 'ticks', '--ticks', fixture('decode-sla.jsonl'), '--out', dir, '--max-gpu-budget', '16', '--min-gpu-budget', '-1', '--json']);
    expect(r.exitCode).toBe(0);
    expect(readFileSync(path.join(dir, 'report.html'), 'utf8')).toContain('<tr><td>GPU budget</td><td>at most 16 GPUs</td></tr>');
  });

  it('an unknown --set key is warned about, naming the command line as its source', async () => {
    const r = await runCommand(['dryrun', '--mode', 'ticks', '--ticks', fixture('decode-sla.jsonl'), '--out', tmp(), '--set', 'nosuch_key=3', '--json']);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain('warning: command line: unknown planner config key "nosuch_key" ignored');
    expect(() => JSON.parse(r.stdout)).not.toThrow();
  });

  it('a corrupt line fails naming the line; --skip-bad-lines counts and skips', async () => {
    const bad = await runCli(['dryrun', '--mode', 'ticks', '--ticks', fixture('decode-sla-corrupt.jsonl'), '--out', tmp()]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/^Error: .*decode-sla-corrupt\.jsonl line 4: not valid JSON/);
    const field = await runCommand(['dryrun', '--mode', 'ticks', '--ticks', fixture('decode-sla-bad-field.jsonl'), '--out', tmp()]);
    expect(field.stderr).toContain('decode-sla-bad-field.jsonl line 3: fpm.decode[0].wallTimeS must be a number, got "fast"');
    const skipped = await runCommand(['dryrun', '--mode', 'ticks', '--ticks', fixture('decode-sla-corrupt.jsonl'), '--out', tmp(), '--skip-bad-lines']);
    expect(skipped.exitCode).toBe(0);
    expect(skipped.stderr).toContain('skipped 1 bad line in ');
    expect(skipped.stdout).toContain('ticks: 6, decisions: 2');
  });

  it('bootstraps the regressions from a profile or the synthetic model; cold, the first ticks wait for data', async () => {
    const first = async (extra: string[]) => {
      const r = await runCommand(['dryrun', '--mode', 'ticks', '--ticks', fixture('disagg-sla.jsonl'), '--out', tmp(), '--json', ...extra]);
      expect(r.exitCode).toBe(0);
      return JSON.parse(r.stdout) as {summary: {bootstrap: string}; decisions: Array<{diagnostics: {loadDecisionReasonPrefill: string; estimatedTtftMs: number | null}}>};
    };
    const cold = await first([]);
    expect(cold.summary.bootstrap).toMatch(/^cold start/);
    expect(cold.decisions[0]!.diagnostics).toMatchObject({loadDecisionReasonPrefill: 'insufficient_data', estimatedTtftMs: null});
    const profile = await first(['--profile', SHIPPED_PROFILE]);
    expect(profile.summary.bootstrap).toBe(`profile ${SHIPPED_PROFILE}`);
    expect(profile.decisions[0]!.diagnostics.estimatedTtftMs).toBeGreaterThan(0);
    const synthetic = await first(['--synthetic', '--model', 'llama-3.1-8b', '--gpu', 'h200_sxm']);
    expect(synthetic.summary.bootstrap).toContain('llama-3.1-8b');
    expect(synthetic.decisions[0]!.diagnostics.estimatedTtftMs).toBeGreaterThan(0);
  });

  it('re-runs a replay\'s own recording to the same decisions, reasons and estimates, tick by tick', async () => {
    const dir = tmp();
    const replay = await runCli(['dryrun', '--mode', 'replay', '--request-rate-min', '5', '--request-rate-max', '30', '--request-rate-period', '300',
      '--time-duration', '300', '--isl1', '3000', '--osl1', '300', '--isl2', '3000', '--osl2', '300', '--ttft', '300', '--itl', '20',
      '--adjustment-interval', '60', '--set', 'enable_load_scaling=true', '--out', path.join(dir, 'replay'), '--json'], {timeoutMs: 120_000});
    expect(replay.exitCode).toBe(0);
    const r = await runCli(['dryrun', '--mode', 'ticks', '--ticks', path.join(dir, 'replay/ticks.jsonl'), '--out', path.join(dir, 'ticks'), '--json']);
    expect(r.exitCode).toBe(0);
    const decisions = (JSON.parse(r.stdout) as {decisions: Array<{nowS: number; scaleTo: {prefill: number | null; decode: number | null} | null; diagnostics: Record<string, unknown>}>}).decisions;
    const [head, ...rows] = readFileSync(path.join(dir, 'replay/ticks.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
    const col = (row: string[], name: string) => row[head!.indexOf(name)]!;
    expect(decisions).toHaveLength(rows.length);
    rows.forEach((row, i) => {
      const d = decisions[i]!;
      expect(d.nowS).toBe(Number(col(row, 'nowS')));
      expect(String(d.scaleTo?.prefill ?? '')).toBe(col(row, 'scaleToPrefill'));
      expect(String(d.scaleTo?.decode ?? '')).toBe(col(row, 'scaleToDecode'));
      for (const k of ['loadDecisionReason', 'loadDecisionReasonPrefill', 'loadDecisionReasonDecode', 'throughputDecisionReason']) expect(d.diagnostics[k] ?? '').toBe(col(row, k));
      const est = col(row, 'estimatedTtftMs');
      if (est !== '') expect(d.diagnostics.estimatedTtftMs as number).toBeCloseTo(Number(est), 6);
    });
  });

  it('--mode ticks without --ticks is bad input', async () => {
    const r = await runCommand(['dryrun', '--mode', 'ticks', '--out', tmp()]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('--mode ticks needs --ticks FILE');
    const classic = await runCommand(['dryrun', '--ticks', fixture('decode-sla.jsonl'), '--out', tmp()]);
    expect(classic.exitCode).toBe(2);
    expect(classic.stderr.trim()).toBe('Error: --ticks is not used by --mode classic (give --mode ticks)');
  });
});
