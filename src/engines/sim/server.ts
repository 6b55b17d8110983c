/**
 * `serve-mock`: an OpenAI-compatible HTTP server (node:http) in front of the simulated engine.
 * Tokens are written at the engine's simulated times on the real clock. See DESIGN.md 6.2 and the
 * mock tokenizer in tokenizer.ts.
 *
 * Routes: POST /v1/completions, POST /v1/chat/completions (stream or not), GET /v1/models,
 * GET /health, GET /metrics (Prometheus text).
 * Faults (each counted in /metrics): error rate (500), rate limit (429 + Retry-After), stalls
 * (delivery paused mid-stream), drops (socket closed mid-stream), start-up delay (503 until ready).
 */
import {createWriteStream, openSync, type WriteStream} from 'node:fs';
import http from 'node:http';
import type {AddressInfo, Socket} from 'node:net';
import {monitorEventLoopDelay} from 'node:perf_hooks';
import type {PerfModel} from '../perf-model.js';
import {SimEngine, type SimEngineConfig, type SimRequest} from './engine.js';
import {RealtimeEngine} from './realtime.js';
import {Rng} from '../../random.js';
import {PlannerError, failure} from '../../errors.js';
import {outputText, promptBlockHashes, textTokens} from './tokenizer.js';

export interface ServeMockFaults {
  /** Fraction of requests answered 500. */
  errorRate?: number;
  /** Requests per second accepted; excess requests get 429 with Retry-After. */
  rateLimit?: number;
  /** Pause of a stalled stream, ms, and the fraction of requests that stall (half way through). */
  stallMs?: number;
  stallRate?: number;
  /** Fraction of streams whose socket is closed half way through. */
  dropRate?: number;
  /** Time after start during which every request but /metrics gets 503, ms. */
  startupDelayMs?: number;
  /** Fraction of streams whose middle half of tokens is held and written at once (as a buffering proxy delivers them). */
  burstRate?: number;
}

export interface ServeMockOptions {
  perfModel: PerfModel;
  engine?: Omit<SimEngineConfig, 'perfModel'>;
  /** Served model name. */
  model: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Longest prompt + max_tokens accepted (default and cap: the KV capacity). */
  maxModelLen?: number;
  /** Default max_tokens when a request gives none. */
  defaultMaxTokens?: number;
  /** Tokens per SSE chunk after the first token (default 1). */
  tokensPerChunk?: number;
  /** Chat streams open with a role-only delta (content "") as soon as the request is accepted. */
  chatRoleDelta?: boolean;
  /** Lag behind the schedule after which the emission timeline restarts from now, ms (default 50). */
  resyncMs?: number;
  /** Append one JSON line per finished request with the server's own timing. */
  truthFile?: string;
  /** Told about problems that do not stop the server (a truth log that can no longer be written). */
  onWarning?: (text: string) => void;
  faults?: ServeMockFaults;
  seed?: number;
}

export interface ServeMock {
  url: string;
  port: number;
  host: string;
  /** The engine and its real-time driver, for tests and benchmarks. */
  realtime: RealtimeEngine;
  counters: MockCounters;
  close(): Promise<void>;
}

export interface MockCounters {
  requests: number;
  success: number;
  badRequests: number;
  clientClosed: number;
  faults: {error: number; rate_limit: number; stall: number; drop: number; startup: number; burst: number};
  promptTokens: number;
  generationTokens: number;
}

/** Prometheus histogram with fixed upper bounds (seconds). */
class Histogram {
  readonly counts: number[];
  sum = 0;
  count = 0;
  constructor(readonly bounds: number[]) {
    this.counts = new Array<number>(bounds.length).fill(0);
  }

  observe(v: number): void {
    this.sum += v;
    this.count++;
    for (let i = 0; i < this.bounds.length; i++) if (v <= this.bounds[i]!) this.counts[i]!++;
  }

