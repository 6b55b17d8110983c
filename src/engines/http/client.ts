/**
 * OpenAI-compatible streaming client (DESIGN.md 4). One `stream()` call is one measured request:
 * axios streaming with decompression off, an incremental SSE parser, timestamps from
 * `performance.now()` taken when each read arrives, retries with backoff for connection errors,
 * 429 (Retry-After) and 503, error bodies read from streamed 4xx/5xx answers. The API key goes
 * into the Authorization header only; it is never part of a result or a message.
 */
import http from 'node:http';
import https from 'node:https';
import {performance} from 'node:perf_hooks';
import type {Readable} from 'node:stream';
import axios, {type AxiosInstance, type AxiosResponse} from 'axios';
import {SseParser} from './sse.js';
import {badInput, option} from '../../errors.js';

export type ApiKind = 'chat' | 'completions';

export interface HttpClientOptions {
  /** Base URL, e.g. http://127.0.0.1:8000 (a trailing /v1 is accepted). */
  baseUrl: string;
  api: ApiKind;
  /** Model name sent in every request. */
  model?: string;
  apiKey?: string;
  headers?: Record<string, string>;
  /** Whole-request timeout, ms. */
  timeoutMs?: number;
  /** Retries after a connection error, 429 or 503. */
  retries?: number;
  /** First backoff, ms (doubles per retry, capped at 10 s, Retry-After wins). */
  backoffMs?: number;
  /** Sockets kept alive per host: the largest concurrency. */
  maxSockets?: number;
  /** Longest wait before a retry, ms (a server's Retry-After is capped to it; default 30 s). */
  maxRetryWaitMs?: number;
  /** Told about every wait longer than a second before a retry (so a user knows why nothing moves). */
  onRetryWait?: (text: string) => void;
}

/** Default cap of a wait before a retry, ms. */
export const DEFAULT_MAX_RETRY_WAIT_MS = 30_000;

/** A URL without user:password, for files, reports and messages. */
export function withoutCredentials(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

/**
 * The secrets a client holds (API key, header values, URL credentials) and the one function that
 * removes them from any string before it leaves the client (errors, results, messages).
 */
export class Redactor {
  private readonly secrets: string[];

  constructor(secrets: Array<string | undefined>) {
    const all = new Set<string>();
    for (const s of secrets) {
      if (!s || s.length < 3) continue;
      all.add(s);
      try {
        all.add(decodeURIComponent(s));
      } catch {
        // not URI-encoded
      }
      all.add(encodeURIComponent(s));
    }
    // Longest first, so a secret containing another is removed whole.
    this.secrets = [...all].sort((a, b) => b.length - a.length);
  }

  redact(text: string): string {
    let out = text;
    for (const s of this.secrets) out = out.split(s).join('***');
    return out;
  }
}

export interface StreamRequest {
  /** Text (both APIs) or token ids (completions only). */
  prompt: string | number[];
  maxTokens: number;
  /** Cancels the request (Ctrl-C). */
  signal?: AbortSignal;
}

export type RequestStatus = 'ok' | 'error' | 'timeout';

export interface StreamResult {
  /** performance.now() of the send of the attempt that counted. */
  sendAt: number;
  /** Send -> first chunk with content or reasoning tokens, ms. */
  ttftMs: number | null;
  /** Per-request ITL: (last token chunk - first token chunk) / (output tokens - tokens of the first chunk), ms. */
  itlMs: number | null;
  /** [offset from send ms, tokens] per chunk that carried tokens. */
  chunks: [number, number][];
  /** True when chunk token counts came from cumulative usage (continuous_usage_stats), not one per chunk. */
  chunkTokensFromUsage: boolean;
  inputTokens: number | null;
  outputTokens: number | null;
  status: RequestStatus;
  httpStatus?: number;
  error?: string;
  /** The response id the server gave (matches a server-side log). */
  responseId?: string;
  attempts: number;
  /** Fields the server rejected and the client stopped sending. */
  dropped?: string[];
}

/** Optional request fields some servers reject; dropped once a 400 names them. */
const OPTIONAL_FIELDS = ['continuous_usage_stats', 'stream_options', 'min_tokens', 'ignore_eos'] as const;
type OptionalField = (typeof OPTIONAL_FIELDS)[number];

const RETRYABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);

