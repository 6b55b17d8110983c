import {describe, expect, it} from 'vitest';
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {REPO_ROOT, runCli, runCommand} from '../helpers/cli.js';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'trace-cmd-'));
const fixture = (name: string) => path.join(REPO_ROOT, 'fixtures/traces', name);

describe('planner trace sin', () => {
  it('writes Dynamo\'s default file name with the default flags', async () => {
    const dir = tmp();
    const r = await runCli(['trace', 'sin'], {cwd: dir});
    expect(r.exitCode).toBe(0);
    const file = path.join(dir, 'sin_b512_t100_rr5.0-10.0-10.0_io1002000-5000100-0.2-0.8-10.0.jsonl');
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(r.stdout).toContain(`wrote ${lines.length} requests over 100 s`);
    // 7.5 req/s on average over 100 s
    expect(lines.length).toBeGreaterThan(600);
    expect(lines.length).toBeLessThan(900);
    const rec = JSON.parse(lines[0]!);
    expect(Object.keys(rec)).toEqual(['timestamp', 'input_length', 'output_length', 'hash_ids']);
  });
  it('--progress plain reports the seconds of load generated, then a trace stats run reports the MB read (stderr only)', async () => {
    const file = path.join(tmp(), 't.jsonl');
    const gen = await runCommand(['trace', 'sin', '--time-duration', '200', '--out', file, '--json', '--progress', 'plain']);
    expect(JSON.parse(gen.stdout).requests).toBeGreaterThan(0);
    expect(gen.stderr).toMatch(/^generating: 200\/200 s of load, \d+s elapsed$/m);
    const stats = await runCommand(['trace', 'stats', file, '--json', '--progress', 'plain']);
    expect(JSON.parse(stats.stdout).summary.requests).toBe(JSON.parse(gen.stdout).requests);
    expect(stats.stderr).toMatch(new RegExp(`^reading .*t\\.jsonl: (\\d+\\.\\d)/\\1 MB, \\d+s elapsed$`, 'm'));
  });
  it('is reproducible with --seed and reports as JSON', async () => {
    const dir = tmp();
    const a = await runCommand(['trace', 'sin', '--seed', '5', '--out', path.join(dir, 'a.jsonl'), '--json']);
    const b = await runCommand(['trace', 'sin', '--seed', '5', '--out', path.join(dir, 'b.jsonl')]);
    expect(a.exitCode).toBe(0);
    expect(b.exitCode).toBe(0);
    expect(readFileSync(path.join(dir, 'a.jsonl'), 'utf8')).toBe(readFileSync(path.join(dir, 'b.jsonl'), 'utf8'));
    const j = JSON.parse(a.stdout);
    expect(j).toMatchObject({file: path.join(dir, 'a.jsonl'), durationS: 100, seed: 5});
  });
  it('rejects a bad flag with one line and exit 2', async () => {
    const r = await runCli(['trace', 'sin', '--request-rate-min', '10', '--request-rate-max', '5']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim()).toBe('Error: --request-rate-max (5) is below --request-rate-min (10)');
    const r2 = await runCommand(['trace', 'sin', '--isl-osl-ratio-max', 'abc']);
    expect(r2.exitCode).toBe(2);
    expect(r2.stderr).toContain('--isl-osl-ratio-max must be a number, got "abc"');
  });
});

describe('planner trace stats', () => {
  it('shows per-window counts and means, runs of empty windows counted', async () => {
    const r = await runCommand(['trace', 'stats', fixture('empty-windows.jsonl'), '--window', '60']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('6 requests over 240.0 s, mean ISL 1466.7, mean OSL 146.7 tokens');
    expect(r.stdout).toContain('5 windows of 60 s (2 empty; the last covers 0.0 s, up to the last arrival), mean 0.03 req/s, peak 0.05 req/s');
    const rows = r.stdout.trim().split('\n').slice(-4).map((l) => l.trim().split(/\s+/));
    expect(rows).toEqual([
      ['0', '3', '0.05', '2000.0', '200.0'],
      ['(2', 'empty', 'windows)'],
      ['180', '2', '0.03', '1000.0', '100.0'],
      ['240', '1', '-', '800.0', '80.0'],
    ]);
  });
  it('rates a partial last window over the time it covers; one request has no rate; an empty file is an error', async () => {
    const dir = tmp();
    const line = (t: number) => JSON.stringify({timestamp: t, input_length: 10, output_length: 5, hash_ids: [0]});
    writeFileSync(path.join(dir, 'partial.jsonl'), `${[0, 10_000, 20_000, 30_000, 39_700].map(line).join('\n')}\n`);
    const r = await runCommand(['trace', 'stats', path.join(dir, 'partial.jsonl')]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('1 window of 60 s (0 empty; the last covers 39.7 s, up to the last arrival), mean 0.13 req/s, peak 0.13 req/s');
    writeFileSync(path.join(dir, 'one.jsonl'), `${line(0)}\n`);
    const one = await runCommand(['trace', 'stats', path.join(dir, 'one.jsonl')]);
    expect(one.exitCode).toBe(0);
    expect(one.stdout).toContain('mean - req/s, peak - req/s');
    expect(one.stderr.trim()).toBe('warning: every request arrives at the same instant: no arrival rate');
    writeFileSync(path.join(dir, 'empty.jsonl'), '');
    const empty = await runCommand(['trace', 'stats', path.join(dir, 'empty.jsonl')]);
    expect(empty.exitCode).toBe(2);
    expect(empty.stderr.trim()).toBe(`Error: ${path.join(dir, 'empty.jsonl')} holds no requests`);
  });
  it('--json gives windows and totals', async () => {
    const r = await runCommand(['trace', 'stats', fixture('empty-windows.jsonl'), '--window', '120', '--json']);
    const j = JSON.parse(r.stdout);
    expect(j.windows.map((w: {startS: number; requests: number}) => [w.startS, w.requests])).toEqual([[0, 3], [120, 2], [240, 1]]);
    expect(j.summary).toMatchObject({requests: 6, emptyWindows: 0});
    expect(j.badLines.count).toBe(0);
  });
  it('stops at a bad record with its line number, or skips and lists them', async () => {
    const r = await runCommand(['trace', 'stats', fixture('bad-records.jsonl')]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim()).toMatch(/^Error: .*bad-records\.jsonl:4: bad trace record: "input_length" must be an integer \(tokens\) \(pass --skip-bad-lines to skip bad records\)$/);
    const s = await runCommand(['trace', 'stats', fixture('bad-records.jsonl'), '--skip-bad-lines']);
    expect(s.exitCode).toBe(0);
    expect(s.stdout).toContain('3 requests');
    expect(s.stdout).toContain('skipped 6 bad lines');
    expect(s.stdout).toContain('line 5: not valid JSON');
  });
  it('names a missing file', async () => {
    const r = await runCommand(['trace', 'stats', 'nope.jsonl']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim()).toBe('Error: trace file nope.jsonl does not exist');
  });
});
