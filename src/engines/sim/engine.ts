/**
 * Discrete-event model of one continuous-batching engine (vLLM-style scheduler), DESIGN.md 6.2.
 *
 * Pure and clock-free: the caller owns time. `add(request)` queues a request that has arrived;
 * `begin(nowMs)` schedules an iteration starting at `nowMs` and asks the perf model how long it
 * takes; `complete(iteration)` applies its effects as of its end (tokens produced, requests
 * finished), so nothing outside sees them before the iteration ends. `step(nowMs)` does both at
 * once. A virtual-clock driver (driver.ts) jumps from one end to the next; the HTTP server waits
 * for them on the wall clock.
 *
 * Which requests run in an iteration is the scheduler policy's decision (scheduler.ts, vLLM v1 by
 * default). A request whose tokens are all computed at the end of an iteration samples one token.
 *
 * Decode fast-forward: when nothing waits and every running request decodes, the next iterations
 * differ only by their KV length, so `begin(nowMs, maxIterations)` may cover up to that many of
 * them at once (until the first request finishes or KV would run out) without touching each
 * request per iteration. The caller cuts it short with `truncate` when a request arrives; the
 * results are exactly those of stepping one iteration at a time.
 */
import type {IterationShape, PerfModel} from '../perf-model.js';
import {KvCache, type BlockHash, type KvHolder} from './kv-cache.js';
import {DecodeGroup} from './decode-group.js';
import {pendingTokens, vllmScheduler, WaitingQueue, type SchedulerContext, type SchedulerPolicy} from './scheduler.js';

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
  /** Which requests run each iteration (default: vLLM v1). */
  scheduler?: SchedulerPolicy;
  /**
   * Keep decoding requests in aggregate (decode-group.ts: O(1) per iteration instead of O(batch));
   * exact, used with the default scheduler, without prefix caching and token times. `emitted`
   * then lists only the requests scheduled one by one.
   */
  aggregateDecodes?: boolean;
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
  /**
   * The prompt's KV was computed elsewhere and its first token generated there (a decode engine
   * after a KV transfer): the request arrives with its first token and only decodes the rest.
   */
  prefilled?: boolean;
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
  /** Start of the first iteration that scheduled it. */
  admittedMs?: number;
  /** Order of (latest) admission: the running order. */
  admitSeq?: number;
  firstTokenMs?: number;
  lastTokenMs?: number;
  finishMs?: number;
  /** Time of each generated token (only with `recordTokenTimes`). */
  tokenTimesMs?: number[];
  preemptions: number;
  /** Tokens scheduled for it in the iteration being built (scratch). */
  scheduled: number;
}

/** Per-iteration metrics, like Dynamo's forward-pass metrics (of the last iteration of a fast-forward). */
export interface IterationMetrics {
  /** Iterations covered (1, or more for a decode fast-forward, all with `decodeRequests` decodes). */
  iterations: number;
  /** Start of the first of them. */
  spanStartMs: number;
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
  /** Forward-pass-metric moments (DESIGN 3.5): population variances of the scheduled prefill chunk lengths and decode KV lengths. */
  varPrefillLength: number;
  varDecodeKvTokens: number;
  /** The waiting queue split as Dynamo's `queued_requests`: prefill requests (uncomputed tokens) and decode-only ones (KV tokens). */
  queued: {numPrefillRequests: number; sumPrefillTokens: number; varPrefillLength: number; numDecodeRequests: number; sumDecodeKvTokens: number; varDecodeKvTokens: number};
}

export interface StepResult {
  metrics: IterationMetrics;
  /** Requests that produced one token at `metrics.endMs` (finished ones included). */
  emitted: SimRequest[];
  finished: SimRequest[];
  preempted: SimRequest[];
}

/** An iteration (or a decode fast-forward) begun and not yet completed. */
export interface Iteration {
  readonly scheduled: SimRequest[];
  readonly preempted: SimRequest[];
  readonly shape: IterationShape;
  readonly startMs: number;
  /** Duration of each covered iteration. */
  readonly durationsMs: number[];
  /** End of each covered iteration. */
  readonly endsMs: number[];
  iterations: number;
  readonly varPrefillLength: number;
  /** Sum of squared decode KV lengths of the first iteration (integers: exact). */
  readonly sumSqDecodeKvTokens: number;
  /** Decode-group members that ran in it. */
  groupCount: number;
}

