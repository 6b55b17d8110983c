/**
 * What the planner needs from a profile. The spline interpolators
 * (`src/profile/interpolate/spline.ts`) satisfy these structurally; tests may pass any model.
 */
export interface PrefillCapacity {
  /** TTFT at batch 1 for this ISL, ms. */
  ttftMs(isl: number): number;
  /** Prefill tokens/s/GPU at this ISL. */
  thptPerGpu(isl: number): number;
}

export interface DecodeCapacity {
  /** Best decode tokens/s/GPU with ITL <= target at this context length (ISL + OSL/2). */
  findBestThroughputPerGpu(itlTargetMs: number, contextLength: number): {thptPerGpu: number; itlMs: number; kvUsage: number};
}