/** Seconds or an HTTP date -> ms to wait (undefined when absent or unreadable). */
export function retryAfterMs(value: unknown, nowMs = Date.now()): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const s = Number(value);
  if (Number.isFinite(s) && s >= 0) return s * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** Backoff before retry `attempt` (1-based): base * 2^(attempt-1), capped at 10 s. */
export function backoffDelayMs(attempt: number, baseMs: number): number {
  return Math.min(10_000, baseMs * 2 ** (attempt - 1));
}

/** Strip a trailing slash and /v1 so routes can be appended. */
export function normalizeBaseUrl(url: string): string {
  let u = url.trim().replace(/\/+$/, '');
  if (u.endsWith('/v1')) u = u.slice(0, -3);
  return u;
}

/** The human text of an error body: OpenAI's {error: {message}}, {message}, {detail}, or the raw text. */
export function errorBodyMessage(text: string): string {
  const raw = text.trim();
  try {
    const v = JSON.parse(raw) as {error?: unknown; message?: unknown; detail?: unknown};
    if (v && typeof v === 'object') {
      if (v.error && typeof v.error === 'object' && typeof (v.error as {message?: unknown}).message === 'string') return (v.error as {message: string}).message;
      if (typeof v.error === 'string') return v.error;
      if (typeof v.message === 'string') return v.message;
      if (typeof v.detail === 'string') return v.detail;
    }
  } catch {
    // not JSON
  }
  const oneLine = raw.replace(/\s+/g, ' ');
  return oneLine.length > 200 ? `${oneLine.slice(0, 200)}...` : oneLine;
}

async function readBody(stream: Readable, limit = 16_384): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  try {
    for await (const c of stream) {
      const b = c as Buffer;
      if (size < limit) parts.push(b);
      size += b.length;
    }
  } catch {
    // a body cut short still says something
  }
  return Buffer.concat(parts).toString('utf8').slice(0, limit);
}

/** A server answer that breaks the protocol (the message says what happened). */
class ProtocolError extends Error {}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, {once: true});
  });

interface ChunkInfo {
  tokens: number;
  /** Cumulative completion tokens when the chunk carried usage. */
  cumulative: number | null;
  usage?: {prompt_tokens?: number; completion_tokens?: number};
  id?: string;
}

/** What one parsed SSE data payload carries. */
export function readChunk(payload: unknown, api: ApiKind): ChunkInfo {
  const obj = payload as {id?: unknown; choices?: unknown; usage?: unknown};
  let text = '';
  if (Array.isArray(obj?.choices)) {
    for (const ch of obj.choices as Record<string, unknown>[]) {
      if (!ch || typeof ch !== 'object') continue;
      if (api === 'chat' || 'delta' in ch) {
        const d = (ch.delta ?? {}) as Record<string, unknown>;
        for (const k of ['content', 'reasoning_content', 'reasoning']) if (typeof d[k] === 'string') text += d[k] as string;
      }
      if (typeof ch.text === 'string') text += ch.text;
    }
  }
  const usage = obj?.usage && typeof obj.usage === 'object' ? (obj.usage as {prompt_tokens?: number; completion_tokens?: number}) : undefined;
  const cumulative = usage && typeof usage.completion_tokens === 'number' ? usage.completion_tokens : null;
  return {tokens: text.length > 0 ? 1 : 0, cumulative, ...(usage ? {usage} : {}), ...(typeof obj?.id === 'string' ? {id: obj.id} : {})};
}

export class HttpClient {
  readonly baseUrl: string;
  readonly options: HttpClientOptions;
  private readonly axios: AxiosInstance;
  private readonly dropped = new Set<OptionalField>();
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;

  private readonly redactor: Redactor;

