/**
 * planner profile --endpoint / --launch end to end: the built CLI against a serve-mock started by
 * the test on 127.0.0.1 (linear test model, so expected latencies can be worked out by hand).
 */
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {existsSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {execa} from 'execa';
import {afterEach, describe, expect, it} from 'vitest';
import {REPO_ROOT, runCli, runCommand, SHIPPED_PROFILE} from '../helpers/cli.js';
import {startTestServeMock, type ServeMock} from '../helpers/serve-mock.js';
import {linearPerfModel} from '../helpers/linear-perf-model.js';
import type {SampleRecord} from '../../src/profile/samples.js';
import type {Profile} from '../../src/profile/types.js';

const SMALL = ['--max-context', '600', '--prefill-granularity', '2', '--decode-granularity', '2', '--decode-osl', '20', '--max-concurrency', '8', '--warmup', '1', '--progress', 'plain'];
const tmp = () => mkdtempSync(path.join(tmpdir(), 'live-e2e-'));
const readProfile = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'profile.json'), 'utf8')) as Profile;
const readSamples = (dir: string) => readFileSync(path.join(dir, 'samples.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as SampleRecord);

let mock: ServeMock | undefined;
afterEach(async () => {
  await mock?.close();
  mock = undefined;
});

async function startMock(opts: Parameters<typeof startTestServeMock>[0] = {}): Promise<ServeMock> {
  mock = await startTestServeMock({perfModel: linearPerfModel({maxKvTokens: 20_000}), ...opts});
  return mock;
}

/** Stop the serve-mock now (its truth log is complete once it is closed). */
async function closeMock(): Promise<void> {
  await mock?.close();
  mock = undefined;
}

/** The serve-mock's own record of each request (--truth), by response id; read after closeMock(). */
function readTruth(file: string): Map<string, {itlMs: number | null; tokenOffsetsMs: number[]}> {
  return new Map(readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).map((t) => [t.id, t]));
}

/**
 * The client's ITL against the server's schedule of the same request. serve-mock shares the test
 * process and the CLI runs beside it, so on a loaded machine a late first chunk shortens the
 * measured ITL and a late last one lengthens it: only a wide ratio is asserted (figures: bench/).
 */
function expectItlNearTruth(samples: SampleRecord[], truth: ReturnType<typeof readTruth>): void {
  const measured = samples.filter((s) => s.phase === 'decode' && s.status === 'ok' && s.itlMs !== null);
  expect(measured.length).toBeGreaterThan(0);
  for (const s of measured) {
    const t = truth.get(s.responseId!)!;
    expect(s.itlMs! / t.itlMs!).toBeGreaterThan(0.5);
    expect(s.itlMs! / t.itlMs!).toBeLessThan(2);
  }
}

describe('planner profile --endpoint', () => {
  it('runs a small sweep and writes profile, samples, report and CSV', async () => {
    const out = tmp();
    const truthFile = path.join(tmp(), 'truth.jsonl');
    const m = await startMock({truthFile});
    const r = await runCli(['profile', '--endpoint', m.url, '--out', out, ...SMALL, '--csv', '--gpu', 'h200_sxm']);
    expect(r.stderr).toMatch(/\[6\/6\] decode isl=390 osl=20 n=8: median steady-state ITL/);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/TP 1: .*profile\.json +\(2 prefill points, 4 decode points; \d+ requests this run, 0 errors\)/);
    const p = readProfile(out);
    expect(p.source.kind).toBe('live');
    expect(p.engine).toMatchObject({model: 'mock-model', gpu: 'h200_sxm', tp: 1, maxKvTokens: 20_000});
    // prompts calibrated to the mock tokenizer: the measured ISLs are the plan's
    expect(p.prefill!.prefill_isl).toEqual([100, 350]);
    // linear model: prefill of 350 tokens = one step of 10 + 0.01 * 350 = 13.5 ms, plus HTTP overhead
    // (the client sends before the server receives, and the first token cannot leave earlier).
    expect(p.prefill!.prefill_ttft[1]).toBeGreaterThan(13.5);
    expect(p.spread!.prefill_ttft_p10).toHaveLength(2);
    const d = p.decode!;
    expect(d.y_context_length).toEqual([110, 110, 400, 400]);
    expect(d.x_kv_usage[3]).toBeCloseTo((400 * 8) / 20_000, 10);
    expect(d.max_kv_tokens).toBe(20_000);
    expect(p.fits?.prefill).toBeDefined();
    // the progress lines show the medians the profile stores (not a lower median, not another ITL)
    const shown = (re: RegExp) => Number(re.exec(r.stderr)?.[1]);
    const fmt = (v: number) => Number(v.toFixed(v < 10 ? 2 : 1));
    expect(shown(/prefill isl=350 \(3x\): median TTFT ([\d.]+) ms/)).toBe(fmt(p.prefill!.prefill_ttft[1]!));
    expect(shown(/decode isl=390 osl=20 n=8: median steady-state ITL ([\d.]+) ms/)).toBe(fmt(d.z_itl[3]!));
    const samples = readSamples(out);
    expect(samples).toHaveLength(2 * 3 + 1 + 8 + 1 + 8);
    expect(samples.every((s) => s.status === 'ok' && s.inputTokens === s.isl && s.outputTokens === s.osl)).toBe(true);
    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(html).toContain('Prefill: TTFT vs ISL');
    expect(html.match(/Plotly=|plotly\.js v/g)?.length ?? 0).toBeGreaterThan(0);
    const again = await runCli(['profile', '--endpoint', m.url, '--out', out, ...SMALL]);
    expect(again.exitCode).toBe(2);
    expect(again.stderr.trim()).toMatch(/^Error: .*samples\.jsonl already holds samples of a sweep \(add --resume to continue it, or choose another --out\)$/);
    expect(readFileSync(path.join(out, 'decode.csv'), 'utf8').split('\n')[0]).toBe('point,requestedIsl,isl,osl,concurrency,contextLength,kvUsage,itlMs,itlP10Ms,itlP90Ms,thptPerGpu,steady,windowMs,ok,errors');
    await closeMock();
    const truth = readTruth(truthFile);
    expectItlNearTruth(samples, truth);
    // The server's schedule: at n=1, context 110, a step is 10 + 1 + 0.001 * ~110 = ~11.1 ms; at n=8,
    // context 400, 10 + 8 + 0.001 * 8 * ~400 = ~21.2 ms.
    const truthItl = (n: number) => samples.filter((s) => s.phase === 'decode' && s.concurrency === n && s.steady).map((s) => truth.get(s.responseId!)!.itlMs!);
    for (const itl of truthItl(1)) expect(itl).toBeGreaterThan(11);
    for (const itl of truthItl(8)) expect(itl).toBeGreaterThan(18);
  });

  it('--json prints only the summary; --api chat and multi-token chunks measure the same ITL', async () => {
    const out = tmp();
    const truthFile = path.join(tmp(), 'truth.jsonl');
    const m = await startMock({tokensPerChunk: 4, truthFile});
    const r = await runCli(['profile', '--endpoint', m.url, '--out', out, ...SMALL, '--api', 'chat', '--only', 'decode', '--json']);
    expect(r.exitCode).toBe(0);
    const j = JSON.parse(r.stdout) as {profiles: {decodePoints: number; maxKvTokensSource: string; calibration: {tokensPerUnit: number}}[]; interrupted: boolean};
    expect(j.interrupted).toBe(false);
    expect(j.profiles[0]).toMatchObject({decodePoints: 4, maxKvTokensSource: 'metrics', calibration: {tokensPerUnit: 1}});
    await closeMock();
    const samples = readSamples(out);
    expectItlNearTruth(samples, readTruth(truthFile));
    const s = samples.find((x) => x.concurrency === 1)!;
    // serve-mock writes 1, 4, 4, 4, 4, 3 tokens; writes that reach the client in one read (a loaded
    // machine) are one chunk with their tokens summed, so the chunk boundaries are a subset of the writes'
    const counts = s.chunks.map((c) => c[1]);
    let sum = 0;
    const boundaries = counts.map((c) => (sum += c));
    expect(boundaries.at(-1)).toBe(20);
    for (const b of boundaries) expect([1, 5, 9, 13, 17, 20]).toContain(b);
    // the ITL is per token: (last - first chunk) / the tokens after the first chunk
    expect(s.itlMs!).toBeCloseTo((s.chunks.at(-1)![0] - s.chunks[0]![0]) / (20 - counts[0]!), 3);
  });

  it('--tokenizer sends token-id prompts of the exact length', async () => {
    const m = await startMock();
    const out = tmp();
    const vocab: Record<string, number> = {'<s>': 0};
    for (let i = 1; i < 500; i++) vocab[`t${i}`] = i;
    const tok = path.join(out, 'tokenizer.json');
    writeFileSync(tok, JSON.stringify({model: {vocab}, added_tokens: [{id: 0}]}));
    const r = await runCli(['profile', '--endpoint', m.url, '--out', path.join(out, 'p'), '--tokenizer', tok, '--only', 'prefill', '--max-context', '1000', '--prefill-granularity', '3', '--prefill-repeats', '1', '--warmup', '0']);
    expect(r.exitCode).toBe(0);
    expect(readProfile(path.join(out, 'p')).prefill!.prefill_isl).toEqual([100, 400, 700]);
    const chat = await runCommand(['profile', '--endpoint', m.url, '--out', path.join(out, 'q'), '--tokenizer', tok, '--api', 'chat']);
    expect(chat.exitCode).toBe(2);
    expect(chat.stderr.trim()).toBe('Error: --tokenizer needs --api completions (token-id prompts) (drop --tokenizer to calibrate chat prompts from usage.prompt_tokens)');
  });

  it('survives and counts every serve-mock fault: 500, 429, stalls and dropped streams', async () => {
    const m = await startMock({faults: {errorRate: 0.15, rateLimit: 200, stallMs: 100, stallRate: 0.2, dropRate: 0.1}, seed: 7});
    const out = tmp();
    const r = await runCli(['profile', '--endpoint', m.url, '--out', out, ...SMALL, '--retries', '0']);
    // With --retries 0 a point can lose every request to the faults: then the run says which
    // and exits 1, and the profile still holds the points that were measured.
    const unmeasured = /^Error: (\d+) points of the sweep could not be measured; the profile holds the others/m.exec(r.stderr);
    expect(r.exitCode).toBe(unmeasured ? 1 : 0);
    if (unmeasured) expect(r.stderr).toMatch(/^warning: point \S+ could not be measured: 0 of \d+ requests succeeded/m);
    const samples = readSamples(out);
    const errors = samples.filter((s) => s.status !== 'ok');
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.some((s) => s.httpStatus === 500 && /simulated internal server error/.test(s.error!))).toBe(true);
    expect(errors.some((s) => /stream broken|ended before \[DONE\]/.test(s.error!))).toBe(true);
    expect(r.stdout).toMatch(/\d+ errors/);
    expect(r.stdout).toMatch(/\d+ x HTTP N: simulated internal server error/);
    expect(m.counters.faults.stall).toBeGreaterThan(0);
    expect(readProfile(out).prefill!.prefill_isl.length).toBeGreaterThan(0);
  });

  it('retries 429 after Retry-After until every request succeeds', async () => {
    // 1 request/s: every request within a second of the previous one is refused with Retry-After.
    const m = await startMock({faults: {rateLimit: 1}});
    const out = tmp();
    const r = await runCli(['profile', '--endpoint', m.url, '--out', out, '--only', 'prefill', '--max-context', '300', '--prefill-granularity', '1', '--prefill-repeats', '2', '--warmup', '0', '--progress', 'plain']);
    expect(r.exitCode).toBe(0);
    expect(m.counters.faults.rate_limit).toBeGreaterThan(0);
    const s = readSamples(out);
    expect(s.every((x) => x.status === 'ok')).toBe(true);
    expect(s.some((x) => (x.attempts ?? 1) > 1)).toBe(true);
  });

  it('an unreachable endpoint fails at once with one clear line', async () => {
    const r = await runCli(['profile', '--endpoint', 'http://127.0.0.1:9', '--out', tmp(), '--only', 'prefill']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr.trim()).toBe('Error: cannot reach http://127.0.0.1:9: connection refused (is the engine running? check --endpoint)');
  });

  it('decode without a KV capacity asks for --max-kv-tokens', async () => {
    const srv = await misbehaving('plain');
    try {
      const r = await runCommand(['profile', '--endpoint', srv.url, '--out', tmp(), '--only', 'decode']);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toMatch(/^Error: decode points need the KV capacity: give --max-kv-tokens/);
    } finally {
      await srv.close();
    }
  });

  it('a server that ignores max_tokens, and one that does not stream, are named', async () => {
    for (const [kind, message] of [['runaway', /the server ignored max_tokens: it sent more than 1 tokens/], ['html', /expected an SSE stream \(text\/event-stream\) but got text\/html: <html>proxy login<\/html>/]] as const) {
      const srv = await misbehaving(kind);
      try {
        const r = await runCommand(['profile', '--endpoint', srv.url, '--out', tmp(), '--only', 'prefill', '--retries', '0']);
        expect(r.exitCode).toBe(1);
        const lines = r.stderr.trim().split('\n');
        expect(lines[lines.length - 1]).toMatch(/^Error: the first request to http:\/\/127\.0\.0\.1:\d+ failed: /);
        expect(lines[lines.length - 1]).toMatch(message);
        expect(r.stderr).not.toMatch(/\n\s+at /);
      } finally {
        await srv.close();
      }
    }
  });

  it('warns when the server stops before max_tokens despite ignore_eos', async () => {
    const srv = await misbehaving('short');
    try {
      const out = tmp();
      const r = await runCommand(['profile', '--endpoint', srv.url, '--out', out, '--only', 'prefill', '--max-context', '300', '--prefill-granularity', '1', '--prefill-repeats', '2', '--warmup', '0', '--progress', 'plain']);
      expect(r.exitCode).toBe(0);
      expect(r.stderr).toMatch(/warning: the server returned 2 output tokens for max_tokens 5 \(prefill\/isl=100\): it stopped early despite ignore_eos\/min_tokens/);
      expect(r.stdout).toMatch(/2 short outputs/);
    } finally {
      await srv.close();
    }
  });

  it('Ctrl-C keeps finished samples and says how to resume; the resumed sweep ends like an uninterrupted one', async () => {
    const m = await startMock();
    const out = tmp();
    const args = ['profile', '--endpoint', m.url, '--out', out, ...SMALL, '--api-key', 'sk-secret-123'];
    const child = execa(process.execPath, [path.join(REPO_ROOT, 'bin/run.js'), ...args], {reject: false, env: {NO_COLOR: '1'}});
    let err = '';
    await new Promise<void>((resolve) => {
      child.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        if (/\[3\/6\]/.test(err)) resolve();
      });
    });
    child.kill('SIGINT');
    const first = await child;
    expect(first.exitCode).toBe(130);
    expect(first.stderr).toMatch(/interrupted: every finished request is kept in .*samples\.jsonl/);
    const resume = /resume with: (.*)/.exec(first.stderr)![1]!;
    expect(resume).toContain('--resume');
    expect(resume).not.toContain('sk-secret');
    const before = readSamples(out);
    const donePoints = new Set(before.map((s) => s.point));
    expect(donePoints.has('prefill/isl=100')).toBe(true);

    const r = await runCli([...args.filter((a, i) => a !== '--api-key' && args[i - 1] !== '--api-key'), '--resume']);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(/6 points, \d already measured \(resumed\)/);
    const after = readSamples(out);
    // finished samples are kept byte for byte, nothing is measured twice
    const kept = after.filter((s) => before.some((b) => JSON.stringify(b) === JSON.stringify(s)));
    expect(kept.length).toBeGreaterThanOrEqual(before.filter((s) => s.point === 'prefill/isl=100').length);
    const counts = new Map<string, number>();
    for (const s of after) counts.set(s.point, (counts.get(s.point) ?? 0) + 1);
    expect(Object.fromEntries(counts)).toEqual({'prefill/isl=100': 3, 'prefill/isl=350': 3, 'decode/isl=100/n=1': 1, 'decode/isl=100/n=8': 8, 'decode/isl=390/n=1': 1, 'decode/isl=390/n=8': 8});
    expect(readFileSync(path.join(out, 'samples.jsonl'), 'utf8')).not.toContain('sk-secret');

    // the grid of the uninterrupted SMALL sweep (first test), and the points measured before the
    // interruption keep exactly the values their samples give
    const a = readProfile(out);
    expect(a.prefill!.prefill_isl).toEqual([100, 350]);
    expect(a.decode!.y_context_length).toEqual([110, 110, 400, 400]);
    expect(a.decode!.x_kv_usage).toEqual([110 / 20_000, (8 * 110) / 20_000, 400 / 20_000, (8 * 400) / 20_000].map((x) => expect.closeTo(x, 10)));
    const ttft100 = before.filter((s) => s.point === 'prefill/isl=100').map((s) => s.ttftMs!).sort((x, y) => x - y);
    expect(a.prefill!.prefill_ttft[0]).toBe(ttft100[1]);
  });
  it('SIGKILL part-way loses no sample: --resume completes the sweep, keeps every earlier sample once, and measures the same points', async () => {
    // 40 ms per engine step: the sweep takes seconds, so the kill lands part-way
    const m = await startMock({perfModel: linearPerfModel({maxKvTokens: 20_000, baseMs: 40})});
    const out = tmp();
    const samplesFile = path.join(out, 'samples.jsonl');
    const args = ['profile', '--endpoint', m.url, '--out', out, ...SMALL];
    const child = execa(process.execPath, [path.join(REPO_ROOT, 'bin/run.js'), ...args], {reject: false, env: {NO_COLOR: '1'}});
    const lines = (file: string): string[] => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l.endsWith('}')) : []);
    // poll until the first point (3 prefill requests) is on disk; the hang guard is the test timeout
    while (lines(samplesFile).length < 3 && child.exitCode === null) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    const first = await child;
    expect(first.signal).toBe('SIGKILL');
    // only lines known complete: the one being written at the kill may be torn
    const before = lines(samplesFile).filter((l) => {
      try {
        JSON.parse(l);
        return true;
      } catch {
        return false;
      }
    });
    expect(before.length).toBeGreaterThanOrEqual(3);
    expect(existsSync(path.join(out, 'profile.json'))).toBe(false);

    const r = await runCli([...args, '--resume']);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(/6 points, [1-5] already measured \(resumed\)/);
    const after = readFileSync(samplesFile, 'utf8').trim().split('\n');
    const superseded = lines(path.join(out, 'samples.superseded.jsonl'));
    // every earlier sample is kept, byte for byte: in samples.jsonl, or moved aside with its unfinished point
    for (const l of before) expect(after.includes(l) || superseded.includes(l)).toBe(true);
    // none twice
    expect(new Set(after).size).toBe(after.length);
    expect(after.filter((l) => superseded.includes(l))).toEqual([]);
    // the points of an uninterrupted SMALL sweep, each with its requests
    const counts = new Map<string, number>();
    for (const l of after) {
      const point = (JSON.parse(l) as SampleRecord).point;
      counts.set(point, (counts.get(point) ?? 0) + 1);
    }
    expect(Object.fromEntries(counts)).toEqual({'prefill/isl=100': 3, 'prefill/isl=350': 3, 'decode/isl=100/n=1': 1, 'decode/isl=100/n=8': 8, 'decode/isl=390/n=1': 1, 'decode/isl=390/n=8': 8});
    const p = readProfile(out);
    expect(p.prefill!.prefill_isl).toEqual([100, 350]);
    expect(p.decode!.y_context_length).toEqual([110, 110, 400, 400]);
  }, 120_000);
});

