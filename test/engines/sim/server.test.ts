import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import type {PerfModel} from '../../../src/engines/perf-model.js';
import {linearPerfModel} from '../../helpers/linear-perf-model.js';
import {startTestServeMock, withServeMock, type ServeMock} from '../../helpers/serve-mock.js';

const words = (n: number): string => Array.from({length: n}, (_, i) => `w${i}`).join(' ');

interface SseEvent {
  atMs: number;
  data: string;
}

/** POST and read an SSE stream, stamping each event when it is complete. */
async function streamPost(url: string, body: unknown, signal?: AbortSignal): Promise<{status: number; events: SseEvent[]; error?: unknown}> {
  const res = await fetch(url, {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify(body), signal});
  const events: SseEvent[] = [];
  const decoder = new TextDecoder();
  let buf = '';
  try {
    for await (const part of res.body as unknown as AsyncIterable<Uint8Array>) {
      buf += decoder.decode(part, {stream: true});
      let i: number;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        for (const line of block.split('\n')) if (line.startsWith('data: ')) events.push({atMs: performance.now(), data: line.slice(6)});
      }
    }
  } catch (error) {
    return {status: res.status, events, error};
  }
  return {status: res.status, events};
}

async function postJson(url: string, body: unknown, raw?: string): Promise<{status: number; json: any; headers: Headers}> {
  const res = await fetch(url, {method: 'POST', headers: {'content-type': 'application/json'}, body: raw ?? JSON.stringify(body)});
  const json = await res.json();
  return {status: res.status, json, headers: res.headers};
}

async function metricsOf(mock: ServeMock): Promise<string> {
  return (await fetch(`${mock.url}/metrics`)).text();
}

function metricValue(text: string, name: string, labelPart = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labelPart));
  if (!line) throw new Error(`metric ${name} ${labelPart} not found`);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** Wait (polling) until a condition on the server's state holds; the test timeout guards a hang. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 2));
}

/** The linear test model, except that decode iterations over at least `kvTokens` KV tokens take 200 ms more. */
function slowAbove(kvTokens: number, options: Parameters<typeof linearPerfModel>[0]): PerfModel {
  const base = linearPerfModel(options);
  return {...base, stepMs: (s) => base.stepMs(s) + (s.decodeKvTokens >= kvTokens ? 200 : 0)};
}

// Tests that check the schedule exactly turn the resync off: a loaded machine may otherwise fall
// 50 ms behind and restart the timeline, shifting later tokens (the truth log would show it).
const EXACT = {resyncMs: Infinity};
/** The server's clock (performance.now()) of a truth-log time taken from arrivalMs (epoch ms). */
const serverClock = (epochMs: number): number => epochMs - performance.timeOrigin;

const tmp = mkdtempSync(path.join(tmpdir(), 'serve-mock-test-'));
afterAll(() => rmSync(tmp, {recursive: true, force: true}));
let truthCount = 0;
const truthPath = (): string => path.join(tmp, `truth-${truthCount++}.jsonl`);
const readTruth = (file: string): any[] => readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));

