/**
 * TP choice and planner thresholds, as Dynamo's pre-deployment profiler makes them (reference
 * notes, dynamo-planner.md A.4 steps 4-7). Pure.
 *
 * Choice (per phase): if no candidate meets its latency target, the one with the lowest latency
 * ("no TP satisfies", a warning); otherwise the highest tokens/s/GPU among those that meet it.
 * Ties go to the first candidate in the given order (NumPy's argmax/argmin return the first
 * index); callers pass candidates in ascending TP, so a tie picks the smaller TP.
 */

export interface PhaseCandidate {
  tp: number;
  /** TTFT (prefill) or ITL (decode) at the candidate's operating point, ms. */
  latencyMs: number;
  thptPerGpu: number;
  meetsSla: boolean;
}

export interface PhaseChoice {
  /** Index into the candidates. */
  index: number;
  tp: number;
  /** best-throughput: met the SLA; lowest-latency: nothing did. */
  rule: 'best-throughput' | 'lowest-latency';
  /** Set when no candidate meets the SLA. */
  warning?: string;
}

/** Dynamo's selection rule over candidates in the caller's order; null when there are none. */
export function choosePhase(candidates: readonly PhaseCandidate[], phase: 'prefill' | 'decode', targetMs: number): PhaseChoice | null {
  if (candidates.length === 0) return null;
  const meeting = candidates.map((c, i) => ({c, i})).filter(({c}) => c.meetsSla);
  if (meeting.length === 0) {
    let best = 0;
    for (let i = 1; i < candidates.length; i++) if (candidates[i].latencyMs < candidates[best].latencyMs) best = i;
    const what = phase === 'prefill' ? 'TTFT' : 'ITL';
    return {
      index: best,
      tp: candidates[best].tp,
      rule: 'lowest-latency',
      warning: `no TP meets the ${what} target of ${targetMs} ms for ${phase}; chose TP ${candidates[best].tp}, the lowest ${what} (${candidates[best].latencyMs.toFixed(2)} ms)`,
    };
  }
  let best = meeting[0];
  for (const m of meeting) if (m.c.thptPerGpu > best.c.thptPerGpu) best = m;
  return {index: best.i, tp: best.c.tp, rule: 'best-throughput'};
}

export interface Bounds {
  lower: number;
  upper: number;
}

/**
 * Prefill queue bounds for the load-based planner: `max(0.1, ttft * 1.2 / ttft_sel - 1)` and
 * `max(0.1, ttft * 0.8 / ttft_sel - 1)`, where ttft_sel is the chosen TP's TTFT at the ISL.
 */
export function prefillQueueBounds(ttftTargetMs: number, chosenTtftMs: number): Bounds {
  return {
    upper: Math.max(0.1, (ttftTargetMs * 1.2) / chosenTtftMs - 1),
    lower: Math.max(0.1, (ttftTargetMs * 0.8) / chosenTtftMs - 1),
  };
}

/**
 * Decode kv-usage bounds: with u = n_sel * (isl + osl/2) / max_kv_tokens (the chosen point's kv
 * usage), upper `min(1, u + 0.2)`, lower `max(0.1, u - 0.2)`.
 */
export function decodeKvBounds(chosenKvUsage: number): Bounds {
  return {upper: Math.min(1, chosenKvUsage + 0.2), lower: Math.max(0.1, chosenKvUsage - 0.2)};
}
