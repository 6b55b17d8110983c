/**
 * Discrete-event model of one continuous-batching engine (vLLM-style scheduler), DESIGN.md 6.2.
 *
 * Pure and clock-free: the caller owns time. `add(request)` queues a request that has arrived;
 * `step(nowMs)` schedules one iteration starting at `nowMs`, asks the perf model how long it
 * takes and applies its effects as of its end (`endMs`): tokens produced, requests finished,
 * requests preempted. The caller must not call `step` again before `endMs`. A virtual-clock
 * driver jumps from one `endMs` to the next; the HTTP server waits for them on the wall clock.
 *
 * Scheduling of one iteration (vLLM v1):
 * 1. Running requests, oldest first, each take `tokens - computed` tokens (1 for a decode, the
 *    next chunk for a partly computed prompt), capped by the remaining `maxNumBatchedTokens`.
 *    When a running request cannot get the KV blocks it needs, the newest running request is
 *    preempted (recompute: its blocks are freed and it goes back to the head of the queue).
 * 2. Waiting requests, in arrival order, while budget is left and fewer than `maxNumSeqs` run:
 *    reuse a cached prefix (prefix caching), then schedule a chunk of the rest if its KV
 *    blocks are free; the first request that does not fit stops admission (no overtaking).
 * A request whose tokens are all computed at the end of an iteration samples one token.
 */
import type {IterationShape, PerfModel} from '../perf-model.js';
import {KvCache, type BlockHash, type KvHolder} from './kv-cache.js';
import {badInput} from '../../errors.js';

export interface SimEngineConfig {
  perfModel: PerfModel;
  /** Tokens per KV block (vLLM default 16). */
  blockSize?: number;
  /** Token budget of one iteration. */
  maxNumBatchedTokens?: number;
  /** Most requests running at once. */
  maxNumSeqs?: number;
  /** KV capacity override, tokens (default: the perf model's). */
  maxKvTokens?: number;
  /** Reuse prompt blocks by hash. */
  prefixCaching?: boolean;
  /** Keep every token's time on each request (server, tests); off for large simulations. */
  recordTokenTimes?: boolean;
}

export const DEFAULT_BLOCK_SIZE = 16;
export const DEFAULT_MAX_NUM_BATCHED_TOKENS = 8192;
export const DEFAULT_MAX_NUM_SEQS = 256;

export interface SimRequestInput {
  id: string;
  promptTokens: number;
  /** Output tokens to generate (the mock always generates exactly this many). */
  outputTokens: number;
  /** When the request reached the engine, ms on the caller's clock. */
  arrivalMs: number;
  /** Chained hash per full prompt block of `blockSize` tokens, for prefix caching. */
  blockHashes?: readonly BlockHash[];
}

export type RequestState = 'waiting' | 'running' | 'finished' | 'aborted';

export interface SimRequest extends KvHolder {
  readonly id: string;
  readonly promptTokens: number;
  readonly outputTokens: number;
  readonly arrivalMs: number;
  state: RequestState;
  /** Tokens whose KV is computed. */
  computedTokens: number;
  /** Tokens generated so far. */
  generatedTokens: number;
  /** Prompt tokens served from the prefix cache at (latest) admission. */
  cachedTokens: number;
  firstTokenMs?: number;
  lastTokenMs?: number;
  finishMs?: number;
  /** Time of each generated token (only with `recordTokenTimes`). */
  tokenTimesMs?: number[];
  preemptions: number;
  /** Tokens scheduled for it in the iteration being built (scratch). */
  scheduled: number;
}

/** Per-iteration metrics, like Dynamo's forward-pass metrics. */
export interface IterationMetrics {
  startMs: number;
  endMs: number;
  durationMs: number;
  scheduledPrefillTokens: number;
  scheduledPrefillRequests: number;
  /** Prefix tokens already in KV ahead of the scheduled prefill chunks. */
  prefillPrefixTokens: number;
  decodeRequests: number;
  decodeKvTokens: number;
  /** Requests still waiting after this iteration was scheduled, and their uncomputed prompt tokens. */
  queuedRequests: number;
  queuedPrefillTokens: number;
  runningRequests: number;
  /** Fraction of KV blocks held after scheduling. */
  kvUsage: number;
  preemptions: number;
}

export interface StepResult {
  metrics: IterationMetrics;
  /** Requests that produced one token at `metrics.endMs` (finished ones included). */
  emitted: SimRequest[];
  finished: SimRequest[];
  preempted: SimRequest[];
}

export class SimEngine {
  readonly perfModel: PerfModel;
  readonly blockSize: number;
  readonly maxNumBatchedTokens: number;
  readonly maxNumSeqs: number;
  readonly maxKvTokens: number;
  readonly kv: KvCache;
  private readonly recordTokenTimes: boolean;
  private waiting: SimRequest[] = [];
  private waitingHead = 0;
  private running: SimRequest[] = [];
  /** Counters over the engine's life. */
  readonly totals = {iterations: 0, promptTokens: 0, generatedTokens: 0, preemptions: 0, prefixHitTokens: 0, finished: 0, aborted: 0};