/** Shared by every request when blocks are only counted (no prefix caching): never written. */
const NO_BLOCK_IDS: number[] = [];

function variance(n: number, sum: number, sumSq: number): number {
  if (n < 2) return 0;
  const mean = sum / n;
  return Math.max(0, sumSq / n - mean * mean);
}

export class SimEngine {
  readonly perfModel: PerfModel;
  readonly blockSize: number;
  readonly maxNumBatchedTokens: number;
  readonly maxNumSeqs: number;
  readonly maxKvTokens: number;
  readonly kv: KvCache;
  private readonly recordTokenTimes: boolean;
  private readonly scheduler: SchedulerPolicy;
  private readonly waiting = new WaitingQueue();
  private running: SimRequest[] = [];
  private readonly context: SchedulerContext;
  /** Decoding requests kept in aggregate (null: every request scheduled one by one). */
  private readonly group: DecodeGroup | null;
  /** The scheduler's view while the group runs: budget and seats net of the group's decodes. */
  private readonly groupContext: {-readonly [K in keyof SchedulerContext]: SchedulerContext[K]};
  private admitSeq = 0;
  /** Counters over the engine's life. */
  readonly totals = {iterations: 0, promptTokens: 0, generatedTokens: 0, preemptions: 0, prefixHitTokens: 0, finished: 0, aborted: 0};

  constructor(config: SimEngineConfig) {
    this.perfModel = config.perfModel;
    this.blockSize = config.blockSize ?? DEFAULT_BLOCK_SIZE;
    this.maxNumBatchedTokens = config.maxNumBatchedTokens ?? DEFAULT_MAX_NUM_BATCHED_TOKENS;
    this.maxNumSeqs = config.maxNumSeqs ?? DEFAULT_MAX_NUM_SEQS;
    this.maxKvTokens = config.maxKvTokens ?? config.perfModel.maxKvTokens;
    this.recordTokenTimes = config.recordTokenTimes ?? false;
    this.scheduler = config.scheduler ?? vllmScheduler;
    for (const [name, value] of [['blockSize', this.blockSize], ['maxNumBatchedTokens', this.maxNumBatchedTokens], ['maxNumSeqs', this.maxNumSeqs]] as const) {
      if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
    }
    const numBlocks = Math.floor(this.maxKvTokens / this.blockSize);
    if (!(numBlocks >= 1)) throw new RangeError(`KV capacity ${this.maxKvTokens} tokens holds no block of ${this.blockSize}`);
    this.kv = new KvCache(numBlocks, this.blockSize, config.prefixCaching ?? false);
    this.group = config.aggregateDecodes && !config.prefixCaching && !this.recordTokenTimes && this.scheduler === vllmScheduler ? new DecodeGroup(this.blockSize) : null;
    // The running list is replaced when requests finish: the scheduler reads the current one.
    const currentRunning = (): SimRequest[] => this.running;
    const preempt = (req: SimRequest): void => this.preempt(req);
    const admitted = (req: SimRequest): void => {
      req.admitSeq = this.admitSeq++;
      if (req.preemptions === 0) this.totals.promptTokens += req.promptTokens;
      this.totals.prefixHitTokens += req.cachedTokens;
    };
    this.context = {
      get running() {
        return currentRunning();
      },
      waiting: this.waiting,
      kv: this.kv,
      maxNumBatchedTokens: this.maxNumBatchedTokens,
      maxNumSeqs: this.maxNumSeqs,
      preempt,
      admitted,
    };
    this.groupContext = {
      running: this.running, waiting: this.waiting, kv: this.kv, maxNumBatchedTokens: this.maxNumBatchedTokens, maxNumSeqs: this.maxNumSeqs,
      otherRunning: 0, preempt, admitted,
    };
  }

  /** Longest request (prompt + output) that can ever run: the whole KV cache. */
  get maxRequestTokens(): number {
    return this.kv.numBlocks * this.blockSize;
  }

