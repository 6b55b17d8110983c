/**
 * Replica formulas of Dynamo's SLA planner (notes D.6, v2025-08), pure. Correction factors are
 * parameters (the dry run passes 1, i.e. off).
 */
import {roundHalfEven} from '../stats.js';

export interface PrefillReplicaInput {
  /** Predicted requests in the next interval. */
  numReq: number;
  /** Predicted mean ISL, tokens. */
  isl: number;
  intervalS: number;
  /** Prefill tokens/s/GPU at this ISL (profile). */
  thptPerGpu: number;
  gpusPerEngine: number;
  /** Observed / expected TTFT; only ever lowers the estimate (min(1, .)). Default 1 (off). */
  pCorrection?: number;
}

/** `ceil(N * ISL / I * min(1, pCorr) / thptPerGpu / gpusPerEngine)` (before the min-endpoint floor). */
export function prefillReplicas(x: PrefillReplicaInput): number {
  const loadTokPerS = (x.numReq * x.isl / x.intervalS) * Math.min(1, x.pCorrection ?? 1);
  return Math.ceil(loadTokPerS / x.thptPerGpu / x.gpusPerEngine);
}

export interface DecodeReplicaInput {
  numReq: number;
  osl: number;
  intervalS: number;
  /** Best decode tokens/s/GPU with ITL <= target at context ISL + OSL/2 (profile). */
  thptPerGpu: number;
  gpusPerEngine: number;
}

/** `ceil(N * OSL / I / thptPerGpu / gpusPerEngine)` (before the min-endpoint floor). */
export function decodeReplicas(x: DecodeReplicaInput): number {
  return Math.ceil(x.numReq * x.osl / x.intervalS / x.thptPerGpu / x.gpusPerEngine);
}

/** ITL target the decode search uses: `itl / dCorrection` when the factor is > 0, else `itl`. */
export function correctedItlMs(itlMs: number, dCorrection = 1): number {
  return dCorrection > 0 ? itlMs / dCorrection : itlMs;
}

export interface BudgetInput {
  maxGpuBudget: number;
  minEndpoint: number;
  prefillGpus: number;
  decodeGpus: number;
}

/**
 * Min-endpoint floor then the v2025-08 GPU budget (what Dynamo's dry run applies):
 * if `P*pg + D*dg > budget`: `s = budget / total`, `P = max(min, round(P*s))`,
 * `D = max(min, round((budget - P*pg) / dg))`, with Python's round (half to even). The result can
 * still exceed the budget when the min-endpoint floor binds (reported, not hidden).
 */
export function applyClassicBudget(numP: number, numD: number, b: BudgetInput): {numP: number; numD: number; budgetApplied: boolean} {
  let p = Math.max(numP, b.minEndpoint);
  let d = Math.max(numD, b.minEndpoint);
  const total = p * b.prefillGpus + d * b.decodeGpus;
  if (total <= b.maxGpuBudget) return {numP: p, numD: d, budgetApplied: false};
  const scale = b.maxGpuBudget / total;
  p = Math.max(b.minEndpoint, roundHalfEven(p * scale));
  d = Math.max(b.minEndpoint, roundHalfEven((b.maxGpuBudget - p * b.prefillGpus) / b.decodeGpus));
  return {numP: p, numD: d, budgetApplied: true};
}

/**
 * The later (v2025-Q4 / v2026 `_apply_global_gpu_budget`) floor-based budget, which never
 * exceeds the budget: budget < 0 -> unchanged; total <= budget -> unchanged;
 * budget < min*(pg+dg) -> (0, 0); else floor-scaled with prefill capped so decode keeps its minimum.
 */
export function applyGlobalBudget(numP: number, numD: number, b: BudgetInput): {numP: number; numD: number} {
  if (b.maxGpuBudget < 0) return {numP, numD};
  const total = numP * b.prefillGpus + numD * b.decodeGpus;
  if (total <= b.maxGpuBudget) return {numP, numD};
  if (b.maxGpuBudget < b.minEndpoint * (b.prefillGpus + b.decodeGpus)) return {numP: 0, numD: 0};
  const scale = b.maxGpuBudget / total;
  const maxP = Math.floor((b.maxGpuBudget - b.minEndpoint * b.decodeGpus) / b.prefillGpus);
  const p = Math.max(b.minEndpoint, Math.min(maxP, Math.floor(numP * scale)));
  const d = Math.max(b.minEndpoint, Math.floor((b.maxGpuBudget - p * b.prefillGpus) / b.decodeGpus));
  return {numP: p, numD: d};
}
