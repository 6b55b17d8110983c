/**
 * The GPU budget band of the pinned version (notes E.13 item 4, Dynamo `core/budget.py`):
 * totals are kept within [minGpuBudget − tolerance, maxGpuBudget]; a negative bound is off;
 * the tolerance (one engine's GPUs) applies only when both bounds are on; the ceiling is never
 * relaxed. Pure integer replica math.
 */

export interface BudgetBand {
  minGpuBudget: number;
  maxGpuBudget: number;
  minEndpoint: number;
}

function inBand(total: number, band: BudgetBand, tolerance: number): boolean {
  if (band.maxGpuBudget >= 0 && total > band.maxGpuBudget) return false;
  if (band.minGpuBudget >= 0 && total < band.minGpuBudget - tolerance) return false;
  return true;
}

/** One component (Dynamo `proportional_clamp_single`). */
export function clampSingle(desired: number, engineGpu: number, band: BudgetBand): number {
  const {minGpuBudget: minGpus, maxGpuBudget: maxGpus, minEndpoint} = band;
  if (minGpus < 0 && maxGpus < 0) return desired;
  if (engineGpu <= 0) return desired;
  const total = desired * engineGpu;
  const tolerance = minGpus >= 0 && maxGpus >= 0 ? engineGpu : 0;
  if (inBand(total, band, tolerance)) return desired;
  if (maxGpus >= 0 && total > maxGpus) {
    if (maxGpus < minEndpoint * engineGpu) return 0;
    return Math.max(minEndpoint, Math.floor(maxGpus / engineGpu));
  }
  return Math.max(minEndpoint, Math.ceil(minGpus / engineGpu));
}

/** Prefill and decode together (Dynamo `proportional_clamp_pair`): proportional shrink or grow. */
export function clampPair(numP: number, numD: number, pGpu: number, dGpu: number, band: BudgetBand): [number, number] {
  const {minGpuBudget: minGpus, maxGpuBudget: maxGpus, minEndpoint} = band;
  if (minGpus < 0 && maxGpus < 0) return [numP, numD];
  if (pGpu <= 0 || dGpu <= 0) return [numP, numD];
  const total = numP * pGpu + numD * dGpu;
  const tolerance = minGpus >= 0 && maxGpus >= 0 ? Math.max(pGpu, dGpu) : 0;
  if (inBand(total, band, tolerance)) return [numP, numD];
  if (maxGpus >= 0 && total > maxGpus) {
    if (maxGpus < minEndpoint * pGpu + minEndpoint * dGpu) return [0, 0];
    const scale = maxGpus / total;
    const maxP = Math.floor((maxGpus - minEndpoint * dGpu) / pGpu);
    const newP = Math.max(minEndpoint, Math.min(maxP, Math.floor(numP * scale)));
    const newD = Math.max(minEndpoint, Math.floor((maxGpus - newP * pGpu) / dGpu));
    return [newP, newD];
  }
  let newP: number;
  if (total <= 0) {
    // nothing allocated: split the floor evenly, the remainder to decode
    newP = Math.max(minEndpoint, Math.ceil(minGpus / 2 / pGpu));
  } else {
    newP = Math.max(minEndpoint, Math.ceil(numP * (minGpus / total)));
  }
  const newD = Math.max(minEndpoint, Math.ceil(Math.max(0, minGpus - newP * pGpu) / dGpu));
  // the floor cannot be met under the ceiling with these step sizes: leave the input
  if (maxGpus >= 0 && newP * pGpu + newD * dGpu > maxGpus) return [numP, numD];
  return [newP, newD];
}

/** Dynamo `_apply_single_budget`: unknown GPU count leaves `desired`; else min endpoint, then the band. */
export function applySingleBudget(desired: number, engineGpu: number | undefined, band: BudgetBand): number {
  if (engineGpu === undefined) return desired;
  return clampSingle(Math.max(desired, band.minEndpoint), engineGpu, band);
}

/** Dynamo `_apply_global_budget`: either GPU count unknown leaves the pair. */
export function applyGlobalBudget(numP: number, numD: number, pGpu: number | undefined, dGpu: number | undefined, band: BudgetBand): [number, number] {
  if (pGpu === undefined || dGpu === undefined) return [numP, numD];
  return clampPair(numP, numD, pGpu, dGpu, band);
}
