/**
 * A perf model maps one engine iteration to its wall time (DESIGN.md 2). Implementations: the
 * synthetic op-level model, a profile's regression fit, and a profile interpolator.
 */
export interface IterationShape {
  /** Prefill tokens scheduled in this iteration (sum of chunk lengths). */
  prefillTokens: number;
  /** Requests with a prefill chunk in this iteration. */
  prefillRequests: number;
  /** Tokens already in KV ahead of the prefill chunks (prefix of chunked or cached prompts). */
  prefillPrefixTokens?: number;
  /** Requests generating one token each in this iteration. */
  decodeRequests: number;
  /** KV tokens the decode requests attend over (sum of their context lengths). */
  decodeKvTokens: number;
}

export interface PerfModel {
  /** Short description for reports, e.g. "synthetic llama-3.1-8b h200_sxm tp1". */
  readonly name: string;
  /** GPUs one engine occupies (TP x PP), for per-GPU throughput. */
  readonly gpusPerEngine: number;
  /** KV-cache capacity of one engine, tokens. */
  readonly maxKvTokens: number;
  /** Wall time of one iteration, ms. */
  stepMs(step: IterationShape): number;
  /**
   * Fixed latency of each request outside engine iterations (tokenization, scheduling,
   * detokenization, the frontend), ms: it adds to TTFT and end-to-end time but occupies no
   * iteration. Absent for profile-based models, whose measured TTFT already holds it.
   */
  readonly perRequestMs?: number;
}