  get numWaiting(): number {
    return this.waiting.length;
  }

  get numRunning(): number {
    return this.running.length + (this.group?.count ?? 0);
  }

  /** Uncomputed prompt tokens of the waiting requests. */
  get queuedPrefillTokens(): number {
    return this.waiting.pendingTokens;
  }

  get idle(): boolean {
    return this.waiting.length === 0 && this.numRunning === 0;
  }

  get kvUsage(): number {
    return this.kv.usage;
  }

  /** Queue an arrived request. Throws RangeError when it can never fit in KV. */
  add(input: SimRequestInput): SimRequest {
    if (!Number.isInteger(input.promptTokens) || input.promptTokens < 1) throw new RangeError(`request ${input.id}: promptTokens must be a positive integer`);
    if (!Number.isInteger(input.outputTokens) || input.outputTokens < (input.prefilled ? 2 : 1)) throw new RangeError(`request ${input.id}: outputTokens must be an integer >= ${input.prefilled ? 2 : 1}`);
    if (input.promptTokens + input.outputTokens > this.maxRequestTokens) {
      throw new RangeError(`request ${input.id}: ${input.promptTokens + input.outputTokens} tokens exceed the KV capacity of ${this.maxRequestTokens}`);
    }
    const req: SimRequest = {
      id: input.id,
      promptTokens: input.promptTokens,
      outputTokens: input.outputTokens,
      arrivalMs: input.arrivalMs,
      blockHashes: input.blockHashes,
      state: 'waiting',
      computedTokens: input.prefilled ? input.promptTokens : 0,
      generatedTokens: input.prefilled ? 1 : 0,
      cachedTokens: 0,
      firstTokenMs: input.prefilled ? input.arrivalMs : undefined,
      lastTokenMs: input.prefilled ? input.arrivalMs : undefined,
      preemptions: 0,
      scheduled: 0,
      blockIds: this.kv.prefixCaching ? [] : NO_BLOCK_IDS,
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
      if (this.group?.has(req)) this.ungroup();
      const i = this.running.indexOf(req);
      if (i >= 0) this.running.splice(i, 1);
    } else {
      this.waiting.remove(req);
    }
    this.kv.release(req);
    req.state = 'aborted';
    this.totals.aborted++;
  }

  /** Run one iteration starting at `nowMs`; null when there is nothing to do. */
  step(nowMs: number): StepResult | null {
    const it = this.begin(nowMs);
    return it ? this.complete(it) : null;
  }

  /**
   * Schedule an iteration starting at `nowMs` (a decode fast-forward of up to `maxIterations`
   * when nothing waits, of the iterations that start before `horizonMs`, the caller's next
   * event); null when there is nothing to do. Until `complete`, the engine must not begin another
   * iteration.
   */
  begin(nowMs: number, maxIterations = 1, horizonMs = Infinity): Iteration | null {
    if (this.idle) return null;
    const group = this.group;
    let groupCount = 0;
    let ctx = this.context;
    if (group && group.count > 0) {
      if (this.groupFits(group)) {
        // The group's decodes take their tokens and blocks first; the policy schedules the rest.
        groupCount = group.count;
        this.kv.reserve(group.blocksNeeded);
        const g = this.groupContext;
        g.running = this.running;
        g.maxNumBatchedTokens = this.maxNumBatchedTokens - groupCount;
        g.maxNumSeqs = this.maxNumSeqs - groupCount;
        g.otherRunning = groupCount;
        ctx = g;
      } else this.ungroup();
    }
    const {scheduled, preempted} = this.scheduler(ctx);

    const shape: IterationShape = {prefillTokens: 0, prefillRequests: 0, prefillPrefixTokens: 0, decodeRequests: 0, decodeKvTokens: 0};
    let prefillSq = 0;
    let decodeSq = 0;
    for (const req of scheduled) {
      req.admittedMs ??= nowMs;
      const isDecode = req.scheduled === 1 && req.generatedTokens > 0 && req.computedTokens === req.promptTokens + req.generatedTokens - 1;
      if (isDecode) {
        shape.decodeRequests++;
        shape.decodeKvTokens += req.computedTokens + 1;
        decodeSq += (req.computedTokens + 1) ** 2;
      } else {
        shape.prefillRequests++;
        shape.prefillTokens += req.scheduled;
        shape.prefillPrefixTokens! += req.computedTokens;
        prefillSq += req.scheduled ** 2;
      }
    }
    if (groupCount > 0) {
      shape.decodeRequests += groupCount;
      shape.decodeKvTokens += group!.kvSum;
      decodeSq += group!.kvSumSq;
    }
    const durationMs = scheduled.length + groupCount > 0 ? this.stepMs(shape) : 0;
    const it: Iteration = {
      scheduled, preempted, shape, startMs: nowMs, durationsMs: [durationMs], endsMs: [nowMs + durationMs], iterations: 1,
      varPrefillLength: variance(shape.prefillRequests, shape.prefillTokens, prefillSq),
      sumSqDecodeKvTokens: decodeSq,
      groupCount,
    };
    if (!group && maxIterations > 1 && preempted.length === 0 && shape.prefillRequests === 0 && scheduled.length === this.running.length && this.waiting.length === 0 && !this.recordTokenTimes) {
      this.fastForward(it, maxIterations, horizonMs);
    }
    return it;
  }