// Linear model: step = 10 + 0.01 * prefill tokens + 1 * decode requests + 0.001 * decode KV tokens (ms).
describe('serve-mock over HTTP', () => {
  it('non-streaming completion: exact usage, text of max_tokens words, simulated duration', async () => {
    const truth = truthPath();
    await withServeMock({...EXACT, truthFile: truth}, async (mock) => {
      await postJson(`${mock.url}/v1/completions`, {prompt: 'warm up', max_tokens: 1}); // connection set-up
      const r = await postJson(`${mock.url}/v1/completions`, {model: 'mock-model', prompt: words(100), max_tokens: 3});
      expect(r.status).toBe(200);
      expect(r.json.object).toBe('text_completion');
      expect(r.json.usage).toEqual({prompt_tokens: 100, completion_tokens: 3, total_tokens: 103});
      expect(r.json.choices[0].text.trim().split(/\s+/)).toHaveLength(3);
      expect(r.json.choices[0].finish_reason).toBe('length');
    });
    const [, t] = readTruth(truth);
    // Offsets run from arrival; the first iteration starts on the next event-loop turn, never before.
    const start = t.tokenOffsetsMs[0] - 11;
    expect(start).toBeGreaterThanOrEqual(0);
    expect(t.tokenOffsetsMs[1] - start).toBeCloseTo(22.101, 6);
    expect(t.e2eMs - start).toBeCloseTo(33.203, 6);
    // The answer leaves when the last token is due, never earlier.
    expect(Math.min(...t.emitLagMs)).toBeGreaterThanOrEqual(-0.01);
  });

  it('streaming completion: one SSE chunk per token at the simulated times, usage, [DONE]', async () => {
    const truth = truthPath();
    let received: number[] = [];
    await withServeMock({...EXACT, truthFile: truth}, async (mock) => {
      const r = await streamPost(`${mock.url}/v1/completions`, {prompt: words(200), max_tokens: 5, stream: true, stream_options: {include_usage: true, continuous_usage_stats: true}, ignore_eos: true, min_tokens: 5});
      expect(r.status).toBe(200);
      expect(r.events.at(-1)!.data).toBe('[DONE]');
      const chunks = r.events.slice(0, -1).map((e) => JSON.parse(e.data));
      const tokenChunks = chunks.filter((c) => c.choices.length > 0);
      expect(tokenChunks).toHaveLength(5);
      expect(tokenChunks.map((c) => c.usage.completion_tokens)).toEqual([1, 2, 3, 4, 5]);
      expect(tokenChunks.map((c) => c.choices[0].finish_reason)).toEqual([null, null, null, null, 'length']);
      expect(chunks.at(-1).choices).toEqual([]);
      expect(chunks.at(-1).usage).toEqual({prompt_tokens: 200, completion_tokens: 5, total_tokens: 205});
      received = r.events.slice(0, 5).map((e) => e.atMs);
    });
    const [t] = readTruth(truth);
    const start = t.tokenOffsetsMs[0] - 12;
    expect(start).toBeGreaterThanOrEqual(0);
    expect(t.tokenOffsetsMs.map((x: number) => Number((x - start).toFixed(6)))).toEqual([12, 23.201, 34.403, 45.606, 56.81]);
    expect(t.ttftMs - start).toBeCloseTo(12, 6);
    expect(t.itlMs).toBeCloseTo((56.81 - 12) / 4, 6);
    // Each chunk is written when its token is due and reaches the client after that (same clock).
    const dueMs = t.tokenOffsetsMs.map((o: number) => serverClock(t.arrivalMs) + o);
    received.forEach((at, i) => expect(at).toBeGreaterThanOrEqual(dueMs[i] - 0.01));
    expect(Math.min(...t.emitLagMs)).toBeGreaterThanOrEqual(-0.01);
  });

  it('chat streaming: role on the first delta, content words, usage', async () => {
    await withServeMock({}, async (mock) => {
      const r = await streamPost(`${mock.url}/v1/chat/completions`, {messages: [{role: 'system', content: 'be brief'}, {role: 'user', content: [{type: 'text', text: 'a b c'}]}], max_tokens: 3, stream: true, stream_options: {include_usage: true}});
      const chunks = r.events.slice(0, -1).map((e) => JSON.parse(e.data));
      expect(chunks[0].object).toBe('chat.completion.chunk');
      expect(chunks[0].choices[0].delta.role).toBe('assistant');
      const text = chunks.filter((c) => c.choices.length).map((c) => c.choices[0].delta.content).join('');
      expect(text.trim().split(' ')).toHaveLength(3);
      expect(chunks.at(-1).usage).toEqual({prompt_tokens: 5, completion_tokens: 3, total_tokens: 8});
    });
  });

  it('chatRoleDelta: chat streams open with a role-only delta, then content only', async () => {
    await withServeMock({chatRoleDelta: true}, async (mock) => {
      const r = await streamPost(`${mock.url}/v1/chat/completions`, {messages: [{role: 'user', content: 'a b c'}], max_tokens: 3, stream: true});
      const chunks = r.events.slice(0, -1).map((e) => JSON.parse(e.data));
      expect(chunks.map((c) => c.choices[0].delta)).toEqual([{role: 'assistant', content: ''}, {content: expect.any(String)}, {content: expect.any(String)}, {content: expect.any(String)}]);
      expect(chunks.slice(1).map((c) => c.choices[0].delta.content).join('').trim().split(' ')).toHaveLength(3);
      // completion streams are unchanged
      const plain = await streamPost(`${mock.url}/v1/completions`, {prompt: 'a b c', max_tokens: 2, stream: true});
      expect(plain.events.slice(0, -1).map((e) => JSON.parse(e.data).choices[0].text.trim())).toHaveLength(2);
    });
  });

  it('non-streaming chat and token-id prompts', async () => {
    await withServeMock({}, async (mock) => {
      const chat = await postJson(`${mock.url}/v1/chat/completions`, {messages: [{role: 'user', content: 'one two'}], max_completion_tokens: 4});
      expect(chat.json.choices[0].message.role).toBe('assistant');
      expect(chat.json.usage).toEqual({prompt_tokens: 2, completion_tokens: 4, total_tokens: 6});
      const ids = await postJson(`${mock.url}/v1/completions`, {prompt: [1, 2, 3, 4, 5, 6, 7], max_tokens: 2});
      expect(ids.json.usage.prompt_tokens).toBe(7);
      const models = (await (await fetch(`${mock.url}/v1/models`)).json()) as {data: {id: string}[]};
      expect(models.data[0].id).toBe('mock-model');
      expect((await fetch(`${mock.url}/health`)).status).toBe(200);
    });
  });

  it('--tokens-per-chunk groups tokens after the first', async () => {
    await withServeMock({tokensPerChunk: 4}, async (mock) => {
      const r = await streamPost(`${mock.url}/v1/completions`, {prompt: 'x', max_tokens: 10, stream: true, stream_options: {continuous_usage_stats: true}});
      const counts = r.events.slice(0, -1).map((e) => JSON.parse(e.data)).map((c) => c.usage.completion_tokens);
      expect(counts).toEqual([1, 5, 9, 10]);
      const texts = r.events.slice(0, -1).map((e) => JSON.parse(e.data).choices[0].text.trim().split(' ').length);
      expect(texts).toEqual([1, 4, 4, 1]);
    });
  });

  it('continuous batching: 4 requests admitted together share every iteration; alone, each runs on the single-request schedule', async () => {
    const osl = 10;
    const single = 11 + [...Array(osl - 1).keys()].reduce((s, k) => s + 11 + 0.001 * (101 + k), 0); // 110.945
    const batch4 = 14 + [...Array(osl - 1).keys()].reduce((s, k) => s + 14 + 0.004 * (101 + k), 0); // 143.78
    const truth = truthPath();
    // A blocker (3985 prompt tokens: 250 of the 256 KV blocks) keeps the four 100-token prompts
    // (7 blocks each) waiting, whatever the spread of their arrivals; its decode iterations are
    // slow, so it cannot finish on its own first. When it goes away all four are admitted at once.
    await withServeMock({...EXACT, perfModel: slowAbove(3000, {maxKvTokens: 4096}), truthFile: truth}, async (mock) => {
      const body = {prompt: words(100), max_tokens: osl};
      for (let i = 0; i < 4; i++) await postJson(`${mock.url}/v1/completions`, body);
      const ctl = new AbortController();
      const blocker = streamPost(`${mock.url}/v1/completions`, {prompt: words(3985), max_tokens: 100, stream: true}, ctl.signal);
      await until(() => mock.realtime.engine.numRunning === 1);
      const batched = Promise.all([0, 1, 2, 3].map(() => postJson(`${mock.url}/v1/completions`, body)));
      await until(() => mock.realtime.engine.numWaiting === 4);
      const m = await metricsOf(mock);
      expect([metricValue(m, 'vllm:num_requests_running'), metricValue(m, 'vllm:num_requests_waiting')]).toEqual([1, 4]);
      ctl.abort();
      await blocker.catch(() => undefined);
      for (const r of await batched) expect(r.json.usage.completion_tokens).toBe(osl);
    });
    const runs = readTruth(truth);
    expect(runs.map((r) => r.status)).toEqual(['ok', 'ok', 'ok', 'ok', 'client_closed', 'ok', 'ok', 'ok', 'ok']);
    // Alone, a request takes the model's time from the start of its prefill iteration.
    for (const r of runs.slice(0, 4)) expect(r.e2eMs - (r.tokenOffsetsMs[0] - 11)).toBeCloseTo(single, 6);
    // Together: every token of the four comes out in the same iteration, each iteration taking
    // the 4-request step time (14 ms + 0.004 ms per KV token), the whole batch batch4 ms.
    const tokenTimes = runs.slice(5).map((r) => r.tokenOffsetsMs.map((o: number) => r.arrivalMs + o));
    for (const t of tokenTimes.slice(1)) t.forEach((x: number, i: number) => expect(x).toBeCloseTo(tokenTimes[0][i], 3));
    const gaps = tokenTimes[0].slice(1).map((x: number, i: number) => x - tokenTimes[0][i]);
    gaps.forEach((gap: number, k: number) => expect(gap).toBeCloseTo(14 + 0.004 * (101 + k), 3));
    expect(tokenTimes[0].at(-1) - tokenTimes[0][0] + 14).toBeCloseTo(batch4, 3);
    expect(batch4).toBeLessThan(single * 1.5);
  });

  it("counts the perf model's per-request overhead in TTFT, as the server's own timing", async () => {
    const truth = truthPath();
    await withServeMock({...EXACT, perfModel: {...linearPerfModel(), perRequestMs: 40}, truthFile: truth}, async (mock) => {
      const r = await postJson(`${mock.url}/v1/completions`, {prompt: words(100), max_tokens: 3});
      expect(r.status).toBe(200);
    });
    const [rec] = readTruth(truth);
    // 40 ms before the engine sees it, then the 11 ms prefill iteration.
    expect(rec.ttftMs).toBeGreaterThanOrEqual(40 + 11 - 1); // timers have 1 ms granularity
    expect(rec.itlMs).toBeCloseTo((11.101 + 11.102) / 2, 6);
  });

  it('admits a request only when KV blocks are free', async () => {
    const truth = truthPath();
    // 16 blocks of 16 tokens: the first prompt (200 tokens) holds 13, the second (100) needs 7.
    // Decode iterations over 200+ KV tokens are slow, so the first cannot finish before it is dropped.
    await withServeMock({perfModel: slowAbove(200, {maxKvTokens: 256}), truthFile: truth}, async (mock) => {
      const ctl = new AbortController();
      const first = streamPost(`${mock.url}/v1/completions`, {prompt: words(200), max_tokens: 50, stream: true}, ctl.signal);
      await until(() => mock.realtime.engine.numRunning === 1);
      const second = postJson(`${mock.url}/v1/completions`, {prompt: words(100), max_tokens: 5});
      await until(() => mock.realtime.engine.numWaiting === 1);
      const m = await metricsOf(mock);
      expect(metricValue(m, 'vllm:num_requests_running')).toBe(1);
      expect(metricValue(m, 'vllm:num_requests_waiting')).toBe(1);
      ctl.abort();
      await first.catch(() => undefined);
      expect((await second).json.usage.completion_tokens).toBe(5);
    });
    const [a, b] = readTruth(truth);
    expect([a.status, b.status]).toEqual(['client_closed', 'ok']);
    // b waited while a ran (the metrics above); its first token comes only after a's last one.
    expect(b.arrivalMs + b.ttftMs).toBeGreaterThan(a.arrivalMs + a.tokenOffsetsMs.at(-1));
  });

  it('preempts when decode growth runs out of KV, and still completes every request', async () => {
    const truth = truthPath();
    await withServeMock({perfModel: linearPerfModel({maxKvTokens: 256}), truthFile: truth}, async (mock) => {
      const body = {prompt: words(100), max_tokens: 100};
      const rs = await Promise.all([0, 1].map(() => postJson(`${mock.url}/v1/completions`, body)));
      for (const r of rs) expect(r.json.usage.completion_tokens).toBe(100);
      const m = await metricsOf(mock);
      expect(metricValue(m, 'vllm:num_preemptions_total')).toBeGreaterThanOrEqual(1);
    });
    expect(readTruth(truth).some((t) => t.preemptions > 0)).toBe(true);
  });

  it('prefix caching reuses the blocks of an identical prompt', async () => {
    const truth = truthPath();
    await withServeMock({engine: {prefixCaching: true}, truthFile: truth}, async (mock) => {
      const body = {prompt: words(64), max_tokens: 1};
      await postJson(`${mock.url}/v1/completions`, body);
      await postJson(`${mock.url}/v1/completions`, body);
    });
    const [a, b] = readTruth(truth);
    expect(a.cachedTokens).toBe(0);
    expect(b.cachedTokens).toBe(48);
    // prefill of 64 tokens (10.64 ms) vs of the last 16 (10.16 ms), each after a loop turn
    expect(a.ttftMs).toBeGreaterThanOrEqual(10.64);
    expect(b.ttftMs).toBeGreaterThanOrEqual(10.16);
    expect(a.tokenOffsetsMs.length).toBe(1);
  });

  it('a client that goes away mid-stream frees its slot', async () => {
    await withServeMock({}, async (mock) => {
      const ctl = new AbortController();
      const pending = streamPost(`${mock.url}/v1/completions`, {prompt: 'a', max_tokens: 1000, stream: true}, ctl.signal);
      await until(() => mock.realtime.engine.numRunning === 1);
      ctl.abort();
      await pending.catch(() => undefined);
      await until(() => mock.counters.clientClosed === 1);
      const m = await metricsOf(mock);
      expect(metricValue(m, 'vllm:num_requests_running')).toBe(0);
      expect(metricValue(m, 'planner_mock_client_closed_total')).toBe(1);
    });
  });

  it('/metrics: token counters and TTFT/ITL histograms', async () => {
    await withServeMock({}, async (mock) => {
      await postJson(`${mock.url}/v1/completions`, {prompt: words(10), max_tokens: 4});
      await postJson(`${mock.url}/v1/completions`, {prompt: words(20), max_tokens: 2});
      const m = await metricsOf(mock);
      expect(metricValue(m, 'vllm:prompt_tokens_total')).toBe(30);
      expect(metricValue(m, 'vllm:generation_tokens_total')).toBe(6);
      expect(metricValue(m, 'vllm:request_success_total')).toBe(2);
      expect(metricValue(m, 'vllm:time_to_first_token_seconds_count')).toBe(2);
      expect(metricValue(m, 'vllm:inter_token_latency_seconds_count')).toBe(4);
      // TTFTs of at least 10.1 and 10.2 ms (prefill, plus the wait for the first iteration): none
      // in the 0.01 s bucket, both in +Inf, and the sum at least the two prefill times.
      expect(metricValue(m, 'vllm:time_to_first_token_seconds_bucket', 'le="0.01"')).toBe(0);
      expect(metricValue(m, 'vllm:time_to_first_token_seconds_bucket', 'le="+Inf"')).toBe(2);
      expect(metricValue(m, 'vllm:time_to_first_token_seconds_sum')).toBeGreaterThanOrEqual(0.0203 - 1e-9);
      expect(m).toContain('# TYPE vllm:kv_cache_usage_perc gauge');
    });
  });
});