describe('planner profile --launch', () => {
  it('starts serve-mock per TP without a shell, profiles it into DIR/tpN and stops it', async () => {
    const out = tmp();
    const launch = `"${process.execPath}" "${path.join(REPO_ROOT, 'bin/run.js')}" serve-mock --profile "${SHIPPED_PROFILE}" --port {port} --max-kv-tokens 20000`;
    const r = await runCli(['profile', '--launch', launch, '--tp', '1', '--out', out, ...SMALL, '--only', 'prefill', '--launch-timeout', '30']);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(/TP 1: engine ready on http:\/\/127\.0\.0\.1:(\d+)/);
    expect(r.stderr).toMatch(/TP 1: engine stopped/);
    expect(existsSync(path.join(out, 'tp1', 'profile.json'))).toBe(true);
    const port = Number(/127\.0\.0\.1:(\d+)/.exec(r.stderr)![1]);
    // the engine is gone
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
  });

  it('SIGTERM during a launched sweep stops the engine and keeps the samples', async () => {
    const out = tmp();
    const launch = `"${process.execPath}" "${path.join(REPO_ROOT, 'bin/run.js')}" serve-mock --profile "${SHIPPED_PROFILE}" --port {port}`;
    const child = execa(process.execPath, [path.join(REPO_ROOT, 'bin/run.js'), 'profile', '--launch', launch, '--tp', '1', '--out', out, '--only', 'prefill', '--prefill-granularity', '40', '--prefill-repeats', '2', '--warmup', '0', '--progress', 'plain'], {reject: false, env: {NO_COLOR: '1'}});
    let err = '';
    await new Promise<void>((resolve) => {
      child.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        if (/\[2\/\d+\]/.test(err)) resolve();
      });
    });
    child.kill('SIGTERM');
    const r = await child;
    expect(r.exitCode).toBe(130);
    expect(r.stderr).toMatch(/SIGTERM: stopping/);
    expect(r.stderr).toMatch(/TP 1: engine stopped/);
    expect(r.stderr).toMatch(/resume with: .*--resume/);
    const port = Number(/127\.0\.0\.1:(\d+)/.exec(r.stderr)![1]);
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
    expect(readSamples(path.join(out, 'tp1')).length).toBeGreaterThanOrEqual(4);
  });

  it('an engine that exits before it is ready is reported with its last log lines', async () => {
    const launch = `"${process.execPath}" -e "console.error('CUDA out of memory'); process.exit(3)" {port}`;
    const r = await runCli(['profile', '--launch', launch, '--tp', '1', '--out', tmp(), '--only', 'prefill', '--launch-timeout', '20']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/exited before it was ready \(exit code 3\).*CUDA out of memory/);
  });
});

