/**
 * The bad-input and fault corpus of issue 16, one table per kind. Every case checks the exit
 * code, exactly one `Error:` line naming the file, line, flag or request, no stack trace, and that
 * no output is left behind (or an existing one replaced). Most cases run in this process (runCommand: oclif's
 * `run`); every case that used to hang, and one per kind, runs the built CLI with a timeout, so a
 * regression fails instead of stalling the suite.
 */
import {existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {runCli, runCommand, SHIPPED_PROFILE, type CliResult} from '../helpers/cli.js';

let base: string;
beforeAll(() => {
  base = mkdtempSync(path.join(tmpdir(), 'corpus-'));
});
afterAll(() => rmSync(base, {recursive: true, force: true}));

const shipped = (): Record<string, any> => JSON.parse(readFileSync(path.join(SHIPPED_PROFILE, 'profile.json'), 'utf8'));

/** A profile directory holding the shipped profile with one edit. */
function editedProfile(name: string, edit: (p: Record<string, any>) => void): string {
  const dir = path.join(base, name);
  mkdirSync(dir, {recursive: true});
  const p = shipped();
  edit(p);
  writeFileSync(path.join(dir, 'profile.json'), JSON.stringify(p));
  return dir;
}

function file(name: string, text: string): string {
  const f = path.join(base, name);
  mkdirSync(path.dirname(f), {recursive: true});
  writeFileSync(f, text);
  return f;
}

const out = (name: string): string => path.join(base, 'out', name);

interface Case {
  name: string;
  args: () => string[];
  exit: number;
  /** The one Error: line. */
  error: RegExp;
  /** Paths that must not exist afterwards (no partial output). */
  absent?: () => string[];
  /** Run the built CLI (with a timeout) instead of in-process. */
  spawn?: boolean;
}

/** Exit code, one clear Error: line, no stack, nothing left behind. */
async function check(c: Case): Promise<CliResult> {
  const args = c.args();
  const r = c.spawn ? await runCli(args, {timeoutMs: 60_000}) : await runCommand(args);
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('Error:'));
  expect(errors, r.stderr).toHaveLength(1);
  expect(errors[0]).toMatch(c.error);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.exitCode, r.stderr).toBe(c.exit);
  for (const p of c.absent?.() ?? []) expect(existsSync(p), `${p} was left behind`).toBe(false);
  return r;
}

const P = SHIPPED_PROFILE;
const sparseTrace = () => file('sparse.jsonl', [0, 9e12].map((t) => JSON.stringify({timestamp: t, input_length: 10, output_length: 5, hash_ids: [1]})).join('\n') + '\n');