  constructor(options: HttpClientOptions) {
    this.options = options;
    const normalized = normalizeBaseUrl(options.baseUrl);
    let user = '';
    let password = '';
    try {
      const u = new URL(normalized);
      user = u.username;
      password = u.password;
    } catch {
      // not a URL: axios reports it
    }
    // Credentials in the URL become a Basic Authorization header; the client never holds them in its URL.
    this.baseUrl = withoutCredentials(normalized);

    const maxSockets = Math.max(1, options.maxSockets ?? 64);
    this.httpAgent = new http.Agent({keepAlive: true, maxSockets, maxFreeSockets: maxSockets});
    this.httpsAgent = new https.Agent({keepAlive: true, maxSockets, maxFreeSockets: maxSockets});
    const headers: Record<string, string> = {...(options.headers ?? {})};
    if (options.apiKey) headers.Authorization = `Bearer ${options.apiKey}`;
    const basic = user || password ? Buffer.from(`${decodeURIComponent(user)}:${decodeURIComponent(password)}`).toString('base64') : undefined;
    if (!options.apiKey && basic) headers.Authorization = `Basic ${basic}`;
    this.redactor = new Redactor([options.apiKey, password, basic, ...Object.values(options.headers ?? {})]);
    this.axios = axios.create({
      baseURL: this.baseUrl,
      headers,
      httpAgent: this.httpAgent,
      httpsAgent: this.httpsAgent,
      decompress: false,
      maxRedirects: 0,
      validateStatus: () => true,
      proxy: false,
    });
  }

  /** Close idle keep-alive sockets. */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  /** Fields dropped because the server rejected them. */
  get droppedFields(): string[] {
    return [...this.dropped];
  }

  private route(): string {
    return this.options.api === 'chat' ? '/v1/chat/completions' : '/v1/completions';
  }

  /** The JSON body of a streaming request (OSL forced with ignore_eos + min_tokens where accepted). */
  body(req: StreamRequest): Record<string, unknown> {
    const b: Record<string, unknown> = {stream: true, max_tokens: req.maxTokens, temperature: 0};
    if (this.options.model) b.model = this.options.model;
    if (this.options.api === 'chat') {
      if (Array.isArray(req.prompt)) throw badInput(`token-id prompts need ${option('api')} completions`);
      b.messages = [{role: 'user', content: req.prompt}];
    } else b.prompt = req.prompt;
    if (!this.dropped.has('ignore_eos')) b.ignore_eos = true;
    if (!this.dropped.has('min_tokens')) b.min_tokens = req.maxTokens;
    if (!this.dropped.has('stream_options')) b.stream_options = this.dropped.has('continuous_usage_stats') ? {include_usage: true} : {include_usage: true, continuous_usage_stats: true};
    return b;
  }

  /** Remove every secret the client holds from a string. */
  redact(text: string): string {
    return this.redactor.redact(text);
  }

  /** GET a path as text (models, metrics, health); throws on network errors (messages redacted). */
  async getText(path: string, timeoutMs = 5000): Promise<{status: number; text: string}> {
    try {
      const res = await this.axios.get<string>(path, {responseType: 'text', timeout: timeoutMs, transformResponse: (x: unknown) => x, decompress: true});
      return {status: res.status, text: String(res.data ?? '')};
    } catch (err) {
      if (err instanceof Error) err.message = this.redact(err.message);
      throw err;
    }
  }

  /** The first served model id from /v1/models, and its max_model_len when given. */
  async servedModel(): Promise<{id: string; maxModelLen?: number}> {
    const {status, text} = await this.getText('/v1/models');
    if (status !== 200) throw new Error(this.redact(`GET /v1/models answered ${status}: ${errorBodyMessage(text)}`));
    const v = JSON.parse(text) as {data?: {id?: unknown; max_model_len?: unknown}[]};
    const first = Array.isArray(v.data) ? v.data.find((m) => typeof m?.id === 'string') : undefined;
    if (!first) throw new Error('GET /v1/models lists no model');
    return {id: first.id as string, ...(typeof first.max_model_len === 'number' ? {maxModelLen: first.max_model_len} : {})};
  }

