import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {linearPerfModel} from '../../helpers/linear-perf-model.js';
import {startTestServeMock, withServeMock, type ServeMock} from '../../helpers/serve-mock.js';

const words = (n: number): string => Array.from({length: n}, (_, i) => `w${i}`).join(' ');

interface SseEvent {
  atMs: number;
  data: string;
}

/** POST and read an SSE stream, stamping each event when it is complete. */
async function streamPost(url: string, body: unknown, signal?: AbortSignal): Promise<{status: number; events: SseEvent[]; error?: unknown; startMs: number}> {
  const startMs = performance.now();
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
    return {status: res.status, events, error, startMs};
  }
  return {status: res.status, events, startMs};
}

async function postJson(url: string, body: unknown, raw?: string): Promise<{status: number; json: any; headers: Headers; ms: number}> {
  const start = performance.now();
  const res = await fetch(url, {method: 'POST', headers: {'content-type': 'application/json'}, body: raw ?? JSON.stringify(body)});
  const json = await res.json();
  return {status: res.status, json, headers: res.headers, ms: performance.now() - start};
}

async function metricsOf(mock: ServeMock): Promise<string> {
  return (await fetch(`${mock.url}/metrics`)).text();
}

function metricValue(text: string, name: string, labelPart = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labelPart));
  if (!line) throw new Error(`metric ${name} ${labelPart} not found`);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

const tmp = mkdtempSync(path.join(tmpdir(), 'serve-mock-test-'));
afterAll(() => rmSync(tmp, {recursive: true, force: true}));
let truthCount = 0;
const truthPath = (): string => path.join(tmp, `truth-${truthCount++}.jsonl`);
const readTruth = (file: string): any[] => readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));

