/**
 * Scheduler policies of the serving frameworks the simulated engine can imitate (DESIGN.md 6.2),
 * as functions of scheduler.ts's `SchedulerContext`: which requests run in an iteration, how
 * many tokens each computes, and when a waiting request may start.
 *
 * - vLLM V1: one mixed batch per iteration: running requests first (decodes, then the next chunk
 *   of partly computed prompts), then waiting requests, chunked to fill the token budget; KV is
 *   taken as needed and, when it runs out, the newest running request is preempted and recomputed.
 * - TRT-LLM (PyTorch backend, GUARANTEED_NO_EVICT capacity scheduler): a request starts only when
 *   KV for its whole length (prompt + output) can be reserved next to what the running requests
 *   still need, so it is never preempted; prompts run whole when they fit the remaining budget
 *   (chunked prefill is off by default; only a prompt longer than the budget is chunked).
 * - SGLang: prefill first: whenever a waiting request can be admitted, the iteration is a
 *   prefill-only batch (no decodes ride along, mixed chunks are off by default); otherwise all
 *   running requests decode. Admission reserves a decaying fraction (`new_token_ratio`, 0.7 down to
 *   0.098 over 600 decode steps, back to 0.7 after a retraction) of each request's remaining output;
 *   when KV still runs out, the newest request is retracted and recomputed.
 */
import {badInput} from '../../errors.js';
import {acquirePrefix, allocateOrPreempt, pendingTokens, startRunning, vllmScheduler, type Schedule, type SchedulerContext, type SchedulerPolicy} from './scheduler.js';
import type {SimRequest} from './engine.js';

export const SCHEDULER_POLICY_NAMES = ['vllm', 'trtllm', 'sglang'] as const;
export type SchedulerPolicyName = (typeof SCHEDULER_POLICY_NAMES)[number];

export interface SchedulerPolicyInfo {
  name: SchedulerPolicyName;
  /** One line for `simulate` and `assumptions`. */
  summary: string;
  /** A scheduler for one engine (policies with state, such as SGLang's, get their own). */
  create: () => SchedulerPolicy;
}

/** SGLang's new_token_ratio schedule (its defaults: init 0.7, min 0.7 x 0.14, 600 decay steps). */
export const SGLANG_INIT_NEW_TOKEN_RATIO = 0.7;
export const SGLANG_MIN_NEW_TOKEN_RATIO = 0.7 * 0.14;
export const SGLANG_NEW_TOKEN_RATIO_DECAY = (SGLANG_INIT_NEW_TOKEN_RATIO - SGLANG_MIN_NEW_TOKEN_RATIO) / 600;

const isDecode = (req: SimRequest): boolean => req.generatedTokens > 0 && pendingTokens(req) === 1;

/**
 * Running requests, oldest first, within `budget` tokens (`prefills` only those with prompt tokens
 * left, `decodes` only those generating, `all` both). A request that cannot get its KV blocks
 * preempts the newest running request (maybe itself), which goes back to the head of the queue.
 */
function scheduleRunning(ctx: SchedulerContext, budget: number, which: 'prefills' | 'decodes' | 'all', out: Schedule): number {
  const {running} = ctx;
  for (let i = 0; i < running.length && budget > 0; i++) {
    const req = running[i]!;
    const decode = isDecode(req);
    if ((which === 'prefills' && decode) || (which === 'decodes' && !decode)) continue;
    const want = Math.min(pendingTokens(req), budget);
    if (!allocateOrPreempt(ctx, req, want, out.preempted)) break;
    req.scheduled = want;
    budget -= want;
    out.scheduled.push(req);
  }
  if (out.preempted.length > 0) {
    out.preempted.sort((a, b) => a.arrivalMs - b.arrivalMs);
    ctx.waiting.unshiftAll(out.preempted);
  }
  return budget;
}

interface Admission {
  /** May the waiting request at the head start now, given what the running ones hold back? */
  allows: (req: SimRequest) => boolean;
  /** It started: count its reservation. */
  took: (req: SimRequest) => void;
  /** Split a prompt to fill the budget (else only the iteration's first prompt is split). */
  chunkAnyPrompt: boolean;
}