  /** One measured streaming request, with retries. Never throws; failures are results. */
  async stream(req: StreamRequest): Promise<StreamResult> {
    const retries = this.options.retries ?? 3;
    const base = this.options.backoffMs ?? 250;
    let attempt = 0;
    let compatRetries = 0;
    for (;;) {
      attempt++;
      const r = await this.once(req);
      r.attempts = attempt;
      if (r.error !== undefined) r.error = this.redact(r.error);
      if (r.status === 'ok' || req.signal?.aborted) return r;
      // A 400 naming an optional field: drop it and resend (not counted as a retry).
      if (r.httpStatus === 400 && r.error && compatRetries < OPTIONAL_FIELDS.length) {
        const field = OPTIONAL_FIELDS.find((f) => !this.dropped.has(f) && r.error!.includes(f));
        if (field) {
          this.dropped.add(field);
          if (field === 'stream_options') this.dropped.add('continuous_usage_stats');
          compatRetries++;
          attempt--;
          continue;
        }
      }
      const retryable = r.httpStatus === 429 || r.httpStatus === 503 || (r.httpStatus === undefined && r.retryable === true);
      if (!retryable || attempt > retries) {
        delete r.retryable;
        delete r.retryAfter;
        return r;
      }
      const wantedMs = r.retryAfter ?? backoffDelayMs(attempt, base);
      const capMs = this.options.maxRetryWaitMs ?? DEFAULT_MAX_RETRY_WAIT_MS;
      const waitMs = Math.min(wantedMs, capMs);
      if (waitMs >= 1000) {
        const why = r.httpStatus !== undefined ? `HTTP ${r.httpStatus}` : (r.error ?? 'connection error');
        const capped = wantedMs > capMs ? ` (the server asked for ${(wantedMs / 1000).toFixed(0)} s; capped by the retry-wait limit)` : '';
        this.options.onRetryWait?.(`${why}: waiting ${(waitMs / 1000).toFixed(1)} s before retry ${attempt} of ${retries}${capped}`);
      }
      await sleep(waitMs, req.signal);
    }
  }

  private async once(req: StreamRequest): Promise<StreamResult & {retryable?: boolean; retryAfter?: number}> {
    const api = this.options.api;
    const timeoutMs = this.options.timeoutMs ?? 600_000;
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const onAbort = () => controller.abort();
    req.signal?.addEventListener('abort', onAbort, {once: true});
    const chunks: [number, number][] = [];
    const result: StreamResult & {retryable?: boolean; retryAfter?: number} = {
      sendAt: 0, ttftMs: null, itlMs: null, chunks, chunkTokensFromUsage: false, inputTokens: null, outputTokens: null, status: 'error', attempts: 1,
    };
    let res: AxiosResponse<Readable> | undefined;
    try {
      const body = this.body(req);
      result.sendAt = performance.now();
      // The actual send is when the request has been handed to the socket ('finish'), not when
      // axios was called: on a busy client those differ, and the gap is client queueing.
      const base = this.baseUrl.startsWith('https:') ? https : http;
      const transport = {
        request: (opts: http.RequestOptions, cb: (res: http.IncomingMessage) => void) => {
          const r = base.request(opts, cb);
          r.once('finish', () => {
            result.sendAt = performance.now();
          });
          return r;
        },
      };
      res = await this.axios.post<Readable>(this.route(), body, {responseType: 'stream', signal: controller.signal, headers: {'Accept-Encoding': 'identity', Accept: 'text/event-stream'}, transport});
      result.httpStatus = res.status;
      if (res.status !== 200) {
        const text = await readBody(res.data);
        result.error = `HTTP ${res.status}: ${errorBodyMessage(text) || 'empty body'}`;
        if (res.status === 429 || res.status === 503) result.retryAfter = retryAfterMs(res.headers['retry-after']);
        return result;
      }
      const type = String(res.headers['content-type'] ?? '');
      if (!type.includes('text/event-stream')) {
        const text = await readBody(res.data, 2048);
        result.error = `expected an SSE stream (text/event-stream) but got ${type || 'no content type'}: ${errorBodyMessage(text) || 'empty body'}`;
        return result;
      }
      await this.consume(res.data, req, result, api);
    } catch (err) {
      const e = err as {code?: string; message?: string; name?: string};
      if (timedOut) {
        result.status = 'timeout';
        result.error = `no complete answer within ${timeoutMs / 1000} s`;
      } else if (err instanceof ProtocolError) {
        result.error = err.message;
      } else if (req.signal?.aborted) {
        result.error = 'cancelled';
      } else {
        const code = e.code ?? '';
        result.retryable = RETRYABLE_CODES.has(code) && chunks.length === 0;
        result.error = code === 'ECONNREFUSED' ? `connection refused by ${this.baseUrl}` : `${code ? `${code}: ` : ''}${e.message ?? String(err)}`;
        if (chunks.length > 0) result.error = `stream broken after ${chunks.length} chunks (${result.error})`;
      }
    } finally {
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
      if (result.status !== 'ok' && res && !res.data.destroyed) res.data.destroy();
    }
    return result;
  }