  constructor(config: SimEngineConfig) {
    this.perfModel = config.perfModel;
    this.blockSize = config.blockSize ?? DEFAULT_BLOCK_SIZE;
    this.maxNumBatchedTokens = config.maxNumBatchedTokens ?? DEFAULT_MAX_NUM_BATCHED_TOKENS;
    this.maxNumSeqs = config.maxNumSeqs ?? DEFAULT_MAX_NUM_SEQS;
    this.maxKvTokens = config.maxKvTokens ?? config.perfModel.maxKvTokens;
    this.recordTokenTimes = config.recordTokenTimes ?? false;
    for (const [name, value] of [['blockSize', this.blockSize], ['maxNumBatchedTokens', this.maxNumBatchedTokens], ['maxNumSeqs', this.maxNumSeqs]] as const) {
      if (!Number.isInteger(value) || value < 1) throw badInput(`${name} must be a positive integer, got ${value}`);
    }
    const numBlocks = Math.floor(this.maxKvTokens / this.blockSize);
    if (!(numBlocks >= 1)) throw badInput(`KV capacity ${this.maxKvTokens} tokens holds no block of ${this.blockSize}`);
    this.kv = new KvCache(numBlocks, this.blockSize, config.prefixCaching ?? false);
  }

  /** Longest request (prompt + output) that can ever run: the whole KV cache. */
  get maxRequestTokens(): number {
    return this.kv.numBlocks * this.blockSize;
  }

  get numWaiting(): number {
    return this.waiting.length - this.waitingHead;
  }

  get numRunning(): number {
    return this.running.length;
  }

  get idle(): boolean {
    return this.numWaiting === 0 && this.running.length === 0;
  }

  get kvUsage(): number {
    return this.kv.usage;
  }

  /** Queue an arrived request. Throws a bad-input PlannerError when it can never fit in KV. */
  add(input: SimRequestInput): SimRequest {
    if (!Number.isInteger(input.promptTokens) || input.promptTokens < 1) throw badInput(`request ${input.id}: promptTokens must be a positive integer`);
    if (!Number.isInteger(input.outputTokens) || input.outputTokens < 1) throw badInput(`request ${input.id}: outputTokens must be a positive integer`);
    if (input.promptTokens + input.outputTokens > this.maxRequestTokens) {
      throw badInput(`request ${input.id}: ${input.promptTokens + input.outputTokens} tokens exceed the KV capacity of ${this.maxRequestTokens}`);
    }
    const req: SimRequest = {
      id: input.id,
      promptTokens: input.promptTokens,
      outputTokens: input.outputTokens,
      arrivalMs: input.arrivalMs,
      blockHashes: input.blockHashes,
      state: 'waiting',
      computedTokens: 0,
      generatedTokens: 0,
      cachedTokens: 0,
      preemptions: 0,
      scheduled: 0,
      blockIds: [],
      blockCount: 0,
      registeredBlocks: 0,
      tokenTimesMs: this.recordTokenTimes ? [] : undefined,
    };
    this.waiting.push(req);
    return req;
  }

  /** Drop a request (client went away); frees its KV. Takes effect before the next step. */
  abort(req: SimRequest): void {
    if (req.state === 'finished' || req.state === 'aborted') return;
    if (req.state === 'running') {
      const i = this.running.indexOf(req);
      if (i >= 0) this.running.splice(i, 1);
    } else {
      const i = this.waiting.indexOf(req, this.waitingHead);
      if (i >= 0) this.waiting.splice(i, 1);
    }
    this.kv.release(req);
    req.state = 'aborted';
    this.totals.aborted++;
  }

