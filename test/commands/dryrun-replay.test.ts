import {describe, expect, it} from 'vitest';
import {existsSync, mkdtempSync, readFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {REPO_ROOT, runCli} from '../helpers/cli.js';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'dryrun-replay-'));
const LOAD = ['--request-rate-min', '8', '--request-rate-max', '8', '--time-duration', '60', '--isl1', '3000', '--osl1', '150', '--isl2', '3000', '--osl2', '150'];

describe('planner dryrun --mode replay', () => {
  it('--json prints only the per-run summary; the outputs are written; the tick recording replays in --mode ticks', async () => {
    const dir = tmp();
    const r = await runCli(['dryrun', '--mode', 'replay', ...LOAD, '--ttft', '200', '--itl', '10', '--adjustment-interval', '30',
      '--compare', 'static:2p2d,agg:2', '--out', dir, '--json', '--progress', 'plain']);
    expect(r.exitCode).toBe(0);
    const out = JSON.parse(r.stdout) as {runs: Array<Record<string, unknown>>};
    expect(out.runs.map((x) => x.name)).toEqual(['planner', 'static:2p2d', 'agg:2']);
    for (const run of out.runs) {
      for (const key of ['goodputRps', 'goodputPerGpuHour', 'slaAttainment', 'gpuHours', 'peakPrefillReplicas', 'peakDecodeReplicas', 'scalingEvents']) expect(typeof run[key]).toBe('number');
      expect(Object.keys(run.ttftMs as object)).toEqual(['mean', 'p50', 'p90', 'p99']);
      expect(run.slaAttainment as number).toBeGreaterThanOrEqual(0);
      expect(run.slaAttainment as number).toBeLessThanOrEqual(1);
    }
    expect(out.runs[1]).toMatchObject({peakPrefillReplicas: 2, peakDecodeReplicas: 2, scalingEvents: 0});
    expect(out.runs[2]).toMatchObject({peakPrefillReplicas: 0, peakDecodeReplicas: 2});
    expect(r.stderr).toMatch(/replay 1\/3 \(planner\): \d+\/\d+ requests \(\d+\.\d % met the SLA/);
    const requests = readFileSync(path.join(dir, 'requests.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const n = out.runs[0]!.requests as number;
    expect(requests).toHaveLength(3 * n);
    expect(Object.keys(requests[0]!)).toEqual(['run', 'index', 'arrivalS', 'isl', 'osl', 'prefillEngine', 'decodeEngine', 'queueWaitMs', 'ttftMs', 'itlMs', 'e2eMs', 'prefixHitTokens', 'slaMet']);
    expect(requests.filter((q) => q.run === 'agg:2').every((q) => q.prefillEngine === null && String(q.decodeEngine).startsWith('a'))).toBe(true);
    for (const f of ['report.html', 'ticks.csv', 'summary.json']) expect(existsSync(path.join(dir, f))).toBe(true);
    expect(readFileSync(path.join(dir, 'report.html'), 'utf8')).toContain('Planner vs fixed fleets');
    const csv = readFileSync(path.join(dir, 'ticks.csv'), 'utf8').trim().split('\n');
    const ticks = readFileSync(path.join(dir, 'ticks.jsonl'), 'utf8').trim().split('\n');
    expect(csv).toHaveLength(ticks.length); // header line each

    const again = await runCli(['dryrun', '--mode', 'ticks', '--ticks', path.join(dir, 'ticks.jsonl'), '--out', path.join(dir, 'ticks-out'), '--json']);
    expect(again.exitCode).toBe(0);
    const decisions = (JSON.parse(again.stdout) as {decisions: Array<{nowS: number; scaleTo: unknown}>}).decisions;
    const header = csv[0]!.split(',');
    const replayed = csv.slice(1).map((l) => l.split(','));
    expect(decisions.map((d) => d.nowS)).toEqual(replayed.map((row) => Number(row[header.indexOf('nowS')])));
    expect(decisions.map((d) => (d.scaleTo as {prefill: number} | null)?.prefill ?? '')).toEqual(replayed.map((row) => (row[header.indexOf('scaleToPrefill')] === '' ? '' : Number(row[header.indexOf('scaleToPrefill')]))));
  });

  it('rejects a bad fleet spec and a bad trace line in one line with exit code 2', async () => {
    const bad = await runCli(['dryrun', '--mode', 'replay', ...LOAD, '--compare', 'static:2x2', '--out', tmp()]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/^Error: --compare static:2x2: expected static:<N>p<M>d or agg:<N>/m);
    const trace = await runCli(['dryrun', '--mode', 'replay', '--trace', path.join(REPO_ROOT, 'fixtures/traces/bad-records.jsonl'), '--out', tmp()]);
    expect(trace.exitCode).toBe(2);
    expect(trace.stderr).toMatch(/Error: .*bad-records\.jsonl:4: bad trace record/);
    expect(trace.stderr).not.toMatch(/\n\s+at /);
  });

  it('prints a table whose columns carry their units, aligned under the headers', async () => {
    const r = await runCli(['dryrun', '--mode', 'replay', ...LOAD, '--ttft', '200', '--itl', '10', '--adjustment-interval', '30', '--compare', 'static:2p2d', '--out', tmp(), '--progress', 'none']);
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.split('\n');
    const header = lines.find((l) => l.trimStart().startsWith('run '))!;
    expect(header.split(/ {2,}/).map((h) => h.trim()).filter(Boolean)).toEqual(['run', 'SLA met', 'goodput req/s', 'GPU-h', 'good req/GPU-h', 'peak P/D', 'TTFT ms p50/p99', 'ITL ms p50/p99', 'events']);
    const row = lines.find((l) => l.trimStart().startsWith('static:2p2d'))!;
    // every value ends where its header ends
    expect(row.length).toBe(header.length);
    expect(row.slice(header.indexOf('TTFT ms p50/p99'), header.indexOf('TTFT ms p50/p99') + 'TTFT ms p50/p99'.length)).toMatch(/^ *\d+\/\d+$/);
  });

  it('the report draws TTFT on a log axis, so the SLA line stays visible above a queue\'s spike, and replicas as whole numbers', async () => {
    const dir = tmp();
    const r = await runCli(['dryrun', '--mode', 'replay', ...LOAD, '--ttft', '200', '--itl', '10', '--adjustment-interval', '30', '--out', dir, '--json', '--progress', 'none']);
    expect(r.exitCode).toBe(0);
    const html = readFileSync(path.join(dir, 'report.html'), 'utf8');
    const data = JSON.parse(/<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html)![1]!) as Array<{layout?: {title?: {text?: string}; yaxis?: {type?: string; title?: {text?: string}}; height?: number}}>;
    const ttft = data.find((f) => f.layout?.title?.text?.startsWith('Observed TTFT'))!;
    expect(ttft.layout!.yaxis).toMatchObject({type: 'log', title: {text: 'ms (log scale)'}});
    expect(html).toContain(`style="height:${ttft.layout!.height}px"`);
    // replica counts are whole numbers
    expect(data.find((f) => f.layout?.title?.text === 'Replica counts')!.layout!.yaxis).toMatchObject({dtick: 1});
  });
});
