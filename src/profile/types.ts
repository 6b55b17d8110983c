/**
 * The profile (DESIGN.md 3.1). Array names, units and meaning follow Dynamo's profiler output
 * (`raw_data.npz`, `prefill_raw_data.json` / `decode_raw_data.json`) so nothing is lost either way.
 */

export type SourceKind = 'live' | 'synthetic' | 'import';

export interface EngineInfo {
  model: string;
  gpu: string;
  tp: number;
  gpusPerEngine: number;
  backend: string;
  quant?: string;
  /** KV-cache capacity of the engine, tokens. */
  maxKvTokens?: number;
  maxNumBatchedTokens?: number;
  maxNumSeqs?: number;
}

export interface ProfileSource {
  kind: SourceKind;
  endpoint?: string;
  createdAt: string;
  tool: string;
  /** Where the data came from (path, URL, provenance text). */
  origin?: string;
  license?: string;
  hardware?: string;
  [extra: string]: unknown;
}

/** NumPy dtype of an array as Dynamo wrote it, kept so export reproduces it exactly. */
export type NpyDtype = '<i8' | '<f8' | '<i4' | '<f4';

export interface PrefillData {
  /** Input sequence lengths, tokens, strictly increasing. */
  prefill_isl: number[];
  /** Time to first token at batch 1, ms. */
  prefill_ttft: number[];
  /** Prefill throughput, tokens/s/GPU. */
  prefill_thpt_per_gpu: number[];
}

export interface DecodeData {
  /** Active KV usage, fraction of max_kv_tokens in 0..1. */
  x_kv_usage: number[];
  /** Average context length ISL + OSL/2, tokens. */
  y_context_length: number[];
  /** Inter-token latency, ms. */
  z_itl: number[];
  /** Decode throughput, tokens/s/GPU. */
  z_thpt_per_gpu: number[];
  /** KV-cache capacity, tokens. */
  max_kv_tokens: number;
}

export interface FitStats {
  r2: number;
  mapePct: number;
  maxErrPct: number;
  cvMapePct?: number;
  points: number;
}

export interface PrefillFit extends FitStats {
  /** TTFT(isl) = a + b*isl + c*isl^2, ms. */
  coefficients: {a: number; b: number; c: number};
}

export interface DecodeFit extends FitStats {
  /** ITL(n, ctx) = d + e*n + f*n*ctx, ms. */
  coefficients: {d: number; e: number; f: number};
}

export interface ProfileFits {
  prefill?: PrefillFit;
  decode?: DecodeFit;
}

export interface ProfileSpread {
  prefill_ttft_p10?: number[];
  prefill_ttft_p90?: number[];
  z_itl_p10?: number[];
  z_itl_p90?: number[];
}

export interface Profile {
  format: 'planner-profile';
  version: 1;
  engine: EngineInfo;
  source: ProfileSource;
  prefill?: PrefillData;
  decode?: DecodeData;
  fits?: ProfileFits;
  spread?: ProfileSpread;
  /** dtypes of the arrays as imported, so an NPZ export is byte-identical; defaults <i8 for ISLs/max_kv_tokens, <f8 else. */
  dtypes?: Record<string, NpyDtype>;
}

export const PROFILE_FILE = 'profile.json';
export const SAMPLES_FILE = 'samples.jsonl';
/** Samples a resumed sweep does not use (a partial point it measures again): moved here, never deleted. */
export const SUPERSEDED_SAMPLES_FILE = 'samples.superseded.jsonl';