/** Admit waiting requests in order while budget, seats, the admission rule and KV blocks allow. */
function admitWaiting(ctx: SchedulerContext, budget: number, admission: Admission, out: Schedule): number {
  const {running, waiting, kv} = ctx;
  let prefillScheduled = out.scheduled.some((r) => !isDecode(r));
  while (budget > 0 && running.length < ctx.maxNumSeqs && waiting.length > 0) {
    const req = waiting.peek()!;
    if (running.length > 0 && !admission.allows(req)) break;
    const total = req.promptTokens + req.generatedTokens;
    acquirePrefix(ctx, req);
    const left = total - req.computedTokens;
    if (left > budget && !admission.chunkAnyPrompt && prefillScheduled) break;
    const want = Math.min(left, budget);
    if (!kv.allocate(req, req.computedTokens + want)) {
      if (running.length === 0 && out.scheduled.length === 0) throw new Error(`request ${req.id} cannot be scheduled on an empty engine`);
      break;
    }
    startRunning(ctx, req, want, out.scheduled);
    budget -= want;
    admission.took(req);
    prefillScheduled = true;
  }
  return budget;
}

/** TRT-LLM GUARANTEED_NO_EVICT: KV for prompt + output reserved at admission; whole prompts. */
export const trtllmScheduler: SchedulerPolicy = (ctx) => {
  const out: Schedule = {scheduled: [], preempted: []};
  const budget = scheduleRunning(ctx, ctx.maxNumBatchedTokens, 'all', out);
  if (out.preempted.length > 0) return out;
  // Blocks the running requests may still claim to reach their full length.
  let reserved = 0;
  const claim = (r: SimRequest) => Math.max(0, ctx.kv.blocksFor(r.promptTokens + r.outputTokens) - r.blockCount);
  for (const r of ctx.running) reserved += claim(r);
  admitWaiting(ctx, budget, {allows: (req) => reserved + claim(req) <= ctx.kv.freeBlocks, took: (req) => (reserved += claim(req)), chunkAnyPrompt: false}, out);
  return out;
};

/** SGLang: prefill-only batches first, else a decode batch of every running request; decaying reservation. */
export function createSglangScheduler(): SchedulerPolicy {
  let newTokenRatio = SGLANG_INIT_NEW_TOKEN_RATIO;
  return (ctx) => {
    const out: Schedule = {scheduled: [], preempted: []};
    const budget = scheduleRunning(ctx, ctx.maxNumBatchedTokens, 'prefills', out);
    if (out.preempted.length === 0) {
      let reservedTokens = 0;
      const claim = (r: SimRequest) => (r.outputTokens - r.generatedTokens) * newTokenRatio;
      for (const r of ctx.running) reservedTokens += claim(r);
      const allows = (req: SimRequest) => reservedTokens + pendingTokens(req) + claim(req) <= ctx.kv.freeBlocks * ctx.kv.blockSize;
      admitWaiting(ctx, budget, {allows, took: (req) => (reservedTokens += claim(req)), chunkAnyPrompt: true}, out);
    }
    if (out.scheduled.length === 0 && out.preempted.length === 0) {
      scheduleRunning(ctx, Infinity, 'decodes', out);
      newTokenRatio = out.preempted.length > 0 ? SGLANG_INIT_NEW_TOKEN_RATIO : Math.max(SGLANG_MIN_NEW_TOKEN_RATIO, newTokenRatio - SGLANG_NEW_TOKEN_RATIO_DECAY);
    }
    return out;
  };
}

export const SCHEDULER_POLICIES: Record<SchedulerPolicyName, SchedulerPolicyInfo> = {
  vllm: {
    name: 'vllm',
    summary: 'vLLM V1: decodes first, chunked prefill fills the token budget, recompute preemption when KV runs out',
    create: () => vllmScheduler,
  },
  trtllm: {
    name: 'trtllm',
    summary: 'TRT-LLM guaranteed-no-evict: KV for prompt + output reserved at admission (no preemption), decodes first, whole prompts per iteration',
    create: () => trtllmScheduler,
  },
  sglang: {
    name: 'sglang',
    summary: 'SGLang: prefill-only batches first (chunked), decode batches otherwise; admission reserves a decaying share of the remaining output, retraction when KV runs out',
    create: createSglangScheduler,
  },
};

export function resolveSchedulerPolicy(name: string): SchedulerPolicyInfo {
  const key = name.trim().toLowerCase().replace(/[-_]/g, '');
  const found = SCHEDULER_POLICY_NAMES.find((n) => n === key || (key === 'tensorrtllm' && n === 'trtllm'));
  if (!found) throw badInput(`unknown scheduler policy "${name}"`, `valid policies: ${SCHEDULER_POLICY_NAMES.join(', ')}`);
  return SCHEDULER_POLICIES[found];
}
