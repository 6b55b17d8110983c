import type {IterationShape, PerfModel} from '../../src/engines/perf-model.js';

/**
 * A hand-checkable perf model for tests:
 * stepMs = baseMs + prefillMsPerToken * prefillTokens + decodeMsPerRequest * decodeRequests + decodeMsPerKvToken * decodeKvTokens.
 */
export function linearPerfModel(options: {baseMs?: number; prefillMsPerToken?: number; decodeMsPerRequest?: number; decodeMsPerKvToken?: number; maxKvTokens?: number; gpusPerEngine?: number} = {}): PerfModel {
  const baseMs = options.baseMs ?? 10;
  const prefill = options.prefillMsPerToken ?? 0.01;
  const decodeReq = options.decodeMsPerRequest ?? 1;
  const decodeKv = options.decodeMsPerKvToken ?? 0.001;
  return {
    name: 'linear test model',
    gpusPerEngine: options.gpusPerEngine ?? 1,
    maxKvTokens: options.maxKvTokens ?? 1_000_000,
    stepMs: (s: IterationShape) => baseMs + prefill * s.prefillTokens + decodeReq * s.decodeRequests + decodeKv * s.decodeKvTokens,
  };
}