describe('kind 1: work that grows without bound, destinations that hang', () => {
  const cases: Case[] = [
    {name: 'profile export --out /proc/x', spawn: true, args: () => ['profile', 'export', P, '--out', '/proc/x'], exit: 1, error: /^Error: \/proc\/x: cannot create directory \(ENOENT\)$/},
    {name: 'profile import --out /proc/x', spawn: true, args: () => ['profile', 'import', '--prefill', path.join(P, 'profile.json'), '--out', '/proc/x'], exit: 2, error: /^Error: / },
    {name: 'dryrun --out /proc/x', spawn: true, args: () => ['dryrun', '--out', '/proc/x'], exit: 1, error: /^Error: \/proc\/x: cannot create directory \(ENOENT\)$/},
    {name: 'profile --synthetic --out /proc/x', spawn: true, args: () => ['profile', '--synthetic', '--model', 'llama-3.1-8b', '--gpu', 'h200_sxm', '--tp', '1', '--out', '/proc/x'], exit: 1, error: /^Error: \/proc\/x: cannot create directory/},
    {name: 'profile --endpoint --out /proc/x', spawn: true, args: () => ['profile', '--endpoint', 'http://127.0.0.1:9', '--out', '/proc/x'], exit: 1, error: /^Error: \/proc\/x: cannot create directory/},
    {name: 'recommend --html /proc/x/report.html', spawn: true, args: () => ['recommend', '-p', P, '--isl', '3000', '--osl', '150', '--ttft', '200', '--itl', '20', '--html', '/proc/x/report.html'], exit: 1, error: /^Error: \/proc\/x: cannot create directory/},
    {name: 'trace stats --window 0.000001', spawn: true, args: () => ['trace', 'stats', sparseTrace(), '--window', '0.000001'], exit: 2, error: /^Error: --window must be >= 0\.001, got 0\.000001: timestamps are whole milliseconds/},
    {name: 'trace stats on a timestamp of 1e15 ms', spawn: true, args: () => ['trace', 'stats', file('far.jsonl', `{"timestamp":0,"input_length":1,"output_length":1}\n{"timestamp":1e15,"input_length":1,"output_length":1}\n`)], exit: 2, error: /far\.jsonl:2: bad trace record: "timestamp" must be <= 10000000000000 ms/},
    {name: 'simulate --concurrency 10000000', spawn: true, args: () => ['simulate', '--profile', P, '--isl', '100', '--osl', '10', '--concurrency', '10000000'], exit: 2, error: /^Error: --concurrency must be <= 100000, got 10000000: /},
    {name: 'simulate --requests 1e12', spawn: true, args: () => ['simulate', '--profile', P, '--isl', '100', '--osl', '10', '--concurrency', '4', '--requests', '1000000000000'], exit: 2, error: /^Error: --requests must be <= 10000000, got 1000000000000: /},
    {name: 'recommend --sim-requests 1e9', spawn: true, args: () => ['recommend', '-p', P, '--isl', '3000', '--osl', '150', '--ttft', '200', '--itl', '20', '--sim-requests', '1000000000'], exit: 2, error: /^Error: --sim-requests must be <= 1000000/},
    {name: 'estimate --isl 1e15', spawn: true, args: () => ['estimate', '--model', 'llama-3.1-8b', '--gpu', 'h200_sxm', '--isl', '1000000000000000'], exit: 2, error: /^Error: --isl must be <= 10000000, .*context window/},
    {name: 'dryrun --adjustment-interval 0.000001', spawn: true, args: () => ['dryrun', '--adjustment-interval', '0.000001', '--out', out('dr1')], exit: 2, error: /^Error: --adjustment-interval must be >= 1/, absent: () => [path.join(out('dr1'), 'report.html')]},
    {name: 'dryrun --time-duration 1e12', spawn: true, args: () => ['dryrun', '--time-duration', '1e12', '--out', out('dr2')], exit: 2, error: /^Error: --time-duration must be <= 31536000/, absent: () => [path.join(out('dr2'), 'report.html')]},
    {name: 'dryrun over more intervals than it decides', spawn: true, args: () => ['dryrun', '--time-duration', '31000000', '--adjustment-interval', '1', '--request-rate-max', '1', '--request-rate-min', '0', '--out', out('dr3')], exit: 2, error: /^Error: the load spans 31000000 adjustment intervals, more than the 100000/},
    {name: 'trace sin --request-rate-max 1e300', spawn: true, args: () => ['trace', 'sin', '--request-rate-max', '1e300', '--out', out('huge.jsonl')], exit: 2, error: /^Error: --request-rate-max must be <= 1000000/, absent: () => [out('huge.jsonl')]},
    {name: 'trace sin making more requests than a trace may hold', spawn: true, args: () => ['trace', 'sin', '--request-rate-max', '100000', '--time-duration', '100000', '--out', out('big.jsonl')], exit: 2, error: /^Error: --request-rate-max 100000 req\/s over --time-duration 100000 s makes up to 1\.00e\+10 requests/, absent: () => [out('big.jsonl')]},
  ];
  it.each(cases)('$name', async (c) => {
    await check(c);
  });

  it('trace stats over a 300-year gap counts the empty windows without walking them', async () => {
    const r = await runCli(['trace', 'stats', sparseTrace(), '--json'], {timeoutMs: 60_000});
    expect(r.exitCode).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.summary).toMatchObject({requests: 2, windows: 150_000_001, emptyWindows: 149_999_999});
    expect(j.windows).toHaveLength(2);
  });
});