  render(name: string, help: string, labels: string): string[] {
    const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} histogram`];
    this.bounds.forEach((b, i) => lines.push(`${name}_bucket{${labels},le="${b}"} ${this.counts[i]}`));
    lines.push(`${name}_bucket{${labels},le="+Inf"} ${this.count}`, `${name}_sum{${labels}} ${this.sum}`, `${name}_count{${labels}} ${this.count}`);
    return lines;
  }
}

class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly type = 'invalid_request_error', readonly param: string | null = null) {
    super(message);
  }
}

interface ParsedRequest {
  kind: 'completion' | 'chat';
  promptTokens: number;
  tokens: (string | number)[];
  maxTokens: number;
  stream: boolean;
  includeUsage: boolean;
  continuousUsage: boolean;
}

const MAX_BODY_BYTES = 64 * 1024 * 1024;

export async function startServeMock(options: ServeMockOptions): Promise<ServeMock> {
  const host = options.host ?? '127.0.0.1';
  const engine = new SimEngine({...options.engine, perfModel: options.perfModel, recordTokenTimes: true});
  const perRequestMs = options.perfModel.perRequestMs ?? 0;
  const realtime = new RealtimeEngine(engine, {resyncMs: options.resyncMs});
  const maxModelLen = Math.min(options.maxModelLen ?? engine.maxRequestTokens, engine.maxRequestTokens);
  const defaultMaxTokens = options.defaultMaxTokens ?? 16;
  const tokensPerChunk = Math.max(1, Math.floor(options.tokensPerChunk ?? 1));
  const faults = options.faults ?? {};
  const rng = new Rng(options.seed ?? 1);
  const random = () => rng.uniform();
  const startedMs = performance.now();
  const readyAtMs = startedMs + (faults.startupDelayMs ?? 0);
  // Opened before the server listens, so a bad path is an error before anyone is told it is ready.
  const truth: WriteStream | null = options.truthFile ? openTruth(options.truthFile, options.onWarning ?? (() => {})) : null;
  const modelName = options.model;
  const counters: MockCounters = {requests: 0, success: 0, badRequests: 0, clientClosed: 0, faults: {error: 0, rate_limit: 0, stall: 0, drop: 0, startup: 0, burst: 0}, promptTokens: 0, generationTokens: 0};
  const ttftHist = new Histogram([0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80]);
  const itlHist = new Histogram([0.001, 0.0025, 0.005, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5]);
  const e2eHist = new Histogram([0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480]);
  let nextId = 1;
  const loopDelay = monitorEventLoopDelay({resolution: 1});
  loopDelay.enable();
  // Token bucket of the rate limit.
  let bucket = faults.rateLimit ?? 0;
  let bucketAtMs = startedMs;

  const sockets = new Set<Socket>();
  const server = http.createServer({noDelay: true, keepAliveTimeout: 30_000}, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      // Never crash on a request: answer 500 if nothing was sent yet.
      if (!res.headersSent) sendError(res, new HttpError(500, `internal error: ${(err as Error).message}`, 'server_error'));
      else res.destroy();
    });
  });
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = (req.url ?? '/').split('?')[0]!;
    if (url === '/metrics') {
      if (req.method !== 'GET') throw new HttpError(405, `method ${req.method} not allowed on ${url}`);
      res.writeHead(200, {'content-type': 'text/plain; version=0.0.4; charset=utf-8'});
      res.end(renderMetrics());
      return;
    }
    if (performance.now() < readyAtMs) {
      counters.faults.startup++;
      await drain(req);
      sendError(res, new HttpError(503, 'the engine is starting up', 'service_unavailable'));
      return;
    }
    try {
      if (url === '/health') {
        if (req.method !== 'GET') throw new HttpError(405, `method ${req.method} not allowed on ${url}`);
        res.writeHead(200, {'content-type': 'application/json'});
        res.end('{"status":"ok"}');
        return;
      }
      if (url === '/v1/models') {
        if (req.method !== 'GET') throw new HttpError(405, `method ${req.method} not allowed on ${url}`);
        sendJson(res, 200, {object: 'list', data: [{id: modelName, object: 'model', created: Math.floor(Date.now() / 1000), owned_by: 'planner-serve-mock', max_model_len: maxModelLen}]});
        return;
      }
      if (url !== '/v1/completions' && url !== '/v1/chat/completions') throw new HttpError(404, `no route ${req.method} ${url}`, 'not_found_error');
      if (req.method !== 'POST') throw new HttpError(405, `method ${req.method} not allowed on ${url}`);
      const body = await readJson(req);
      const parsed = parseRequest(url === '/v1/chat/completions' ? 'chat' : 'completion', body);
      counters.requests++;
      if (faults.rateLimit !== undefined && !takeRateToken()) {
        counters.faults.rate_limit++;
        const retryS = Math.max(1, Math.ceil((1 - bucket) / faults.rateLimit));
        sendError(res, new HttpError(429, 'rate limit exceeded', 'rate_limit_error'), {'retry-after': String(retryS)});
        return;
      }
      if (faults.errorRate && random() < faults.errorRate) {
        counters.faults.error++;
        sendError(res, new HttpError(500, 'simulated internal server error', 'server_error'));
        return;
      }
      // The request is in the server from now; the engine sees it after the per-request overhead.
      const receivedMs = performance.now();
      if (perRequestMs > 0) {
        await new Promise((resolve) => setTimeout(resolve, perRequestMs));
        if (res.destroyed) return;
      }
      serveCompletion(res, parsed, receivedMs);
    } catch (err) {
      if (err instanceof HttpError) {
        if (err.status === 400) counters.badRequests++;
        sendError(res, err);
        return;
      }
      throw err;
    }
  }

  function takeRateToken(): boolean {
    const rate = faults.rateLimit!;
    const now = performance.now();
    bucket = Math.min(Math.max(1, rate), bucket + ((now - bucketAtMs) / 1000) * rate);
    bucketAtMs = now;
    if (bucket >= 1) {
      bucket -= 1;
      return true;
    }
    return false;
  }

  function parseRequest(kind: 'completion' | 'chat', body: unknown): ParsedRequest {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'request body must be a JSON object');
    const b = body as Record<string, unknown>;
    if (b.model !== undefined && b.model !== modelName) throw new HttpError(400, `The model \`${typeof b.model === 'string' ? b.model : JSON.stringify(b.model)}\` does not exist; this server serves \`${modelName}\``, 'invalid_request_error', 'model');
    let tokens: (string | number)[];
    if (kind === 'completion') {
      const p = b.prompt;
      if (p === undefined || p === null) throw new HttpError(400, 'missing required parameter: prompt', 'invalid_request_error', 'prompt');
      if (typeof p === 'string') tokens = textTokens(p);
      else if (Array.isArray(p) && p.length > 0 && p.every((t) => Number.isInteger(t) && (t as number) >= 0)) tokens = p as number[];
      else if (Array.isArray(p) && p.length === 1 && typeof p[0] === 'string') tokens = textTokens(p[0]);
      else throw new HttpError(400, 'prompt must be a string, a one-element array of strings or an array of token ids', 'invalid_request_error', 'prompt');
    } else {
      const msgs = b.messages;
      if (!Array.isArray(msgs) || msgs.length === 0) throw new HttpError(400, 'missing required parameter: messages (a non-empty array)', 'invalid_request_error', 'messages');
      tokens = [];
      for (const [i, m] of msgs.entries()) {
        const content = (m as {content?: unknown} | null)?.content;
        if (typeof content === 'string') tokens.push(...textTokens(content));
        else if (Array.isArray(content)) {
          for (const part of content) {
            if (part && typeof part === 'object' && (part as {type?: unknown}).type === 'text' && typeof (part as {text?: unknown}).text === 'string') tokens.push(...textTokens((part as {text: string}).text));
            else throw new HttpError(400, `messages[${i}].content: only text parts are supported`, 'invalid_request_error', 'messages');
          }
        } else if (content !== null && content !== undefined) throw new HttpError(400, `messages[${i}].content must be a string or an array of text parts`, 'invalid_request_error', 'messages');
      }
    }
    if (tokens.length === 0) throw new HttpError(400, 'the prompt is empty (0 tokens)', 'invalid_request_error', kind === 'chat' ? 'messages' : 'prompt');
    const rawMax = kind === 'chat' && b.max_completion_tokens !== undefined ? b.max_completion_tokens : b.max_tokens;
    const maxParam = kind === 'chat' && b.max_completion_tokens !== undefined ? 'max_completion_tokens' : 'max_tokens';
    let maxTokens = defaultMaxTokens;
    if (rawMax !== undefined && rawMax !== null) {
      if (!Number.isInteger(rawMax) || (rawMax as number) <= 0) throw new HttpError(400, `${maxParam} must be a positive integer, got ${JSON.stringify(rawMax)}`, 'invalid_request_error', maxParam);
      maxTokens = rawMax as number;
    }
    if (b.min_tokens !== undefined && b.min_tokens !== null) {
      if (!Number.isInteger(b.min_tokens) || (b.min_tokens as number) < 0) throw new HttpError(400, `min_tokens must be a non-negative integer, got ${JSON.stringify(b.min_tokens)}`, 'invalid_request_error', 'min_tokens');
      if ((b.min_tokens as number) > maxTokens) throw new HttpError(400, `min_tokens (${b.min_tokens as number}) must be at most ${maxParam} (${maxTokens})`, 'invalid_request_error', 'min_tokens');
    }
    if (b.stream !== undefined && b.stream !== null && typeof b.stream !== 'boolean') throw new HttpError(400, 'stream must be a boolean', 'invalid_request_error', 'stream');
    if (b.ignore_eos !== undefined && typeof b.ignore_eos !== 'boolean') throw new HttpError(400, 'ignore_eos must be a boolean', 'invalid_request_error', 'ignore_eos');
    if (tokens.length + maxTokens > maxModelLen) {
      throw new HttpError(400, `This model's maximum context length is ${maxModelLen} tokens. However, you requested ${tokens.length + maxTokens} tokens (${tokens.length} in the prompt, ${maxTokens} in the completion).`, 'invalid_request_error', kind === 'chat' ? 'messages' : 'prompt');
    }
    const so = b.stream_options as {include_usage?: unknown; continuous_usage_stats?: unknown} | undefined | null;
    return {
      kind,
      promptTokens: tokens.length,
      tokens,
      maxTokens,
      stream: b.stream === true,
      includeUsage: so?.include_usage === true,
      continuousUsage: so?.continuous_usage_stats === true,
    };
  }

  function serveCompletion(res: http.ServerResponse, p: ParsedRequest, receivedMs: number): void {
    const id = `${p.kind === 'chat' ? 'chatcmpl' : 'cmpl'}-mock${nextId++}`;
    const created = Math.floor(Date.now() / 1000);
    const stalls = p.stream && faults.stallRate && faults.stallMs ? random() < faults.stallRate : false;
    const drops = p.stream && faults.dropRate ? random() < faults.dropRate : false;
    const bursts = p.stream && faults.burstRate ? random() < faults.burstRate : false;
    const faultAt = Math.floor(p.maxTokens / 2);
    const burstFrom = Math.floor(p.maxTokens / 4);
    const burstTo = Math.ceil((3 * p.maxTokens) / 4);
    const roleDelta = p.stream && p.kind === 'chat' && options.chatRoleDelta === true;
    const emittedAtMs: number[] = [];
    let sentTokens = 0;
    let bufferedFrom = 0;
    let stallUntilMs = 0;
    let stallTimer: NodeJS.Timeout | null = null;
    let done = false;
    let status = 'ok';
    counters.promptTokens += p.promptTokens;

    const usage = (completion: number) => ({prompt_tokens: p.promptTokens, completion_tokens: completion, total_tokens: p.promptTokens + completion});
    // Chunks are built by concatenation around a per-request prefix: this runs once per token per
    // stream and is the server's hot path at high concurrency.
    const chunkHead = `data: {"id":${JSON.stringify(id)},"object":"${p.kind === 'chat' ? 'chat.completion.chunk' : 'text_completion'}","created":${created},"model":${JSON.stringify(modelName)},"choices":[{"index":0,`;
    const chunk = (from: number, to: number, finish: boolean): string => {
      const text = JSON.stringify(outputText(from, to));
      const body = p.kind === 'chat' ? (from === 0 && !roleDelta ? `"delta":{"role":"assistant","content":${text}}` : `"delta":{"content":${text}}`) : `"text":${text}`;
      const tail = `,"logprobs":null,"finish_reason":${finish ? '"length"' : 'null'}}]`;
      const u = p.continuousUsage ? `,"usage":{"prompt_tokens":${p.promptTokens},"completion_tokens":${to},"total_tokens":${p.promptTokens + to}}` : '';
      return `${chunkHead}${body}${tail}${u}}\n\n`;
    };

    const openStream = (): void => {
      res.writeHead(200, {'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive'});
    };

    const flush = (upTo: number, finished: boolean): void => {
      if (upTo <= sentTokens || res.destroyed) return;
      res.write(chunk(sentTokens, upTo, finished && upTo === p.maxTokens));
      const t = performance.now();
      for (let i = sentTokens; i < upTo; i++) emittedAtMs[i] = t;
      sentTokens = upTo;
    };

    // One write holding one SSE event per token: what a client behind a buffering proxy reads.
    const flushEach = (upTo: number): void => {
      if (upTo <= sentTokens || res.destroyed) return;
      let text = '';
      for (let i = sentTokens; i < upTo; i++) text += chunk(i, i + 1, false);
      res.write(text);
      const t = performance.now();
      for (let i = sentTokens; i < upTo; i++) emittedAtMs[i] = t;
      sentTokens = upTo;
    };

    const finishStream = (): void => {
      if (p.includeUsage) {
        res.write(`data: ${JSON.stringify({id, object: p.kind === 'chat' ? 'chat.completion.chunk' : 'text_completion', created, model: modelName, choices: [], usage: usage(p.maxTokens)})}\n\n`);
      }
      res.end('data: [DONE]\n\n');
    };

    const complete = (simReq: SimRequest): void => {
      done = true;
      counters.success++;
      counters.generationTokens += p.maxTokens;
      const times = simReq.tokenTimesMs!;
      ttftHist.observe((times[0]! - receivedMs) / 1000);
      for (let i = 1; i < times.length; i++) itlHist.observe((times[i]! - times[i - 1]!) / 1000);
      e2eHist.observe((simReq.finishMs! - receivedMs) / 1000);
      writeTruth(simReq);
    };

    const writeTruth = (simReq: SimRequest): void => {
      if (!truth) return;
      const origin = performance.timeOrigin;
      const times = simReq.tokenTimesMs ?? [];
      const n = times.length;
      truth.write(`${JSON.stringify({
        id,
        status,
        stream: p.stream,
        promptTokens: p.promptTokens,
        completionTokens: n,
        arrivalMs: origin + receivedMs,
        ttftMs: n > 0 ? times[0]! - receivedMs : null,
        itlMs: n > 1 ? (times[n - 1]! - times[0]!) / (n - 1) : null,
        e2eMs: n > 0 ? times[n - 1]! - receivedMs : null,
        tokenOffsetsMs: times.map((t) => t - receivedMs),
        emitLagMs: emittedAtMs.slice(0, n).map((t, i) => t - times[i]!),
        preemptions: simReq.preemptions,
        cachedTokens: simReq.cachedTokens,
        stalled: stalls,
      })}\n`);
    };

    let simReq: SimRequest;
    try {
      simReq = realtime.submit({id, promptTokens: p.promptTokens, outputTokens: p.maxTokens, blockHashes: engine.kv.prefixCaching ? promptBlockHashes(p.tokens, engine.blockSize) : undefined}, {
        onToken: (r, index) => {
          if (!p.stream) {
            if (r.state === 'finished') {
              const text = outputText(0, p.maxTokens);
              const choice = p.kind === 'chat'
                ? {index: 0, message: {role: 'assistant', content: text}, logprobs: null, finish_reason: 'length'}
                : {index: 0, text, logprobs: null, finish_reason: 'length'};
              const t = performance.now();
              for (let i = 0; i < p.maxTokens; i++) emittedAtMs[i] = t;
              sendJson(res, 200, {id, object: p.kind === 'chat' ? 'chat.completion' : 'text_completion', created, model: modelName, choices: [choice], usage: usage(p.maxTokens)});
              complete(r);
            }
            return;
          }
          if (index === 0 && !roleDelta) openStream();
          const finished = r.state === 'finished';
          if (drops && index === faultAt && !finished) {
            counters.faults.drop++;
            status = 'dropped';
            realtime.abort(r);
            writeTruth(r);
            done = true;
            res.destroy();
            return;
          }
          if (stalls && index === faultAt && !finished) {
            counters.faults.stall++;
            stallUntilMs = performance.now() + faults.stallMs!;
          }
          if (performance.now() < stallUntilMs) {
            // Hold delivery until the stall ends; the engine keeps generating.
            if (!stallTimer) {
              stallTimer = setTimeout(() => {
                stallTimer = null;
                if (done) return;
                flush(bufferedFrom, r.state === 'finished');
                if (r.state === 'finished') {
                  finishStream();
                  complete(r);
                }
              }, Math.max(0, stallUntilMs - performance.now()));
            }
            bufferedFrom = index + 1;
            return;
          }
          const produced = index + 1;
          if (bursts && !finished && index >= burstFrom && index > 0 && index < burstTo) {
            if (index === burstTo - 1) {
              counters.faults.burst++;
              flushEach(produced);
            }
            return;
          }
          if (index === 0 || finished || produced - sentTokens >= tokensPerChunk) flush(produced, finished);
          if (finished) {
            finishStream();
            complete(r);
          }
        },
      });
    } catch (err) {
      if (err instanceof PlannerError) throw new HttpError(400, err.message);
      throw err;
    }
    if (roleDelta) {
      // As vLLM does on chat completions: the role arrives before any token.
      openStream();
      res.write(`${chunkHead}"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}\n\n`);
    }
    res.on('close', () => {
      if (done || simReq.state === 'finished') return;
      // The client went away before the end.
      status = 'client_closed';
      counters.clientClosed++;
      if (stallTimer) clearTimeout(stallTimer);
      realtime.abort(simReq);
      writeTruth(simReq);
      done = true;
    });
  }

  function renderMetrics(): string {
    const l = `model_name="${modelName.replace(/["\\\n]/g, '_')}"`;
    const lines: string[] = [];
    const metric = (name: string, type: 'gauge' | 'counter', help: string, value: number, labels = l): void => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name}{${labels}} ${value}`);
    };
    metric('vllm:num_requests_running', 'gauge', 'Requests in the running batch.', engine.numRunning);
    metric('vllm:num_requests_waiting', 'gauge', 'Requests waiting to be scheduled.', engine.numWaiting);
    metric('vllm:kv_cache_usage_perc', 'gauge', 'KV-cache usage, fraction of blocks held (1 = full).', engine.kvUsage);
    metric('vllm:cache_config_info', 'gauge', 'KV-cache configuration (as vLLM labels it): blocks and tokens per block.', 1, `${l},block_size="${engine.blockSize}",num_gpu_blocks="${engine.kv.numBlocks}"`);
    metric('vllm:prompt_tokens_total', 'counter', 'Prompt tokens of accepted requests.', counters.promptTokens);
    metric('vllm:generation_tokens_total', 'counter', 'Tokens generated.', engine.totals.generatedTokens);
    metric('vllm:request_success_total', 'counter', 'Requests completed.', counters.success);
    metric('vllm:num_preemptions_total', 'counter', 'Preemptions (recompute).', engine.totals.preemptions);
    metric('vllm:prefix_cache_hit_tokens_total', 'counter', 'Prompt tokens served from the prefix cache.', engine.totals.prefixHitTokens);
    lines.push(...ttftHist.render('vllm:time_to_first_token_seconds', 'Time to first token, engine arrival to first token.', l));
    lines.push(...itlHist.render('vllm:inter_token_latency_seconds', 'Gap between consecutive tokens of a request.', l));
    lines.push(...e2eHist.render('vllm:e2e_request_latency_seconds', 'Arrival to last token.', l));
    metric('planner_mock_iterations_total', 'counter', 'Engine iterations run.', engine.totals.iterations);
    metric('planner_mock_bad_requests_total', 'counter', 'Requests answered 400.', counters.badRequests);
    metric('planner_mock_client_closed_total', 'counter', 'Requests whose client went away before the end.', counters.clientClosed);
    lines.push('# HELP planner_mock_event_loop_delay_seconds Event-loop delay of the server process since start (quantile 0.5, 0.99, 1).', '# TYPE planner_mock_event_loop_delay_seconds gauge');
    for (const q of [50, 99, 100]) lines.push(`planner_mock_event_loop_delay_seconds{${l},quantile="${q / 100}"} ${loopDelay.percentile(q) / 1e9}`);
    metric('planner_mock_timeline_resyncs_total', 'counter', 'Times the emission timeline fell behind and restarted from now.', realtime.stats.resyncs);
    lines.push('# HELP planner_mock_faults_total Injected faults by kind.', '# TYPE planner_mock_faults_total counter');
    for (const [kind, n] of Object.entries(counters.faults)) lines.push(`planner_mock_faults_total{${l},kind="${kind}"} ${n}`);
    return `${lines.join('\n')}\n`;
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => {
      truth?.destroy();
      realtime.close();
      reject(err);
    });
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    host,
    realtime,
    counters,
    async close(): Promise<void> {
      realtime.close();
      loopDelay.disable();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
      if (truth) await new Promise<void>((resolve) => truth.end(() => resolve()));
    },
  };
}

function openTruth(file: string, warn: (text: string) => void): WriteStream {
  let fd: number;
  try {
    fd = openSync(file, 'a');
  } catch (err) {
    throw failure(`${file}: cannot open the truth file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const stream = createWriteStream('', {fd});
  // A later write error (disk full) must not crash the server: it stops the truth log, said once.
  stream.on('error', (err) => {
    warn(`${file}: truth log stopped (${(err as NodeJS.ErrnoException).code ?? err.message})`);
  });
  return stream;
}

function sendJson(res: http.ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers});
  res.end(body);
}

function sendError(res: http.ServerResponse, err: HttpError, headers: Record<string, string> = {}): void {
  sendJson(res, err.status, {error: {message: err.message, type: err.type, param: err.param, code: err.status}}, headers);
}

async function drain(req: http.IncomingMessage): Promise<void> {
  for await (const _ of req) {
    // discard
  }
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `request body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(c as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, `malformed JSON body: ${(err as Error).message}`);
  }
}