  /** Cut a fast-forward to the iterations that start before `beforeMs` (at least the first). */
  truncate(it: Iteration, beforeMs: number): void {
    let k = 1;
    while (k < it.iterations && it.endsMs[k - 1]! < beforeMs) k++;
    it.iterations = k;
    it.durationsMs.length = k;
    it.endsMs.length = k;
  }

  /** Apply an iteration's effects as of its end. */
  complete(it: Iteration): StepResult {
    const k = it.iterations;
    const endMs = it.endsMs[k - 1]!;
    const {scheduled, preempted, shape} = it;
    if (k > 1) {
      // Every scheduled request decodes k - 1 more tokens: allocate their blocks as the single
      // iterations would have (fastForward checked they fit).
      for (const req of scheduled) {
        req.scheduled = k;
        if (!this.kv.allocate(req, req.computedTokens + k)) throw new Error('decode fast-forward ran out of KV blocks');
      }
    }
    const kvUsage = this.kv.usage;

    const emitted: SimRequest[] = [];
    const finished: SimRequest[] = [];
    for (const req of scheduled) {
      // A fast-forward's requests each emit k tokens (the last k - 1 are decodes).
      const extra = k > 1 ? k - 1 : 0;
      req.computedTokens += req.scheduled;
      req.scheduled = 0;
      this.kv.register(req, Math.min(req.computedTokens, req.promptTokens));
      if (req.computedTokens < req.promptTokens + req.generatedTokens + extra) continue;
      req.generatedTokens += 1 + extra;
      this.totals.generatedTokens += 1 + extra;
      if (req.firstTokenMs === undefined) req.firstTokenMs = it.endsMs[0];
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
    if (it.groupCount > 0) {
      const now = endMs;
      this.totals.generatedTokens += it.groupCount;
      for (const req of this.group!.advance()) {
        req.state = 'finished';
        req.lastTokenMs = now;
        req.finishMs = now;
        this.kv.release(req);
        finished.push(req);
        this.totals.finished++;
      }
    }
    if (this.group) {
      // Requests whose next step is a decode join the group.
      let moved = false;
      for (const req of scheduled) {
        // generatedTokens > 0: a prompt chunked to one token short of its end still prefills.
        if (req.state === 'running' && req.generatedTokens > 0 && req.computedTokens === req.promptTokens + req.generatedTokens - 1) {
          this.group.add(req, req.admitSeq!);
          moved = true;
        }
      }
      if (moved || finished.length > 0) this.running = this.running.filter((r) => r.state === 'running' && !this.group!.has(r));
    } else if (finished.length > 0) this.running = this.running.filter((r) => r.state === 'running');

    this.totals.iterations += k;
    this.totals.preemptions += preempted.length;
    // Every decode length of the last covered iteration is k - 1 longer than in the first.
    const shift = k - 1;
    const lastKvTokens = shape.decodeKvTokens + shift * shape.decodeRequests;
    const lastSumSq = it.sumSqDecodeKvTokens + 2 * shift * shape.decodeKvTokens + shift * shift * shape.decodeRequests;
    return {
      metrics: {
        iterations: k,
        spanStartMs: it.startMs,
        startMs: k > 1 ? it.endsMs[k - 2]! : it.startMs,
        endMs,
        durationMs: it.durationsMs[k - 1]!,
        scheduledPrefillTokens: shape.prefillTokens,
        scheduledPrefillRequests: shape.prefillRequests,
        prefillPrefixTokens: shape.prefillPrefixTokens!,
        decodeRequests: shape.decodeRequests,
        decodeKvTokens: lastKvTokens,
        queuedRequests: this.waiting.length,
        queuedPrefillTokens: this.waiting.pendingTokens,
        runningRequests: this.numRunning,
        kvUsage,
        preemptions: preempted.length,
        varPrefillLength: it.varPrefillLength,
        varDecodeKvTokens: variance(shape.decodeRequests, lastKvTokens, lastSumSq),
        queued: {
          numPrefillRequests: this.waiting.prefill.count,
          sumPrefillTokens: this.waiting.prefill.sum,
          varPrefillLength: this.waiting.prefill.variance,
          numDecodeRequests: this.waiting.decode.count,
          sumDecodeKvTokens: this.waiting.decode.sum,
          varDecodeKvTokens: this.waiting.decode.variance,
        },
      },
      emitted,
      finished,
      preempted,
    };
  }

  private stepMs(shape: IterationShape): number {
    const ms = this.perfModel.stepMs(shape);
    if (!(ms >= 0) || !Number.isFinite(ms)) throw new Error(`perf model ${this.perfModel.name} returned ${ms} ms for ${JSON.stringify(shape)}`);
    return ms;
  }

  /** Extend a decode-only iteration over the next identical-batch iterations (see the header). */
  private fastForward(it: Iteration, maxIterations: number, horizonMs: number): void {
    const reqs = it.scheduled;
    let k = maxIterations;
    for (const req of reqs) k = Math.min(k, req.outputTokens - req.generatedTokens);
    if (k <= 1) return;
    // KV: after k iterations each request holds blocks for computed + k tokens.
    const free = this.kv.freeBlocks;
    const fits = (n: number): boolean => {
      let need = 0;
      for (const req of reqs) need += Math.max(0, this.kv.blocksFor(req.computedTokens + n) - req.blockCount);
      return need <= free;
    };
    if (!fits(k)) {
      let lo = 1;
      let hi = k;
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (fits(mid)) lo = mid;
        else hi = mid;
      }
      k = lo;
    }
    const n = it.shape.decodeRequests;
    let end = it.endsMs[0]!;
    for (let j = 1; j < k && end < horizonMs; j++) {
      const d = this.stepMs({prefillTokens: 0, prefillRequests: 0, prefillPrefixTokens: 0, decodeRequests: n, decodeKvTokens: it.shape.decodeKvTokens + j * n});
      end += d;
      it.durationsMs.push(d);
      it.endsMs.push(end);
    }
    it.iterations = it.endsMs.length;
  }

  /** Would the group's decodes plus every other running request's full want fit in the budget and KV? Then no order or preemption question arises. */
  private groupFits(group: DecodeGroup): boolean {
    let tokens = group.count;
    let blocks = group.blocksNeeded;
    for (const req of this.running) {
      const want = pendingTokens(req);
      tokens += want;
      blocks += Math.max(0, this.kv.blocksFor(req.computedTokens + want) - req.blockCount);
    }
    return tokens <= this.maxNumBatchedTokens && blocks <= this.kv.freeBlocks;
  }

  /** Back to scheduling every request one by one, in running (admission) order. */
  private ungroup(): void {
    const members = this.group!.takeAll();
    this.running = [...this.running, ...members].sort((a, b) => a.admitSeq! - b.admitSeq!);
  }

  private preempt(req: SimRequest): void {
    this.kv.release(req);
    req.state = 'waiting';
    req.computedTokens = 0;
    req.scheduled = 0;
    req.preemptions++;
  }
}