  private async consume(stream: Readable, req: StreamRequest, result: StreamResult, api: ApiKind): Promise<void> {
    const parser = new SseParser();
    // Offsets are taken from the wire send, known by the time the first byte of the answer arrives.
    const sendOf = () => result.sendAt;
    let done = false;
    let lastCumulative = 0;
    let usageSeen = false;
    let countedTokens = 0;
    const handle = (data: string, at: number): void => {
      if (data === '[DONE]') {
        done = true;
        return;
      }
      let payload: unknown;
      try {
        payload = JSON.parse(data);
      } catch {
        throw new ProtocolError(`not JSON in the SSE stream: ${data.slice(0, 120)}`);
      }
      const err = (payload as {error?: unknown}).error;
      if (err) throw new ProtocolError(`error event in the stream: ${errorBodyMessage(JSON.stringify(payload))}`);
      const info = readChunk(payload, api);
      if (info.id && !result.responseId) result.responseId = info.id;
      if (info.usage) {
        if (typeof info.usage.prompt_tokens === 'number') result.inputTokens = info.usage.prompt_tokens;
        if (typeof info.usage.completion_tokens === 'number') result.outputTokens = info.usage.completion_tokens;
      }
      if (info.tokens === 0) return;
      let tokens = 1;
      if (info.cumulative !== null) {
        usageSeen = true;
        tokens = Math.max(0, info.cumulative - lastCumulative);
        lastCumulative = info.cumulative;
        if (tokens === 0) tokens = 1;
      }
      countedTokens += tokens;
      const offset = at - sendOf();
      if (result.ttftMs === null) result.ttftMs = offset;
      // Events that arrived in one read (a buffering proxy, a busy client) are one chunk with their
      // tokens summed: giving them the same time as separate chunks would claim a zero gap.
      const prev = result.chunks[result.chunks.length - 1];
      if (prev && prev[0] === offset) prev[1] += tokens;
      else result.chunks.push([offset, tokens]);
      if (countedTokens > req.maxTokens) throw new ProtocolError(`the server ignored max_tokens: it sent more than ${req.maxTokens} tokens`);
    };
    for await (const piece of stream) {
      const at = performance.now();
      for (const ev of parser.push(piece as Buffer)) {
        handle(ev.data, at);
        if (done) break;
      }
      if (done) break;
    }
    if (!done) {
      for (const ev of parser.end()) handle(ev.data, performance.now());
    }
    if (!done) {
      const tail = parser.pendingText.trim();
      throw new ProtocolError(`the stream ended before [DONE] after ${result.chunks.length} token chunks${tail ? ` (unparsed: ${tail.slice(0, 80)})` : ''}`);
    }
    stream.destroy();
    result.chunkTokensFromUsage = usageSeen;
    if (result.outputTokens === null) result.outputTokens = countedTokens;
    else if (result.outputTokens > req.maxTokens) throw new ProtocolError(`the server ignored max_tokens: usage reports ${result.outputTokens} tokens for max_tokens ${req.maxTokens}`);
    const n = result.chunks.length;
    if (n >= 2 && result.outputTokens !== null) {
      const first = result.chunks[0]!;
      const last = result.chunks[n - 1]!;
      // Tokens that arrived after the first chunk; without per-chunk usage, every event counts one
      // and the usage total tells how many tokens the chunks after the first carried.
      const firstTokens = first[1];
      const after = result.outputTokens - firstTokens;
      if (after > 0) result.itlMs = (last[0] - first[0]) / after;
    }
    result.status = 'ok';
  }
}