describe('kind 2: crashes with a stack', () => {
  const cases: Case[] = [
    {name: 'serve-mock --truth in a missing directory', spawn: true, args: () => ['serve-mock', '--profile', P, '--port', '0', '--truth', '/no/such/dir/truth.jsonl'], exit: 1, error: /^Error: \/no\/such\/dir\/truth\.jsonl: cannot open the truth file \(ENOENT\)$/},
    {name: 'serve-mock --truth under /proc', spawn: true, args: () => ['serve-mock', '--profile', P, '--port', '0', '--truth', '/proc/x/truth.jsonl'], exit: 1, error: /^Error: \/proc\/x\/truth\.jsonl: cannot open the truth file/},
    {name: 'serve-mock --truth naming a directory', spawn: true, args: () => ['serve-mock', '--profile', P, '--port', '0', '--truth', base], exit: 1, error: /cannot open the truth file \(EISDIR\)/},
    {name: 'profile import of a missing Dynamo file', args: () => ['profile', 'import', '--prefill', '/no/such/prefill_raw_data.json', '--out', path.join(base, 'imported')], exit: 2, error: /^Error: Dynamo profile file \/no\/such\/prefill_raw_data\.json does not exist$/, absent: () => [path.join(base, 'imported')]},
    {name: 'fit with samples.jsonl of wrong types', args: () => {
      const dir = editedProfile('fit-bad-samples', () => {});
      writeFileSync(path.join(dir, 'samples.jsonl'), `${JSON.stringify({point: 'prefill/isl=100', phase: 'prefill', isl: '100', osl: 5, concurrency: 1, intendedSendMs: 0, sendMs: 0, ttftMs: 10, itlMs: null, chunks: [], inputTokens: 100, outputTokens: 5, status: 'ok'})}\n`);
      return ['fit', dir];
    }, exit: 2, error: /samples\.jsonl:1: "isl" must be a non-negative number \(got "100"\)$/},
    {name: 'fit with a sample whose chunks are not pairs', args: () => {
      const dir = editedProfile('fit-bad-chunks', () => {});
      writeFileSync(path.join(dir, 'samples.jsonl'), `${JSON.stringify({point: 'decode/isl=100/n=1', phase: 'decode', isl: 100, osl: 5, concurrency: 1, intendedSendMs: 0, sendMs: 0, ttftMs: 10, itlMs: 2, chunks: [[1, 'x']], inputTokens: 100, outputTokens: 5, status: 'ok'})}\n`);
      return ['fit', dir, '--no-write'];
    }, exit: 2, error: /samples\.jsonl:1: "chunks"\[0\] must be \[offset ms, tokens\]/},
    {name: 'interpolate on fits without coefficients', args: () => ['interpolate', '-p', editedProfile('fits-nocoef', (p) => (p.fits = {prefill: {r2: 1}})), '--method', 'regression'], exit: 2, error: /profile\.json: fits\.prefill\.coefficients is missing$/},
  ];
  it.each(cases)('$name', async (c) => {
    const r = await check(c);
    expect(r.stdout).not.toMatch(/listening|http:\/\//);
  });
});

describe('kind 3: nonsense accepted with exit 0', () => {
  const cases: Case[] = [
    {name: 'a prefill TTFT of 1e308', args: () => ['interpolate', '-p', editedProfile('ttft-huge', (p) => (p.prefill.prefill_ttft[0] = 1e308))], exit: 2, error: /profile\.json: prefill\.prefill_ttft\[0\] is 1e\+308: latency must be between/},
    {name: 'a prefill TTFT of 5e-324', args: () => ['interpolate', '-p', editedProfile('ttft-tiny', (p) => (p.prefill.prefill_ttft[0] = 5e-324))], exit: 2, error: /prefill\.prefill_ttft\[0\] is 5e-324: latency must be between 0\.001 ms/},
    {name: 'a last prefill ISL of 1e300', args: () => ['interpolate', '-p', editedProfile('isl-huge', (p) => (p.prefill.prefill_isl[p.prefill.prefill_isl.length - 1] = 1e300))], exit: 2, error: /prefill\.prefill_isl\[\d+\] is 1e\+300: ISLs must be positive integers up to 10000000/},
    {name: 'regression on string coefficients', args: () => ['interpolate', '-p', editedProfile('fits-str', (p) => (p.fits = {prefill: {coefficients: {a: 'x', b: 1, c: 0}}})), '--method', 'regression'], exit: 2, error: /fits\.prefill\.coefficients\.a is "x", not a finite number/},
    {name: 'interpolate --isl 1e20', args: () => ['interpolate', '-p', P, '--isl', '1e20'], exit: 2, error: /^Error: --isl must be <= 10000000, got 100000000000000000000/},
    {name: 'a query whose context does not fit the KV cache', args: () => ['interpolate', '-p', editedProfile('small-kv', (p) => (p.decode.max_kv_tokens = 1000)), '--method', 'regression', '--isl', '5000'], exit: 2, error: /: the regression KV usage answer at ISL 5000, OSL 150 is \d+(\.\d+)?: one request of 5075 context tokens does not fit/},
    {name: 'simulate --request-rate 1e-300', args: () => ['simulate', '--profile', P, '--isl', '100', '--osl', '10', '--request-rate', '1e-300'], exit: 2, error: /^Error: --request-rate must be >= 0\.001, got 1e-300: /},
    {name: 'trace stats on bad hash_ids', args: () => ['trace', 'stats', file('hash.jsonl', '{"timestamp":0,"input_length":10,"output_length":5,"hash_ids":["a",null,{"x":1},-1.5]}\n')], exit: 2, error: /hash\.jsonl:1: bad trace record: "hash_ids"\[0\] must be a non-negative integer, got "a"/},
    {name: 'trace stats on a negative hash id', args: () => ['trace', 'stats', file('hash2.jsonl', '{"timestamp":0,"input_length":10,"output_length":5,"hash_ids":[1,-1.5]}\n')], exit: 2, error: /hash2\.jsonl:1: .*"hash_ids"\[1\] must be a non-negative integer, got -1\.5/},
  ];
  it.each(cases)('$name', async (c) => {
    await check(c);
  });
});

describe('kind 4: messages that do not say what is wrong', () => {
  const cases: Case[] = [
    {name: 'profile export of <i8 over float data', args: () => ['profile', 'export', editedProfile('dtype-i8', (p) => (p.dtypes = {prefill_ttft: '<i8'})), '--out', out('exp1')], exit: 2, error: /dtypes\.prefill_ttft is <i8 but prefill_ttft\[0\] is [\d.]+, not an integer of that size$/, absent: () => [out('exp1')]},
    {name: 'profile export of <i4 overflow', args: () => ['profile', 'export', editedProfile('dtype-i4', (p) => (p.dtypes = {max_kv_tokens: '<i4'}, p.decode.max_kv_tokens = 2 ** 33)), '--out', out('exp2')], exit: 2, error: /dtypes\.max_kv_tokens is <i4 but max_kv_tokens\[0\] is 8589934592/, absent: () => [out('exp2')]},
    {name: 'trace sin --isl1 1e12', args: () => ['trace', 'sin', '--isl1', '1e12', '--out', out('isl.jsonl')], exit: 2, error: /^Error: --isl1 must be <= 10000000, got 1000000000000: longer than any model's context window/, absent: () => [out('isl.jsonl')]},
    {name: 'trace sin --total-blocks 1e10', args: () => ['trace', 'sin', '--total-blocks', '1e10', '--out', out('tb.jsonl')], exit: 2, error: /^Error: --total-blocks must be <= 4294967296, got 10000000000: block ids are 32-bit/},
    {name: 'a --gpu-mem-util that is not a number', args: () => ['estimate', '--model', 'llama-3.1-8b', '--gpu', 'h200_sxm', '--gpu-mem-util', 'lots'], exit: 2, error: /^Error: --gpu-mem-util must be a number, got "lots"/},
    {name: 'a query line with a string ISL', args: () => ['interpolate', '-p', P, '--input', file('q.jsonl', '{"isl":3000}\n{"isl":"big"}\n')], exit: 2, error: /q\.jsonl:2: isl must be a number \(got "big"\)$/},
    {name: 'serve-mock --stall-ms without a number', args: () => ['serve-mock', '--profile', P, '--stall-ms', 'long'], exit: 2, error: /^Error: --stall-ms must be a number, got "long"/},
    {name: 'recommend --tp with a zero', args: () => ['recommend', '--synthetic', '--model', 'llama-3.1-8b', '--gpu', 'h200_sxm', '--tp', '1,0', '--isl', '100', '--osl', '10', '--ttft', '100', '--itl', '10'], exit: 2, error: /^Error: --tp must be >= 1, got 0/},
  ];
  it.each(cases)('$name', async (c) => {
    await check(c);
  });
  it('spawned: the dtype error of profile export', async () => {
    await check({...cases[0]!, spawn: true});
  });
});

describe('kind 6: partial or replaced output', () => {
  it('fit DIR/other.json writes other.json, never DIR/profile.json', async () => {
    const dir = editedProfile('fit-other', () => {});
    const before = readFileSync(path.join(dir, 'profile.json'), 'utf8');
    const other = shipped();
    other.engine.model = 'other-model';
    writeFileSync(path.join(dir, 'other.json'), JSON.stringify(other));
    const r = await runCommand(['fit', path.join(dir, 'other.json')]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(readFileSync(path.join(dir, 'profile.json'), 'utf8')).toBe(before);
    const written = JSON.parse(readFileSync(path.join(dir, 'other.json'), 'utf8'));
    expect(written.engine.model).toBe('other-model');
    expect(written.fits.prefill.coefficients).toBeDefined();
  });

  const cases: Case[] = [
    {name: 'a failed export leaves neither NPZ', args: () => ['profile', 'export', editedProfile('dtype-half', (p) => (p.dtypes = {z_itl: '<i8'})), '--out', out('half')], exit: 2, error: /dtypes\.z_itl is <i8/, absent: () => [path.join(out('half'), 'selected_prefill_interpolation/raw_data.npz'), path.join(out('half'), 'selected_decode_interpolation/raw_data.npz')]},
    {name: 'trace sin with a bad option leaves no file', args: () => ['trace', 'sin', '--request-rate-min', '10', '--request-rate-max', '5', '--out', out('sin-bad.jsonl')], exit: 2, error: /^Error: --request-rate-max \(5\) is below --request-rate-min \(10\)$/, absent: () => [out('sin-bad.jsonl')]},
    {name: 'trace sin into a directory', args: () => ['trace', 'sin', '--out', base], exit: 1, error: /is a directory, not a file$/},
    {name: 'recommend --emit-planner-config under /sys writes no NPZ first', args: () => ['recommend', '-p', P, '--isl', '3000', '--osl', '150', '--ttft', '200', '--itl', '20', '--emit-planner-config', '/sys/x/planner.json', '--planner-profile-dir', out('planner-d')], exit: 1, error: /^Error: \/sys\/x: cannot create directory \(EPERM\)$/, absent: () => [path.join(out('planner-d'), 'selected_prefill_interpolation/raw_data.npz')]},
    {name: 'recommend --html into a file parent', args: () => ['recommend', '-p', P, '--isl', '3000', '--osl', '150', '--ttft', '200', '--itl', '20', '--html', path.join(file('plain-file', 'x'), 'r.html')], exit: 1, error: /plain-file is not a directory/},
    {name: 'dryrun --out below a file', args: () => ['dryrun', '--out', path.join(file('plain-file2', 'x'), 'sub')], exit: 1, error: /plain-file2 is not a directory/},
  ];
  it.each(cases)('$name', async (c) => {
    await check(c);
  });
  it('spawned: recommend --emit-planner-config under /sys', async () => {
    await check({...cases[3]!, spawn: true});
  });
  it('leaves no temporary files next to outputs', () => {
    const leftovers = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir, {recursive: true}).map(String).filter((f) => f.endsWith('.tmp')) : []);
    expect(leftovers(path.join(base, 'out'))).toEqual([]);
    expect(leftovers(base)).toEqual([]);
  });
});