/** A real HTTP server that breaks the protocol in one way. */
async function misbehaving(kind: 'runaway' | 'html' | 'plain' | 'short'): Promise<{url: string; close(): Promise<void>}> {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => answer(req, res, body));
  });
  const answer = (req: http.IncomingMessage, res: http.ServerResponse, body: string): void => {
    if (req.url === '/v1/models') {
      res.writeHead(200, {'content-type': 'application/json'});
      res.end('{"data":[{"id":"m"}]}');
      return;
    }
    if (req.url === '/metrics') {
      res.writeHead(404);
      res.end();
      return;
    }
    if (kind === 'html') {
      res.writeHead(200, {'content-type': 'text/html'});
      res.end('<html>proxy login</html>');
      return;
    }
    res.writeHead(200, {'content-type': 'text/event-stream'});
    if (kind === 'short') {
      // an engine that hits EOS after two tokens whatever max_tokens says (prompt: one token per word)
      const req = JSON.parse(body) as {prompt: string; max_tokens: number};
      const promptTokens = String(req.prompt).split(/\s+/).filter(Boolean).length;
      const n = Math.min(2, req.max_tokens);
      for (let k = 0; k < n; k++) res.write('data: {"choices":[{"text":" a"}]}\n\n');
      res.end(`data: {"choices":[],"usage":{"prompt_tokens":${promptTokens},"completion_tokens":${n}}}\n\ndata: [DONE]\n\n`);
      return;
    }
    let i = 0;
    const t = setInterval(() => {
      res.write(`data: {"choices":[{"text":" w"}],"usage":{"prompt_tokens":5,"completion_tokens":${++i}}}\n\n`);
      if (i >= 50) {
        clearInterval(t);
        res.end('data: [DONE]\n\n');
      }
    }, 1);
    res.on('close', () => clearInterval(t));
  };
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {url, close: () => new Promise<void>((r) => {
    server.closeAllConnections();
    server.close(() => r());
  })};
}
