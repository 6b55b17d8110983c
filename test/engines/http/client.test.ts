import {mkdtempSync, readFileSync} from 'node:fs';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {backoffDelayMs, errorBodyMessage, HttpClient, retryAfterMs} from '../../../src/engines/http/client.js';
import {maxKvTokensFromMetrics} from '../../../src/engines/http/metrics.js';
import {launchArgv, splitCommand} from '../../../src/engines/http/launch.js';
import {startTestServeMock, type ServeMock} from '../../helpers/serve-mock.js';

describe('client helpers', () => {
  it('Retry-After as seconds or an HTTP date; doubling backoff capped at 10 s', () => {
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs('Thu, 01 Jan 1970 00:00:05 GMT', 1000)).toBe(4000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect([1, 2, 3, 10].map((a) => backoffDelayMs(a, 250))).toEqual([250, 500, 1000, 10_000]);
  });

  it('error bodies: OpenAI shape, detail, or raw text', () => {
    expect(errorBodyMessage('{"error":{"message":"bad model"}}')).toBe('bad model');
    expect(errorBodyMessage('{"detail":"Not Found"}')).toBe('Not Found');
    expect(errorBodyMessage('<html> oops </html>')).toBe('<html> oops </html>');
  });

  it('KV capacity from vLLM or SGLang metrics', () => {
    expect(maxKvTokensFromMetrics('# HELP x\nvllm:cache_config_info{block_size="16",num_gpu_blocks="100",model_name="m"} 1.0\n')).toBe(1600);
    expect(maxKvTokensFromMetrics('sglang:max_total_num_tokens{model_name="m"} 500000\n')).toBe(500000);
    expect(maxKvTokensFromMetrics('vllm:num_requests_running 3\n')).toBeUndefined();
  });

  it('launch templates split like a shell, without one', () => {
    expect(splitCommand(`node "my server.js" --name 'a b' x\\ y`)).toEqual(['node', 'my server.js', '--name', 'a b', 'x y']);
    expect(launchArgv('serve --tp {tp} --port {port}', {tp: 2, port: 9000})).toEqual(['serve', '--tp', '2', '--port', '9000']);
    expect(() => launchArgv('serve --tp {tp}', {tp: 1, port: 1})).toThrow(/\{port\}/);
    expect(() => splitCommand('a "b')).toThrow(/unterminated/);
  });
});

