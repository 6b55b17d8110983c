/**
 * Scheduler policies of the serving frameworks the simulated engine can imitate (DESIGN.md 6.2).
 * The engine (engine.ts) owns the queues and the KV cache; a policy decides how one iteration is
 * composed and when a waiting request may start.
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

export type BatchComposition = 'mixed' | 'prefill-first';
export type AdmissionRule = 'on-demand' | 'reserve-full' | 'reserve-ratio';

export interface SchedulerPolicy {
  name: SchedulerPolicyName;
  batching: BatchComposition;
  admission: AdmissionRule;
  /** Split any prompt to fill the token budget (vLLM, SGLang); else only prompts longer than the budget are split. */
  chunkAnyPrompt: boolean;
  /** One line for `simulate` and `assumptions`. */
  summary: string;
}

export const SCHEDULER_POLICY_NAMES = ['vllm', 'trtllm', 'sglang'] as const;
export type SchedulerPolicyName = (typeof SCHEDULER_POLICY_NAMES)[number];

export const SCHEDULER_POLICIES: Record<SchedulerPolicyName, SchedulerPolicy> = {
  vllm: {
    name: 'vllm',
    batching: 'mixed',
    admission: 'on-demand',
    chunkAnyPrompt: true,
    summary: 'vLLM V1: decodes first, chunked prefill fills the token budget, recompute preemption when KV runs out',
  },
  trtllm: {
    name: 'trtllm',
    batching: 'mixed',
    admission: 'reserve-full',
    chunkAnyPrompt: false,
    summary: 'TRT-LLM guaranteed-no-evict: KV for prompt + output reserved at admission (no preemption), decodes first, whole prompts per iteration',
  },
  sglang: {
    name: 'sglang',
    batching: 'prefill-first',
    admission: 'reserve-ratio',
    chunkAnyPrompt: true,
    summary: 'SGLang: prefill-only batches first (chunked), decode batches otherwise; admission reserves a decaying share of the remaining output, retraction when KV runs out',
  },
};

/** SGLang's new_token_ratio schedule (its defaults: init 0.7, min 0.7 x 0.14, 600 decay steps). */
export const SGLANG_INIT_NEW_TOKEN_RATIO = 0.7;
export const SGLANG_MIN_NEW_TOKEN_RATIO = 0.7 * 0.14;
export const SGLANG_NEW_TOKEN_RATIO_DECAY = (SGLANG_INIT_NEW_TOKEN_RATIO - SGLANG_MIN_NEW_TOKEN_RATIO) / 600;

export function resolveSchedulerPolicy(name: string): SchedulerPolicy {
  const key = name.trim().toLowerCase().replace(/[-_]/g, '');
  const found = SCHEDULER_POLICY_NAMES.find((n) => n === key || (key === 'tensorrtllm' && n === 'trtllm'));
  if (!found) throw badInput(`unknown scheduler policy "${name}"`, `valid policies: ${SCHEDULER_POLICY_NAMES.join(', ')}`);
  return SCHEDULER_POLICIES[found];
}