// Linear model: step = 10 + 0.01 * prefill tokens + 1 * decode requests + 0.001 * decode KV tokens (ms).
describe('serve-mock over HTTP', () => {
  it('non-streaming completion: exact usage, text of max_tokens words, simulated duration', async () => {
    const truth = truthPath();
    await withServeMock({truthFile: truth}, async (mock) => {
      await postJson(`${mock.url}/v1/completions`, {prompt: 'warm up', max_tokens: 1}); // connection set-up
      const r = await postJson(`${mock.url}/v1/completions`, {model: 'mock-model', prompt: words(100), max_tokens: 3});
      expect(r.status).toBe(200);
      expect(r.json.object).toBe('text_completion');
      expect(r.json.usage).toEqual({prompt_tokens: 100, completion_tokens: 3, total_tokens: 103});
      expect(r.json.choices[0].text.trim().split(/\s+/)).toHaveLength(3);
      expect(r.json.choices[0].finish_reason).toBe('length');
      expect(r.ms).toBeGreaterThanOrEqual(33.2);
      expect(r.ms).toBeLessThan(33.2 + 80);
    });
    const [, t] = readTruth(truth);
    // Offsets run from arrival; the first iteration starts on the next event-loop turn.
    const start = t.tokenOffsetsMs[0] - 11;
    expect(start).toBeGreaterThanOrEqual(0);
    expect(start).toBeLessThan(20);
    expect(t.tokenOffsetsMs[1] - start).toBeCloseTo(22.101, 6);
    expect(t.e2eMs - start).toBeCloseTo(33.203, 6);
  });

  it('streaming completion: one SSE chunk per token at the simulated times, usage, [DONE]', async () => {
    const truth = truthPath();
    await withServeMock({truthFile: truth}, async (mock) => {
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
      // Client-side, the four decode gaps (11.201..11.204 ms each) add up to the schedule.
      const span = r.events[4]!.atMs - r.events[0]!.atMs;
      expect(Math.abs(span - 44.81)).toBeLessThan(20);
    });
    const [t] = readTruth(truth);
    const start = t.tokenOffsetsMs[0] - 12;
    expect(start).toBeGreaterThanOrEqual(0);
    expect(start).toBeLessThan(20);
    expect(t.tokenOffsetsMs.map((x: number) => Number((x - start).toFixed(6)))).toEqual([12, 23.201, 34.403, 45.606, 56.81]);
    expect(t.ttftMs - start).toBeCloseTo(12, 6);
    expect(t.itlMs).toBeCloseTo((56.81 - 12) / 4, 6);
    for (const lag of t.emitLagMs) expect(lag).toBeLessThan(30);
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

  it('non-streaming chat and token-id prompts', async () => {
    await withServeMock({}, async (mock) => {
      const chat = await postJson(`${mock.url}/v1/chat/completions`, {messages: [{role: 'user', content: 'one two'}], max_completion_tokens: 4});
      expect(chat.json.choices[0].message.role).toBe('assistant');
      expect(chat.json.usage).toEqual({prompt_tokens: 2, completion_tokens: 4, total_tokens: 6});
      const ids = await postJson(`${mock.url}/v1/completions`, {prompt: [1, 2, 3, 4, 5, 6, 7], max_tokens: 2});
      expect(ids.json.usage.prompt_tokens).toBe(7);
      const models = await (await fetch(`${mock.url}/v1/models`)).json();
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

  it('continuous batching: 4 concurrent requests finish faster than 4 sequential ones by the model factor', async () => {
    const osl = 10;
    const single = 11 + [...Array(osl - 1).keys()].reduce((s, k) => s + 11 + 0.001 * (101 + k), 0); // 110.945
    const batch4 = 14 + [...Array(osl - 1).keys()].reduce((s, k) => s + 14 + 0.004 * (101 + k), 0); // 143.78
    const truth = truthPath();
    let sequential = 0;
    let concurrent = 0;
    await withServeMock({truthFile: truth}, async (mock) => {
      const body = {prompt: words(100), max_tokens: osl};
      await postJson(`${mock.url}/v1/completions`, body); // open connections
      let t = performance.now();
      for (let i = 0; i < 4; i++) await postJson(`${mock.url}/v1/completions`, body);
      sequential = performance.now() - t;
      t = performance.now();
      await Promise.all([0, 1, 2, 3].map(() => postJson(`${mock.url}/v1/completions`, body)));
      concurrent = performance.now() - t;
    });
    // The engine's own schedule (truth log) is exact; wall-clock times can only be later than it.
    const runs = readTruth(truth).slice(1);
    // Alone, a request takes the model's time (the engine resyncs to the wall clock only when the
    // process falls more than 50 ms behind, which a loaded CI machine may cause once).
    for (const r of runs.slice(0, 4)) {
      expect(r.e2eMs).toBeGreaterThan(single - 0.5);
      expect(r.e2eMs).toBeLessThan(single + 60);
    }
    const batched = runs.slice(4);
    const start = Math.min(...batched.map((r) => r.arrivalMs));
    const span = Math.max(...batched.map((r) => r.arrivalMs + r.e2eMs)) - start;
    expect(span).toBeGreaterThanOrEqual(batch4 - 1e-6);
    // Batched: far below the serial time even if a loaded client spreads the arrivals out.
    expect(span).toBeLessThan(2 * single + batch4 / 2);
    // While all four run, each iteration takes the 4-request step time of the model (14 ms + 0.004 ms per KV token).
    const tokenTimes = batched.map((r) => r.tokenOffsetsMs.map((o: number) => r.arrivalMs + o));
    const allRunningFrom = Math.max(...tokenTimes.map((t) => t[0]));
    const allRunningTo = Math.min(...tokenTimes.map((t) => t.at(-1)));
    if (allRunningTo > allRunningFrom + 30) {
      const gaps = tokenTimes[0].slice(1).map((t: number, i: number) => [tokenTimes[0][i], t - tokenTimes[0][i]]).filter(([at]: number[]) => at >= allRunningFrom && at < allRunningTo);
      for (const [, gap] of gaps) expect(gap).toBeGreaterThanOrEqual(14);
    }
    expect(sequential).toBeGreaterThanOrEqual(4 * single);
    expect(concurrent).toBeGreaterThanOrEqual(batch4);
    expect(concurrent).toBeLessThan(sequential);
  });

  it("counts the perf model's per-request overhead in TTFT, as the server's own timing", async () => {
    const truth = truthPath();
    await withServeMock({perfModel: {...linearPerfModel(), perRequestMs: 40}, truthFile: truth}, async (mock) => {
      const r = await postJson(`${mock.url}/v1/completions`, {prompt: words(100), max_tokens: 3});
      expect(r.status).toBe(200);
      expect(r.ms).toBeGreaterThanOrEqual(40 + 33.203 - 1);
    });
    const [rec] = readTruth(truth);
    // 40 ms before the engine sees it, then the 11 ms prefill iteration.
    expect(rec.ttftMs).toBeGreaterThanOrEqual(40 + 11 - 1); // timers have 1 ms granularity
    expect(rec.ttftMs).toBeLessThan(40 + 11 + 60);
    expect(rec.itlMs).toBeCloseTo((11.101 + 11.102) / 2, 0);
  });

  it('admits a request only when KV blocks are free', async () => {
    const truth = truthPath();
    // 16 blocks of 16 tokens; each request needs 13 (150 + 50 tokens).
    await withServeMock({perfModel: linearPerfModel({maxKvTokens: 256}), truthFile: truth}, async (mock) => {
      const body = {prompt: words(150), max_tokens: 50};
      const first = postJson(`${mock.url}/v1/completions`, body);
      await new Promise((r) => setTimeout(r, 30));
      const second = postJson(`${mock.url}/v1/completions`, body);
      await new Promise((r) => setTimeout(r, 30));
      const m = await metricsOf(mock);
      expect(metricValue(m, 'vllm:num_requests_running')).toBe(1);
      expect(metricValue(m, 'vllm:num_requests_waiting')).toBe(1);
      await Promise.all([first, second]);
    });
    const [a, b] = readTruth(truth);
    // b's first token comes one prefill after a's last token.
    expect(b.arrivalMs + b.ttftMs).toBeGreaterThan(a.arrivalMs + a.e2eMs);
    expect(b.ttftMs).toBeGreaterThan(a.e2eMs - 40);
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
    // prefill of 64 tokens (10.64 ms) vs of the last 16 (10.16 ms), plus up to one loop turn
    expect(a.ttftMs).toBeGreaterThanOrEqual(10.64);
    expect(a.ttftMs).toBeLessThan(10.64 + 20);
    expect(b.ttftMs).toBeGreaterThanOrEqual(10.16);
    expect(b.ttftMs).toBeLessThan(10.16 + 20);
    expect(a.tokenOffsetsMs.length).toBe(1);
  });

  it('a client that goes away mid-stream frees its slot', async () => {
    await withServeMock({}, async (mock) => {
      const ctl = new AbortController();
      const pending = streamPost(`${mock.url}/v1/completions`, {prompt: 'a', max_tokens: 1000, stream: true}, ctl.signal);
      await new Promise((r) => setTimeout(r, 60));
      ctl.abort();
      await pending.catch(() => undefined);
      await new Promise((r) => setTimeout(r, 30));
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
      // TTFTs 10.1 and 10.2 ms: both in the 0.02 s bucket, none in 0.01.
      expect(metricValue(m, 'vllm:time_to_first_token_seconds_bucket', 'le="0.01"')).toBe(0);
      expect(metricValue(m, 'vllm:time_to_first_token_seconds_bucket', 'le="0.02"')).toBe(2);
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
    await withServeMock({faults: {stallMs: 150, stallRate: 1}}, async (mock) => {
      const r = await streamPost(`${mock.url}/v1/completions`, {prompt: 'a', max_tokens: 6, stream: true});
      expect(r.events.at(-1)!.data).toBe('[DONE]');
      const tokens = r.events.slice(0, -1);
      // Tokens 0-2 on time; token 3 (index max_tokens/2) and later are held for 150 ms.
      const gap = tokens[3]!.atMs - tokens[2]!.atMs;
      expect(gap).toBeGreaterThanOrEqual(140);
      expect(tokens.map((e) => JSON.parse(e.data).choices[0].text).join('').trim().split(' ')).toHaveLength(6);
      expect(metricValue(await metricsOf(mock), 'planner_mock_faults_total', 'kind="stall"')).toBe(1);
    });
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
    await withServeMock({faults: {startupDelayMs: 200}}, async (mock) => {
      expect((await fetch(`${mock.url}/health`)).status).toBe(503);
      const early = await postJson(`${mock.url}/v1/completions`, {prompt: 'a', max_tokens: 1});
      expect(early.status).toBe(503);
      await new Promise((r) => setTimeout(r, 220));
      expect((await fetch(`${mock.url}/health`)).status).toBe(200);
      expect(metricValue(await metricsOf(mock), 'planner_mock_faults_total', 'kind="startup"')).toBe(2);
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