describe('serve-mock faults', () => {
  it('--error-rate answers 500 and counts it', async () => {
    await withServeMock({faults: {errorRate: 1}}, async (mock) => {
      const r = await postJson(`${mock.url}/v1/completions`, {prompt: 'a', max_tokens: 1});
      expect(r.status).toBe(500);
      expect(r.json.error.type).toBe('server_error');
      expect(metricValue(await metricsOf(mock), 'planner_mock_faults_total', 'kind="error"')).toBe(1);
    });
  });

  it('--rate-limit answers 429 with Retry-After beyond the rate', async () => {
    await withServeMock({faults: {rateLimit: 1}}, async (mock) => {
      const a = await postJson(`${mock.url}/v1/completions`, {prompt: 'a', max_tokens: 1});
      const b = await postJson(`${mock.url}/v1/completions`, {prompt: 'a', max_tokens: 1});
      expect(a.status).toBe(200);
      expect(b.status).toBe(429);
      expect(Number(b.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(metricValue(await metricsOf(mock), 'planner_mock_faults_total', 'kind="rate_limit"')).toBe(1);
    });
  });

  it('--stall-ms/--stall-rate pause a stream half way', async () => {
    const truth = truthPath();
    await withServeMock({faults: {stallMs: 150, stallRate: 1}, truthFile: truth}, async (mock) => {
      const r = await streamPost(`${mock.url}/v1/completions`, {prompt: 'a', max_tokens: 6, stream: true});
      expect(r.events.at(-1)!.data).toBe('[DONE]');
      const tokens = r.events.slice(0, -1);
      expect(tokens.map((e) => JSON.parse(e.data).choices[0].text).join('').trim().split(' ')).toHaveLength(6);
      expect(metricValue(await metricsOf(mock), 'planner_mock_faults_total', 'kind="stall"')).toBe(1);
    });
    // The server's log: token 3 (index max_tokens/2) was held for the 150 ms stall after it was due.
    const [t] = readTruth(truth);
    expect(t.stalled).toBe(true);
    // (libuv's timer clock is whole milliseconds, cached per loop turn: a timer can end up to ~2 ms
    // short of 150 on the high-resolution clock the truth log uses)
    expect(t.emitLagMs[3]).toBeGreaterThanOrEqual(150 - 2);
  });

  it('--drop-rate closes the connection mid-stream', async () => {
    await withServeMock({faults: {dropRate: 1}}, async (mock) => {
      const r = await streamPost(`${mock.url}/v1/completions`, {prompt: 'a', max_tokens: 6, stream: true});
      expect(r.error).toBeDefined();
      expect(r.events.length).toBe(3);
      expect(r.events.some((e) => e.data === '[DONE]')).toBe(false);
      const m = await metricsOf(mock);
      expect(metricValue(m, 'planner_mock_faults_total', 'kind="drop"')).toBe(1);
      expect(metricValue(m, 'vllm:num_requests_running')).toBe(0);
    });
  });

  it('--startup-delay answers 503 until ready', async () => {
    await withServeMock({faults: {startupDelayMs: 1000}}, async (mock) => {
      expect((await fetch(`${mock.url}/health`)).status).toBe(503);
      const early = await postJson(`${mock.url}/v1/completions`, {prompt: 'a', max_tokens: 1});
      expect(early.status).toBe(503);
      let refused = 2;
      while ((await fetch(`${mock.url}/health`)).status === 503) {
        refused++;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(metricValue(await metricsOf(mock), 'planner_mock_faults_total', 'kind="startup"')).toBe(refused);
    });
  });
});

describe('serve-mock bad input', () => {
  let mock: ServeMock;
  afterAll(async () => mock?.close());

  const cases: [string, string, unknown, string | undefined, RegExp][] = [
    ['missing prompt', '/v1/completions', {max_tokens: 3}, undefined, /missing required parameter: prompt/],
    ['empty prompt', '/v1/completions', {prompt: '   '}, undefined, /prompt is empty/],
    ['max_tokens 0', '/v1/completions', {prompt: 'a', max_tokens: 0}, undefined, /max_tokens must be a positive integer, got 0/],
    ['max_tokens -3', '/v1/completions', {prompt: 'a', max_tokens: -3}, undefined, /max_tokens must be a positive integer/],
    ['max_tokens not a number', '/v1/completions', {prompt: 'a', max_tokens: 'ten'}, undefined, /max_tokens must be a positive integer, got "ten"/],
    ['min_tokens above max_tokens', '/v1/completions', {prompt: 'a', max_tokens: 2, min_tokens: 5}, undefined, /min_tokens \(5\) must be at most max_tokens \(2\)/],
    ['prompt longer than the context', '/v1/completions', {prompt: words(120), max_tokens: 10}, undefined, /maximum context length is 128 tokens. However, you requested 130 tokens \(120 in the prompt, 10 in the completion\)/],
    ['unknown model', '/v1/completions', {model: 'gpt-9', prompt: 'a'}, undefined, /The model `gpt-9` does not exist/],
    ['malformed JSON', '/v1/completions', undefined, '{"prompt": "a",', /malformed JSON body/],
    ['body not an object', '/v1/completions', undefined, '[1,2]', /must be a JSON object/],
    ['no messages', '/v1/chat/completions', {messages: []}, undefined, /messages \(a non-empty array\)/],
    ['image content', '/v1/chat/completions', {messages: [{role: 'user', content: [{type: 'image_url', image_url: {url: 'x'}}]}]}, undefined, /only text parts/],
    ['stream not boolean', '/v1/completions', {prompt: 'a', stream: 'yes'}, undefined, /stream must be a boolean/],
  ];

  it.each(cases)('%s -> 400 with an OpenAI-style error', async (_name, route, body, raw, message) => {
    mock ??= await startTestServeMock({maxModelLen: 128});
    const r = await postJson(`${mock.url}${route}`, body, raw);
    expect(r.status).toBe(400);
    expect(r.json.error.type).toBe('invalid_request_error');
    expect(r.json.error.message).toMatch(message);
  });

  it('unknown routes and methods, and the server keeps serving', async () => {
    mock ??= await startTestServeMock({maxModelLen: 128});
    expect((await fetch(`${mock.url}/v2/nothing`)).status).toBe(404);
    expect((await fetch(`${mock.url}/v1/completions`)).status).toBe(405);
    const ok = await postJson(`${mock.url}/v1/completions`, {prompt: 'a', max_tokens: 2});
    expect(ok.status).toBe(200);
    expect(metricValue(await metricsOf(mock), 'planner_mock_bad_requests_total')).toBeGreaterThanOrEqual(cases.length);
  });
});
