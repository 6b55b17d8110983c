import {readFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {createSyntheticPerfModel} from '../../../src/engines/synthetic/index.js';
import type {Profile} from '../../../src/profile/types.js';
import {syntheticDecodePoint} from '../../../src/sweep/synthetic.js';
import {SHIPPED_PROFILE} from '../../helpers/cli.js';

// The targets (bench/synthetic-accuracy.ts prints the details): synthetic Llama-3.1-8B
// fp8 on one H200 with vLLM against Dynamo's measured profile.
describe('synthetic vs measured H200 Llama-3.1-8B-FP8 (vLLM)', () => {
  const ref = JSON.parse(readFileSync(path.join(SHIPPED_PROFILE, 'profile.json'), 'utf8')) as Profile;
  // The profile's vLLM kept a bf16 KV cache for this checkpoint (945,029 KV tokens), as bench/synthetic-accuracy.ts assumes.
  const model = createSyntheticPerfModel({model: 'nvidia/Llama-3.1-8B-Instruct-FP8', gpu: 'h200_sxm', tp: 1, quant: 'fp8', kvQuant: 'bf16', backend: 'vllm'});

  it('prefill TTFT MAPE over the 17 points <= 10 %', () => {
    const p = ref.prefill!;
    const errs = p.prefill_isl.map((isl, i) => Math.abs(model.ttftMs(isl) / p.prefill_ttft[i] - 1));
    expect(errs).toHaveLength(17);
    expect((100 * errs.reduce((a, b) => a + b, 0)) / errs.length).toBeLessThanOrEqual(10);
  });

  it('decode ITL MAPE over the 41 points <= 15 %', () => {
    const d = ref.decode!;
    const errs = d.x_kv_usage.map((x, i) => {
      const ctx = d.y_context_length[i];
      const n = Math.round((x * d.max_kv_tokens) / ctx);
      return Math.abs(syntheticDecodePoint(model, n, ctx).itlMs / d.z_itl[i] - 1);
    });
    expect(errs).toHaveLength(41);
    expect((100 * errs.reduce((a, b) => a + b, 0)) / errs.length).toBeLessThanOrEqual(15);
  });
});