describe('HttpClient against serve-mock', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'client-test-'));
  let mock: ServeMock;
  let roleMock: ServeMock;
  beforeAll(async () => {
    mock = await startTestServeMock({tokensPerChunk: 3, truthFile: path.join(dir, 'truth.jsonl')});
    roleMock = await startTestServeMock({chatRoleDelta: true, truthFile: path.join(dir, 'role-truth.jsonl')});
  });
  afterAll(async () => {
    await mock.close();
    await roleMock.close();
  });
  /** The server's record of a request, by the response id the client saw (once written out). */
  async function truthOf(file: string, id: string | undefined): Promise<any> {
    for (;;) {
      const line = readFileSync(path.join(dir, file), 'utf8').split('\n').find((l) => l.includes(`"id":${JSON.stringify(id)}`));
      if (line) return JSON.parse(line);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  it('streams completions: TTFT, chunk token counts from continuous usage, ITL, usage', async () => {
    const c = new HttpClient({baseUrl: `${mock.url}/v1`, api: 'completions', model: 'mock-model'});
    const r = await c.stream({prompt: 'one two three four five', maxTokens: 10});
    c.close();
    expect(r.status).toBe('ok');
    expect(r.inputTokens).toBe(5);
    expect(r.outputTokens).toBe(10);
    expect(r.chunkTokensFromUsage).toBe(true);
    // first token alone, then chunks of 3
    expect(r.chunks.map((x) => x[1])).toEqual([1, 3, 3, 3]);
    expect(r.responseId).toMatch(/^cmpl-mock/);
    // ITL: first to last chunk over the 9 tokens after the first
    expect(r.itlMs).toBe((r.chunks[3]![0] - r.chunks[0]![0]) / 9);
    expect(r.ttftMs).toBe(r.chunks[0]![0]);
    // Both clocks are this process's: the client sent before the server received, and each chunk
    // arrived after the server wrote it (when its last token was due).
    const t = await truthOf('truth.jsonl', r.responseId);
    const receivedAt = t.arrivalMs - performance.timeOrigin;
    expect(r.sendAt).toBeLessThanOrEqual(receivedAt + 0.01);
    const lastTokenOfChunk = [0, 3, 6, 9];
    r.chunks.forEach(([offsetMs], i) => {
      const k = lastTokenOfChunk[i]!;
      expect(r.sendAt + offsetMs).toBeGreaterThanOrEqual(receivedAt + t.tokenOffsetsMs[k] + t.emitLagMs[k] - 0.01);
    });
    expect(r.ttftMs!).toBeGreaterThanOrEqual(t.ttftMs - 0.01);
  });

  it('chat API counts a role-only first delta out: TTFT from the first content, and reads content', async () => {
    const c = new HttpClient({baseUrl: roleMock.url, api: 'chat'});
    const r = await c.stream({prompt: 'hello there', maxTokens: 4});
    c.close();
    expect(r.status).toBe('ok');
    expect(r.outputTokens).toBe(4);
    expect(r.inputTokens).toBe(2);
    // the role delta (sent on acceptance) is not a token chunk
    expect(r.chunks.map((x) => x[1])).toEqual([1, 1, 1, 1]);
    const t = await truthOf('role-truth.jsonl', r.responseId);
    expect(t).toBeDefined();
    // TTFT is taken at the first content chunk, which left the server when the first token was due
    expect(r.ttftMs!).toBeGreaterThanOrEqual(t.ttftMs + t.emitLagMs[0] - 0.01);
  });

  it('a 400 is an error with the server message, not retried', async () => {
    const c = new HttpClient({baseUrl: mock.url, api: 'completions', model: 'other-model'});
    const r = await c.stream({prompt: 'x', maxTokens: 2});
    c.close();
    expect(r.status).toBe('error');
    expect(r.httpStatus).toBe(400);
    expect(r.error).toMatch(/other-model/);
    expect(r.attempts).toBe(1);
  });
});

describe('HttpClient against misbehaving servers', () => {
  let server: http.Server;
  let url = '';
  let calls = 0;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      calls++;
      if (req.url === '/v1/chat/completions') {
        // a server that drops the optional field it does not know on the first try
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
          if (body.includes('continuous_usage_stats')) {
            res.writeHead(400, {'content-type': 'application/json'});
            res.end('{"error":{"message":"unknown field stream_options.continuous_usage_stats"}}');
            return;
          }
          res.writeHead(200, {'content-type': 'text/event-stream'});
          res.write('data: {"id":"x","choices":[{"delta":{"role":"assistant"}}]}\n\n');
          res.write('data: {"choices":[{"delta":{"reasoning_content":"hm"}}]}\n\n');
          res.write('data: {"choices":[{"delta":{"content":"ok"}}]}\n\n');
          res.end('data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2}}\n\ndata: [DONE]\n\n');
        });
        return;
      }
      req.resume();
      res.writeHead(200, {'content-type': 'text/html'});
      res.end('<html>login page</html>');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  it('drops a rejected optional field and resends; reasoning tokens start TTFT', async () => {
    calls = 0;
    const c = new HttpClient({baseUrl: url, api: 'chat', model: 'm'});
    const r = await c.stream({prompt: 'a b c', maxTokens: 2});
    c.close();
    expect(r.status).toBe('ok');
    expect(c.droppedFields).toEqual(['continuous_usage_stats']);
    expect(calls).toBe(2); // the rejected request and its resend
    // Both events arrive in one write: one chunk of two tokens (never two chunks at the same time).
    expect(r.chunks).toHaveLength(1);
    expect(r.chunks[0]![1]).toBe(2);
    expect(r.outputTokens).toBe(2);
  });

  it('a non-SSE answer is an error naming the content type, not retried', async () => {
    calls = 0;
    const c = new HttpClient({baseUrl: url, api: 'completions', model: 'm'});
    const r = await c.stream({prompt: 'a', maxTokens: 2});
    c.close();
    expect(r.status).toBe('error');
    expect(r.error).toMatch(/expected an SSE stream .* text\/html: <html>login page<\/html>/);
    expect(calls).toBe(1);
  });
});
