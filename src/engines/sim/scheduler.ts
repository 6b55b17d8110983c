/**
 * The scheduling decision of one engine iteration: which requests run and how many tokens each
 * computes. Kept apart from the engine's bookkeeping (timing, effects, metrics) so that other
 * backends' policies can be added as further `SchedulerPolicy` functions.
 */
import type {KvCache} from './kv-cache.js';
import type {SimRequest} from './engine.js';

/** Uncomputed tokens of a request (its prompt, or prompt + generated after a preemption). */
export function pendingTokens(req: SimRequest): number {
  return req.promptTokens + req.generatedTokens - req.computedTokens;
}

/** A waiting request that only needs to decode: its prompt KV came from elsewhere (a prefill engine). */
export function isQueuedDecode(req: SimRequest): boolean {
  return req.generatedTokens > 0 && req.computedTokens > 0 && pendingTokens(req) === 1;
}

/** Count, sum and sum of squares of a quantity over a set, kept as requests come and go. */
class Moments {
  count = 0;
  sum = 0;
  sumSq = 0;

  add(x: number, sign: 1 | -1): void {
    this.count += sign;
    this.sum += sign * x;
    this.sumSq += sign * x * x;
  }

  /** Population variance (0 for fewer than two). */
  get variance(): number {
    if (this.count < 2) return 0;
    const mean = this.sum / this.count;
    return Math.max(0, this.sumSq / this.count - mean * mean);
  }
}

/**
 * FIFO of waiting requests. The head moves by index (no shifting), preempted requests go back in
 * front of it in amortized O(1), and the queue's forward-pass-metric sums (uncomputed prompt
 * tokens of prefill requests, KV tokens of requests that only decode) are running totals.
 */
export class WaitingQueue {
  private items: (SimRequest | undefined)[] = [];
  private head = 0;
  /** Uncomputed tokens of the queued prefill requests. */
  readonly prefill = new Moments();
  /** KV tokens (context + the token to decode) of the queued decode-only requests. */
  readonly decode = new Moments();

  get length(): number {
    return this.items.length - this.head;
  }

  /** Sum of `pendingTokens` over the queue. */
  get pendingTokens(): number {
    return this.prefill.sum + this.decode.count;
  }

  peek(): SimRequest | undefined {
    return this.items[this.head];
  }

  push(req: SimRequest): void {
    this.items.push(req);
    this.count(req, 1);
  }

  /** Remove the head. */
  shift(): SimRequest {
    const req = this.items[this.head]!;
    this.items[this.head++] = undefined;
    this.count(req, -1);
    if (this.head > 1024 && this.head * 2 > this.items.length) this.compact(0);
    return req;
  }

  /** Change a queued request's token counts (e.g. its cached prefix was taken) keeping the sums right. */
  update(req: SimRequest, change: () => void): void {
    this.count(req, -1);
    change();
    this.count(req, 1);
  }

  /** Put requests back in front of the head, in the given order. */
  unshiftAll(reqs: readonly SimRequest[]): void {
    if (reqs.length > this.head) this.compact(Math.max(reqs.length, this.length));
    for (let i = reqs.length - 1; i >= 0; i--) {
      this.items[--this.head] = reqs[i]!;
      this.count(reqs[i]!, 1);
    }
  }

  remove(req: SimRequest): boolean {
    const i = this.items.indexOf(req, this.head);
    if (i < 0) return false;
    this.count(req, -1);
    this.items.splice(i, 1);
    return true;
  }

  private count(req: SimRequest, sign: 1 | -1): void {
    if (isQueuedDecode(req)) this.decode.add(req.computedTokens + 1, sign);
    else this.prefill.add(pendingTokens(req), sign);
  }

  /** Rebuild with `room` free slots ahead of the head. */
  private compact(room: number): void {
    const rest = this.items.slice(this.head);
    this.items = new Array<SimRequest | undefined>(room).fill(undefined).concat(rest);
    this.head = room;
  }
}

