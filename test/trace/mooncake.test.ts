import {describe, expect, it} from 'vitest';
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {readTraceAll, writeTrace, validateRecord, type TraceRecord} from '../../src/trace/mooncake.js';
import {bucketTrace, WindowAccumulator, summarize, windowRates} from '../../src/trace/windows.js';
import {REPO_ROOT} from '../helpers/cli.js';
import {PlannerError} from '../../src/errors.js';

const fixture = (name: string) => path.join(REPO_ROOT, 'fixtures/traces', name);

describe('mooncake reader', () => {
  it('stops at the first bad record, naming file and line', async () => {
    const err = await readTraceAll(fixture('bad-records.jsonl')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlannerError);
    expect((err as PlannerError).exitCode).toBe(2);
    expect((err as Error).message).toContain('bad-records.jsonl:4: bad trace record: "input_length" must be an integer');
  });
  it('skips and counts bad records with their line numbers', async () => {
    const {records, stats} = await readTraceAll(fixture('bad-records.jsonl'), {skipBadLines: true});
    expect(records.map((r) => r.timestamp)).toEqual([0, 500, 4000]);
    expect(stats).toMatchObject({lines: 10, records: 3, blankLines: 1, badLines: 6});
    expect(stats.firstBad.map((b) => b.line)).toEqual([4, 5, 6, 7, 8, 9]);
    expect(stats.firstBad[1]!.reason).toBe('not valid JSON');
    expect(stats.firstBad[2]!.reason).toContain('"timestamp" must be >= 0');
    expect(stats.firstBad[3]!.reason).toBe('not a JSON object');
    expect(stats.firstBad[5]!.reason).toContain('"hash_ids" must be an array');
  });
  it('numbers lines across the reader\'s 1 MB chunks: a bad record far into a large file names its own line', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'trace-'));
    const file = path.join(dir, 't.jsonl');
    const lines = Array.from({length: 60000}, (_, i) => `{"timestamp":${i},"input_length":100,"output_length":10,"hash_ids":[${i}]}`);
    lines[41234] = '';
    lines[54321] = '{"timestamp":5,"input_length":1.5,"output_length":10}';
    writeFileSync(file, lines.join('\n'));
    await expect(readTraceAll(file)).rejects.toThrow(`${file}:54322: bad trace record: "input_length" must be an integer`);
    const {records, stats} = await readTraceAll(file, {skipBadLines: true});
    expect(stats).toMatchObject({lines: 60000, records: 59998, blankLines: 1, badLines: 1, firstBad: [{line: 54322}]});
    expect(records.at(-1)!.timestamp).toBe(59999);
  });
  it('names a missing file', async () => {
    await expect(readTraceAll('/nonexistent/trace.jsonl')).rejects.toThrow(/trace file \/nonexistent\/trace.jsonl does not exist/);
  });
  it('validates fields', () => {
    expect(validateRecord({timestamp: 1, input_length: 2, output_length: 3})).toEqual({timestamp: 1, input_length: 2, output_length: 3});
    expect(validateRecord({input_length: 2, output_length: 3})).toMatch(/timestamp/);
    expect(validateRecord({timestamp: 1, input_length: 2})).toMatch(/output_length/);
  });
  it('round-trips through the writer, handling CRLF and a missing final newline', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'trace-'));
    const file = path.join(dir, 't.jsonl');
    const recs: TraceRecord[] = Array.from({length: 25000}, (_, i) => ({timestamp: i * 10, input_length: i % 700, output_length: 7, hash_ids: [i, i + 1]}));
    expect(writeTrace(file, recs)).toBe(25000);
    const {records} = await readTraceAll(file);
    expect(records).toEqual(recs);
    writeFileSync(file, readFileSync(file, 'utf8').replace(/\n/g, '\r\n').replace(/\r\n$/, ''));
    expect((await readTraceAll(file)).records).toEqual(recs);
  });
});

describe('windows', () => {
  it('buckets per interval, dropping empty windows like Dynamo\'s classic dry run', async () => {
    const {records} = await readTraceAll(fixture('empty-windows.jsonl'));
    const m = await bucketTrace(records, 60);
    expect(m).toEqual([
      {startS: 0, requestCount: 3, avgIsl: 2000, avgOsl: 200},
      {startS: 180, requestCount: 2, avgIsl: 1000, avgOsl: 100},
      {startS: 240, requestCount: 1, avgIsl: 800, avgOsl: 80},
    ]);
  });
  it('counts the windows spanned, empty ones included, without materialising them', () => {
    const acc = new WindowAccumulator(60);
    acc.add({timestamp: 0, input_length: 1, output_length: 1});
    acc.add({timestamp: 9e12, input_length: 1, output_length: 1});
    expect(acc.spannedWindows()).toBe(150_000_001);
    expect(acc.metrics().map((w) => w.startS)).toEqual([0, 9e9]);
  });
  it('summarises totals', async () => {
    const {records} = await readTraceAll(fixture('empty-windows.jsonl'));
    const acc = new WindowAccumulator(60);
    for (const r of records) acc.add(r);
    const rated = windowRates(acc, acc.metrics());
    // the last window opens at 240 s, the instant of the last arrival: it covers no time, so no rate
    expect(rated.map((w) => [w.coveredS, w.rateRps])).toEqual([[60, 3 / 60], [60, 2 / 60], [0, null]]);
    const s = summarize(acc, rated);
    expect(s).toMatchObject({requests: 6, spanS: 240, meanIsl: 8800 / 6, meanOsl: 880 / 6, windows: 5, emptyWindows: 2, peakRateRps: 3 / 60, outOfOrder: 0});
    expect(s.meanRateRps).toBeCloseTo(6 / 240, 12);
  });
  it('divides a partial last window by the time it covers', () => {
    const acc = new WindowAccumulator(60);
    for (const t of [0, 10_000, 20_000, 30_000, 39_700]) acc.add({timestamp: t, input_length: 1, output_length: 1, hash_ids: []});
    const rated = windowRates(acc, acc.metrics());
    expect(rated[0]!.coveredS).toBeCloseTo(39.7, 12);
    expect(rated[0]!.rateRps).toBeCloseTo(5 / 39.7, 12);
    expect(summarize(acc, rated).meanRateRps).toBeCloseTo(5 / 39.7, 12);
  });
});
