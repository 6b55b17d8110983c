/**
 * Disaggregated layouts: how many requests/s one prefill or decode engine sustains at the SLA,
 * and the prefill/decode worker counts that match their rates best (AIC's rate matching, reference
 * notes aiconfigurator.md 2.7, without its fixed 0.9/0.92 degradation factors). Pure.
 *
 * Prefill under load: one engine serves requests one at a time (the profile's batch-1 TTFT S).
 * With Poisson arrivals it is an M/D/1 queue whose mean wait is rho * S / (2 (1 - rho)), so the
 * mean TTFT S + wait stays within the target T while rho <= 2h / (1 + 2h), h = T / S - 1. That
 * utilisation times 1/S is the engine's request rate at the SLA (AIC multiplies TTFT by a fixed
 * 1.8 instead). Decode: the profile's best tokens/s/GPU with ITL <= target, per engine, / OSL.
 */

/** Highest utilisation of an M/D/1 server with service time `serviceMs` whose mean sojourn is <= `targetMs`. */
export function md1MaxUtilisation(serviceMs: number, targetMs: number): number {
  if (!(serviceMs > 0) || targetMs < serviceMs) return 0;
  const h = targetMs / serviceMs - 1;
  return (2 * h) / (1 + 2 * h);
}

/** Requests/s one prefill engine sustains with mean TTFT <= target (0 when batch-1 TTFT alone misses it). */
export function prefillEngineRps(ttftMs: number, ttftTargetMs: number): number {
  return (md1MaxUtilisation(ttftMs, ttftTargetMs) * 1000) / ttftMs;
}

/** Requests/s one decode engine sustains at its best tokens/s/GPU within the ITL target. */
export function decodeEngineRps(thptPerGpu: number, gpusPerEngine: number, osl: number): number {
  return (thptPerGpu * gpusPerEngine) / osl;
}

export interface PrefillOption {
  tp: number;
  gpus: number;
  /** Requests/s of one engine at the SLA. */
  rps: number;
  ttftMs: number;
}

export interface DecodeOption {
  tp: number;
  gpus: number;
  rps: number;
  itlMs: number;
}

export interface DisaggLayout {
  prefillTp: number;
  decodeTp: number;
  prefillWorkers: number;
  decodeWorkers: number;
  /** GPUs of one replica of the layout (prefill + decode workers). */
  gpus: number;
  /** Requests/s the layout serves: min(prefill, decode) capacity. */
  rps: number;
  /** Output tokens/s per GPU: rps * OSL / GPUs. */
  tokensPerSPerGpu: number;
  /** 1000 / ITL. */
  tokensPerSPerUser: number;
  ttftMs: number;
  itlMs: number;
}

export interface RateMatchOptions {
  osl: number;
  /** Most workers of each kind tried (AIC: 32). */
  maxWorkers?: number;
  /** Most GPUs one replica may use (e.g. the GPU budget). */
  maxGpus?: number;
  /**
   * Relative shortfall of tokens/s/GPU accepted for a smaller replica (default 0): a 31:37 ratio
   * that beats 5:6 by 0.3 % is not worth a 68-GPU unit of deployment.
   */
  tolerance?: number;
}

/**
 * Worker counts p, d in 1..maxWorkers maximising min(p * P, d * D) / (p * gp + d * gd) for one
 * prefill and one decode option; among counts within `tolerance` of the best, the smallest replica
 * (fewest GPUs), then fewer prefill workers. Null when no count fits maxGpus or an option serves nothing.
 */
export function rateMatch(prefill: PrefillOption, decode: DecodeOption, opts: RateMatchOptions): DisaggLayout | null {
  if (!(prefill.rps > 0) || !(decode.rps > 0)) return null;
  const maxWorkers = opts.maxWorkers ?? 32;
  const all: {p: number; d: number; gpus: number; rps: number; perGpu: number}[] = [];
  let bestPerGpu = 0;
  for (let p = 1; p <= maxWorkers; p++) {
    for (let d = 1; d <= maxWorkers; d++) {
      const gpus = p * prefill.gpus + d * decode.gpus;
      if (opts.maxGpus !== undefined && gpus > opts.maxGpus) continue;
      const rps = Math.min(p * prefill.rps, d * decode.rps);
      const perGpu = (rps * opts.osl) / gpus;
      all.push({p, d, gpus, rps, perGpu});
      bestPerGpu = Math.max(bestPerGpu, perGpu);
    }
  }
  const floor = bestPerGpu * (1 - (opts.tolerance ?? 0)) * (1 - 1e-12);
  let pick: (typeof all)[number] | undefined;
  for (const c of all) {
    if (c.perGpu < floor) continue;
    if (!pick || c.gpus < pick.gpus || (c.gpus === pick.gpus && c.perGpu > pick.perGpu * (1 + 1e-12))) pick = c;
  }
  if (!pick) return null;
  return {
    prefillTp: prefill.tp, decodeTp: decode.tp, prefillWorkers: pick.p, decodeWorkers: pick.d, gpus: pick.gpus, rps: pick.rps,
    tokensPerSPerGpu: pick.perGpu, tokensPerSPerUser: 1000 / decode.itlMs, ttftMs: prefill.ttftMs, itlMs: decode.itlMs,
  };
}

/** The best layout over every prefill x decode option pair (first pair wins ties). */
export function bestDisaggLayout(prefill: readonly PrefillOption[], decode: readonly DecodeOption[], opts: RateMatchOptions): DisaggLayout | null {
  let best: DisaggLayout | null = null;
  for (const p of prefill) {
    for (const d of decode) {
      const layout = rateMatch(p, d, opts);
      if (layout && (!best || layout.tokensPerSPerGpu > best.tokensPerSPerGpu * (1 + 1e-12))) best = layout;
    }
  }
  return best;
}