/** What a policy may read and change. */
export interface SchedulerContext {
  /** Running requests, oldest first (the policy appends admitted ones and pops preempted ones). */
  readonly running: SimRequest[];
  readonly waiting: WaitingQueue;
  readonly kv: KvCache;
  readonly maxNumBatchedTokens: number;
  readonly maxNumSeqs: number;
  /** Requests running outside `running` this iteration (a decode group), already counted out of the budget and seats. */
  readonly otherRunning?: number;
  /** Free a request's KV and send it back to waiting state (the policy re-queues it). */
  preempt: (req: SimRequest) => void;
  /** A waiting request starts running (counts its prompt and prefix hits). */
  admitted: (req: SimRequest) => void;
}

export interface Schedule {
  /** Requests that compute `req.scheduled` tokens this iteration. */
  scheduled: SimRequest[];
  preempted: SimRequest[];
}

export type SchedulerPolicy = (ctx: SchedulerContext) => Schedule;

/**
 * vLLM v1:
 * 1. Running requests, oldest first, each take `tokens - computed` tokens (1 for a decode, the
 *    next chunk for a partly computed prompt), capped by the remaining `maxNumBatchedTokens`.
 *    When a running request cannot get the KV blocks it needs, the newest running request is
 *    preempted (recompute: its blocks are freed and it goes back to the head of the queue).
 * 2. Only when nothing was preempted: waiting requests, in arrival order, while budget is left and
 *    fewer than `maxNumSeqs` run: reuse a cached prefix (prefix caching), then schedule a chunk of
 *    the rest if its KV blocks are free; the first request that does not fit stops admission.
 */
export const vllmScheduler: SchedulerPolicy = (ctx) => {
  const {running, waiting, kv} = ctx;
  let budget = ctx.maxNumBatchedTokens;
  const scheduled: SimRequest[] = [];
  const preempted: SimRequest[] = [];

  for (let i = 0; i < running.length && budget > 0; i++) {
    const req = running[i]!;
    const want = Math.min(pendingTokens(req), budget);
    if (!allocateOrPreempt(ctx, req, want, preempted)) break;
    req.scheduled = want;
    budget -= want;
    scheduled.push(req);
  }
  if (preempted.length > 0) {
    preempted.sort((a, b) => a.arrivalMs - b.arrivalMs);
    waiting.unshiftAll(preempted);
    return {scheduled, preempted};
  }

  while (budget > 0 && running.length < ctx.maxNumSeqs && waiting.length > 0) {
    const req = waiting.peek()!;
    const total = req.promptTokens + req.generatedTokens;
    acquirePrefix(ctx, req);
    const want = Math.min(total - req.computedTokens, budget);
    if (!kv.allocate(req, req.computedTokens + want)) {
      if (running.length === 0 && scheduled.length === 0 && !ctx.otherRunning) {
        // Cannot happen for requests that passed add(); guard against a stuck engine.
        throw new Error(`request ${req.id} cannot be scheduled on an empty engine`);
      }
      break;
    }
    startRunning(ctx, req, want, scheduled);
    budget -= want;
  }
  return {scheduled, preempted};
};

/** A waiting request's first look at the cache: the cached prefix counts as computed (at least one token is left to compute the next token). */
export function acquirePrefix(ctx: SchedulerContext, req: SimRequest): void {
  if (req.computedTokens !== 0 || req.blockCount !== 0) return;
  const total = req.promptTokens + req.generatedTokens;
  ctx.waiting.update(req, () => {
    req.cachedTokens = ctx.kv.acquirePrefix(req, total - 1);
    req.computedTokens = req.cachedTokens;
  });
}

/** The waiting queue's head starts running with `want` tokens this iteration. */
export function startRunning(ctx: SchedulerContext, req: SimRequest, want: number, scheduled: SimRequest[]): void {
  ctx.waiting.shift();
  ctx.admitted(req);
  req.state = 'running';
  req.scheduled = want;
  ctx.running.push(req);
  scheduled.push(req);
}

/**
 * KV blocks for `want` more tokens of a running request, preempting the newest running requests
 * (recompute: back to waiting) until they fit; false when the request preempted itself.
 */
export function allocateOrPreempt(ctx: SchedulerContext, req: SimRequest, want: number, preempted: SimRequest[]): boolean {
  for (;;) {
    if (ctx.kv.allocate(req, req.computedTokens + want)) return true;
    const victim = ctx.running.pop()!;
    ctx.preempt(victim);
    preempted.push(victim);
    if (victim === req) return false;
  }
}