  /** Run one iteration starting at `nowMs`; null when there is nothing to do. */
  step(nowMs: number): StepResult | null {
    if (this.idle) return null;
    let budget = this.maxNumBatchedTokens;
    const scheduled: SimRequest[] = [];
    const preempted: SimRequest[] = [];

    // 1. Running requests first (decodes and partly computed prompts), oldest first.
    for (let i = 0; i < this.running.length && budget > 0; i++) {
      const req = this.running[i]!;
      const want = Math.min(req.promptTokens + req.generatedTokens - req.computedTokens, budget);
      let ok = false;
      while (!ok) {
        ok = this.kv.allocate(req, req.computedTokens + want);
        if (ok) break;
        // Out of blocks: preempt the newest running request (maybe this one).
        const victim = this.running.pop()!;
        this.preempt(victim);
        preempted.push(victim);
        if (victim === req) break;
      }
      if (!ok) break;
      req.scheduled = want;
      budget -= want;
      scheduled.push(req);
    }
    if (preempted.length > 0) {
      // Preempted requests go back to the head of the queue, oldest first.
      preempted.sort((a, b) => a.arrivalMs - b.arrivalMs);
      this.compactWaiting();
      this.waiting.unshift(...preempted);
    }

    // 2. Admit waiting requests in order while budget, seats and blocks allow.
    if (preempted.length === 0) {
      while (budget > 0 && this.running.length < this.maxNumSeqs && this.waitingHead < this.waiting.length) {
        const req = this.waiting[this.waitingHead]!;
        const total = req.promptTokens + req.generatedTokens;
        if (req.computedTokens === 0 && req.blockCount === 0) {
          // At least one token must be computed to produce the next token.
          req.cachedTokens = this.kv.acquirePrefix(req, total - 1);
          req.computedTokens = req.cachedTokens;
          this.totals.prefixHitTokens += req.cachedTokens;
        }
        const want = Math.min(total - req.computedTokens, budget);
        if (!this.kv.allocate(req, req.computedTokens + want)) {
          if (this.running.length === 0 && scheduled.length === 0) {
            // Cannot happen for requests that passed add(); guard against a stuck engine.
            throw new Error(`request ${req.id} cannot be scheduled on an empty engine`);
          }
          break;
        }
        this.waitingHead++;
        if (req.preemptions === 0) this.totals.promptTokens += req.promptTokens;
        req.state = 'running';
        req.scheduled = want;
        budget -= want;
        this.running.push(req);
        scheduled.push(req);
      }
      if (this.waitingHead > 1024 && this.waitingHead * 2 > this.waiting.length) this.compactWaiting();
    }

    // Iteration shape.
    const shape: IterationShape = {prefillTokens: 0, prefillRequests: 0, prefillPrefixTokens: 0, decodeRequests: 0, decodeKvTokens: 0};
    for (const req of scheduled) {
      const isDecode = req.scheduled === 1 && req.generatedTokens > 0 && req.computedTokens === req.promptTokens + req.generatedTokens - 1;
      if (isDecode) {
        shape.decodeRequests++;
        shape.decodeKvTokens += req.computedTokens + 1;
      } else {
        shape.prefillRequests++;
        shape.prefillTokens += req.scheduled;
        shape.prefillPrefixTokens! += req.computedTokens;
      }
    }
    const durationMs = scheduled.length > 0 ? this.perfModel.stepMs(shape) : 0;
    if (!(durationMs >= 0) || !Number.isFinite(durationMs)) throw new Error(`perf model ${this.perfModel.name} returned ${durationMs} ms for ${JSON.stringify(shape)}`);
    const endMs = nowMs + durationMs;
    const kvUsage = this.kv.usage;

    // Effects at the end of the iteration.
    const emitted: SimRequest[] = [];
    const finished: SimRequest[] = [];
    for (const req of scheduled) {
      req.computedTokens += req.scheduled;
      req.scheduled = 0;
      this.kv.register(req, Math.min(req.computedTokens, req.promptTokens));
      if (req.computedTokens < req.promptTokens + req.generatedTokens) continue;
      req.generatedTokens++;
      this.totals.generatedTokens++;
      if (req.firstTokenMs === undefined) req.firstTokenMs = endMs;
      req.lastTokenMs = endMs;
      req.tokenTimesMs?.push(endMs);
      emitted.push(req);
      if (req.generatedTokens >= req.outputTokens) {
        req.state = 'finished';
        req.finishMs = endMs;
        this.kv.release(req);
        finished.push(req);
        this.totals.finished++;
      }
    }
    if (finished.length > 0) this.running = this.running.filter((r) => r.state === 'running');

    let queuedPrefillTokens = 0;
    for (let i = this.waitingHead; i < this.waiting.length; i++) {
      const r = this.waiting[i]!;
      queuedPrefillTokens += r.promptTokens + r.generatedTokens - r.computedTokens;
    }
    this.totals.iterations++;
    this.totals.preemptions += preempted.length;
    return {
      metrics: {
        startMs: nowMs,
        endMs,
        durationMs,
        scheduledPrefillTokens: shape.prefillTokens,
        scheduledPrefillRequests: shape.prefillRequests,
        prefillPrefixTokens: shape.prefillPrefixTokens!,
        decodeRequests: shape.decodeRequests,
        decodeKvTokens: shape.decodeKvTokens,
        queuedRequests: this.numWaiting,
        queuedPrefillTokens,
        runningRequests: this.running.length,
        kvUsage,
        preemptions: preempted.length,
      },
      emitted,
      finished,
      preempted,
    };
  }

  private preempt(req: SimRequest): void {
    this.kv.release(req);
    req.state = 'waiting';
    req.computedTokens = 0;
    req.scheduled = 0;
    req.preemptions++;
  }

  private compactWaiting(): void {
    if (this.waitingHead > 0) {
      this.waiting = this.waiting.slice(this.waitingHead);
      this.waitingHead = 0;
    }
  }
}
